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
import { sesEndpoint } from '../support/ses-local';

/**
 * License plans by group over HTTP on the local stack: the admin API sets plans up (signed), Okta-style group PATCHes
 * change the users' plans, the validation route answers them, and the mailer (fed by the stream poller) sends the
 * plan change emails to aws-ses-v2-local.
 */

const SIGNING_KEY_SECRET_ID = 'test/plans-signing-key';

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
