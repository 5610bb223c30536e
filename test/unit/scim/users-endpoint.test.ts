/**
 * `/Users` and `/Users/{id}` on in-memory users: what a SCIM client reads back from each operation (status, headers,
 * body), which users a filter, a sort and a page select, and when the user's groups are read and shown.
 */
import { PreconditionFailedError } from '../../../lambda/domain/errors';
import type { PrefetchIntent, UserRecord } from '../../../lambda/domain/users';
import { UserService } from '../../../lambda/domain/users';
import { ScimError } from '../../../lambda/scim/errors';
import type { HttpRequest, HttpResponse } from '../../../lambda/scim/http';
import { type UserGroupsReader, UsersEndpoint } from '../../../lambda/scim/users-endpoint';
import { idAt, userRecord } from '../../support/contracts/records';
import { InMemoryUserRepository } from '../../support/in-memory/users';

const ORG = 'acme';
const BASE = 'https://api.example.com/scim/v2';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';

function request(
  method: string,
  path: string,
  query: Record<string, string> = {},
  headers: Record<string, string> = {},
): HttpRequest {
  return { method, path, query, headers, body: undefined, baseUrl: BASE, orgId: ORG, requestId: 'r' };
}

// biome-ignore lint/suspicious/noExplicitAny: the tests read the JSON bodies the endpoint answers.
const bodyOf = (response: HttpResponse): any => JSON.parse(response.body);
// biome-ignore lint/suspicious/noExplicitAny: as above.
const userNames = (response: HttpResponse) => bodyOf(response).Resources.map((user: any) => user.userName);

function withoutMeta({ meta: _, ...rest }: Record<string, unknown>): Record<string, unknown> {
  return rest;
}

/** Users 1…n of the organization (user1@example.com …, in id order), and one user of another organization. */
async function setup(records: readonly UserRecord[], groupsOf?: UserGroupsReader) {
  const repository = new InMemoryUserRepository();
  for (const record of records) await repository.create(record, []);
  await repository.create(userRecord('other-org', 99, { userName: 'stranger@example.com' }), []);
  const service = new UserService(repository);
  return { endpoint: new UsersEndpoint(service, groupsOf), repository };
}

/** As the service stores it: the emails are in the document too. */
function storedUser(n: number, overrides: Partial<UserRecord> = {}): UserRecord {
  const record = userRecord(ORG, n, overrides);
  return { ...record, document: { ...record.document, emails: record.emails } };
}

const users = (count: number) => Array.from({ length: count }, (_, n) => storedUser(n + 1));

/** A groups reader that records whom it was asked about. */
function groupsReader() {
  const asked: string[] = [];
  const reader: UserGroupsReader = async (orgId, userId) => {
    asked.push(`${orgId}/${userId}`);
    return [{ value: 'g-1', display: 'Admins' }, { value: 'g-2' }];
  };
  return { asked, reader };
}

const GROUPS_SHOWN = [
  { value: 'g-1', display: 'Admins', $ref: `${BASE}/Groups/g-1`, type: 'direct' },
  { value: 'g-2', $ref: `${BASE}/Groups/g-2`, type: 'direct' },
];

async function refusal(response: Promise<unknown>): Promise<unknown> {
  return response.then(
    () => {
      throw new Error('expected a refusal');
    },
    (error: unknown) => error,
  );
}

describe('POST /Users', () => {
  it('answers 201 with the new user, its location and its version', async () => {
    const { endpoint, repository } = await setup([]);

    const response = await endpoint.create(request('POST', '/Users'), {
      schemas: [USER_SCHEMA],
      userName: 'ada@example.com',
      name: { givenName: 'Ada' },
    });

    const body = bodyOf(response);
    expect(response.status).toBe(201);
    expect(response.headers.Location).toBe(`${BASE}/Users/${body.id}`);
    expect(response.headers.ETag).toBe('W/"1"');
    expect(body).toMatchObject({ userName: 'ada@example.com', name: { givenName: 'Ada' }, active: true });
    expect(body.meta.location).toBe(`${BASE}/Users/${body.id}`);
    expect((await repository.get(ORG, body.id))?.userName).toBe('ada@example.com');
  });

  it('shows a new user with no groups, without reading them', async () => {
    const { asked, reader } = groupsReader();
    const { endpoint } = await setup([], reader);

    const response = await endpoint.create(request('POST', '/Users'), { userName: 'ada@example.com' });

    expect(bodyOf(response).groups).toEqual([]);
    expect(asked).toEqual([]);
  });
});

