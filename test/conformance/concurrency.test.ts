import { randomBytes } from 'node:crypto';
import { DynamoDBClient, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { createScimHandler, type ProxyHandler } from '../../lambda/handlers/scim';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb-local';
import { localAdapters } from '../../local/local-adapters';
import { dynamoDbEndpoint } from '../support/dynamodb';
import type { LocalApi } from '../support/local-api';
import { startLocalApi } from '../support/local-api';

/**
 * Concurrent requests on the same resources, as Okta and Entra send them during pushes (neither retries a 409):
 * the outcome must be as if the requests ran one after the other.
 */

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let api: LocalApi;
let handler: ProxyHandler;

/**
 * How long a transaction writing a membership waits before it is sent: long enough for a user delete sent meanwhile
 * to commit and clean up first, which makes the race of a member add and a user delete happen every time.
 */
let membershipWriteDelayMs = 0;
/**
 * When set, a user's delete transaction waits for it before it is sent, after the delete read the user's memberships:
 * a member add sent meanwhile commits first, the other order of the same race.
 */
let userDeletesHeld: Promise<void> | undefined;

/** The real handler, with a client that holds back membership writes by `membershipWriteDelayMs`. */
function delayingClient(): DynamoDBClient {
  const client = new DynamoDBClient({
    endpoint: dynamoDbEndpoint(),
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const items = (args.input as { TransactItems?: TransactWriteItem[] }).TransactItems ?? [];
      const writesMembership = items.some((item) => item.Put?.Item?.sk?.S?.startsWith('MEMBER#'));
      if (context.commandName === 'TransactWriteItemsCommand' && writesMembership && membershipWriteDelayMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, membershipWriteDelayMs));
      }
      const deletesUser = items.some((item) => item.Delete?.Key?.sk?.S === 'USER');
      if (context.commandName === 'TransactWriteItemsCommand' && deletesUser && userDeletesHeld) {
        await userDeletesHeld;
      }
      return next(args);
    },
    { step: 'initialize', name: 'delayMembershipWrites' },
  );
  return client;
}

beforeAll(async () => {
  api = await startLocalApi({ label: 'concurrency', scimHandler: (event, context) => handler(event, context) });
  handler = createScimHandler(api.config, { ...localAdapters(api.config), dynamo: delayingClient() });
});

afterAll(async () => {
  await api?.close();
});

const unique = () => randomBytes(4).toString('hex');

async function createUser(label: string): Promise<string> {
  const response = await api.request('POST', '/Users', {
    body: { schemas: [USER_SCHEMA], userName: `${label}.${unique()}@example.com` },
  });
  expect(response.status).toBe(201);
  return response.body.id;
}

async function createGroup(label: string): Promise<string> {
  const response = await api.request('POST', '/Groups', {
    body: { schemas: [GROUP_SCHEMA], displayName: `${label} ${unique()}` },
  });
  expect(response.status).toBe(201);
  return response.body.id;
}

function patch(...operations: unknown[]): Record<string, unknown> {
  return { schemas: [PATCH_SCHEMA], Operations: operations };
}

async function memberIds(groupId: string): Promise<string[]> {
  const response = await api.request('GET', `/Groups/${groupId}`);
  expect(response.status).toBe(200);
  return ((response.body.members ?? []) as { value: string }[]).map((member) => member.value).sort();
}

describe('a member add racing the user delete', () => {
  const RACES = 50;
  const BATCH = 10;

  afterEach(() => {
    membershipWriteDelayMs = 0;
  });

  it(`never leaves the deleted user in the group (${RACES} races)`, async () => {
    const groupId = await createGroup('Race');
    membershipWriteDelayMs = 400;
    const outcomes: { add: number; del: number }[] = [];
    const deleted: string[] = [];

    for (let start = 0; start < RACES; start += BATCH) {
      const userIds = await Promise.all(Array.from({ length: BATCH }, () => createUser('race')));
      const results = await Promise.all(
        userIds.map(async (userId) => {
          const add = api.request('PATCH', `/Groups/${groupId}?excludedAttributes=members`, {
            body: patch({ op: 'add', path: 'members', value: [{ value: userId }] }),
          });
          // The add has looked the user up and is holding its write back when the delete arrives.
          await new Promise((resolve) => setTimeout(resolve, 100));
          const del = await api.request('DELETE', `/Users/${userId}`);
          return { add: (await add).status, del: del.status };
        }),
      );
      outcomes.push(...results);
      deleted.push(...userIds);
    }

    expect(outcomes.every((outcome) => outcome.del === 204)).toBe(true);
    expect(outcomes.filter((outcome) => outcome.add !== 200 && outcome.add !== 400)).toEqual([]);
    const orphans = (await memberIds(groupId)).filter((id) => deleted.includes(id));
    expect(orphans).toEqual([]);
  });
});

