import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  emailTemplatesDigest,
  loadEmailTemplates,
  serializeEmailTemplates,
} from '../../../lambda/adapters/email-template-files';
import {
  checkEmailTemplates,
  type EmailTemplates,
  renderLicenseIssued,
  renderLicenseRevoked,
} from '../../../lambda/domain/email-templates';
import { emailTemplatesFor } from '../../../lambda/wiring/email-templates';

const EXAMPLES = join(__dirname, '..', '..', '..', 'examples', 'email-templates');

const templates: EmailTemplates = {
  'license-issued': {
    text: '{{greeting}} {{ licenseKey }} for {{productName}}; help: {{supportEmail}}',
    html: '<p>{{greeting}}</p><b>{{licenseKey}}</b><a href="mailto:{{supportEmail}}">{{productName}}</a>',
  },
  'license-revoked': {
    text: 'Key ending {{keyHint}}. {{reason}} ({{displayName}})',
    html: '<p>Key ending {{keyHint}} of {{displayName}}. {{reason}}</p>',
  },
};
const branding = { productName: 'Acme <Studio>', supportEmail: 'help@acme.example', templates };
const hostile = '<img src=x onerror="alert(1)"> & Co';

function withTemplate(kind: keyof EmailTemplates, part: 'text' | 'html', source: string): EmailTemplates {
  return { ...templates, [kind]: { ...templates[kind], [part]: source } };
}

describe('custom email templates', () => {
  it('fills the key email, escaping every value in the HTML part and none in the text part', () => {
    const email = renderLicenseIssued({ displayName: hostile, licenseKey: 'AAAAA-BBBBB' }, branding);

    expect(email.subject).toBe('Your Acme <Studio> license key');
    expect(email.text).toBe(`Hello ${hostile}, AAAAA-BBBBB for Acme <Studio>; help: help@acme.example`);
    expect(email.html).toBe(
      '<p>Hello &lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; Co,</p><b>AAAAA-BBBBB</b>' +
        '<a href="mailto:help@acme.example">Acme &lt;Studio&gt;</a>',
    );
  });

  it('fills the revocation notice with the key hint, the reason and an empty name when there is none', () => {
    const email = renderLicenseRevoked({ keyHint: 'WXYZ', reason: 'deleted' }, branding);

    expect(email.subject).toBe('Your Acme <Studio> license has been deactivated');
    expect(email.text).toBe('Key ending WXYZ. Your account was removed from the application by your organization. ()');
    expect(email.html).toBe(
      '<p>Key ending WXYZ of . Your account was removed from the application by your organization.</p>',
    );
  });

  it('accepts the example templates of the repository', () => {
    const loaded = loadEmailTemplates(EXAMPLES, { supportEmail: 'help@acme.example' });

    const email = renderLicenseIssued({ licenseKey: 'KEY-1' }, { productName: 'Acme', templates: loaded });
    expect(email.text).toContain('    KEY-1\n');
    expect(email.html).toContain('>KEY-1</p>');
  });

  it.each([
    [
      'an unknown placeholder',
      withTemplate('license-issued', 'html', '{{licenseKey}} {{userName}}'),
      /unknown placeholder \{\{userName\}\}/,
    ],
    [
      'a placeholder of the other email',
      withTemplate('license-revoked', 'text', '{{keyHint}} {{licenseKey}}'),
      /license-revoked \(text\): unknown placeholder \{\{licenseKey\}\}/,
    ],
    [
      'a key email without the key',
      withTemplate('license-issued', 'text', 'Hello {{displayName}}'),
      /license-issued \(text\): required placeholder \{\{licenseKey\}\} is missing/,
    ],
    [
      'a notice without the key hint',
      withTemplate('license-revoked', 'html', '<p>{{reason}}</p>'),
      /license-revoked \(html\): required placeholder \{\{keyHint\}\} is missing/,
    ],
    [
      'an unclosed placeholder',
      withTemplate('license-issued', 'text', '{{licenseKey}} {{productName}'),
      /not part of a placeholder/,
    ],
  ])('refuses %s, naming the template and the placeholder', (_case, bad, message) => {
    expect(() => checkEmailTemplates(bad, { supportEmail: 'help@acme.example' })).toThrow(message);
  });

  it('refuses {{supportEmail}} when no support address is configured', () => {
    expect(() => checkEmailTemplates(templates, {})).toThrow(
      /license-issued \(text\): uses \{\{supportEmail\}\}, but no support email is configured/,
    );
  });
});

describe('templates directory', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'email-templates-'));
    for (const [kind, parts] of Object.entries(templates)) {
      writeFileSync(join(dir, `${kind}.txt`), parts.text);
      writeFileSync(join(dir, `${kind}.html`), parts.html);
    }
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the four files', () => {
    expect(loadEmailTemplates(dir, { supportEmail: 'help@acme.example' })).toEqual(templates);
  });

  it('names the missing file', () => {
    unlinkSync(join(dir, 'license-revoked.html'));

    expect(() => loadEmailTemplates(dir, { supportEmail: 'help@acme.example' })).toThrow(
      `email template ${join(dir, 'license-revoked.html')} cannot be read (ENOENT)`,
    );
  });

  it('names the file with the unknown placeholder', () => {
    writeFileSync(join(dir, 'license-issued.txt'), '{{licenseKey}} {{ seats }}');

    expect(() => loadEmailTemplates(dir, { supportEmail: 'help@acme.example' })).toThrow(
      `email template ${join(dir, 'license-issued.txt')}: unknown placeholder {{seats}}`,
    );
  });
});

describe('templates bundled into the mailer', () => {
  const config = { supportEmail: 'help@acme.example', emailTemplatesDigest: emailTemplatesDigest(templates) };

  it('are used when the environment names them by digest', () => {
    expect(emailTemplatesFor(config, serializeEmailTemplates(templates))).toEqual(templates);
  });

  it('are not used without a digest in the environment (built-in templates)', () => {
    expect(emailTemplatesFor({}, serializeEmailTemplates(templates))).toBeUndefined();
  });

  it('stop the mailer from starting when the bundle lacks them or carries others', () => {
    const other = withTemplate('license-issued', 'text', '{{licenseKey}}');

    expect(() => emailTemplatesFor(config, undefined)).toThrow(/this bundle carries no email templates/);
    expect(() => emailTemplatesFor(config, serializeEmailTemplates(other))).toThrow(
      `EMAIL_TEMPLATES_SHA256 names templates ${config.emailTemplatesDigest}, but this bundle carries ${emailTemplatesDigest(other)}`,
    );
  });
});