describe('GET /Users/{id}', () => {
  it('answers the user with its version as ETag and its groups', async () => {
    const { asked, reader } = groupsReader();
    const { endpoint } = await setup(users(2), reader);

    const response = await endpoint.get(request('GET', `/Users/${idAt(2)}`), idAt(2));

    expect(response.status).toBe(200);
    expect(response.headers.ETag).toBe('W/"1"');
    expect(bodyOf(response)).toMatchObject({ id: idAt(2), userName: 'user2@example.com', groups: GROUPS_SHOWN });
    expect(asked).toEqual([`${ORG}/${idAt(2)}`]);
  });

  it('reads no groups when the projection leaves them out, and applies the projection', async () => {
    const { asked, reader } = groupsReader();
    const { endpoint } = await setup(users(1), reader);

    const response = await endpoint.get(request('GET', '/Users/x', { excludedAttributes: 'groups,name' }), idAt(1));

    expect(bodyOf(response)).not.toHaveProperty('groups');
    expect(bodyOf(response)).not.toHaveProperty('name');
    expect(bodyOf(response).userName).toBe('user1@example.com');
    expect(asked).toEqual([]);
  });

  it('shows no groups attribute when no groups reader is wired', async () => {
    const { endpoint } = await setup(users(1));

    expect(bodyOf(await endpoint.get(request('GET', '/Users/x'), idAt(1)))).not.toHaveProperty('groups');
  });

  it('answers 304 without a body when If-None-Match names the current version', async () => {
    const { endpoint } = await setup(users(1));

    const response = await endpoint.get(request('GET', '/Users/x', {}, { 'if-none-match': 'W/"1"' }), idAt(1));
    const changed = await endpoint.get(request('GET', '/Users/x', {}, { 'if-none-match': 'W/"7"' }), idAt(1));

    expect(response).toEqual({ status: 304, headers: { ETag: 'W/"1"' }, body: '' });
    expect(changed.status).toBe(200);
  });

  it('answers 404 for an id this server could not have issued, and for an unknown one', async () => {
    const { endpoint } = await setup(users(1));

    const malformed = await refusal(endpoint.get(request('GET', '/Users/nope'), 'nope'));
    const unknown = await refusal(endpoint.get(request('GET', '/Users/x'), idAt(5)));

    expect(malformed).toBeInstanceOf(ScimError);
    expect(malformed).toMatchObject({ status: 404, detail: 'User nope not found' });
    expect((unknown as Error).name).toBe('NotFoundError');
  });

  it('does not answer a user of another organization', async () => {
    const { endpoint } = await setup(users(1));

    expect((await refusal(endpoint.get(request('GET', '/Users/x'), idAt(99)))) as Error).toHaveProperty(
      'name',
      'NotFoundError',
    );
  });
});

