import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { createActivityWriteTranslator, DynamoActivityLog } from '../../lambda/adapters/dynamodb-activity';
import { DynamoLicenseRepository } from '../../lambda/adapters/dynamodb-license-repository';
import type { LinkedWrite } from '../../lambda/domain/users';
import { createScimHandler } from '../../lambda/handlers/scim';
import { startApiServer } from '../../local/api-gateway-adapter';
import { ensureLocalSigningKey } from '../../local/license-signing-key';
import { type LocalServiceConfig, localAdapters } from '../../local/local-adapters';
import { testConfig, testDynamoDbClient } from '../support/dynamodb';

/**
 * The activity log over HTTP: the local API Gateway emulation in front of the real SCIM handler and DynamoDB Local.
 * A change's record commits in the change's transaction; a refused request's record is written after it.
 */

const SIGNING_KEY_SECRET_ID = 'test/license-signing-key';
const OKTA = 'Okta SCIM Client 1.0.0';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const deactivate = {
  schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
  Operations: [{ op: 'replace', value: { active: false } }],
};

interface Stack {
  readonly config: LocalServiceConfig;
  // biome-ignore lint/suspicious/noExplicitAny: tests navigate SCIM bodies.
  scim(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

async function startStack(label: string, activityWrites?: (write: LinkedWrite) => TransactWriteItem[]): Promise<Stack> {
  const base = await testConfig({ label });
  ensureLocalSigningKey(base.config.localSecretsDir!, SIGNING_KEY_SECRET_ID);
  const config: LocalServiceConfig = {
    ...base.config,
    signingKeySecretId: SIGNING_KEY_SECRET_ID,
    defaultOrgSeats: 1,
  };
  const server = await startApiServer({
    port: 0,
    config,
    authorizerCacheTtlSeconds: 0,
    scimHandler: createScimHandler(config, {
      ...localAdapters(config),
      ...(activityWrites ? { activityWrites } : {}),
    }),
  });
  return {
    config,
    async scim(method, path, body) {
      const response = await fetch(`${server.scimBaseUrl}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${base.token}`,
          'Content-Type': 'application/scim+json; charset=utf-8',
          'User-Agent': OKTA,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
    },
    async close() {
      await server.close();
      await base.cleanup();
    },
  };
}

function newUser(userName: string) {
  return { schemas: [USER_SCHEMA], userName, active: true, emails: [{ value: `${userName}`, primary: true }] };
}

describe('activity log', () => {
  let stack: Stack;
  const dynamo = testDynamoDbClient();

  beforeAll(async () => {
    stack = await startStack('activity');
  });

  afterAll(async () => {
    await stack?.close();
    dynamo.destroy();
  });

  it('records a provisioning, a refused create with no seat left and a deactivation, in order, with their effects', async () => {
    const since = new Date(Date.now() - 60_000);
    const jane = await stack.scim('POST', '/Users', newUser('jane@acme.test'));
    expect(jane.status).toBe(201);
    const refused = await stack.scim('POST', '/Users', newUser('bob@acme.test'));
    expect(refused.status).toBe(403);
    const deactivated = await stack.scim('PATCH', `/Users/${jane.body.id}`, deactivate);
    expect(deactivated.status).toBe(200);

    const log = new DynamoActivityLog(dynamo, stack.config.licensesTable);
    const records = await log.since('default', since);
    expect(
      records.map((record) => ({
        operation: record.operation,
        name: record.name,
        result: record.result,
        licenseEffects: record.licenseEffects,
        client: record.client,
      })),
    ).toEqual([
      {
        operation: 'create',
        name: 'jane@acme.test',
        result: 'ok',
        licenseEffects: ['license issued', 'email queued'],
        client: OKTA,
      },
      { operation: 'create', name: 'bob@acme.test', result: 'refused', licenseEffects: ['seat refused'], client: OKTA },
      {
        operation: 'deactivate',
        name: 'jane@acme.test',
        result: 'ok',
        licenseEffects: ['license revoked', 'email queued'],
        client: OKTA,
      },
    ]);
    expect(records[0]).toMatchObject({ resourceType: 'User', resourceId: jane.body.id, method: 'POST', seatDelta: 1 });
    expect(records[1]).toMatchObject({ status: 403, detail: refused.body.detail });
    expect(records[2]).toMatchObject({ method: 'PATCH', seatDelta: -1 });

    // One user's history, by the name an admin knows, in any case.
    const janes = await log.ofUser('default', 'JANE@acme.test', since);
    expect(janes.map((record) => record.operation)).toEqual(['create', 'deactivate']);
  });

  it('never writes a change whose record cannot be written: the record is in the same transaction', async () => {
    const real = createActivityWriteTranslator({ tableName: stack.config.licensesTable });
    // The record's Put made to fail its condition: the item it puts never exists beforehand.
    const failing = (write: LinkedWrite): TransactWriteItem[] =>
      real(write).map((item) => ({ Put: { ...item.Put!, ConditionExpression: 'attribute_exists(pk)' } }));
    const broken = await startStack('activity-fail', failing);
    try {
      const created = await broken.scim('POST', '/Users', newUser('carol@acme.test'));
      expect(created.status).toBe(500);
      const found = await broken.scim('GET', `/Users?filter=${encodeURIComponent('userName eq "carol@acme.test"')}`);
      expect(found.body.totalResults).toBe(0);
      const licenses = new DynamoLicenseRepository(dynamo, broken.config.licensesTable);
      expect(await licenses.seatUsage('default')).toEqual({ used: 0 });
      const log = new DynamoActivityLog(dynamo, broken.config.licensesTable);
      const records = await log.since('default', new Date(0));
      expect(records.filter((record) => record.result === 'ok')).toEqual([]);
    } finally {
      await broken.close();
    }
  });
});
