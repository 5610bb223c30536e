import { randomBytes } from 'node:crypto';
import type { ApiResponse, LocalApi } from '../support/local-api';
import { startLocalApi } from '../support/local-api';

/**
 * RFC 7643/7644 and RFC 9110 details a conforming client relies on, over HTTP against the local API Gateway
 * emulation in front of the real authorizer and SCIM handler: versions, conditional requests, status codes and
 * their headers.
 */

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

let api: LocalApi;

beforeAll(async () => {
  api = await startLocalApi({ label: 'http-semantics' });
});

afterAll(async () => {
  await api?.close();
});

const unique = () => randomBytes(4).toString('hex');

async function createUser(label = 'user'): Promise<{ id: string; userName: string; etag: string }> {
  const userName = `${label}.${unique()}@example.com`;
  const response = await api.request('POST', '/Users', {
    body: {
      schemas: [USER_SCHEMA],
      userName,
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ value: userName, type: 'work', primary: true }],
      active: true,
    },
  });
  expect(response.status).toBe(201);
  return { id: response.body.id, userName, etag: response.body.meta.version };
}

async function createGroup(memberIds: readonly string[]): Promise<ApiResponse> {
  const response = await api.request('POST', '/Groups', {
    body: {
      schemas: [GROUP_SCHEMA],
      displayName: `Group ${unique()}`,
      members: memberIds.map((value) => ({ value })),
    },
  });
  expect(response.status).toBe(201);
  return response;
}

function expectScimError(response: ApiResponse, status: number, detail: RegExp): void {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/scim\+json/);
  expect(response.body).toEqual(
    expect.objectContaining({ schemas: [ERROR_SCHEMA], status: String(status), detail: expect.stringMatching(detail) }),
  );
}

describe('versions', () => {
  it("changes a group's version and lastModified when a member leaves because the user was deleted", async () => {
    const leaving = await createUser('leaving');
    const staying = await createUser('staying');
    const created = await createGroup([leaving.id, staying.id]);
    const before = await api.request('GET', `/Groups/${created.body.id}`);

    const deleted = await api.request('DELETE', `/Users/${leaving.id}`);
    const after = await api.request('GET', `/Groups/${created.body.id}`);
    const staleWrite = await api.request('PATCH', `/Groups/${created.body.id}`, {
      headers: { 'If-Match': before.body.meta.version },
      body: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'displayName', value: `Renamed ${unique()}` }],
      },
    });

    expect(deleted.status).toBe(204);
    expect(before.body.members.map((member: { value: string }) => member.value).sort()).toEqual(
      [leaving.id, staying.id].sort(),
    );
    expect(after.status).toBe(200);
    expect(after.body.members).toEqual([expect.objectContaining({ value: staying.id })]);
    expect(after.body.meta.version).not.toBe(before.body.meta.version);
    expect(after.headers.get('etag')).toBe(after.body.meta.version);
    expect(Date.parse(after.body.meta.lastModified)).toBeGreaterThan(Date.parse(before.body.meta.lastModified));
    expectScimError(staleWrite, 412, /version/);
  });

  it("changes the version of every group the deleted user belonged to, and no other group's", async () => {
    const leaving = await createUser('leaving');
    const other = await createUser('other');
    const first = await createGroup([leaving.id]);
    const second = await createGroup([leaving.id, other.id]);
    const untouched = await createGroup([other.id]);

    await api.request('DELETE', `/Users/${leaving.id}`);
    const [firstAfter, secondAfter, untouchedAfter] = await Promise.all(
      [first, second, untouched].map((group) => api.request('GET', `/Groups/${group.body.id}`)),
    );

    expect(firstAfter?.body.members ?? []).toEqual([]);
    expect(firstAfter?.body.meta.version).not.toBe(first.body.meta.version);
    expect(secondAfter?.body.members).toEqual([expect.objectContaining({ value: other.id })]);
    expect(secondAfter?.body.meta.version).not.toBe(second.body.meta.version);
    expect(untouchedAfter?.body.meta.version).toBe(untouched.body.meta.version);
  });
});