describe('a user delete racing a member add that commits first', () => {
  const RACES = 5;

  afterEach(() => {
    userDeletesHeld = undefined;
  });

  it(`never leaves the deleted user in the group, nor refuses either request (${RACES} races)`, async () => {
    const groupId = await createGroup('Joined meanwhile');
    const userIds = await Promise.all(Array.from({ length: RACES }, () => createUser('joiner')));
    let release = () => {};
    userDeletesHeld = new Promise((resolve) => {
      release = resolve;
    });

    const deletes = userIds.map((userId) => api.request('DELETE', `/Users/${userId}`));
    // Each delete has read its user's memberships (none) and holds its transaction back while the user joins.
    const adds = [];
    for (const userId of userIds) {
      adds.push(
        await api.request('PATCH', `/Groups/${groupId}?excludedAttributes=members`, {
          body: patch({ op: 'add', path: 'members', value: [{ value: userId }] }),
        }),
      );
    }
    expect(adds.map((add) => add.status)).toEqual(userIds.map(() => 200));
    expect(await memberIds(groupId)).toEqual([...userIds].sort());
    release();

    expect((await Promise.all(deletes)).map((del) => del.status)).toEqual(userIds.map(() => 204));
    expect(await memberIds(groupId)).toEqual([]);
    for (const userId of userIds) expect((await api.request('GET', `/Users/${userId}`)).status).toBe(404);
  });
});

describe('20 concurrent writers', () => {
  const WRITERS = 20;

  it('patching one group, each adding or removing its own member, never see 409 and lose no change', async () => {
    const groupId = await createGroup('Contended');
    const users = await Promise.all(Array.from({ length: WRITERS }, () => createUser('writer')));
    const leaving = users.filter((_, i) => i % 2 === 1);
    const seeded = await api.request('PATCH', `/Groups/${groupId}`, {
      body: patch({ op: 'add', path: 'members', value: leaving.map((value) => ({ value })) }),
    });
    expect(seeded.status).toBe(200);

    const responses = await Promise.all(
      users.map((userId, i) =>
        api.request('PATCH', `/Groups/${groupId}?excludedAttributes=members`, {
          body:
            i % 2 === 0
              ? patch({ op: 'add', path: 'members', value: [{ value: userId }] })
              : patch({ op: 'remove', path: `members[value eq "${userId}"]` }),
        }),
      ),
    );

    expect(responses.map((response) => response.status)).toEqual(users.map(() => 200));
    expect(await memberIds(groupId)).toEqual(users.filter((_, i) => i % 2 === 0).sort());
  });

  it('toggling one user never see 409, and the user ends as the last write left it', async () => {
    const userId = await createUser('toggled');

    const responses = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) =>
        api.request('PATCH', `/Users/${userId}`, {
          body: patch(
            { op: 'replace', path: 'active', value: i % 2 === 0 },
            { op: 'add', path: 'phoneNumbers', value: [{ value: `+1555000${String(i).padStart(2, '0')}` }] },
          ),
        }),
      ),
    );

    expect(responses.map((response) => response.status)).toEqual(responses.map(() => 200));
    const versions = responses.map((response) => Number(/\d+/.exec(response.body.meta.version)?.[0]));
    expect(new Set(versions).size).toBe(WRITERS);
    const final = await api.request('GET', `/Users/${userId}`);
    const last = responses[versions.indexOf(Math.max(...versions))];
    expect(final.body.active).toBe(last?.body.active);
    // No lost update: every writer's phone number is there.
    expect(final.body.phoneNumbers).toHaveLength(WRITERS);
    expect(final.body.meta.version).toBe(`W/"${WRITERS + 1}"`);
  });
});
