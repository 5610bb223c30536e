import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { outboxToItem } from '../../lambda/adapters/dynamodb-license-writes';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb-local';
import { type LocalStack, startLocalStack } from '../../local/local-stack';
import { findFreePort } from '../../local/ports';
import { emailsTo, waitForEmails } from '../support/ses-local';

/**
 * `npm run admin` as an admin runs it: bin/admin.ts through tsx, in its own process, against a local stack started
 * like `npm start` (same DATA_DIR, DYNAMODB_PORT, PORT and MAIL_PORT environment).
 */

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let dataDir: string;
let stack: LocalStack;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'scim-admin-cli-'));
  stack = await startLocalStack({
    port: await findFreePort(),
    dynamoDbPort: await findFreePort(),
    mailPort: await findFreePort(),
    dataDir,
  });
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function admin(...args: string[]): Promise<Run> {
  return adminWith({}, ...args);
}

function adminWith(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      ['bin/admin.ts', ...args],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          DATA_DIR: dataDir,
          PORT: String(stack.settings.port),
          DYNAMODB_PORT: String(stack.settings.dynamoDbPort),
          MAIL_PORT: String(stack.settings.mailPort),
          NODE_NO_WARNINGS: '1',
          ...env,
        },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** `--json` prints exactly one JSON object. */
// biome-ignore lint/suspicious/noExplicitAny: tests navigate the printed object.
function json(run: Run): any {
  const lines = run.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!);
}