describe('GET /Users', () => {
  it('lists the users of the organization in creation order, without groups', async () => {
    const { asked, reader } = groupsReader();
    const { endpoint } = await setup(users(3), reader);

    const response = await endpoint.list(request('GET', '/Users'));

    expect(response.status).toBe(200);
    expect(bodyOf(response)).toMatchObject({ totalResults: 3, startIndex: 1, itemsPerPage: 3 });
    expect(userNames(response)).toEqual(['user1@example.com', 'user2@example.com', 'user3@example.com']);
    expect(bodyOf(response).Resources[0]).not.toHaveProperty('groups');
    expect(asked).toEqual([]);
  });

  it('reads and shows each listed user groups when attributes names them', async () => {
    const { asked, reader } = groupsReader();
    const { endpoint } = await setup(users(2), reader);

    const response = await endpoint.list(request('GET', '/Users', { attributes: 'userName,groups' }));

    expect(bodyOf(response).Resources.map(withoutMeta)).toEqual([
      { schemas: [USER_SCHEMA], id: idAt(1), userName: 'user1@example.com', groups: GROUPS_SHOWN },
      { schemas: [USER_SCHEMA], id: idAt(2), userName: 'user2@example.com', groups: GROUPS_SHOWN },
    ]);
    expect(asked).toEqual([`${ORG}/${idAt(1)}`, `${ORG}/${idAt(2)}`]);
  });

  it('pages by startIndex and count', async () => {
    const { endpoint } = await setup(users(5));

    const response = await endpoint.list(request('GET', '/Users', { startIndex: '2', count: '2' }));

    expect(bodyOf(response)).toMatchObject({ totalResults: 5, startIndex: 2, itemsPerPage: 2 });
    expect(userNames(response)).toEqual(['user2@example.com', 'user3@example.com']);
  });

  it('sorts by userName in either order', async () => {
    const named = [
      storedUser(1, { userName: 'carol@example.com' }),
      storedUser(2, { userName: 'alice@example.com' }),
      storedUser(3, { userName: 'Bob@example.com' }),
    ];
    const { endpoint } = await setup(named);

    const ascending = await endpoint.list(request('GET', '/Users', { sortBy: 'userName' }));
    const descending = await endpoint.list(request('GET', '/Users', { sortBy: 'userName', sortOrder: 'descending' }));

    expect(userNames(ascending)).toEqual(['alice@example.com', 'Bob@example.com', 'carol@example.com']);
    expect(userNames(descending)).toEqual(['carol@example.com', 'Bob@example.com', 'alice@example.com']);
  });

  it('refuses a cursor from a list in another order', async () => {
    const { endpoint } = await setup(users(3));

    const error = await refusal(endpoint.list(request('GET', '/Users', { sortBy: 'userName', cursor: idAt(1) })));

    expect(error).toMatchObject({ status: 400, scimType: 'invalidCursor' });
  });

  it.each([
    ['userName eq "USER2@example.com"', ['user2@example.com']],
    ['externalId eq "ext-3"', ['user3@example.com']],
    ['emails.value eq "user1@example.com"', ['user1@example.com']],
    ['emails[value eq "user1@example.com"]', ['user1@example.com']],
    ['name.givenName eq "Given2" or name.givenName eq "Given4"', ['user2@example.com', 'user4@example.com']],
    ['userName sw "nobody"', []],
  ])('filters with %s', async (filter, expected) => {
    const records = users(4).map((user, n) => (n === 2 ? { ...user, externalId: 'ext-3' } : user));
    const { endpoint } = await setup(records);

    const response = await endpoint.list(request('GET', '/Users', { filter }));

    expect(userNames(response)).toEqual(expected);
    expect(bodyOf(response).totalResults).toBe(expected.length);
  });

  it('filters by id', async () => {
    const { endpoint } = await setup(users(3));

    const response = await endpoint.list(request('GET', '/Users', { filter: `id eq "${idAt(2)}"` }));

    expect(userNames(response)).toEqual(['user2@example.com']);
  });

  it('reads a + in a URL filter as the space a form encoding made of it', async () => {
    const { endpoint } = await setup(users(3));

    const response = await endpoint.list(request('GET', '/Users', { filter: 'userName+eq+"user3@example.com"' }));

    expect(userNames(response)).toEqual(['user3@example.com']);
  });

  it('pages the matches of a filter, counting them all', async () => {
    const { endpoint } = await setup(users(5));

    const response = await endpoint.list(
      request('GET', '/Users', { filter: 'userName sw "user"', startIndex: '2', count: '2' }),
    );

    expect(bodyOf(response)).toMatchObject({ totalResults: 5, startIndex: 2, itemsPerPage: 2 });
    expect(userNames(response)).toEqual(['user2@example.com', 'user3@example.com']);
  });

  it('sorts the matches of a filter and pages them from startIndex', async () => {
    const named = ['dave', 'alice', 'carol', 'bob'].map((name, n) =>
      storedUser(n + 1, { userName: `${name}@example.com` }),
    );
    const { endpoint } = await setup(named);

    const response = await endpoint.list(
      request('GET', '/Users', {
        filter: 'userName ew "example.com"',
        sortBy: 'userName',
        sortOrder: 'descending',
        startIndex: '2',
        count: '2',
      }),
    );

    expect(userNames(response)).toEqual(['carol@example.com', 'bob@example.com']);
    expect(bodyOf(response).totalResults).toBe(4);
  });

  it('shows the groups of filtered users only when attributes names them', async () => {
    const { asked, reader } = groupsReader();
    const { endpoint } = await setup(users(2), reader);

    const plain = await endpoint.list(request('GET', '/Users', { filter: 'userName eq "user1@example.com"' }));
    const withGroups = await endpoint.list(
      request('GET', '/Users', { filter: 'userName eq "user1@example.com"', attributes: 'groups' }),
    );

    expect(bodyOf(plain).Resources[0]).not.toHaveProperty('groups');
    expect(bodyOf(withGroups).Resources[0].groups).toEqual(GROUPS_SHOWN);
    expect(asked).toEqual([`${ORG}/${idAt(1)}`]);
  });

  it('refuses a filter on an attribute a User does not have', async () => {
    const { endpoint } = await setup(users(1));

    const error = await refusal(endpoint.list(request('GET', '/Users', { filter: 'members.value eq "x"' })));

    expect(error).toMatchObject({ status: 400, scimType: 'invalidFilter' });
  });
});

