import { randomUUID } from 'node:crypto';
import { isOutboxDelivery } from '../../lambda/contract/outbox-stream-filter';
import { createMailerHandler } from '../../lambda/handlers/mailer';
import { createValidateLicenseHandler } from '../../lambda/handlers/validate-license';
import { startApiServer } from '../../local/api-gateway-adapter';
import { ensureLocalSigningKey } from '../../local/license-signing-key';
import { type LocalServiceConfig, localAdapters } from '../../local/local-adapters';
import { adminRoute } from '../../local/local-admin';
import { type StreamPoller, startStreamPoller } from '../../local/stream-poller';
import { adminCall, scimCall } from '../support/admin-api';
import { testConfig } from '../support/dynamodb';
import { sesEndpoint, waitForEmails } from '../support/ses-local';

/**
 * License plans by group over HTTP on the local stack: the admin API sets plans up (signed), Okta-style group PATCHes
 * change the users' plans, the validation route answers them, and the mailer (fed by the stream poller) sends the
 * plan change emails to aws-ses-v2-local.
 */

const SIGNING_KEY_SECRET_ID = 'test/plans-signing-key';
const KEY_IN_TEXT = /\b([0-9A-HJKMNP-TV-Z]{5}(?:-[0-9A-HJKMNP-TV-Z]{5}){5})\b/;

interface PlanStack {
  readonly origin: string;
  scim(method: string, path: string, body?: unknown): ReturnType<typeof scimCall>;
  // biome-ignore lint/suspicious/noExplicitAny: tests navigate the answers.
  validate(licenseKey: string): Promise<any>;
  close(): Promise<void>;
}

async function startPlanStack(label: string): Promise<PlanStack> {
  const base = await testConfig({ label });
  ensureLocalSigningKey(base.config.localSecretsDir!, SIGNING_KEY_SECRET_ID);
  const config: LocalServiceConfig = {
    ...base.config,
    signingKeySecretId: SIGNING_KEY_SECRET_ID,
    senderEmail: 'licenses@example.com',
    sesEndpoint: sesEndpoint(),
    productName: 'Acme Studio',
  };
  const server = await startApiServer({
    port: 0,
    config,
    authorizerCacheTtlSeconds: 0,
    iamRoutes: [adminRoute(config)],
    extraRoutes: [
      {
        method: 'POST',
        path: '/licenses/validate',
        handler: createValidateLicenseHandler(config, localAdapters(config)),
      },
    ],
  });
  let poller: StreamPoller | undefined;
  poller = await startStreamPoller({
    endpoint: config.dynamoEndpoint!,
    tableName: config.licensesTable,
    handler: createMailerHandler(config, { ...localAdapters(config), failureDelayMs: () => 0 }),
    filter: isOutboxDelivery,
    pollIntervalMs: 50,
    retryDelayMs: 100,
    maxRetryDelayMs: 400,
  });
  return {
    origin: server.url,
    scim: (method, path, body) => scimCall(server.scimBaseUrl, base.token, method, path, body),
    async validate(licenseKey) {
      const response = await fetch(`${server.url}/licenses/validate`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ licenseKey }),
      });
      return response.json();
    },
    async close() {
      await poller?.stop();
      poller = undefined;
      await server.close();
      await base.cleanup();
    },
  };
}