async function scim(token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${stack.scimBaseUrl}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      Accept: 'application/scim+json',
      ...(body === undefined ? {} : { 'Content-Type': 'application/scim+json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

function newUser(userName: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName,
    active: true,
    name: { givenName: 'Ada', familyName: 'Admin' },
    emails: [{ value: userName, type: 'work', primary: true }],
  };
}

describe('admin command line against the local stack', () => {
  let acme: { orgId: string; token: string };
  let acmeUserId: string;
  const userName = `ada-${Date.now().toString(36)}@acme.example`;

  it('org create --name Acme --seats 5 --local --json gives a working token for a separate organization', async () => {
    const run = await admin('org', 'create', '--name', 'Acme', '--seats', '5', '--local', '--json');
    const created = json(run);
    acme = { orgId: created.orgId, token: created.token };

    const post = await scim(acme.token, 'POST', '/Users', newUser(userName));
    acmeUserId = post.body.id;
    const fromAcme = await scim(acme.token, 'GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
    const fromDefault = await scim(
      stack.token,
      'GET',
      `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`,
    );
    const byIdFromDefault = await scim(stack.token, 'GET', `/Users/${acmeUserId}`);

    expect(run.code).toBe(0);
    expect(created).toEqual({
      orgId: expect.stringMatching(/^acme-[0-9a-z]{6}$/),
      name: 'Acme',
      seatLimit: 5,
      throttle: { tier: 'standard', ownKey: true, rateLimit: 10, burstLimit: 20 },
      scimBaseUrl: stack.scimBaseUrl,
      token: expect.stringMatching(new RegExp(`^scim_${created.orgId}_[A-Za-z0-9_-]{43}$`)),
      secretId: `scim-license-portal/org-token/${created.orgId}`,
      rotationAttached: false,
    });
    expect(post.status).toBe(201);
    expect(fromAcme.body.Resources.map((user: { id: string }) => user.id)).toEqual([acmeUserId]);
    expect(fromDefault.body).toMatchObject({ totalResults: 0, Resources: [] });
    expect(byIdFromDefault.status).toBe(404);
    expect(byIdFromDefault.body.schemas).toEqual([ERROR_SCHEMA]);
  });

  it('org list and org show describe the organization, its seats and its token', async () => {
    const list = json(await admin('org', 'list', '--local', '--json'));
    const show = json(await admin('org', 'show', '--org', acme.orgId, '--local', '--json'));

    expect(list.organizations.map((organization: { orgId: string }) => organization.orgId)).toEqual(
      expect.arrayContaining(['default', acme.orgId]),
    );
    expect(show).toMatchObject({
      orgId: acme.orgId,
      name: 'Acme',
      seatLimit: 5,
      stored: true,
      seats: { limit: 5 },
      token: {
        secretId: `scim-license-portal/org-token/${acme.orgId}`,
        ageDays: 0,
        inGracePeriod: false,
        rotationInProgress: false,
        rotation: { rotationEnabled: false },
      },
      emailBudget: {
        perRecipientPerWindow: 3,
        perOrganizationPerWindow: 500,
        windowMinutes: 60,
        sentThisWindow: expect.any(Number),
        recipientsWithHeldEmail: 0,
      },
    });
    expect(show.seats.used + show.seats.available).toBe(5);
  });

  it('org throttle moves the organization to another tier, shown by org show, and refuses an unknown tier', async () => {
    const moved = await admin('org', 'throttle', '--org', acme.orgId, '--tier', 'large', '--local', '--json');
    const show = json(await admin('org', 'show', '--org', acme.orgId, '--local', '--json'));
    const unknown = await admin('org', 'throttle', '--org', acme.orgId, '--tier', 'huge', '--local', '--json');
    const text = await admin('org', 'show', '--org', acme.orgId, '--local');

    expect(moved.code).toBe(0);
    expect(json(moved)).toMatchObject({
      orgId: acme.orgId,
      throttle: { tier: 'large', ownKey: true, rateLimit: 25, burstLimit: 50 },
    });
    expect(show.throttle).toEqual({ tier: 'large', ownKey: true, rateLimit: 25, burstLimit: 50 });
    expect(unknown.code).toBe(2);
    expect(json(unknown)).toEqual({
      error: { kind: 'usage', message: '--tier must be one of standard, large, got "huge"' },
    });
    expect(text.stdout).toContain('Throttle      large, 25 requests/s, burst 50');
  });

  it('license resend sends the same key again to the user', async () => {
    const first = await waitForEmails(stack.config.sesEndpoint!, userName, 1);

    const run = await admin('license', 'resend', '--org', acme.orgId, '--user', userName, '--local', '--json');
    const emails = await waitForEmails(stack.config.sesEndpoint!, userName, first.length + 1);

    const keys = emails.map((email) => /[0-9A-Z]{5}(?:-[0-9A-Z]{5}){5}/.exec(email.body.text ?? '')?.[0]);
    expect(run.code).toBe(0);
    expect(json(run)).toMatchObject({ orgId: acme.orgId, userId: acmeUserId, recipient: userName, sameKey: true });
    expect(keys[0]).toBeDefined();
    expect(keys).toEqual(emails.map(() => keys[0]));
  });

  it('mail redrive skips an email SES refused, and with --include-failed has the mailer send it once', async () => {
    const recipient = 'refused@example.com';
    const eventId = 'cli-redrive-license.issued';
    const dynamo = new DynamoDBClient({
      endpoint: stack.config.dynamoEndpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    const intent = {
      eventId,
      type: 'license-issued' as const,
      orgId: acme.orgId,
      licenseId: 'cli-redrive-license',
      userId: 'cli-redrive-user',
      recipient,
      keyHint: 'ABCDE',
      createdAt: new Date().toISOString(),
    };
    // As markFailed leaves it: its insert reaches the mailer, whose claim sees failedAt and sends nothing.
    const item = { ...outboxToItem(intent, Math.floor(Date.now() / 1000) + 3600), failedAt: intent.createdAt };
    await dynamo.send(new PutItemCommand({ TableName: stack.config.licensesTable, Item: marshall(item) }));
    dynamo.destroy();

    const plain = await admin('mail', 'redrive', '--org', acme.orgId, '--local', '--json');
    const included = await admin('mail', 'redrive', '--include-failed', '--local', '--json');
    const emails = await waitForEmails(stack.config.sesEndpoint!, recipient, 1);
    const again = await admin('mail', 'redrive', '--include-failed', '--local');

    expect(plain.code).toBe(0);
    expect(json(plain).emails.filter((email: { eventId: string }) => email.eventId === eventId)).toEqual([
      {
        orgId: acme.orgId,
        eventId,
        type: 'license-issued',
        createdAt: intent.createdAt,
        outcome: 'failed',
        failedAt: intent.createdAt,
      },
    ]);
    expect(included.code).toBe(0);
    expect(json(included).emails).toContainEqual(expect.objectContaining({ eventId, outcome: 'requested' }));
    expect(emails).toHaveLength(1);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain(eventId);
    expect(await emailsTo(stack.config.sesEndpoint!, recipient)).toHaveLength(1);
  });

  it('token rotate makes a new token current while the old one keeps working during the grace period', async () => {
    const run = await admin('token', 'rotate', '--org', acme.orgId, '--grace-hours', '2', '--local', '--json');
    const rotated = json(run);

    const withNew = await scim(rotated.token, 'GET', `/Users/${acmeUserId}`);
    const withOld = await scim(acme.token, 'GET', `/Users/${acmeUserId}`);
    const show = json(await admin('org', 'show', '--org', acme.orgId, '--local', '--json'));

    expect(run.code).toBe(0);
    expect(rotated.token).toMatch(new RegExp(`^scim_${acme.orgId}_`));
    expect(rotated.token).not.toBe(acme.token);
    expect(Date.parse(rotated.previousTokenExpiresAt) - Date.now()).toBeGreaterThan(1.9 * 3_600_000);
    expect(withNew.status).toBe(200);
    expect(withOld.status).toBe(200);
    expect(withNew.body.id).toBe(acmeUserId);
    expect(show.token).toMatchObject({ inGracePeriod: true, previousTokenExpiresAt: rotated.previousTokenExpiresAt });
  });

  it('token revoke-previous ends the grace period, and says so in text', async () => {
    const run = await admin('token', 'revoke-previous', '--org', acme.orgId, '--local');
    const show = json(await admin('org', 'show', '--org', acme.orgId, '--local', '--json'));

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`The previous API token of ${acme.orgId} is revoked`);
    expect(show.token.inGracePeriod).toBe(false);
  });

  it('seats set changes the limit and prints it for people', async () => {
    const run = await admin('seats', 'set', '--org', acme.orgId, '--seats', '7', '--local');
    const show = json(await admin('org', 'show', '--org', acme.orgId, '--local', '--json'));

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Seats of ${acme.orgId}: \\d+ of 7 seats used`));
    expect(run.stderr).toContain('Setting the seat limit');
    expect(show.seats.limit).toBe(7);
  });

  it('plans set, plans default and plans list set up plans by group and show them', async () => {
    const pro = await admin(
      'plans',
      'set',
      '--org',
      acme.orgId,
      '--plan',
      'pro',
      '--group',
      'Bruno Pro',
      '--group',
      'Pro EU',
      '--seats',
      '20',
      '--local',
    );
    const team = json(
      await admin(
        'plans',
        'set',
        '--org',
        acme.orgId,
        '--plan',
        'team',
        '--group',
        'Team',
        '--rank',
        '0',
        '--local',
        '--json',
      ),
    );
    const defaulted = await admin('plans', 'default', '--org', acme.orgId, '--plan', 'basic', '--local');
    const listed = json(await admin('plans', 'list', '--org', acme.orgId, '--local', '--json'));
    const text = await admin('plans', 'list', '--org', acme.orgId, '--local');
    const refused = await admin('plans', 'set', '--org', acme.orgId, '--plan', 'Pro Plan', '--group', 'X', '--local');

    expect(pro.code).toBe(0);
    expect(pro.stdout).toContain(
      `Plan of ${acme.orgId}: pro (rank 0, seats 0 / 20) for members of "Bruno Pro", "Pro EU".`,
    );
    expect(team.plan).toEqual({ name: 'team', rank: 0, seatLimit: null, seatsUsed: 0, groups: ['Team'] });
    expect(defaulted.stdout).toContain('now have plan basic');
    expect(listed).toEqual({
      orgId: acme.orgId,
      defaultPlan: 'basic',
      plans: [
        { name: 'pro', rank: 0, seatLimit: 20, seatsUsed: 0, groups: ['Bruno Pro', 'Pro EU'] },
        { name: 'team', rank: 0, seatLimit: null, seatsUsed: 0, groups: ['Team'] },
      ],
    });
    expect(text.stdout).toMatch(/PLAN +RANK +SEATS +GROUPS\n/);
    expect(text.stdout).toMatch(/pro +0 +0 \/ 20 +Bruno Pro, Pro EU/);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('a plan name is 1 to 40 lower-case letters');
  });

  it('plans delete removes a plan, and says so when there is no such plan', async () => {
    await admin('plans', 'set', '--org', acme.orgId, '--plan', 'trial', '--group', 'Trial', '--local');

    const deleted = await admin('plans', 'delete', '--org', acme.orgId, '--plan', 'trial', '--local');
    const listed = json(await admin('plans', 'list', '--org', acme.orgId, '--local', '--json'));
    const again = await admin('plans', 'delete', '--org', acme.orgId, '--plan', 'trial', '--local');

    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toMatch(new RegExp(`^Plan trial of ${acme.orgId} deleted; \\d+ plans? left\\.`));
    expect(listed.plans.map((plan: { name: string }) => plan.name)).not.toContain('trial');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('plan trial not found');
  });

  it('prints usage and exits 2 on a wrong flag, as one JSON object with --json', async () => {
    const text = await admin('org', 'create', '--nme', 'Acme', '--local');
    const asJson = await admin('org', 'show', '--local', '--json');

    expect(text.code).toBe(2);
    expect(text.stderr).toContain('Usage: npm run admin -- <command>');
    expect(text.stderr).toContain("Unknown option '--nme'");
    expect(asJson.code).toBe(2);
    expect(json(asJson)).toEqual({ error: { kind: 'usage', message: 'org show needs --org' } });
  });

  it('exits 1 with a readable error when the command fails', async () => {
    const run = await admin('org', 'show', '--org', 'nobody-000000', '--local');

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error: organization nobody-000000 does not exist');
    expect(run.stdout).toBe('');
  });

  it("prints the admin API's problem details as one line, and as one JSON object with --json", async () => {
    const text = await admin('seats', 'set', '--org', 'nobody-000000', '--seats', '3', '--local');
    const asJson = await admin(
      'license',
      'show',
      '--org',
      'default',
      '--user',
      'nobody@example.com',
      '--local',
      '--json',
    );

    expect(text.code).toBe(1);
    expect(text.stderr.trim().split('\n')).toEqual([
      'Setting the seat limit of nobody-000000 in the local stack on port ' + `${stack.settings.port}…`,
      'error: organization nobody-000000 does not exist (404 Not Found)',
    ]);
    expect(asJson.code).toBe(1);
    expect(json(asJson)).toEqual({
      error: {
        kind: 'problem',
        status: 404,
        title: 'Not Found',
        type: 'about:blank',
        message: 'organization default has no user nobody@example.com',
      },
    });
  });

  it('says the local stack is not running, on which port, and how to start it', async () => {
    const port = await findFreePort();
    const run = await adminWith({ PORT: String(port) }, 'org', 'list', '--local');
    const asJson = await adminWith({ PORT: String(port) }, 'org', 'list', '--local', '--json');

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: local stack not running on port ${port}, start it with npm start`);
    expect(run.stdout).toBe('');
    expect(asJson.code).toBe(1);
    expect(json(asJson).error.message).toMatch(
      new RegExp(`^local stack not running on port ${port}, start it with npm start`),
    );
  });

  it('reaches a deployed-style admin API by --url or ADMIN_API_URL, signed with credentials from the AWS chain', async () => {
    const credentials = {
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_REGION: 'us-east-1',
      AWS_PROFILE: '',
      AWS_CONFIG_FILE: join(dataDir, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dataDir, 'no-aws-credentials'),
    };
    const origin = `http://localhost:${stack.settings.port}`;
    const byFlag = await adminWith(credentials, 'org', 'show', '--org', 'default', '--url', origin, '--json');
    const byEnv = await adminWith({ ...credentials, ADMIN_API_URL: `${origin}/admin` }, 'org', 'list');
    const wrongKey = await adminWith(
      { ...credentials, AWS_SECRET_ACCESS_KEY: 'not-the-local-secret' },
      'org',
      'list',
      '--url',
      origin,
    );
    const both = await admin('org', 'list', '--local', '--url', origin);

    expect(byFlag.code).toBe(0);
    expect(json(byFlag)).toMatchObject({
      orgId: 'default',
      name: expect.any(String),
      seats: { used: expect.any(Number) },
    });
    expect(byEnv.code).toBe(0);
    expect(byEnv.stdout).toMatch(/^ORG ID\s+NAME\s+SEATS USED \/ LIMIT\s+THROTTLE\s+CREATED$/m);
    expect(byEnv.stdout).toMatch(/^default\s/m);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain(
      'error: The request signature we calculated does not match the signature you provided. (403 Forbidden)',
    );
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--local works on this machine; --stack, --region and --url name a deployed stack');
  });
  it('activity, license show and usage tell support what happened to a user and to the seats', async () => {
    expect((await admin('seats', 'set', '--org', 'default', '--seats', '1', '--local')).code).toBe(0);
    const jane = `jane-${Date.now().toString(36)}@default.example`;
    const bob = `bob-${Date.now().toString(36)}@default.example`;
    const created = await scim(stack.token, 'POST', '/Users', newUser(jane));
    const refused = await scim(stack.token, 'POST', '/Users', newUser(bob));
    const deactivated = await scim(stack.token, 'PATCH', `/Users/${created.body.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    expect([created.status, refused.status, deactivated.status]).toEqual([201, 403, 200]);

    const activity = json(await admin('activity', '--org', 'default', '--since', '1h', '--local', '--json'));
    const ours = activity.activity.filter((record: { name?: string }) => record.name === jane || record.name === bob);
    expect(
      ours.map((record: { operation: string; name: string; result: string; licenseEffects: string[] }) => [
        record.operation,
        record.name,
        record.result,
        record.licenseEffects,
      ]),
    ).toEqual([
      ['create', jane, 'ok', ['license issued', 'email queued']],
      ['create', bob, 'refused', ['seat refused']],
      ['deactivate', jane, 'ok', ['license revoked', 'email queued']],
    ]);
    const text = await admin('activity', '--org', 'default', '--local');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/create\s+User\s+bob-\S+\s+refused 403: no license seats available/);
    const byUser = json(await admin('activity', '--org', 'default', '--user', jane.toUpperCase(), '--local', '--json'));
    expect(byUser.activity.map((record: { operation: string }) => record.operation)).toEqual(['create', 'deactivate']);

    const shown = json(await admin('license', 'show', '--org', 'default', '--user', jane, '--local', '--json'));
    expect(shown).toMatchObject({ userName: jane, active: false });
    expect(shown.licenses).toEqual([
      expect.objectContaining({
        status: 'revoked',
        keyLastCharacters: expect.stringMatching(/^[0-9A-Z]{4,5}$/),
        revocationReason: 'deactivated',
        revokedAt: expect.any(String),
        emails: [
          expect.objectContaining({ type: 'license-issued', status: expect.any(String) }),
          expect.objectContaining({ type: 'license-revoked', status: expect.any(String) }),
        ],
      }),
    ]);
    expect(JSON.stringify(shown)).not.toContain(`"recipient"`);

    const usage = json(await admin('usage', '--org', 'default', '--local', '--json'));
    expect(usage.seatsUsed).toBe(0);
    expect(usage.points.slice(-2).map((point: { seatsUsed: number }) => point.seatsUsed)).toEqual([1, 0]);
  });
});
