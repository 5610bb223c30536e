/**
 * Every email the service sends, in one place: subject, HTML and text parts. Values that come from users or
 * configuration are HTML-escaped in the HTML part; the text part is plain text and needs no escaping.
 */

import { DomainError } from './errors';

export interface RenderedEmail {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

export interface EmailBranding {
  /** The product the license is for, e.g. "Acme Studio". */
  readonly productName: string;
  /** Where users get help. @default no support line */
  readonly supportEmail?: string;
  /** An operator's own bodies of the emails (checked by checkEmailTemplates). @default the built-in ones */
  readonly templates?: EmailTemplates;
}

export type EmailKind = 'license-issued' | 'license-revoked';
export type TemplatePart = 'text' | 'html';

/** The bodies of both emails; subjects stay built-in (they are headers, and carry the product name). */
export type EmailTemplates = { readonly [K in EmailKind]: { readonly [P in TemplatePart]: string } };

/** The file of each template in a templates directory (CDK context `emailTemplatesDir`, `EMAIL_TEMPLATES_DIR`). */
export const EMAIL_TEMPLATE_FILES: { readonly [K in EmailKind]: { readonly [P in TemplatePart]: string } } = {
  'license-issued': { text: 'license-issued.txt', html: 'license-issued.html' },
  'license-revoked': { text: 'license-revoked.txt', html: 'license-revoked.html' },
};

const COMMON_PLACEHOLDERS = ['productName', 'supportEmail', 'displayName', 'greeting'] as const;

/**
 * The placeholders each email's templates may use, and those they must use: an email without the key it exists to
 * deliver, or a revocation notice that does not say which key stopped working, is refused before it can be deployed.
 */
export const EMAIL_PLACEHOLDERS: {
  readonly [K in EmailKind]: { readonly allowed: readonly string[]; readonly required: readonly string[] };
} = {
  'license-issued': { allowed: [...COMMON_PLACEHOLDERS, 'licenseKey'], required: ['licenseKey'] },
  'license-revoked': { allowed: [...COMMON_PLACEHOLDERS, 'keyHint', 'reason'], required: ['keyHint'] },
};

/** A template that cannot be rendered as written; the message names the template and the placeholder. */
export class EmailTemplateError extends DomainError {}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/**
 * Checks every template against its email's placeholders. `describe` names a template in the messages (a file path
 * at synth time). `{{supportEmail}}` without a configured support address is refused too: it would render empty.
 */
export function checkEmailTemplates(
  templates: EmailTemplates,
  branding: Pick<EmailBranding, 'supportEmail'>,
  describe: (kind: EmailKind, part: TemplatePart) => string = (kind, part) => `${kind} (${part})`,
): void {
  for (const kind of Object.keys(EMAIL_PLACEHOLDERS) as EmailKind[]) {
    const { allowed, required } = EMAIL_PLACEHOLDERS[kind];
    for (const part of ['text', 'html'] as const) {
      const source = templates[kind]?.[part];
      const name = describe(kind, part);
      if (typeof source !== 'string') throw new EmailTemplateError(`email template ${name} is missing`);
      const used = new Set<string>();
      for (const match of source.matchAll(PLACEHOLDER)) {
        // Stryker disable next-line StringLiteral: the placeholder pattern always captures its group (empty for "{{}}"), so the fallback is never used
        const placeholder = match[1] ?? '';
        if (!allowed.includes(placeholder)) {
          throw new EmailTemplateError(
            `email template ${name}: unknown placeholder {{${placeholder}}} (allowed: ${allowed.map((p) => `{{${p}}}`).join(', ')})`,
          );
        }
        used.add(placeholder);
      }
      // Stryker disable next-line StringLiteral: what replaces the placeholders holds no brace, whatever it is, so only stray braces remain to find
      const leftover = source.replace(PLACEHOLDER, '');
      if (leftover.includes('{{') || leftover.includes('}}')) {
        throw new EmailTemplateError(`email template ${name}: a "{{" or "}}" that is not part of a placeholder`);
      }
      for (const placeholder of required) {
        if (!used.has(placeholder)) {
          throw new EmailTemplateError(`email template ${name}: required placeholder {{${placeholder}}} is missing`);
        }
      }
      if (used.has('supportEmail') && !branding.supportEmail) {
        throw new EmailTemplateError(
          `email template ${name}: uses {{supportEmail}}, but no support email is configured (CDK context supportEmail, SUPPORT_EMAIL locally)`,
        );
      }
    }
  }
}

/** Fills a checked template; in HTML every value is escaped, since display names come from the customer's IdP. */
function fill(source: string, values: Readonly<Record<string, string>>, part: TemplatePart): string {
  return source.replace(PLACEHOLDER, (_match, name: string) => {
    // Stryker disable next-line StringLiteral: templates are checked before they are filled, and every allowed placeholder has a value
    const value = values[name] ?? '';
    return part === 'html' ? escapeHtml(value) : value;
  });
}

export interface LicenseIssuedEmail {
  readonly displayName?: string;
  /** The plaintext key: exists only while the email is rendered and sent. */
  readonly licenseKey: string;
}

export interface LicenseRevokedEmail {
  readonly displayName?: string;
  /** The last characters of the revoked key, so the user knows which key stopped working. */
  readonly keyHint: string;
  readonly reason?: 'deactivated' | 'deleted';
}

export interface PlanChangedEmail {
  readonly displayName?: string;
  /** The last characters of the key, which stays the same. */
  readonly keyHint: string;
  /** The plan now; undefined when the organization names no default plan. */
  readonly plan?: string;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

/**
 * Subject lines are single-line headers: no control characters, bounded length. Every subject begins and ends with
 * the template's own words, so none starts or ends with a space left by a control character.
 */
function headerSafe(value: string): string {
  return value.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').slice(0, 120);
}

function revocationReason(reason: LicenseRevokedEmail['reason']): string {
  return reason === 'deleted'
    ? 'Your account was removed from the application by your organization.'
    : 'Your access to the application was removed by your organization.';
}

function greeting(displayName: string | undefined): string {
  return displayName ? `Hello ${displayName},` : 'Hello,';
}

function commonValues(branding: EmailBranding, displayName: string | undefined): Record<string, string> {
  return {
    productName: branding.productName,
    // Stryker disable next-line StringLiteral: a checked template uses {{supportEmail}} only when a support address is configured
    supportEmail: branding.supportEmail ?? '',
    displayName: displayName ?? '',
    greeting: greeting(displayName),
  };
}

function supportLine(branding: EmailBranding): { text: string; html: string } {
  if (!branding.supportEmail) return { text: '', html: '' };
  const address = escapeHtml(branding.supportEmail);
  return {
    text: `\nQuestions? Write to ${branding.supportEmail}.\n`,
    html: `<p>Questions? Write to <a href="mailto:${address}">${address}</a>.</p>`,
  };
}

function layout(title: string, body: string): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">',
    `<title>${title}</title></head>`,
    '<body style="font-family:Arial,Helvetica,sans-serif;line-height:1.5;color:#1a1a1a;max-width:560px;margin:0 auto;padding:24px">',
    body,
    '</body></html>',
  ].join('\n');
}