describe('conditional GET (If-None-Match)', () => {
  it('answers 304 with the ETag and no body when the user has not changed, weak or strong tag alike', async () => {
    const user = await createUser();
    const opaque = user.etag.replace(/^W\//, '');

    const weak = await api.request('GET', `/Users/${user.id}`, { headers: { 'If-None-Match': user.etag } });
    const strong = await api.request('GET', `/Users/${user.id}`, { headers: { 'If-None-Match': opaque } });
    const inList = await api.request('GET', `/Users/${user.id}`, {
      headers: { 'If-None-Match': `W/"999999", ${user.etag}` },
    });
    const any = await api.request('GET', `/Users/${user.id}`, { headers: { 'If-None-Match': '*' } });

    for (const response of [weak, strong, inList, any]) {
      expect(response.status).toBe(304);
      expect(response.headers.get('etag')).toBe(user.etag);
      expect(response.text).toBe('');
    }
  });

  it('answers 200 with the user once it changed, and 404 for a missing user even with *', async () => {
    const user = await createUser();
    await api.request('PATCH', `/Users/${user.id}`, {
      body: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'title', value: 'Engineer' }],
      },
    });

    const changed = await api.request('GET', `/Users/${user.id}`, { headers: { 'If-None-Match': user.etag } });
    const missing = await api.request('GET', '/Users/0190c0de-0000-7000-8000-000000000999', {
      headers: { 'If-None-Match': '*' },
    });

    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id: user.id, title: 'Engineer', meta: { version: expect.any(String) } });
    expect(changed.body.meta.version).not.toBe(user.etag);
    expect(changed.headers.get('etag')).toBe(changed.body.meta.version);
    expectScimError(missing, 404, /not found/);
  });

  it('answers 304 for an unchanged group, and 200 with the group after a change', async () => {
    const member = await createUser();
    const group = await createGroup([member.id]);
    const etag = group.body.meta.version;

    const unchanged = await api.request('GET', `/Groups/${group.body.id}`, { headers: { 'If-None-Match': etag } });
    await api.request('PATCH', `/Groups/${group.body.id}`, {
      body: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'remove', path: `members[value eq "${member.id}"]` }],
      },
    });
    const changed = await api.request('GET', `/Groups/${group.body.id}`, { headers: { 'If-None-Match': etag } });

    expect(unchanged.status).toBe(304);
    expect(unchanged.headers.get('etag')).toBe(etag);
    expect(unchanged.text).toBe('');
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id: group.body.id, displayName: group.body.displayName });
    expect(changed.body.meta.version).not.toBe(etag);
  });
});

describe('status codes and their headers', () => {
  it.each([
    ['DELETE', '/Users', 'GET, POST'],
    ['PUT', '/Groups', 'GET, POST'],
    ['POST', '/Users/0190c0de-0000-7000-8000-000000000001', 'GET, PUT, PATCH, DELETE'],
    ['PUT', '/ServiceProviderConfig', 'GET'],
    ['DELETE', '/Schemas', 'GET'],
  ])('answers %s %s with 405 and an Allow header listing %s', async (method, path, allow) => {
    const response = await api.request(method, path, method === 'DELETE' ? {} : { body: {} });

    expectScimError(response, 405, new RegExp(`${method} is not supported`));
    expect(response.headers.get('allow')).toBe(allow);
  });
});

describe('responses without content', () => {
  it('answers DELETE of a user and of a group with 204, no body and no Content-Type', async () => {
    const user = await createUser();
    const group = await createGroup([user.id]);

    const responses = [
      await api.request('DELETE', `/Groups/${group.body.id}`),
      await api.request('DELETE', `/Users/${user.id}`),
    ];

    for (const response of responses) {
      expect(response.status).toBe(204);
      expect(response.text).toBe('');
      expect(response.headers.get('content-type')).toBeNull();
    }
    expect((await api.request('GET', `/Users/${user.id}`)).status).toBe(404);
  });

  it('answers a 304 without a Content-Type', async () => {
    const user = await createUser();

    const response = await api.request('GET', `/Users/${user.id}`, { headers: { 'If-None-Match': user.etag } });

    expect(response.status).toBe(304);
    expect(response.headers.get('content-type')).toBeNull();
  });
});

describe('authentication challenge', () => {
  it.each([
    ['no Authorization header', undefined],
    ['an unknown API key', 'Bearer scim_default_not-the-key'],
    ['a malformed Authorization header', 'non-token'],
  ])('answers a request with %s with 401 and a Bearer challenge', async (_case, authorization) => {
    const response = await api.request('GET', '/Users', { headers: { Authorization: authorization } });

    expectScimError(response, 401, /API key/);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="[^"]+"$/);
  });
});

describe('endpoints this server does not offer', () => {
  it.each([
    ['GET', '/Me', /\/Me/],
    ['PATCH', '/Me', /\/Me/],
    ['POST', '/Bulk', /bulk/i],
  ])('answers %s %s with 501 and a SCIM error', async (method, path, detail) => {
    const response = await api.request(method, path, method === 'GET' ? {} : { body: {} });

    expectScimError(response, 501, detail);
  });

  it('says in ServiceProviderConfig that bulk is not supported', async () => {
    const config = await api.request('GET', '/ServiceProviderConfig');

    expect(config.body.bulk).toEqual(expect.objectContaining({ supported: false }));
  });
});

