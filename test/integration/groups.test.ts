import { DynamoDBClient, GetItemCommand, QueryCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { uuidV7 } from '../../lambda/domain/clock';
import { createScimHandler, type ProxyHandler } from '../../lambda/handlers/scim';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb-local';
import { dynamoDbEndpoint, type TestConfig, testConfig, testDynamoDbClient } from '../support/dynamodb';
import { seedUsers } from '../support/seed-users';

/**
 * Groups through the real SCIM handler, adapters and DynamoDB Local: Okta's Group Push sequence, Entra ID's forms,
 * membership consistency on both sides, and a 5,000-member group. Requests are API Gateway proxy events, as on Lambda.
 */

const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BASE_URL = 'https://scim.test/local/scim/v2';
const ORG = 'org-groups';
const OTHER_ORG = 'org-other';

interface Response {
  readonly status: number;
  readonly headers: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: tests navigate arbitrary SCIM bodies.
  readonly body: any;
}

let setup: TestConfig;
let handler: ProxyHandler;
/** DynamoDB commands the handler sent, by name, since the last `resetSent()`. */
let sent: string[] = [];

function countingClient(): DynamoDBClient {
  const client = new DynamoDBClient({
    endpoint: dynamoDbEndpoint(),
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return client;
}

beforeAll(async () => {
  setup = await testConfig({ label: 'groups' });
  handler = createScimHandler(setup.config, { dynamo: countingClient() });
});

afterAll(async () => {
  await setup?.cleanup();
});

function resetSent(): void {
  sent = [];
}

/** One request through the Lambda handler, as API Gateway would deliver it after the authorizer chose `org`. */
async function call(
  method: string,
  path: string,
  options: { body?: unknown; query?: Record<string, string>; org?: string } = {},
): Promise<Response> {
  const event = {
    httpMethod: method,
    path: `/local/scim/v2${path}`,
    resource: '/scim/v2/{proxy+}',
    pathParameters: { proxy: path.replace(/^\//, '') },
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: null,
    headers: {
      Host: 'scim.test',
      Accept: 'application/scim+json',
      ...(options.body === undefined ? {} : { 'Content-Type': 'application/scim+json; charset=utf-8' }),
    },
    multiValueHeaders: {},
    body: options.body === undefined ? null : JSON.stringify(options.body),
    isBase64Encoded: false,
    stageVariables: null,
    requestContext: {
      authorizer: { orgId: options.org ?? ORG },
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      domainName: 'scim.test',
      path: `/local/scim/v2${path}`,
    },
  } as unknown as APIGatewayProxyEvent;
  const result = await handler(event);
  return {
    status: result.statusCode,
    headers: (result.headers ?? {}) as Record<string, string>,
    body: result.body === '' ? undefined : JSON.parse(result.body),
  };
}

async function createUser(userName: string, org = ORG): Promise<string> {
  const response = await call('POST', '/Users', {
    org,
    body: {
      schemas: [USER_SCHEMA],
      userName,
      name: { givenName: userName.split('@')[0], familyName: 'Tester' },
      displayName: `${userName.split('@')[0]} Tester`,
      emails: [{ value: userName, type: 'work', primary: true }],
      active: true,
    },
  });
  expect(response.status).toBe(201);
  return response.body.id;
}

async function createGroup(displayName: string, members: string[] = [], extra: Record<string, unknown> = {}) {
  const response = await call('POST', '/Groups', {
    body: { schemas: [GROUP_SCHEMA], displayName, members: members.map((value) => ({ value })), ...extra },
  });
  expect(response.status).toBe(201);
  return response.body.id as string;
}

function patch(id: string, operations: unknown[], query?: Record<string, string>, org?: string): Promise<Response> {
  return call('PATCH', `/Groups/${id}`, { body: { schemas: [PATCH_OP], Operations: operations }, query, org });
}

/** Member ids of a group as GET answers them, in order. */
async function memberIds(groupId: string): Promise<string[]> {
  const response = await call('GET', `/Groups/${groupId}`);
  expect(response.status).toBe(200);
  return (response.body.members ?? []).map((member: { value: string }) => member.value);
}

/** The user's read-only `groups`, as GET /Users/{id} answers them: [groupId, display] pairs. */
async function groupsOfUser(userId: string): Promise<Array<[string, string]>> {
  const response = await call('GET', `/Users/${userId}`);
  expect(response.status).toBe(200);
  return (response.body.groups ?? []).map((group: { value: string; display: string }) => [group.value, group.display]);
}

/** Stored membership items of a group, read directly from the table. */
async function storedMemberships(groupId: string): Promise<number> {
  const client = testDynamoDbClient();
  try {
    let count = 0;
    let startKey: Record<string, never> | undefined;
    do {
      const result = await client.send(
        new QueryCommand({
          TableName: setup.config.groupsTable,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :m)',
          ExpressionAttributeValues: { ':pk': { S: `${ORG}#GROUP#${groupId}` }, ':m': { S: 'MEMBER#' } },
          ExclusiveStartKey: startKey,
          Select: 'COUNT',
        }),
      );
      count += result.Count ?? 0;
      startKey = result.LastEvaluatedKey as typeof startKey;
    } while (startKey);
    return count;
  } finally {
    client.destroy();
  }
}

const byValue = (id: string) => `members[value eq "${id}"]`;

describe("Okta's Group Push sequence", () => {
  it('finds, creates, fills, edits, renames, replaces and deletes a group, with user groups right after each step', async () => {
    // Prepare
    const alice = await createUser('alice.push@example.com');
    const bob = await createUser('bob.push@example.com');
    const carol = await createUser('carol.push@example.com');
    const absentQuery = { filter: 'displayName eq "Push Engineering"', startIndex: '1', count: '100' };

    // Act: Okta checks that the group is absent
    const absent = await call('GET', '/Groups', { query: absentQuery });

    // Assess
    expect(absent.status).toBe(200);
    expect(absent.body).toEqual({
      schemas: [LIST_SCHEMA],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });

    // Act: create
    const created = await call('POST', '/Groups', {
      body: { schemas: [GROUP_SCHEMA], displayName: 'Push Engineering', members: [] },
    });

    // Assess
    const id = created.body.id as string;
    expect(created.status).toBe(201);
    expect(created.headers.Location).toBe(`${BASE_URL}/Groups/${id}`);
    expect(created.body).toEqual({
      schemas: [GROUP_SCHEMA],
      id,
      displayName: 'Push Engineering',
      meta: {
        resourceType: 'Group',
        created: expect.any(String),
        lastModified: expect.any(String),
        location: `${BASE_URL}/Groups/${id}`,
        version: 'W/"1"',
      },
    });

    // Act: the same lookup, in another case, now finds it
    const found = await call('GET', '/Groups', {
      query: { ...absentQuery, filter: 'displayName eq "push ENGINEERING"' },
    });

    // Assess
    expect(found.body.totalResults).toBe(1);
    expect(found.body.Resources[0]).toEqual(expect.objectContaining({ id, displayName: 'Push Engineering' }));

    // Act: add members (Okta sends its rename with every membership update)
    const added = await patch(id, [
      { op: 'replace', value: { id, displayName: 'Push Engineering' } },
      {
        op: 'add',
        path: 'members',
        value: [
          { value: alice, display: 'alice.push@example.com' },
          { value: bob, display: 'bob.push@example.com' },
        ],
      },
    ]);

    // Assess
    expect(added.status).toBe(200);
    expect(added.headers.ETag).toBe('W/"2"');
    expect(added.body.members).toEqual([
      { value: alice, display: 'alice.push Tester', $ref: `${BASE_URL}/Users/${alice}`, type: 'User' },
      { value: bob, display: 'bob.push Tester', $ref: `${BASE_URL}/Users/${bob}`, type: 'User' },
    ]);
    expect(await groupsOfUser(alice)).toEqual([[id, 'Push Engineering']]);
    expect(await groupsOfUser(bob)).toEqual([[id, 'Push Engineering']]);

    // Act: remove one member by filter path
    const removed = await patch(id, [
      { op: 'replace', value: { id, displayName: 'Push Engineering' } },
      { op: 'remove', path: byValue(bob) },
    ]);

    // Assess
    expect(removed.status).toBe(200);
    expect(removed.body.members.map((m: { value: string }) => m.value)).toEqual([alice]);
    expect(await groupsOfUser(bob)).toEqual([]);
    expect(await groupsOfUser(alice)).toEqual([[id, 'Push Engineering']]);

    // Act: rename with the id inside the value
    const renamed = await patch(id, [{ op: 'replace', value: { id, displayName: 'Push Engineering (EU)' } }]);

    // Assess
    expect(renamed.status).toBe(200);
    expect(renamed.body.displayName).toBe('Push Engineering (EU)');
    expect((await call('GET', '/Groups', { query: absentQuery })).body.totalResults).toBe(0);
    const byNewName = await call('GET', '/Groups', { query: { filter: 'displayName eq "Push Engineering (EU)"' } });
    expect(byNewName.body.Resources.map((g: { id: string }) => g.id)).toEqual([id]);
    expect(await groupsOfUser(alice)).toEqual([[id, 'Push Engineering (EU)']]);

    // Act: full push of the members
    const pushed = await patch(id, [{ op: 'replace', path: 'members', value: [{ value: bob }, { value: carol }] }]);

    // Assess
    expect(pushed.status).toBe(200);
    expect(pushed.body.members.map((m: { value: string }) => m.value)).toEqual([bob, carol]);
    expect(await groupsOfUser(alice)).toEqual([]);
    expect(await groupsOfUser(bob)).toEqual([[id, 'Push Engineering (EU)']]);
    expect(await groupsOfUser(carol)).toEqual([[id, 'Push Engineering (EU)']]);

    // Act: PUT replaces everything, members included
    const put = await call('PUT', `/Groups/${id}`, {
      body: {
        schemas: [GROUP_SCHEMA],
        displayName: 'Push Engineering',
        externalId: 'okta-00g1',
        members: [{ value: alice }],
      },
    });

    // Assess
    expect(put.status).toBe(200);
    expect(put.body).toEqual(
      expect.objectContaining({
        id,
        displayName: 'Push Engineering',
        externalId: 'okta-00g1',
        members: [{ value: alice, display: 'alice.push Tester', $ref: `${BASE_URL}/Users/${alice}`, type: 'User' }],
      }),
    );
    expect(await groupsOfUser(bob)).toEqual([]);
    expect(await groupsOfUser(carol)).toEqual([]);
    expect(await groupsOfUser(alice)).toEqual([[id, 'Push Engineering']]);

    // Act: delete
    const deleted = await call('DELETE', `/Groups/${id}`);

    // Assess
    expect(deleted.status).toBe(204);
    expect((await call('GET', `/Groups/${id}`)).status).toBe(404);
    expect((await call('GET', '/Groups', { query: absentQuery })).body.totalResults).toBe(0);
    expect(await groupsOfUser(alice)).toEqual([]);
    expect(await storedMemberships(id)).toBe(0);
  });
});

describe("Entra ID's group requests", () => {
  it('hides members under excludedAttributes=members with a displayName filter, without reading them', async () => {
    // Prepare
    const dana = await createUser('dana.entra@example.com');
    const id = await createGroup('Entra Sales', [dana], { externalId: 'entra-sales' });
    resetSent();

    // Act
    const response = await call('GET', '/Groups', {
      query: { excludedAttributes: 'members', filter: 'displayName eq "Entra Sales"' },
    });

    // Assess
    expect(response.status).toBe(200);
    expect(response.body.totalResults).toBe(1);
    expect(response.body.Resources).toEqual([
      {
        schemas: [GROUP_SCHEMA],
        id,
        externalId: 'entra-sales',
        displayName: 'Entra Sales',
        meta: expect.objectContaining({ resourceType: 'Group', location: `${BASE_URL}/Groups/${id}` }),
      },
    ]);
    expect(sent).toEqual(['GetItemCommand', 'GetItemCommand']);
  });

  it('applies capitalised Add and Remove with a value list, and a Replace of displayName by path', async () => {
    // Prepare
    const erin = await createUser('erin.entra@example.com');
    const frank = await createUser('frank.entra@example.com');
    const id = await createGroup('Entra Support');

    // Act
    const response = await patch(id, [
      {
        op: 'Add',
        path: 'members',
        value: [
          { $ref: null, value: erin },
          { $ref: null, value: frank },
        ],
      },
      { op: 'Remove', path: 'members', value: [{ $ref: null, value: erin }] },
      { op: 'Replace', path: 'displayName', value: 'Entra Support Tier 2' },
    ]);

    // Assess
    expect(response.status).toBe(200);
    expect(response.body.displayName).toBe('Entra Support Tier 2');
    expect(response.body.members.map((m: { value: string }) => m.value)).toEqual([frank]);
    expect(await groupsOfUser(erin)).toEqual([]);
    expect(await groupsOfUser(frank)).toEqual([[id, 'Entra Support Tier 2']]);
  });

  it('finds a group by externalId', async () => {
    // Prepare
    const id = await createGroup('Entra Finance', [], { externalId: 'entra-fin-7' });

    // Act
    const response = await call('GET', '/Groups', { query: { filter: 'externalId eq "entra-fin-7"' } });

    // Assess
    expect(response.body.totalResults).toBe(1);
    expect(response.body.Resources[0]).toEqual(expect.objectContaining({ id, externalId: 'entra-fin-7' }));
  });
});

describe('membership rules', () => {
  it('refuses an unknown member id with 400 invalidValue and changes nothing, not even the other operations', async () => {
    // Prepare
    const gina = await createUser('gina.rules@example.com');
    const henry = await createUser('henry.rules@example.com');
    const id = await createGroup('Rules Atomic', [gina]);
    const unknown = uuidV7();

    // Act
    const response = await patch(id, [
      { op: 'replace', value: { displayName: 'Rules Atomic Renamed' } },
      { op: 'add', path: 'members', value: [{ value: henry }, { value: unknown }] },
      { op: 'remove', path: byValue(gina) },
    ]);

    // Assess
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      schemas: [ERROR_SCHEMA],
      status: '400',
      scimType: 'invalidValue',
      detail: expect.stringContaining(`unknown user id(s): ${unknown}`),
    });
    const after = await call('GET', `/Groups/${id}`);
    expect(after.body.displayName).toBe('Rules Atomic');
    expect(after.body.meta.version).toBe('W/"1"');
    expect(after.body.members.map((m: { value: string }) => m.value)).toEqual([gina]);
    expect(await groupsOfUser(henry)).toEqual([]);
    expect(await groupsOfUser(gina)).toEqual([[id, 'Rules Atomic']]);
  });

  it('refuses a user of another organization as a member', async () => {
    // Prepare
    const stranger = await createUser('stranger@example.com', OTHER_ORG);
    const id = await createGroup('Rules Org Scope');

    // Act
    const response = await patch(id, [{ op: 'add', path: 'members', value: [{ value: stranger }] }]);

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('invalidValue');
    expect(response.body.detail).toContain(stranger);
    expect(await memberIds(id)).toEqual([]);
  });

  it('refuses an unknown member on create and creates nothing', async () => {
    // Prepare
    const unknown = uuidV7();

    // Act
    const response = await call('POST', '/Groups', {
      body: { schemas: [GROUP_SCHEMA], displayName: 'Rules Never Created', members: [{ value: unknown }] },
    });

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('invalidValue');
    const lookup = await call('GET', '/Groups', { query: { filter: 'displayName eq "Rules Never Created"' } });
    expect(lookup.body.totalResults).toBe(0);
  });

  it('answers 409 uniqueness for a displayName taken in another case, on create and on rename', async () => {
    // Prepare
    await createGroup('Rules Unique');
    const other = await createGroup('Rules Other');

    // Act
    const duplicate = await call('POST', '/Groups', { body: { schemas: [GROUP_SCHEMA], displayName: 'rules UNIQUE' } });
    const rename = await patch(other, [{ op: 'replace', path: 'displayName', value: 'RULES unique' }]);

    // Assess
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toEqual(expect.objectContaining({ schemas: [ERROR_SCHEMA], scimType: 'uniqueness' }));
    expect(rename.status).toBe(409);
    expect(rename.body.scimType).toBe('uniqueness');
    expect((await call('GET', `/Groups/${other}`)).body.displayName).toBe('Rules Other');
  });

  it('removes a deleted user from every group', async () => {
    // Prepare
    const ivan = await createUser('ivan.rules@example.com');
    const judy = await createUser('judy.rules@example.com');
    const first = await createGroup('Rules Leaver A', [ivan, judy]);
    const second = await createGroup('Rules Leaver B', [ivan]);

    // Act
    const response = await call('DELETE', `/Users/${ivan}`);

    // Assess
    expect(response.status).toBe(204);
    expect(await memberIds(first)).toEqual([judy]);
    expect(await memberIds(second)).toEqual([]);
    expect(await storedMemberships(second)).toBe(0);
    expect(await groupsOfUser(judy)).toEqual([[first, 'Rules Leaver A']]);
  });

  it('removes the memberships of a deleted group from its users', async () => {
    // Prepare
    const kim = await createUser('kim.rules@example.com');
    const kept = await createGroup('Rules Kept', [kim]);
    const dropped = await createGroup('Rules Dropped', [kim]);

    // Act
    const response = await call('DELETE', `/Groups/${dropped}`);

    // Assess
    expect(response.status).toBe(204);
    expect(await groupsOfUser(kim)).toEqual([[kept, 'Rules Kept']]);
    expect(await storedMemberships(dropped)).toBe(0);
  });
});

describe('reads', () => {
  it('pages through groups in a stable order with startIndex and count', async () => {
    // Prepare
    const total = (await call('GET', '/Groups', { query: { count: '0' } })).body.totalResults as number;
    const ids = [await createGroup('Reads Page 1'), await createGroup('Reads Page 2')];

    // Act
    const pages = [];
    for (let startIndex = 1; startIndex <= total + 2; startIndex += 2) {
      pages.push(await call('GET', '/Groups', { query: { startIndex: String(startIndex), count: '2' } }));
    }

    // Assess
    const listed = pages.flatMap((page) => page.body.Resources.map((g: { id: string }) => g.id));
    expect(pages.every((page) => page.body.totalResults === total + 2)).toBe(true);
    expect(new Set(listed).size).toBe(total + 2);
    expect(listed.slice(-2)).toEqual(ids);
  });

  it('refuses a filter on an attribute groups do not have with 400 invalidFilter', async () => {
    // Act
    const response = await call('GET', '/Groups', { query: { filter: 'userName co "Eng"' } });

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('invalidFilter');
    expect(response.body.detail).toMatch(/Groups have no attribute userName/);
  });

  it('returns only the requested attributes of one group', async () => {
    // Prepare
    const lena = await createUser('lena.reads@example.com');
    const id = await createGroup('Reads Attributes', [lena], { externalId: 'ext-attr' });

    // Act
    const response = await call('GET', `/Groups/${id}`, { query: { attributes: 'displayName,members.value' } });

    // Assess
    expect(response.body).toEqual({
      schemas: [GROUP_SCHEMA],
      id,
      displayName: 'Reads Attributes',
      members: [{ value: lena }],
      meta: expect.objectContaining({ resourceType: 'Group' }),
    });
  });

  it('answers a PATCH with excludedAttributes=members with 200 and no members', async () => {
    // Prepare
    const mia = await createUser('mia.reads@example.com');
    const id = await createGroup('Reads Patch Projection');

    // Act
    const response = await patch(id, [{ op: 'add', path: 'members', value: [{ value: mia }] }], {
      excludedAttributes: 'members',
    });

    // Assess
    expect(response.status).toBe(200);
    expect(response.body).toEqual(expect.objectContaining({ id, displayName: 'Reads Patch Projection' }));
    expect(response.body.members).toBeUndefined();
    expect(await memberIds(id)).toEqual([mia]);
  });
});

describe('a 5,000-member group', () => {
  const SIZE = 5000;
  const BATCH = 100;

  async function seedMembers(count: number): Promise<string[]> {
    const dynamo = testDynamoDbClient();
    try {
      return await seedUsers({ dynamo, usersTable: setup.config.usersTable, orgId: ORG, count, prefix: 'bulk' });
    } finally {
      dynamo.destroy();
    }
  }

  it('is built with 100-member PATCHes and loses exactly the one member removed', async () => {
    // Prepare
    const users = await seedMembers(SIZE);
    const id = await createGroup('Bulk Everyone');
    const requestsPerPatch: number[] = [];
    const statuses: number[] = [];
    for (let start = 0; start < SIZE; start += BATCH) {
      const value = users.slice(start, start + BATCH).map((user) => ({ value: user, display: user }));
      resetSent();
      const response = await patch(id, [
        { op: 'replace', value: { id, displayName: 'Bulk Everyone' } },
        { op: 'add', path: 'members', value },
      ]);
      requestsPerPatch.push(sent.length);
      statuses.push(response.status);
    }
    const leaving = users[1234]!;

    // Act
    const removed = await patch(id, [{ op: 'remove', path: byValue(leaving) }]);

    // Assess
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(new Set(statuses.slice(2))).toEqual(new Set([204]));
    // GetItem, BatchGetItem (which are members already), BatchGetItem (users), 5 TransactWriteItems (100 × membership,
    // mirror, user check and the user's joins count, plus the version), GetItem (the new version), Query (at most 201
    // members).
    expect(Math.max(...requestsPerPatch)).toBeLessThanOrEqual(10);
    expect(removed.status).toBe(204);
    const members = await memberIds(id);
    expect(members).toHaveLength(SIZE - 1);
    expect(members).toEqual([...users].filter((user) => user !== leaving).sort());
    expect(await storedMemberships(id)).toBe(SIZE - 1);
    expect(await groupsOfUser(leaving)).toEqual([]);
    expect(await groupsOfUser(users[4999]!)).toEqual([[id, 'Bulk Everyone']]);
    const slim = await call('GET', `/Groups/${id}`, { query: { excludedAttributes: 'members' } });
    expect(slim.body.members).toBeUndefined();
    expect(slim.body.meta.version).toBe(`W/"${SIZE / BATCH + 2}"`);
  });
});

describe('sorting groups stored before the displayName order existed', () => {
  const org = 'org-legacy-order';

  /** Makes a group look as it was stored before: no name order keys, and not counted among the named groups. */
  async function forgetNameOrder(groupId: string): Promise<void> {
    const client = testDynamoDbClient();
    try {
      await client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Update: {
                TableName: setup.config.groupsTable,
                Key: { pk: { S: `${org}#GROUP#${groupId}` }, sk: { S: 'GROUP' } },
                UpdateExpression: 'REMOVE gsi2pk, gsi2sk',
              },
            },
            {
              Update: {
                TableName: setup.config.groupsTable,
                Key: { pk: { S: `${org}#GROUPS` }, sk: { S: 'COUNT' } },
                UpdateExpression: 'ADD #named :minus',
                ExpressionAttributeNames: { '#named': 'named' },
                ExpressionAttributeValues: { ':minus': { N: '-1' } },
              },
            },
          ],
        }),
      );
    } finally {
      client.destroy();
    }
  }

  /** The organization's group count item: all groups, and those in the stored displayName order. */
  async function counts(): Promise<{ total?: string; named?: string }> {
    const client = testDynamoDbClient();
    try {
      const result = await client.send(
        new GetItemCommand({
          TableName: setup.config.groupsTable,
          Key: { pk: { S: `${org}#GROUPS` }, sk: { S: 'COUNT' } },
          ConsistentRead: true,
        }),
      );
      return { total: result.Item?.total?.N, named: result.Item?.named?.N };
    } finally {
      client.destroy();
    }
  }

  async function names(query: Record<string, string>): Promise<string[]> {
    const response = await call('GET', '/Groups', { org, query });
    expect(response.status).toBe(200);
    return response.body.Resources.map((group: { displayName: string }) => group.displayName);
  }

  it('still lists every group in order, and a member change brings the group into the stored order', async () => {
    const member = await createUser('legacy.member@example.com', org);
    const ids: string[] = [];
    for (const displayName of ['beta', 'Alpha', 'gamma']) {
      const response = await call('POST', '/Groups', { org, body: { schemas: [GROUP_SCHEMA], displayName } });
      ids.push(response.body.id);
    }
    await forgetNameOrder(ids[1] as string);

    const before = await names({ sortBy: 'displayName', sortOrder: 'descending' });
    const countedBefore = await counts();
    const patched = await call('PATCH', `/Groups/${ids[1]}`, {
      org,
      body: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'add', path: 'members', value: [{ value: member }] }],
      },
    });
    const after = await names({ sortBy: 'displayName', count: '2' });
    const rest = await names({ sortBy: 'displayName', startIndex: '3', count: '2' });

    expect(before).toEqual(['gamma', 'beta', 'Alpha']);
    expect(countedBefore).toEqual({ total: '3', named: '2' });
    expect([200, 204]).toContain(patched.status);
    expect(await counts()).toEqual({ total: '3', named: '3' });
    expect([...after, ...rest]).toEqual(['Alpha', 'beta', 'gamma']);
  });
});