describe('plans through the admin API', () => {
  let stack: PlanStack;

  beforeAll(async () => {
    stack = await startPlanStack('plans-admin');
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('defines plans by group, lists them highest rank first with their seats, and sets the default plan', async () => {
    const pro = await adminCall(stack.origin, 'PUT', '/organizations/default/plans/pro', {
      body: { groups: ['Bruno Pro'], seatLimit: 20 },
    });
    await adminCall(stack.origin, 'PUT', '/organizations/default/plans/team', {
      body: { groups: ['Bruno Team'], rank: 0 },
    });
    const defaulted = await adminCall(stack.origin, 'PUT', '/organizations/default/default-plan', {
      body: { plan: 'basic' },
    });
    const listed = await adminCall(stack.origin, 'GET', '/organizations/default/plans');

    expect(pro).toMatchObject({
      status: 200,
      body: { name: 'pro', rank: 0, seatLimit: 20, seatsUsed: 0, groups: ['Bruno Pro'] },
    });
    expect(defaulted.status).toBe(200);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      orgId: 'default',
      defaultPlan: 'basic',
      plans: [
        { name: 'pro', rank: 0, seatLimit: 20, seatsUsed: 0, groups: ['Bruno Pro'] },
        { name: 'team', rank: 0, seatLimit: null, seatsUsed: 0, groups: ['Bruno Team'] },
      ],
    });
  });

  it('refuses a plan name the product could not match, and an organization that does not exist', async () => {
    const badName = await adminCall(stack.origin, 'PUT', '/organizations/default/plans/Pro%20Plan', {
      body: { groups: ['Pro'] },
    });
    const noOrg = await adminCall(stack.origin, 'GET', '/organizations/nobody-here/plans');

    expect(badName.status).toBe(400);
    expect(badName.body.detail).toMatch(/plan name/);
    expect(noOrg.status).toBe(404);
  });
});

function newUser(email: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: email,
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [{ primary: true, value: email, type: 'work' }],
    active: true,
  };
}

function membersPatch(op: 'add' | 'remove', userIds: readonly string[]) {
  return {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations:
      op === 'add'
        ? [{ op: 'add', path: 'members', value: userIds.map((value) => ({ value })) }]
        : userIds.map((id) => ({ op: 'remove', path: `members[value eq "${id}"]` })),
  };
}