describe('PUT /Users/{id}', () => {
  it('replaces the user and answers the new version with its groups', async () => {
    const { asked, reader } = groupsReader();
    const { endpoint } = await setup(users(1), reader);

    const response = await endpoint.replace(request('PUT', '/Users/x'), idAt(1), {
      userName: 'renamed@example.com',
      title: 'Boss',
    });

    expect(response.status).toBe(200);
    expect(response.headers.ETag).toBe('W/"2"');
    expect(bodyOf(response)).toMatchObject({ userName: 'renamed@example.com', title: 'Boss', groups: GROUPS_SHOWN });
    expect(bodyOf(response)).not.toHaveProperty('name');
    expect(response.headers).not.toHaveProperty('Location');
    expect(asked).toEqual([`${ORG}/${idAt(1)}`]);
  });

  it('keeps the current active state when the body leaves active out, and takes it when given', async () => {
    const { endpoint } = await setup([storedUser(1, { active: false })]);

    const kept = await endpoint.replace(request('PUT', '/Users/x'), idAt(1), { userName: 'user1@example.com' });
    const set = await endpoint.replace(request('PUT', '/Users/x'), idAt(1), {
      userName: 'user1@example.com',
      active: true,
    });
    const unset = await endpoint.replace(request('PUT', '/Users/x'), idAt(1), {
      userName: 'user1@example.com',
      active: false,
    });

    expect(bodyOf(kept).active).toBe(false);
    expect(bodyOf(set).active).toBe(true);
    expect(bodyOf(unset).active).toBe(false);
  });

  it('applies the projection and reads no groups it leaves out', async () => {
    const { asked, reader } = groupsReader();
    const { endpoint } = await setup(users(1), reader);

    const response = await endpoint.replace(request('PUT', '/Users/x', { attributes: 'userName' }), idAt(1), {
      userName: 'user1@example.com',
    });

    expect(withoutMeta(bodyOf(response))).toEqual({
      schemas: [USER_SCHEMA],
      id: idAt(1),
      userName: 'user1@example.com',
    });
    expect(asked).toEqual([]);
  });

  it('refuses with If-Match naming another version, changing nothing', async () => {
    const { endpoint, repository } = await setup(users(1));

    const error = await refusal(
      endpoint.replace(request('PUT', '/Users/x', {}, { 'if-match': 'W/"5"' }), idAt(1), { userName: 'x@example.com' }),
    );

    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect((await repository.get(ORG, idAt(1)))?.userName).toBe('user1@example.com');
  });

  it('replaces with If-Match naming the current version', async () => {
    const { endpoint } = await setup(users(1));

    const response = await endpoint.replace(request('PUT', '/Users/x', {}, { 'if-match': 'W/"1"' }), idAt(1), {
      userName: 'x@example.com',
    });

    expect(bodyOf(response).userName).toBe('x@example.com');
  });
});

