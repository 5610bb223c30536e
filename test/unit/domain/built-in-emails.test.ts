import {
  checkEmailTemplates,
  EmailTemplateError,
  type EmailTemplates,
  escapeHtml,
  renderLicenseIssued,
  renderLicenseRevoked,
  renderPlanChanged,
} from '../../../lambda/domain/email-templates';
import golden from './fixtures/built-in-emails.json';

/**
 * The built-in emails word for word, as users receive them: a change to their wording must show up here as a
 * deliberate change of the fixture, not slip through.
 */
describe('the built-in emails', () => {
  const full = { productName: 'Acme Studio', supportEmail: 'help@acme.example' };
  const bare = { productName: 'Acme Studio' };

  it.each([
    ['issued', () => renderLicenseIssued({ displayName: 'Ada', licenseKey: 'AAAAA-BBBBB-CCCCC' }, full)],
    ['issuedBare', () => renderLicenseIssued({ licenseKey: 'AAAAA-BBBBB-CCCCC' }, bare)],
    [
      'revokedDeactivated',
      () => renderLicenseRevoked({ displayName: 'Ada', keyHint: 'WXYZ', reason: 'deactivated' }, full),
    ],
    ['revokedDeleted', () => renderLicenseRevoked({ keyHint: 'WXYZ', reason: 'deleted' }, bare)],
    ['planChanged', () => renderPlanChanged({ displayName: 'Ada', keyHint: 'WXYZ', plan: 'pro' }, full)],
    ['planDefault', () => renderPlanChanged({ keyHint: 'WXYZ' }, bare)],
  ] as const)('%s reads as it always did', (name, render) => {
    expect(render()).toEqual(golden[name]);
  });

  it('keeps subjects to one line of at most 120 characters, control characters becoming spaces', () => {
    const subject = (productName: string) => renderLicenseIssued({ licenseKey: 'K' }, { productName }).subject;

    expect(subject('Acme\r\nBcc: x@y.z\u2028Studio')).toBe('Your Acme Bcc: x@y.z Studio license key');
    expect(renderPlanChanged({ keyHint: 'K', plan: '\tpro' }, { productName: 'A' }).subject).toBe(
      'Your A license is now on the  pro plan',
    );
    expect(subject('x'.repeat(200))).toBe(`Your ${'x'.repeat(115)}`);
  });
});

describe('checking an operator’s templates', () => {
  const valid: EmailTemplates = {
    'license-issued': { text: '{{licenseKey}}', html: '<b>{{licenseKey}}</b>' },
    'license-revoked': { text: '{{keyHint}}', html: '<b>{{keyHint}}</b>' },
  };

  it('names a missing template', () => {
    const missing = { ...valid, 'license-revoked': { text: '{{keyHint}}' } } as unknown as EmailTemplates;
    const missingKind = { 'license-issued': valid['license-issued'] } as unknown as EmailTemplates;

    expect(() => checkEmailTemplates(missing, {})).toThrow(
      new EmailTemplateError('email template license-revoked (html) is missing'),
    );
    expect(() => checkEmailTemplates(missingKind, {})).toThrow(
      new EmailTemplateError('email template license-revoked (text) is missing'),
    );
  });

  it('lists the allowed placeholders when one is unknown, and names a stray brace', () => {
    const unknown = { ...valid, 'license-revoked': { text: '{{keyHint}} {{key}}', html: '{{keyHint}}' } };
    const stray = { ...valid, 'license-issued': { text: '{{licenseKey}} }}', html: '{{licenseKey}}' } };

    expect(() => checkEmailTemplates(unknown, {}, (kind, part) => `${kind}.${part}`)).toThrow(
      new EmailTemplateError(
        'email template license-revoked.text: unknown placeholder {{key}} (allowed: {{productName}}, {{supportEmail}}, {{displayName}}, {{greeting}}, {{keyHint}}, {{reason}})',
      ),
    );
    expect(() => checkEmailTemplates(stray, {})).toThrow(
      new EmailTemplateError('email template license-issued (text): a "{{" or "}}" that is not part of a placeholder'),
    );
  });

  it('names the missing support address', () => {
    const withSupport = {
      ...valid,
      'license-issued': { text: '{{licenseKey}}', html: '{{licenseKey}} {{supportEmail}}' },
    };

    expect(() => checkEmailTemplates(withSupport, {})).toThrow(
      new EmailTemplateError(
        'email template license-issued (html): uses {{supportEmail}}, but no support email is configured (CDK context supportEmail, SUPPORT_EMAIL locally)',
      ),
    );
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters that matter in HTML text and attributes', () => {
    expect(escapeHtml(`<a href="x">O'Brien & Co</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;O&#39;Brien &amp; Co&lt;/a&gt;',
    );
  });
});