describe('plans follow group membership, over HTTP', () => {
  let stack: PlanStack;
  /** Per user: id, email and license key (from its license email). */
  const users: { id: string; email: string; key: string }[] = [];
  let groupId: string;

  beforeAll(async () => {
    stack = await startPlanStack('plans-membership');
    await adminCall(stack.origin, 'PUT', '/organizations/default/plans/pro', {
      body: { groups: ['Bruno Pro'], seatLimit: 5 },
    });
    await adminCall(stack.origin, 'PUT', '/organizations/default/default-plan', { body: { plan: 'basic' } });
    for (let n = 0; n < 20; n++) {
      const email = `plan-${randomUUID().slice(0, 8)}@example.com`;
      const created = await stack.scim('POST', '/Users', newUser(email));
      users.push({ id: created.body.id, email, key: '' });
    }
    for (const user of users) {
      const [issued] = await waitForEmails(sesEndpoint(), user.email, 1, 30_000);
      user.key = KEY_IN_TEXT.exec(issued?.body.text ?? '')?.[1] ?? '';
    }
    const group = await stack.scim('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Bruno Pro',
      members: [],
    });
    groupId = group.body.id;
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('gives exactly 5 of 20 users added concurrently the 5 pro seats; every membership is recorded', async () => {
    const answers = await Promise.all(
      users.map((user) => stack.scim('PATCH', `/Groups/${groupId}`, membersPatch('add', [user.id]))),
    );
    const plans = await Promise.all(users.map(async (user) => (await stack.validate(user.key)).plan));
    const group = await stack.scim('GET', `/Groups/${groupId}`);
    const listed = await adminCall(stack.origin, 'GET', '/organizations/default/plans');

    expect(answers.every((answer) => answer.status === 200 || answer.status === 204)).toBe(true);
    expect(plans.filter((plan) => plan === 'pro')).toHaveLength(5);
    expect(plans.filter((plan) => plan === 'basic')).toHaveLength(15);
    expect(group.body.members).toHaveLength(20);
    expect(listed.body.plans[0]).toMatchObject({ name: 'pro', seatLimit: 5, seatsUsed: 5 });
  }, 120_000);

  it('lists the plan of each license, and the refused plan of those that found no seat', async () => {
    const page = await adminCall(stack.origin, 'GET', '/organizations/default/licenses');

    const ours = page.body.licenses.filter((license: { userId: string }) =>
      users.some((user) => user.id === license.userId),
    );
    expect(ours.filter((license: { plan: string }) => license.plan === 'pro')).toHaveLength(5);
    expect(ours.filter((license: { plan: string; planSeatRefused: string }) => license.plan === 'basic')).toEqual(
      ours.filter((license: { planSeatRefused: string }) => license.planSeatRefused === 'pro'),
    );
  });

  it('gives 3 of 8 members added by one PATCH the 3 seats of their plan, and records all 8 memberships', async () => {
    await adminCall(stack.origin, 'PUT', '/organizations/default/plans/bulk', {
      body: { groups: ['Bulk'], seatLimit: 3, rank: 50 },
    });
    const ids: string[] = [];
    for (let n = 0; n < 8; n++) {
      ids.push((await stack.scim('POST', '/Users', newUser(`bulk-${randomUUID().slice(0, 8)}@example.com`))).body.id);
    }
    const group = await stack.scim('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Bulk',
      members: [],
    });

    const patched = await stack.scim('PATCH', `/Groups/${group.body.id}`, membersPatch('add', ids));
    const members = await stack.scim('GET', `/Groups/${group.body.id}`);
    const licenses = (await adminCall(stack.origin, 'GET', '/organizations/default/licenses')).body.licenses.filter(
      (license: { userId: string }) => ids.includes(license.userId),
    );
    const listed = await adminCall(stack.origin, 'GET', '/organizations/default/plans');

    expect([200, 204]).toContain(patched.status);
    expect(members.body.members).toHaveLength(8);
    expect(licenses.map((license: { plan: string }) => license.plan).sort()).toEqual([
      ...Array(5).fill('basic'),
      ...Array(3).fill('bulk'),
    ]);
    expect(licenses.filter((license: { planSeatRefused: string }) => license.planSeatRefused === 'bulk')).toHaveLength(
      5,
    );
    expect(listed.body.plans[0]).toMatchObject({ name: 'bulk', seatLimit: 3, seatsUsed: 3 });
  }, 60_000);

  it('moves a user removed from the group to the default plan, frees its seat, and emails it both changes', async () => {
    const pro = [];
    for (const user of users) if ((await stack.validate(user.key)).plan === 'pro') pro.push(user);
    const leaving = pro[0]!;

    const removed = await stack.scim('PATCH', `/Groups/${groupId}`, membersPatch('remove', [leaving.id]));
    const validation = await stack.validate(leaving.key);
    const listed = await adminCall(stack.origin, 'GET', '/organizations/default/plans');
    const emails = await waitForEmails(sesEndpoint(), leaving.email, 3, 30_000);

    expect([200, 204]).toContain(removed.status);
    expect(validation).toEqual({ valid: true, status: 'active', plan: 'basic' });
    expect(listed.body.plans.find((plan: { name: string }) => plan.name === 'pro')).toMatchObject({ seatsUsed: 4 });
    expect(emails.map((email) => email.subject)).toEqual([
      'Your Acme Studio license key',
      'Your Acme Studio license is now on the pro plan',
      'Your Acme Studio license is now on the basic plan',
    ]);
    expect(emails[2]?.body.text).toContain(`ending in ${leaving.key.slice(-4)} stays the same`);
  }, 60_000);
});