export function renderLicenseIssued(email: LicenseIssuedEmail, branding: EmailBranding): RenderedEmail {
  const product = branding.productName;
  const support = supportLine(branding);
  const subject = headerSafe(`Your ${product} license key`);
  if (branding.templates) {
    const values = { ...commonValues(branding, email.displayName), licenseKey: email.licenseKey };
    const templates = branding.templates['license-issued'];
    return { subject, text: fill(templates.text, values, 'text'), html: fill(templates.html, values, 'html') };
  }
  const text = [
    greeting(email.displayName),
    '',
    `You have been given a license for ${product}. Your license key is:`,
    '',
    `    ${email.licenseKey}`,
    '',
    'To activate it:',
    `  1. Open ${product}.`,
    '  2. Choose "Enter license key" (in the Help menu, or on the start screen).',
    '  3. Paste the key above and confirm.',
    '',
    'Keep this key to yourself: it is tied to your account. If your access is removed, the key stops working and',
    'you will get an email about it.',
    support.text,
  ].join('\n');
  const html = layout(
    escapeHtml(subject),
    [
      `<p>${escapeHtml(greeting(email.displayName))}</p>`,
      `<p>You have been given a license for ${escapeHtml(product)}. Your license key is:</p>`,
      `<p style="font-family:Consolas,Menlo,monospace;font-size:20px;letter-spacing:1px;background:#f3f4f6;padding:12px 16px;border-radius:6px">${escapeHtml(email.licenseKey)}</p>`,
      '<p>To activate it:</p>',
      '<ol>',
      `<li>Open ${escapeHtml(product)}.</li>`,
      '<li>Choose <strong>Enter license key</strong> (in the Help menu, or on the start screen).</li>',
      '<li>Paste the key above and confirm.</li>',
      '</ol>',
      '<p>Keep this key to yourself: it is tied to your account. If your access is removed, the key stops working and you will get an email about it.</p>',
      support.html,
    ].join('\n'),
  );
  return { subject, html, text };
}