describe('PATCH /Users/{id}', () => {
  const patchOp = (...Operations: unknown[]) => ({
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations,
  });

  it('applies the operations and answers the new version', async () => {
    const { endpoint } = await setup(users(1));

    const response = await endpoint.patch(
      request('PATCH', '/Users/x'),
      idAt(1),
      patchOp({ op: 'replace', path: 'title', value: 'Boss' }, { op: 'remove', path: 'name.familyName' }),
    );

    expect(response.status).toBe(200);
    expect(response.headers.ETag).toBe('W/"2"');
    expect(bodyOf(response)).toMatchObject({ title: 'Boss', name: { givenName: 'Given1' }, active: true });
    expect(bodyOf(response).name).not.toHaveProperty('familyName');
  });

  it('deactivates and reactivates as Entra sends it', async () => {
    const { endpoint } = await setup(users(1));

    const off = await endpoint.patch(
      request('PATCH', '/Users/x'),
      idAt(1),
      patchOp({ op: 'Replace', path: 'active', value: 'False' }),
    );
    const on = await endpoint.patch(
      request('PATCH', '/Users/x'),
      idAt(1),
      patchOp({ op: 'Replace', value: { active: 'True' } }),
    );

    expect(bodyOf(off).active).toBe(false);
    expect(bodyOf(on).active).toBe(true);
  });

  it('keeps an inactive user inactive when the operations do not name active', async () => {
    const { endpoint } = await setup([storedUser(1, { active: false })]);

    const response = await endpoint.patch(
      request('PATCH', '/Users/x'),
      idAt(1),
      patchOp({ op: 'replace', path: 'title', value: 'true' }),
    );

    expect(bodyOf(response)).toMatchObject({ title: 'true', active: false });
  });

  it('shows the groups unless the projection leaves them out', async () => {
    const { asked, reader } = groupsReader();
    const { endpoint } = await setup(users(1), reader);

    const shown = await endpoint.patch(
      request('PATCH', '/Users/x'),
      idAt(1),
      patchOp({ op: 'add', path: 'title', value: 'A' }),
    );
    const left = await endpoint.patch(
      request('PATCH', '/Users/x', { excludedAttributes: 'groups' }),
      idAt(1),
      patchOp({ op: 'add', path: 'title', value: 'B' }),
    );

    expect(bodyOf(shown).groups).toEqual(GROUPS_SHOWN);
    expect(bodyOf(left)).not.toHaveProperty('groups');
    expect(asked).toEqual([`${ORG}/${idAt(1)}`]);
  });

  it('refuses with If-Match naming another version', async () => {
    const { endpoint } = await setup(users(1));

    const error = await refusal(
      endpoint.patch(
        request('PATCH', '/Users/x', {}, { 'if-match': 'W/"3"' }),
        idAt(1),
        patchOp({ op: 'add', path: 'title', value: 'A' }),
      ),
    );

    expect(error).toBeInstanceOf(PreconditionFailedError);
  });
});

describe('DELETE /Users/{id}', () => {
  it('answers 204 with an empty body and removes the user', async () => {
    const { endpoint, repository } = await setup(users(2));

    const response = await endpoint.delete(request('DELETE', '/Users/x'), idAt(1));

    expect(response).toEqual({ status: 204, headers: {}, body: '' });
    expect(await repository.get(ORG, idAt(1))).toBeUndefined();
    expect(await repository.get(ORG, idAt(2))).toBeDefined();
  });

  it('refuses with If-Match naming another version, keeping the user', async () => {
    const { endpoint, repository } = await setup(users(1));

    const error = await refusal(endpoint.delete(request('DELETE', '/Users/x', {}, { 'if-match': 'W/"2"' }), idAt(1)));

    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect(await repository.get(ORG, idAt(1))).toBeDefined();
  });

  it('answers 404 for an id this server could not have issued', async () => {
    const { endpoint } = await setup(users(1));

    expect(await refusal(endpoint.delete(request('DELETE', '/Users/x'), 'x'))).toMatchObject({ status: 404 });
  });
});