describe('discovery endpoints', () => {
  it.each([
    '/ServiceProviderConfig?filter=patch.supported%20eq%20true',
    '/ResourceTypes?filter=name%20eq%20%22User%22',
    '/Schemas?filter=id%20eq%20%22urn%3Aietf%3Aparams%3Ascim%3Aschemas%3Acore%3A2.0%3AUser%22',
    '/Schemas/urn:ietf:params:scim:schemas:core:2.0:User?filter=name%20eq%20%22User%22',
  ])('answers GET %s with 403 and a SCIM error, since a filter there is not evaluated', async (path) => {
    const response = await api.request('GET', path);

    expectScimError(response, 403, /filter/);
  });

  it('answers the same endpoints without a filter', async () => {
    const responses = await Promise.all(
      ['/ServiceProviderConfig', '/ResourceTypes', '/Schemas'].map((path) => api.request('GET', path)),
    );

    expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
    expect(responses[1]?.body.Resources).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: 'User' }), expect.objectContaining({ id: 'Group' })]),
    );
  });
});

describe('userName validation', () => {
  it('names the length limit for a 600-character userName, on create and on replace', async () => {
    const existing = await createUser();
    const long = `${'a'.repeat(588)}@example.com`;

    const created = await api.request('POST', '/Users', { body: { schemas: [USER_SCHEMA], userName: long } });
    const replaced = await api.request('PUT', `/Users/${existing.id}`, {
      body: { schemas: [USER_SCHEMA], userName: long, active: true },
    });

    for (const response of [created, replaced]) {
      expectScimError(response, 400, /userName.*at most 512 characters/);
      expect(response.body.scimType).toBe('invalidValue');
      expect(response.body.detail).not.toMatch(/must be a string/);
    }
  });

  it('still says which mistake it is for a missing or non-string userName', async () => {
    const missing = await api.request('POST', '/Users', { body: { schemas: [USER_SCHEMA] } });
    const number = await api.request('POST', '/Users', { body: { schemas: [USER_SCHEMA], userName: 42 } });

    expectScimError(missing, 400, /userName is required/);
    expectScimError(number, 400, /userName must be a string/);
  });
});

const SEARCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

function search(path: string, members: Record<string, unknown>): Promise<ApiResponse> {
  return api.request('POST', path, { body: { schemas: [SEARCH_SCHEMA], ...members } });
}