export function renderLicenseRevoked(email: LicenseRevokedEmail, branding: EmailBranding): RenderedEmail {
  const product = branding.productName;
  const support = supportLine(branding);
  const subject = headerSafe(`Your ${product} license has been deactivated`);
  const why = revocationReason(email.reason);
  if (branding.templates) {
    const values = { ...commonValues(branding, email.displayName), keyHint: email.keyHint, reason: why };
    const templates = branding.templates['license-revoked'];
    return { subject, text: fill(templates.text, values, 'text'), html: fill(templates.html, values, 'html') };
  }
  const text = [
    greeting(email.displayName),
    '',
    `Your ${product} license key ending in ${email.keyHint} has been deactivated and no longer works.`,
    why,
    '',
    'If you think this is a mistake, contact your IT administrator. If your access is restored, you will receive',
    'a new license key by email.',
    support.text,
  ].join('\n');
  const html = layout(
    escapeHtml(subject),
    [
      `<p>${escapeHtml(greeting(email.displayName))}</p>`,
      `<p>Your ${escapeHtml(product)} license key ending in <strong>${escapeHtml(email.keyHint)}</strong> has been deactivated and no longer works.</p>`,
      `<p>${escapeHtml(why)}</p>`,
      '<p>If you think this is a mistake, contact your IT administrator. If your access is restored, you will receive a new license key by email.</p>',
      support.html,
    ].join('\n'),
  );
  return { subject, html, text };
}

export function renderPlanChanged(email: PlanChangedEmail, branding: EmailBranding): RenderedEmail {
  const product = branding.productName;
  const support = supportLine(branding);
  const planName = email.plan === undefined ? 'the standard plan' : `the ${email.plan} plan`;
  const subject = headerSafe(`Your ${product} license is now on ${planName}`);
  const text = [
    greeting(email.displayName),
    '',
    `Your organization changed your ${product} license to ${planName}.`,
    `Your license key ending in ${email.keyHint} stays the same: there is nothing to enter again. ${product} shows`,
    'the new plan the next time it checks the license.',
    '',
    'If you think this is a mistake, contact your IT administrator.',
    support.text,
  ].join('\n');
  const html = layout(
    escapeHtml(subject),
    [
      `<p>${escapeHtml(greeting(email.displayName))}</p>`,
      `<p>Your organization changed your ${escapeHtml(product)} license to <strong>${escapeHtml(planName)}</strong>.</p>`,
      `<p>Your license key ending in <strong>${escapeHtml(email.keyHint)}</strong> stays the same: there is nothing to enter again. ${escapeHtml(product)} shows the new plan the next time it checks the license.</p>`,
      '<p>If you think this is a mistake, contact your IT administrator.</p>',
      support.html,
    ].join('\n'),
  );
  return { subject, html, text };
}
