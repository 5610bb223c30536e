import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoUserRepository, userItem } from '../../lambda/adapters/dynamodb-user-repository';
import { uuidV7 } from '../../lambda/domain/clock';
import { UniquenessError, VersionConflictError } from '../../lambda/domain/errors';
import { type UserProfile, type UserRecord, UserService } from '../../lambda/domain/users';
import { parseUser } from '../../lambda/scim/user-resource';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb-local';
import { createTestTables, deleteTestTables, dynamoDbEndpoint, type TestTableNames } from '../support/dynamodb';

/** Every DynamoDB command sent, with how many items it read, so tests can check the access pattern. */
interface Sent {
  readonly command: string;
  readonly scanned: number;
}

function countingClient(sent: Sent[]): DynamoDBClient {
  const client = new DynamoDBClient({
    endpoint: dynamoDbEndpoint(),
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const output = result.output as { ScannedCount?: number; Item?: unknown; Items?: unknown[] };
      sent.push({
        command: String(context.commandName),
        scanned: output.ScannedCount ?? output.Items?.length ?? (output.Item ? 1 : 0),
      });
      return result;
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return client;
}

function profile(userName: string, extra: Record<string, unknown> = {}): UserProfile {
  return parseUser({
    userName,
    name: { givenName: 'Test', familyName: 'User' },
    emails: [{ value: userName.toLowerCase(), type: 'work', primary: true }],
    ...extra,
  });
}

describe('DynamoUserRepository on DynamoDB Local', () => {
  let tables: TestTableNames;
  let sent: Sent[];
  let service: UserService;
  let repository: DynamoUserRepository;
  const org = 'org-a';

  beforeAll(async () => {
    tables = await createTestTables('users-repo');
  });

  afterAll(async () => {
    await deleteTestTables(tables);
  });

  beforeEach(() => {
    sent = [];
    repository = new DynamoUserRepository(countingClient(sent), tables.usersTable);
    service = new UserService(repository);
  });

  it('creates a user with one transaction request', async () => {
    const user = await service.create(org, profile('one.write@example.com'));

    expect(sent.map((s) => s.command)).toEqual(['TransactWriteItemsCommand']);
    expect(await service.get(org, user.id)).toEqual(user);
  });

  it('gives exactly one success among parallel creates of one userName in different cases', async () => {
    const names = Array.from({ length: 12 }, (_, i) => (i % 2 ? 'Race@Example.com' : 'race@example.COM'));

    const results = await Promise.allSettled(names.map((name) => service.create(org, profile(name))));

    const created = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(created).toHaveLength(1);
    expect(refused.every((r) => r.reason instanceof UniquenessError)).toBe(true);
    expect(await service.find(org, { userName: 'RACE@example.com' })).toHaveLength(1);
  });

  it('keeps userNames separate between organizations', async () => {
    await service.create('org-b', profile('shared@example.com'));

    const other = await service.create('org-c', profile('shared@example.com'));

    expect(await service.find('org-b', { id: other.id })).toEqual([]);
    expect(await service.find('org-c', { userName: 'shared@example.com' })).toEqual([other]);
  });

  it('frees the old userName on a rename and claims the new one', async () => {
    const user = await service.create(org, profile('before.rename@example.com'));

    await service.update(org, user.id, () => profile('after.rename@example.com'));
    const reused = await service.create(org, profile('Before.Rename@example.com'));

    expect(reused.userName).toBe('Before.Rename@example.com');
    await expect(service.create(org, profile('after.rename@example.com'))).rejects.toBeInstanceOf(UniquenessError);
  });

  it('refuses a write based on a stale version', async () => {
    const user = await service.create(org, profile('stale@example.com'));
    const changed = await service.update(org, user.id, (current) => ({ ...current, active: false }));

    const staleWrite = repository.update(user, { ...user, version: user.version + 1 }, []);

    await expect(staleWrite).rejects.toBeInstanceOf(VersionConflictError);
    expect((await service.get(org, user.id)).version).toBe(changed.version);
  });

  it('loses no update when two changes race on one user', async () => {
    const user = await service.create(org, profile('counter@example.com', { title: '0' }));
    const increment = (current: UserRecord) => {
      const title = String(Number(current.document.title) + 1);
      return { ...current, document: { ...current.document, title } };
    };

    await Promise.all(Array.from({ length: 4 }, () => service.update(org, user.id, increment)));

    const final = await service.get(org, user.id);
    expect(final.document.title).toBe('4');
    expect(final.version).toBe(5);
  });

  it('finds users by userName, externalId and email with queries, never a scan', async () => {
    const user = await service.create(org, profile('Lookup.Me@example.com', { externalId: 'okta-123' }));
    sent.length = 0;

    const byUserName = await service.find(org, { userName: 'LOOKUP.me@EXAMPLE.com' });
    const byExternalId = await service.find(org, { externalId: 'okta-123' });
    const byEmail = await service.find(org, { email: { value: 'lookup.me@example.com', type: 'work' } });
    const byWrongType = await service.find(org, { email: { value: 'lookup.me@example.com', type: 'home' } });

    expect(byUserName.map((u) => u.id)).toEqual([user.id]);
    expect(byExternalId.map((u) => u.id)).toEqual([user.id]);
    expect(byEmail.map((u) => u.id)).toEqual([user.id]);
    expect(byWrongType).toEqual([]);
    expect(sent.map((s) => s.command)).toEqual([
      'QueryCommand',
      'QueryCommand',
      'QueryCommand',
      'GetItemCommand',
      'QueryCommand',
      'GetItemCommand',
    ]);
  });

  it('finds a user by a secondary address with one query of its email item and one read of the user', async () => {
    const user = await service.create(
      org,
      profile('second.address@example.com', {
        emails: [
          { value: 'first@example.com', primary: true },
          { value: 'Second@Example.com', type: 'work' },
        ],
      }),
    );
    sent.length = 0;

    const found = await service.find(org, { email: { value: 'second@example.COM' } });

    expect(found.map((u) => u.id)).toEqual([user.id]);
    expect(sent.map((s) => s.command)).toEqual(['QueryCommand', 'GetItemCommand']);
  });

  it('finds a user stored before email items existed by its lookup email, and misses in two queries', async () => {
    const legacy = { ...profile('legacy.email@example.com'), orgId: org, id: uuidV7(), version: 1 };
    const stamped = { ...legacy, created: new Date().toISOString(), lastModified: new Date().toISOString() };
    await countingClient([]).send(new PutItemCommand({ TableName: tables.usersTable, Item: userItem(stamped) }));
    sent.length = 0;

    const found = await service.find(org, { email: { value: 'LEGACY.email@example.com' } });
    const missing = await service.find(org, { email: { value: 'nobody@example.com' } });

    expect(found.map((u) => u.id)).toEqual([legacy.id]);
    expect(missing).toEqual([]);
    expect(sent.map((s) => s.command)).toEqual(['QueryCommand', 'QueryCommand', 'QueryCommand', 'QueryCommand']);
  });

  it('keeps a deactivated user readable and findable', async () => {
    const user = await service.create(org, profile('deactivated@example.com'));

    await service.update(org, user.id, (current) => ({ ...current, active: false }));

    const [found] = await service.find(org, { userName: 'deactivated@example.com' });
    expect(found?.active).toBe(false);
    expect(found?.id).toBe(user.id);
  });

  describe('paging', () => {
    const pagingOrg = 'paging-org';
    let ids: string[];

    beforeAll(async () => {
      const seeding = new UserService(new DynamoUserRepository(countingClient([]), tables.usersTable));
      ids = [];
      for (let i = 0; i < 45; i++) {
        ids.push((await seeding.create(pagingOrg, profile(`page.${String(i).padStart(2, '0')}@example.com`))).id);
      }
    });

    it('walks every user once in creation order, reading O(N) items in total', async () => {
      const seen: string[] = [];
      let total = 0;

      for (let startIndex = 1; startIndex <= 45; startIndex += 10) {
        const page = await service.list(pagingOrg, { startIndex, count: 10 });
        total = page.totalResults;
        seen.push(...page.items.map((u) => u.id));
      }

      expect(total).toBe(45);
      expect(seen).toEqual(ids);
      const itemsRead = sent.filter((s) => s.command === 'QueryCommand').reduce((sum, s) => sum + s.scanned, 0);
      expect(itemsRead).toBeLessThanOrEqual(45);
    });

    it('serves a page nobody asked for before by skipping from the top', async () => {
      const page = await service.list(pagingOrg, { startIndex: 37, count: 5 });

      expect(page.items.map((u) => u.id)).toEqual(ids.slice(36, 41));
    });

    it('pages with RFC 9865 cursors', async () => {
      const first = await service.list(pagingOrg, { startIndex: 1, count: 20, cursor: '' });
      const second = await service.list(pagingOrg, { startIndex: 1, count: 20, cursor: first.nextCursor });
      const third = await service.list(pagingOrg, { startIndex: 1, count: 20, cursor: second.nextCursor });

      expect([...first.items, ...second.items, ...third.items].map((u) => u.id)).toEqual(ids);
      expect(third.nextCursor).toBeUndefined();
    });

    it('walks the userName order both ways by startIndex, each order remembering its own positions', async () => {
      const up: string[] = [];
      const down: string[] = [];

      for (let startIndex = 1; startIndex <= 45; startIndex += 10) {
        up.push(
          ...(await service.list(pagingOrg, { startIndex, count: 10 }, { by: 'name', descending: false })).items.map(
            (u) => u.id,
          ),
        );
        down.push(
          ...(await service.list(pagingOrg, { startIndex, count: 10 }, { by: 'name', descending: true })).items.map(
            (u) => u.id,
          ),
        );
      }

      // The seeded userNames sort as they were created.
      expect(up).toEqual(ids);
      expect(down).toEqual([...ids].reverse());
      const itemsRead = sent.filter((s) => s.command === 'QueryCommand').reduce((sum, s) => sum + s.scanned, 0);
      expect(itemsRead).toBeLessThanOrEqual(90);
    });

    it('answers an empty page past the end', async () => {
      const page = await service.list(pagingOrg, { startIndex: 100, count: 10 });

      expect(page).toEqual({ totalResults: 45, items: [] });
    });
  });

  it('answers the userName order only once every user stored before it has been written again', async () => {
    const legacyOrg = 'legacy-order-org';
    const fresh = await service.create(legacyOrg, profile('b.fresh@example.com'));
    const legacy = {
      ...profile('a.legacy@example.com'),
      orgId: legacyOrg,
      id: uuidV7(),
      version: 1,
      created: new Date().toISOString(),
      lastModified: new Date().toISOString(),
    };
    // As written before the name order existed: no gsi2pk/gsi2sk, and counted in `total` only.
    const { gsi2pk: _pk, gsi2sk: _sk, ...oldItem } = userItem(legacy);
    const raw = countingClient([]);
    await raw.send(new PutItemCommand({ TableName: tables.usersTable, Item: oldItem }));
    await raw.send(
      new UpdateItemCommand({
        TableName: tables.usersTable,
        Key: { pk: { S: `${legacyOrg}#USERS` }, sk: { S: 'COUNT' } },
        UpdateExpression: 'ADD #total :one',
        ExpressionAttributeNames: { '#total': 'total' },
        ExpressionAttributeValues: { ':one': { N: '1' } },
      }),
    );
    const byName = { by: 'name', descending: false } as const;

    const before = await service.list(legacyOrg, { startIndex: 1, count: 10 }, byName);
    await service.update(legacyOrg, legacy.id, (current) => ({ ...current, active: false }));
    const after = await service.list(legacyOrg, { startIndex: 1, count: 10 }, byName);

    expect(before).toEqual({ totalResults: 2, items: [], orderUnavailable: true });
    expect(after.totalResults).toBe(2);
    expect(after.items.map((u) => u.id)).toEqual([legacy.id, fresh.id]);
    expect(after.orderUnavailable).toBeUndefined();
  });

  it('keeps the userName order answerable when a user stored before it is deleted', async () => {
    const legacyOrg = 'legacy-delete-org';
    const fresh = await service.create(legacyOrg, profile('fresh@example.com'));
    const legacy = { ...fresh, id: uuidV7(), userName: 'old@example.com' };
    const { gsi2pk: _pk, gsi2sk: _sk, ...oldItem } = userItem(legacy);
    await countingClient([]).send(new PutItemCommand({ TableName: tables.usersTable, Item: oldItem }));
    await countingClient([]).send(
      new UpdateItemCommand({
        TableName: tables.usersTable,
        Key: { pk: { S: `${legacyOrg}#USERS` }, sk: { S: 'COUNT' } },
        UpdateExpression: 'ADD #total :one',
        ExpressionAttributeNames: { '#total': 'total' },
        ExpressionAttributeValues: { ':one': { N: '1' } },
      }),
    );

    await service.delete(legacyOrg, legacy.id);
    const page = await service.list(legacyOrg, { startIndex: 1, count: 10 }, { by: 'name', descending: true });

    expect(page).toEqual({ totalResults: 1, items: [fresh] });
  });

  it('counts users down when one is deleted', async () => {
    const countOrg = 'count-org';
    const user = await service.create(countOrg, profile('gone@example.com'));
    await service.create(countOrg, profile('stays@example.com'));

    await service.delete(countOrg, user.id);

    const page = await service.list(countOrg, { startIndex: 1, count: 10 });
    expect(page.totalResults).toBe(1);
    expect(page.items.map((u) => u.userName)).toEqual(['stays@example.com']);
    expect(await service.find(countOrg, { userName: 'gone@example.com' })).toEqual([]);
  });
});