describe('POST /.search (RFC 7644 §3.4.3)', () => {
  it('finds users by filter with the same answer as the GET query, projection included', async () => {
    const user = await createUser('search');
    const filter = `userName eq "${user.userName}"`;

    const posted = await search('/Users/.search', { filter, attributes: ['userName', 'emails'] });
    const got = await api.request(
      'GET',
      `/Users?filter=${encodeURIComponent(filter)}&attributes=${encodeURIComponent('userName,emails')}`,
    );

    expect(posted.status).toBe(200);
    expect(posted.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(posted.body).toEqual(got.body);
    expect(posted.body).toMatchObject({ totalResults: 1, Resources: [{ id: user.id, userName: user.userName }] });
    expect(posted.body.Resources[0]).not.toHaveProperty('name');
  });

  it('pages with startIndex and count exactly as GET does', async () => {
    await Promise.all([createUser('page'), createUser('page'), createUser('page')]);

    const posted = await search('/Users/.search', { startIndex: 2, count: 2, excludedAttributes: ['emails'] });
    const got = await api.request('GET', '/Users?startIndex=2&count=2&excludedAttributes=emails');

    expect(posted.status).toBe(200);
    expect(posted.body).toEqual(got.body);
    expect(posted.body.itemsPerPage).toBe(2);
    expect(posted.body.Resources[0]).not.toHaveProperty('emails');
  });

  it('finds groups by displayName, leaving members out when asked', async () => {
    const member = await createUser();
    const group = await createGroup([member.id]);

    const posted = await search('/Groups/.search', {
      filter: `displayName eq "${group.body.displayName}"`,
      excludedAttributes: ['members'],
    });

    expect(posted.status).toBe(200);
    expect(posted.body).toMatchObject({
      totalResults: 1,
      Resources: [{ id: group.body.id, displayName: group.body.displayName }],
    });
    expect(posted.body.Resources[0]).not.toHaveProperty('members');
  });

  it('refuses a startIndex past 2^53 instead of echoing it as null', async () => {
    const huge = '1'.repeat(400);
    const [got, posted] = await Promise.all([
      api.request('GET', `/Users?startIndex=${huge}`),
      search('/Users/.search', { startIndex: huge }),
    ]);

    expectScimError(got, 400, /^startIndex must be at most 9007199254740991$/);
    expect(got.body.scimType).toBe('invalidValue');
    expect(posted.body).toEqual(got.body);
  });

  it('refuses what GET refuses, with the same errors', async () => {
    const pairs = [
      [search('/Users/.search', { filter: 'userName eq' }), api.request('GET', '/Users?filter=userName%20eq')],
      [search('/Users/.search', { startIndex: 'abc' }), api.request('GET', '/Users?startIndex=abc')],
      [search('/Users/.search', { count: 1.5 }), api.request('GET', '/Users?count=1.5')],
      [search('/Groups/.search', { attributes: ['urn:x:y'] }), api.request('GET', '/Groups?attributes=urn:x:y')],
    ] as const;

    for (const [posted, got] of pairs) {
      const [postedResponse, gotResponse] = await Promise.all([posted, got]);
      expect(gotResponse.status).toBe(400);
      expect(postedResponse.status).toBe(400);
      expect(postedResponse.body).toEqual(gotResponse.body);
    }
  });

  it.each([
    ['an unknown member', { schemas: [SEARCH_SCHEMA], filters: 'userName eq "x"' }, 'invalidSyntax', /filters/],
    ['no schemas', { filter: 'userName eq "x"' }, 'invalidSyntax', /SearchRequest/],
    [
      'another message schema',
      { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'] },
      'invalidSyntax',
      /SearchRequest/,
    ],
    ['a filter that is not a string', { schemas: [SEARCH_SCHEMA], filter: 42 }, 'invalidValue', /filter/],
    ['attributes that are not names', { schemas: [SEARCH_SCHEMA], attributes: [1] }, 'invalidValue', /attributes/],
    ['a count that is not a number', { schemas: [SEARCH_SCHEMA], count: true }, 'invalidValue', /count/],
    ['a body that is not an object', [SEARCH_SCHEMA], 'invalidSyntax', /SearchRequest/],
  ])('answers a SearchRequest with %s with 400 and the scimType for it', async (_case, body, scimType, detail) => {
    const response = await api.request('POST', '/Users/.search', { body });

    expectScimError(response, 400, detail);
    expect(response.body.scimType).toBe(scimType);
  });

  it('answers other methods on .search with 405 and Allow: POST, not as a resource id', async () => {
    const users = await api.request('GET', '/Users/.search');
    const root = await api.request('PUT', '/.search', { body: { schemas: [SEARCH_SCHEMA] } });

    expectScimError(users, 405, /GET is not supported on \/Users\/\.search/);
    expect(users.headers.get('allow')).toBe('POST');
    expectScimError(root, 405, /PUT is not supported/);
    expect(root.headers.get('allow')).toBe('POST');
  });

  it('searches users and groups at the root, each type by the attributes it has', async () => {
    const user = await createUser('root');
    const group = await createGroup([user.id]);

    const byUserName = await search('/.search', { filter: `userName eq "${user.userName}"` });
    const byDisplayName = await search('/.search', {
      filter: `displayName eq "${group.body.displayName}"`,
      excludedAttributes: ['members'],
    });
    const byId = await search('/.search', { filter: `id eq "${group.body.id}"` });
    const broken = await search('/.search', { filter: 'userName eq' });

    expect(byUserName.body).toMatchObject({ totalResults: 1, Resources: [{ id: user.id, userName: user.userName }] });
    expect(byDisplayName.body).toMatchObject({ totalResults: 1, Resources: [{ id: group.body.id }] });
    expect(byDisplayName.body.Resources[0].meta.resourceType).toBe('Group');
    expect(byId.body).toMatchObject({ totalResults: 1, Resources: [{ id: group.body.id }] });
    expectScimError(broken, 400, /./);
    expect(broken.body.scimType).toBe('invalidFilter');
  });

  it('pages the root search over users, then groups, in their list orders', async () => {
    await createGroup([]);
    await createGroup([]);
    const users = await api.request('GET', '/Users?count=0');
    const groups = await api.request('GET', '/Groups?count=0');
    const lastUser = await api.request('GET', `/Users?startIndex=${users.body.totalResults}&count=1`);
    const firstGroups = await api.request('GET', '/Groups?startIndex=1&count=2');

    const page = await search('/.search', { startIndex: users.body.totalResults, count: 3 });
    const counted = await search('/.search', { count: 0 });
    const cursor = await search('/.search', { cursor: '' });

    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({
      totalResults: users.body.totalResults + groups.body.totalResults,
      startIndex: users.body.totalResults,
      itemsPerPage: 3,
    });
    expect(page.body.Resources.map((resource: { id: string }) => resource.id)).toEqual([
      lastUser.body.Resources[0].id,
      ...firstGroups.body.Resources.map((resource: { id: string }) => resource.id),
    ]);
    expect(counted.body).toMatchObject({
      totalResults: users.body.totalResults + groups.body.totalResults,
      itemsPerPage: 0,
      Resources: [],
    });
    expectScimError(cursor, 400, /cursor/);
  });
});
