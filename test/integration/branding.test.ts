import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalStack, localStackSettingsFromEnv, startLocalStack } from '../../local/local-stack';
import { findFreePort } from '../../local/ports';
import { waitForEmails } from '../support/ses-local';

const EXAMPLES = join(__dirname, '..', '..', 'examples', 'email-templates');

async function freePorts() {
  return { port: await findFreePort(), dynamoDbPort: await findFreePort(), mailPort: await findFreePort() };
}

describe('branded emails on the local stack', () => {
  let stack: LocalStack | undefined;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'branding-local-stack-'));
    const fromEnv = localStackSettingsFromEnv({
      PRODUCT_NAME: 'Acme Studio',
      SUPPORT_EMAIL: 'help@acme.example',
      EMAIL_TEMPLATES_DIR: EXAMPLES,
    });
    // The ports and folder of this test, in place of the defaults of the variables left unset above.
    stack = await startLocalStack({ ...fromEnv, ...(await freePorts()), dataDir, authorizerCacheTtlSeconds: 0 });
  });

  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('sends the key in the templates of EMAIL_TEMPLATES_DIR, with the product name and support address', async () => {
    const local = stack!;
    const email = `brand-${randomUUID().slice(0, 8)}@example.com`;
    const displayName = 'Ada <b>Lovelace</b> & Co';

    const created = await fetch(`${local.scimBaseUrl}/Users`, {
      method: 'POST',
      headers: { Authorization: local.token, 'Content-Type': 'application/scim+json' },
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: email,
        displayName,
        emails: [{ primary: true, value: email, type: 'work' }],
        active: true,
      }),
    });
    const [sent] = await waitForEmails(local.mailViewerUrl, email, 1);

    expect(created.status).toBe(201);
    expect(sent?.subject).toBe('Your Acme Studio license key');
    expect(sent?.body.text).toMatch(
      /^Hello Ada <b>Lovelace<\/b> & Co,\n\nYour Acme Studio license key is:\n\n {4}[A-Z0-9-]{20,}\n/,
    );
    expect(sent?.body.text).toContain('Questions? Write to help@acme.example.');
    expect(sent?.body.html).toContain('<p>Hello Ada &lt;b&gt;Lovelace&lt;/b&gt; &amp; Co,</p>');
    expect(sent?.body.html).toContain('<a href="mailto:help@acme.example">help@acme.example</a>');
    expect(sent?.body.html).not.toContain('<b>Lovelace</b>');
  });
});

describe('a bad templates folder on the local stack', () => {
  it('stops npm start before anything runs, naming the file and the placeholder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'branding-bad-templates-'));
    cpSync(EXAMPLES, dir, { recursive: true });
    writeFileSync(join(dir, 'license-issued.txt'), '{{licenseKey}} {{licenceKey}}');

    const started = startLocalStack({
      ...(await freePorts()),
      dataDir: join(dir, 'data'),
      supportEmail: 'help@acme.example',
      emailTemplatesDir: dir,
    });

    await expect(started).rejects.toThrow(
      `EMAIL_TEMPLATES_DIR: email template ${join(dir, 'license-issued.txt')}: unknown placeholder {{licenceKey}}`,
    );
    rmSync(dir, { recursive: true, force: true });
  });
});
