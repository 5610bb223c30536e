import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { createActivityWriteTranslator, DynamoActivityLog } from '../../lambda/adapters/dynamodb-activity';
import { DynamoGroupRepository } from '../../lambda/adapters/dynamodb-group-repository';
import { DynamoLicenseRepository } from '../../lambda/adapters/dynamodb-license-repository';
import { uuidV7 } from '../../lambda/domain/clock';
import type { LinkedWrite } from '../../lambda/domain/users';
import { createScimHandler } from '../../lambda/handlers/scim';
import { startApiServer } from '../../local/api-gateway-adapter';
import { ensureLocalSigningKey } from '../../local/license-signing-key';
import { type LocalServiceConfig, localAdapters } from '../../local/local-adapters';
import { testConfig, testDynamoDbClient } from '../support/dynamodb';
import { seedUsers } from '../support/seed-users';

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

function newUser(userName: string, active = true) {
  return { schemas: [USER_SCHEMA], userName, active, emails: [{ value: `${userName}`, primary: true }] };
}

const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

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

  it('records group changes with the displayName and member counts, never the members', async () => {
    const since = new Date(Date.now() - 60_000);
    const ids: string[] = [];
    for (const name of ['ann', 'ben', 'cat']) {
      // Inactive: members need no license seat.
      const user = await stack.scim('POST', '/Users', newUser(`${name}@groups.test`, false));
      ids.push(user.body.id);
    }
    const [ann, ben, cat] = ids;

    const created = await stack.scim('POST', '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Engineering',
      members: [{ value: ann }, { value: ben }],
    });
    const group = created.body.id;
    const membership = await stack.scim('PATCH', `/Groups/${group}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'add', path: 'members', value: [{ value: cat }] },
        { op: 'remove', path: `members[value eq "${ann}"]` },
      ],
    });
    const renamed = await stack.scim('PATCH', `/Groups/${group}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', value: { id: group, displayName: 'Platform' } }],
    });
    const replaced = await stack.scim('PUT', `/Groups/${group}`, {
      schemas: [GROUP_SCHEMA],
      displayName: 'Platform',
      members: [{ value: cat }],
    });
    const deleted = await stack.scim('DELETE', `/Groups/${group}`);
    expect([created.status, membership.status, renamed.status, replaced.status, deleted.status]).toEqual([
      201, 200, 200, 200, 204,
    ]);

    const log = new DynamoActivityLog(dynamo, stack.config.licensesTable);
    const records = (await log.since('default', since)).filter((record) => record.resourceType === 'Group');
    expect(
      records.map(({ operation, method, name, resourceId, result, client, membersAdded, membersRemoved }) => ({
        operation,
        method,
        name,
        resourceId,
        result,
        client,
        membersAdded,
        membersRemoved,
      })),
    ).toEqual(
      [
        { operation: 'create', method: 'POST', name: 'Engineering', membersAdded: 2, membersRemoved: undefined },
        { operation: 'membership', method: 'PATCH', name: 'Engineering', membersAdded: 1, membersRemoved: 1 },
        { operation: 'patch', method: 'PATCH', name: 'Platform', membersAdded: undefined, membersRemoved: undefined },
        { operation: 'replace', method: 'PUT', name: 'Platform', membersAdded: undefined, membersRemoved: 1 },
        { operation: 'delete', method: 'DELETE', name: 'Platform', membersAdded: undefined, membersRemoved: undefined },
      ].map((expected) => ({ ...expected, resourceId: group, result: 'ok', client: OKTA })),
    );
    // Members are counted, not named: no member's id or userName is in any record.
    expect(JSON.stringify(records)).not.toMatch(new RegExp(`${ann}|${ben}|${cat}|@groups\\.test`));
  });

  it('records each transaction of a change too large for one, counting the members each one wrote', async () => {
    const since = new Date(Date.now() - 60_000);
    const members = await seedUsers({
      dynamo,
      usersTable: stack.config.usersTable,
      orgId: 'default',
      count: 150,
      prefix: 'bulk-member',
    });
    const value = members.map((id) => ({ value: id }));

    const big = await stack.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'All', members: value });
    const empty = await stack.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Everyone' });
    const added = await stack.scim('PATCH', `/Groups/${empty.body.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'members', value }],
    });

    expect([big.status, empty.status, added.status]).toEqual([201, 201, 200]);
    const log = new DynamoActivityLog(dynamo, stack.config.licensesTable);
    const records = await log.since('default', since);
    const of = (id: string) =>
      records
        .filter((record) => record.resourceId === id)
        .map((record) => [record.operation, record.name, record.membersAdded ?? 0]);
    // 150 memberships are 450 items (membership, mirror, user check): several transactions, each with its record.
    const created = of(big.body.id);
    expect(created.length).toBeGreaterThan(1);
    expect(created.every(([operation, name]) => operation === 'create' && name === 'All')).toBe(true);
    expect(created.reduce((sum, [, , count]) => sum + Number(count), 0)).toBe(150);
    const patched = of(empty.body.id);
    expect(patched[0]).toEqual(['create', 'Everyone', 0]);
    expect(patched.slice(1).every(([operation]) => operation === 'membership')).toBe(true);
    expect(patched.length).toBeGreaterThan(2);
    expect(patched.slice(1).reduce((sum, [, , count]) => sum + Number(count), 0)).toBe(150);
  });

  it('never writes a group change whose record cannot be written', async () => {
    const real = createActivityWriteTranslator({ tableName: stack.config.licensesTable });
    // The record's Put made to fail: its table does not exist.
    const failing = (write: LinkedWrite): TransactWriteItem[] =>
      real(write).map((item) => ({ Put: { ...item.Put!, TableName: 'no-such-activity-table' } }));
    const broken = await startStack('activity-group-fail', failing);
    try {
      const member = await broken.scim('POST', '/Users', newUser('dan@groups.test', false));
      expect(member.status).toBe(500);
      // A group written without a record (as before records existed), to try a membership change on.
      const [userId] = await seedUsers({
        dynamo,
        usersTable: broken.config.usersTable,
        orgId: 'default',
        count: 1,
        prefix: 'unlogged',
      });
      const at = new Date().toISOString();
      const existingId = uuidV7();
      const existing = {
        orgId: 'default',
        id: existingId,
        displayName: 'Existing',
        version: 1,
        created: at,
        lastModified: at,
      };
      await new DynamoGroupRepository(dynamo, broken.config.groupsTable).create(existing, []);

      const created = await broken.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Unlogged' });
      const patched = await broken.scim('PATCH', `/Groups/${existingId}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'add', path: 'members', value: [{ value: userId }] }],
      });
      const deleted = await broken.scim('DELETE', `/Groups/${existingId}`);

      expect([created, patched, deleted].map((response) => [response.status, response.body?.detail])).toEqual(
        Array(3).fill([500, 'Internal server error; the details are in the service log']),
      );
      const unlogged = await broken.scim('GET', `/Groups?filter=${encodeURIComponent('displayName eq "Unlogged"')}`);
      expect(unlogged.body.totalResults).toBe(0);
      const group = await broken.scim('GET', `/Groups/${existingId}`);
      expect(group.status).toBe(200);
      expect(group.body.members ?? []).toEqual([]);
      const log = new DynamoActivityLog(dynamo, broken.config.licensesTable);
      const records = await log.since('default', new Date(0));
      expect(records.filter((record) => record.result === 'ok')).toEqual([]);
    } finally {
      await broken.close();
    }
  });
});