describe('a license issued to a member of a mapped group, over HTTP', () => {
  let stack: PlanStack;
  /** The member refused the last pro seat, when its group add and again when its license was issued. */
  let refused: { id: string; userName: string } | undefined;

  beforeAll(async () => {
    stack = await startPlanStack('plans-reissue');
    await adminCall(stack.origin, 'PUT', '/organizations/default/plans/pro', {
      body: { groups: ['Bruno Pro'], seatLimit: 1 },
    });
    await adminCall(stack.origin, 'PUT', '/organizations/default/default-plan', { body: { plan: 'basic' } });
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
  });

  async function reactivatedMember(groupId: string): Promise<{ id: string; key: string; userName: string }> {
    const userName = `again-${randomUUID().slice(0, 8)}@example.com`;
    const created = await stack.scim('POST', '/Users', newUser(userName));
    await stack.scim('PATCH', `/Groups/${groupId}`, membersPatch('add', [created.body.id]));
    const patch = (value: Record<string, unknown>) => ({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value }],
    });
    await stack.scim('PATCH', `/Users/${created.body.id}`, patch({ active: false }));
    // A new address for the new key: the first one may have spent its hourly email budget already.
    const email = `back-${randomUUID().slice(0, 8)}@example.com`;
    await stack.scim(
      'PATCH',
      `/Users/${created.body.id}`,
      patch({ active: true, emails: [{ value: email, primary: true, type: 'work' }] }),
    );
    const [issued] = await waitForEmails(sesEndpoint(), email, 1, 30_000);
    return { id: created.body.id, userName, key: KEY_IN_TEXT.exec(issued?.body.text ?? '')?.[1] ?? '' };
  }

  it('puts a reactivated member on its group plan, and on the default plan with the refusal once the seat is taken', async () => {
    const group = await stack.scim('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Bruno Pro',
      members: [],
    });

    const first = await reactivatedMember(group.body.id);
    const firstValidation = await stack.validate(first.key);
    const second = await reactivatedMember(group.body.id);
    refused = second;
    const secondValidation = await stack.validate(second.key);
    const listed = await adminCall(stack.origin, 'GET', '/organizations/default/plans');
    const licenses = (await adminCall(stack.origin, 'GET', '/organizations/default/licenses')).body.licenses;

    expect(firstValidation).toEqual({ valid: true, status: 'active', plan: 'pro' });
    expect(secondValidation).toEqual({ valid: true, status: 'active', plan: 'basic' });
    expect(listed.body.plans[0]).toMatchObject({ name: 'pro', seatLimit: 1, seatsUsed: 1 });
    const active = licenses.filter((license: { status: string }) => license.status === 'active');
    expect(active.find((license: { userId: string }) => license.userId === second.id)).toMatchObject({
      plan: 'basic',
      planSeatRefused: 'pro',
    });
  }, 90_000);

  it('records each refused plan seat in the activity log: on the membership change and on the reactivation', async () => {
    const member = refused!;

    const log = await adminCall(stack.origin, 'GET', '/organizations/default/activity');
    const ofUser = await adminCall(
      stack.origin,
      'GET',
      `/organizations/default/activity?userName=${encodeURIComponent(member.userName)}`,
    );

    expect(log.status).toBe(200);
    const refusals = log.body.activity.filter((record: { licenseEffects: string[] }) =>
      record.licenseEffects.includes('plan seat refused'),
    );
    expect(refusals).toEqual([
      expect.objectContaining({
        operation: 'membership',
        resourceType: 'Group',
        name: 'Bruno Pro',
        membersAdded: 1,
        planSeatsRefused: [{ userId: member.id, plan: 'pro' }],
      }),
      expect.objectContaining({
        operation: 'reactivate',
        resourceType: 'User',
        resourceId: member.id,
        licenseEffects: ['license issued', 'plan seat refused', 'email queued'],
        planSeatsRefused: [{ userId: member.id, plan: 'pro' }],
      }),
    ]);
    expect(ofUser.body.activity.map((record: { operation: string }) => record.operation)).toEqual([
      'create',
      'deactivate',
      'reactivate',
    ]);
  });

  it('refuses to delete a plan while a license is on it, with 409 problem details naming the count', async () => {
    const refusedDelete = await adminCall(stack.origin, 'DELETE', '/organizations/default/plans/pro');
    const listed = await adminCall(stack.origin, 'GET', '/organizations/default/plans');

    expect(refusedDelete.status).toBe(409);
    expect(refusedDelete.body).toMatchObject({
      status: 409,
      detail: 'plan pro has 1 license on it; map its groups to another plan or remove their members first',
    });
    expect(listed.body.plans).toEqual([expect.objectContaining({ name: 'pro', seatsUsed: 1 })]);
  });
});
