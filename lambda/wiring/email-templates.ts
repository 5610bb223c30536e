import { emailTemplatesDigest, parseEmailTemplates } from '../adapters/email-template-files';
import { EnvironmentError } from '../contract/environment';
import { checkEmailTemplates, type EmailTemplates } from '../domain/email-templates';
import type { ServiceConfig } from './config';

// Replaced by esbuild's `define` (BUNDLED_EMAIL_TEMPLATES in lambda/contract/environment.ts) in the mailer bundle.
declare const __EMAIL_TEMPLATES__: string | undefined;

/** The serialized templates esbuild put into this bundle, or undefined when there are none (or no bundle). */
export function bundledEmailTemplates(): string | undefined {
  return typeof __EMAIL_TEMPLATES__ === 'undefined' ? undefined : __EMAIL_TEMPLATES__;
}

/**
 * The operator's templates when the environment names some (EMAIL_TEMPLATES_SHA256), else undefined (built-in ones).
 * A function whose code does not carry the named templates fails at its cold start instead of sending other emails.
 */
export function emailTemplatesFor(
  config: Pick<ServiceConfig, 'emailTemplatesDigest' | 'supportEmail'>,
  bundled: string | undefined = bundledEmailTemplates(),
): EmailTemplates | undefined {
  if (config.emailTemplatesDigest === undefined) return undefined;
  if (bundled === undefined) {
    throw new EnvironmentError('EMAIL_TEMPLATES_SHA256 is set, but this bundle carries no email templates');
  }
  const templates = parseEmailTemplates(bundled);
  const digest = emailTemplatesDigest(templates);
  if (digest !== config.emailTemplatesDigest) {
    throw new EnvironmentError(
      `EMAIL_TEMPLATES_SHA256 names templates ${config.emailTemplatesDigest}, but this bundle carries ${digest}`,
    );
  }
  checkEmailTemplates(templates, config);
  return templates;
}