describe('the reads a change announces', () => {
  /** Users behind a policy that records what each change announced it may do to the user's state. */
  async function announcing() {
    const repository = new InMemoryUserRepository();
    await repository.create(storedUser(1), []);
    const intents: PrefetchIntent[] = [];
    const service = new UserService(repository, {
      policy: {
        plan: async () => [],
        prefetch: (_orgId, _userId, intent) => {
          intents.push(intent);
          return {};
        },
      },
    });
    return { endpoint: new UsersEndpoint(service), intents };
  }
  const patchOp = (...Operations: unknown[]) => ({
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations,
  });

  it('announces a deactivation only for a PUT with active false', async () => {
    const { endpoint, intents } = await announcing();

    for (const active of [false, true, undefined]) {
      await endpoint.replace(request('PUT', '/Users/x'), idAt(1), { userName: 'user1@example.com', active });
    }

    expect(intents).toEqual([
      { deactivation: true, activation: false },
      { deactivation: false, activation: false },
      { deactivation: false, activation: false },
    ]);
  });

  it('announces what a PATCH may do from whether it names active, and with a true value', async () => {
    const { endpoint, intents } = await announcing();

    await endpoint.patch(
      request('PATCH', '/Users/x'),
      idAt(1),
      patchOp({ op: 'replace', path: 'title', value: 'true' }),
    );
    await endpoint.patch(
      request('PATCH', '/Users/x'),
      idAt(1),
      patchOp({ op: 'replace', path: 'Active', value: 'False' }),
    );
    await endpoint.patch(request('PATCH', '/Users/x'), idAt(1), patchOp({ op: 'replace', value: { ACTIVE: 'TRUE' } }));

    expect(intents).toEqual([
      { deactivation: false, activation: false },
      { deactivation: true, activation: false },
      { deactivation: true, activation: true },
    ]);
  });
});

describe('a failed read of the groups', () => {
  /** Runs `action` and answers the promise rejections nobody handled meanwhile. */
  async function unhandledDuring(action: () => Promise<unknown>): Promise<unknown[]> {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      await action().catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 20));
      return unhandled;
    } finally {
      process.off('unhandledRejection', listener);
    }
  }
  const failingGroups: UserGroupsReader = () => Promise.reject(new Error('groups unavailable'));

  it('leaves no unhandled rejection when the user is not found first', async () => {
    const { endpoint } = await setup(users(1), failingGroups);

    expect(await unhandledDuring(() => endpoint.get(request('GET', '/Users/x'), idAt(7)))).toEqual([]);
  });

  it('leaves no unhandled rejection when a change fails first', async () => {
    const { endpoint } = await setup(users(1), failingGroups);
    const stale = request('PUT', '/Users/x', {}, { 'if-match': 'W/"9"' });

    expect(await unhandledDuring(() => endpoint.replace(stale, idAt(1), { userName: 'user1@example.com' }))).toEqual(
      [],
    );
  });
});

describe('sorting while the stored name order is incomplete', () => {
  it('reads the organization and sorts it in memory, paging the result', async () => {
    const named = ['dave', 'alice', 'carol', 'bob'].map((name, n) =>
      storedUser(n + 1, { userName: `${name}@example.com` }),
    );
    const { endpoint, repository } = await setup(named);
    const list = repository.list.bind(repository);
    jest
      .spyOn(repository, 'list')
      .mockImplementation(async (orgId, page, order) =>
        order === undefined ? list(orgId, page) : { totalResults: 0, items: [], orderUnavailable: true },
      );

    const response = await endpoint.list(request('GET', '/Users', { sortBy: 'userName', startIndex: '2', count: '2' }));

    expect(userNames(response)).toEqual(['bob@example.com', 'carol@example.com']);
    expect(bodyOf(response).totalResults).toBe(4);
  });
});

describe('PATCH of active', () => {
  const patchOp = (...Operations: unknown[]) => ({
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations,
  });

  it('makes the user inactive when active is removed', async () => {
    const { endpoint } = await setup(users(1));

    const response = await endpoint.patch(
      request('PATCH', '/Users/x'),
      idAt(1),
      patchOp({ op: 'remove', path: 'active' }),
    );

    expect(bodyOf(response).active).toBe(false);
  });

  it('refuses a value of active that is not a boolean, saying so', async () => {
    const { endpoint } = await setup(users(1));

    const error = await refusal(
      endpoint.patch(request('PATCH', '/Users/x'), idAt(1), patchOp({ op: 'replace', path: 'active', value: 'maybe' })),
    );

    expect(error).toMatchObject({ status: 400, scimType: 'invalidValue', detail: 'active must be true or false' });
  });
});
