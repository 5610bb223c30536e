import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  checkEmailTemplates,
  EMAIL_TEMPLATE_FILES,
  type EmailBranding,
  type EmailKind,
  EmailTemplateError,
  type EmailTemplates,
  type TemplatePart,
} from '../domain/email-templates';

/**
 * Reads and checks a directory of email templates (the files of EMAIL_TEMPLATE_FILES), for `cdk synth` and the local
 * stack alike, so an operator's templates fail the same way in both, naming the file: before anything is deployed.
 */
export function loadEmailTemplates(dir: string, branding: Pick<EmailBranding, 'supportEmail'>): EmailTemplates {
  const root = resolve(dir);
  const read = (kind: EmailKind, part: TemplatePart): string => {
    const file = join(root, EMAIL_TEMPLATE_FILES[kind][part]);
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new EmailTemplateError(`email template ${file} cannot be read (${(error as NodeJS.ErrnoException).code})`, {
        cause: error,
      });
    }
  };
  const templates: EmailTemplates = {
    'license-issued': { text: read('license-issued', 'text'), html: read('license-issued', 'html') },
    'license-revoked': { text: read('license-revoked', 'text'), html: read('license-revoked', 'html') },
  };
  checkEmailTemplates(templates, branding, (kind, part) => join(root, EMAIL_TEMPLATE_FILES[kind][part]));
  return templates;
}

/** Names one set of templates: the stack sets it in the mailer's environment, the mailer checks its bundle against it. */
export function emailTemplatesDigest(templates: EmailTemplates): string {
  return createHash('sha256').update(serializeEmailTemplates(templates)).digest('hex');
}

/** A stable text form (fixed key order), embedded in the mailer's bundle. */
export function serializeEmailTemplates(templates: EmailTemplates): string {
  return JSON.stringify(
    (Object.keys(EMAIL_TEMPLATE_FILES) as EmailKind[]).map((kind) => [
      kind,
      templates[kind].text,
      templates[kind].html,
    ]),
  );
}

export function parseEmailTemplates(serialized: string): EmailTemplates {
  const entries = JSON.parse(serialized) as unknown;
  const byKind = new Map<string, { text: string; html: string }>();
  if (Array.isArray(entries)) {
    for (const entry of entries) {
      if (!Array.isArray(entry)) continue;
      const [kind, text, html] = entry as unknown[];
      if (typeof kind === 'string' && typeof text === 'string' && typeof html === 'string') {
        byKind.set(kind, { text, html });
      }
    }
  }
  const issued = byKind.get('license-issued');
  const revoked = byKind.get('license-revoked');
  if (!issued || !revoked) throw new EmailTemplateError('the bundled email templates are malformed');
  return { 'license-issued': issued, 'license-revoked': revoked };
}
