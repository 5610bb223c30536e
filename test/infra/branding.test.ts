import { cpSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../bin/app';
import { emailTemplatesDigest, loadEmailTemplates } from '../../lambda/adapters/email-template-files';
import { ENVIRONMENT_NAMES } from '../../lambda/contract/environment';
import { CDK_JSON_CONTEXT, logicalIdOf, NO_BUNDLING, SENDER_EMAIL, synthScimStack } from './support/app';

const EXAMPLES = join(__dirname, '..', '..', 'examples', 'email-templates');

function mailerEnvironment(context: Record<string, unknown>): Record<string, unknown> {
  const { stack, template } = synthScimStack(context);
  const mailer = template.findResources('AWS::Lambda::Function')[logicalIdOf(stack.licenseMailer.function.function)];
  return mailer?.Properties.Environment.Variables;
}

function synth(context: Record<string, unknown>): () => void {
  return () =>
    createApp({ context: { ...CDK_JSON_CONTEXT, senderEmail: SENDER_EMAIL, ...NO_BUNDLING, ...context } }).synth();
}

describe('branding context', () => {
  it('gives the mailer the product name, the support address and the digest of the checked templates', () => {
    const env = mailerEnvironment({
      productName: 'Acme Studio',
      supportEmail: 'help@acme.example',
      emailTemplatesDir: EXAMPLES,
    });

    expect(env).toMatchObject({
      [ENVIRONMENT_NAMES.productName]: 'Acme Studio',
      [ENVIRONMENT_NAMES.supportEmail]: 'help@acme.example',
      [ENVIRONMENT_NAMES.emailTemplatesDigest]: emailTemplatesDigest(
        loadEmailTemplates(EXAMPLES, { supportEmail: 'help@acme.example' }),
      ),
    });
  });

  it('leaves the built-in templates and product name in place without context', () => {
    const env = mailerEnvironment({});

    expect(env[ENVIRONMENT_NAMES.productName]).toBeUndefined();
    expect(env[ENVIRONMENT_NAMES.supportEmail]).toBeUndefined();
    expect(env[ENVIRONMENT_NAMES.emailTemplatesDigest]).toBeUndefined();
  });

  it('keeps the templates out of the environment, which Lambda limits to 4 KB', () => {
    const env = mailerEnvironment({ supportEmail: 'help@acme.example', emailTemplatesDir: EXAMPLES });

    expect(JSON.stringify(env)).not.toContain('{{licenseKey}}');
  });

  it('refuses a supportEmail that is not an address', () => {
    expect(synth({ supportEmail: 'helpdesk' })).toThrow('CDK context "supportEmail" must be an email address');
  });
});

describe('email templates at synth time', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bad-templates-'));
    cpSync(EXAMPLES, dir, { recursive: true });
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('fail synthesis on an unknown placeholder, naming the file and the placeholder', () => {
    writeFileSync(join(dir, 'license-revoked.html'), '<p>{{keyHint}} {{userName}}</p>');

    expect(synth({ supportEmail: 'help@acme.example', emailTemplatesDir: dir })).toThrow(
      `CDK context "emailTemplatesDir": email template ${join(dir, 'license-revoked.html')}: unknown placeholder {{userName}}`,
    );
  });

  it('fail synthesis when the key email lacks the key', () => {
    writeFileSync(join(dir, 'license-issued.txt'), 'Hello {{displayName}}, welcome to {{productName}}.');

    expect(synth({ supportEmail: 'help@acme.example', emailTemplatesDir: dir })).toThrow(
      `email template ${join(dir, 'license-issued.txt')}: required placeholder {{licenseKey}} is missing`,
    );
  });

  it('fail synthesis when a file is missing', () => {
    unlinkSync(join(dir, 'license-issued.html'));

    expect(synth({ supportEmail: 'help@acme.example', emailTemplatesDir: dir })).toThrow(
      `email template ${join(dir, 'license-issued.html')} cannot be read (ENOENT)`,
    );
  });

  it('fail synthesis when they use {{supportEmail}} and no supportEmail is given', () => {
    expect(synth({ emailTemplatesDir: dir })).toThrow(/uses \{\{supportEmail\}\}, but no support email is configured/);
  });
});
