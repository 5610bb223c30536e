import { randomBytes } from 'node:crypto';
import type { ApiResponse, LocalApi } from '../support/local-api';
import { startLocalApi } from '../support/local-api';

/**
 * What Okta and Entra ID send over HTTP, replayed against the local API Gateway emulation in front of the real
 * authorizer and SCIM handler (see /work/shared/okta-interop.md). The describe blocks share one server and one set
 * of tables; each creates its own users, and the SPEC sequence runs first, in Okta's order.
 */

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let api: LocalApi;

beforeAll(async () => {
  api = await startLocalApi({ label: 'okta-spec' });
});

afterAll(async () => {
  await api?.close();
});

const unique = () => randomBytes(4).toString('hex');

/** Headers on Okta's GETs; `auth` is the whole Authorization value (bare token or `Bearer <token>`). */
function oktaGetHeaders(auth: string): Record<string, string> {
  return {
    Accept: 'application/scim+json',
    'Content-Type': 'application/scim+json; charset=utf-8',
    'Accept-Charset': 'utf-8',
    Authorization: auth,
  };
}

/** Okta's POSTs may carry plain JSON. */
function oktaPostHeaders(auth: string): Record<string, string> {
  return { Accept: 'application/scim+json', 'Content-Type': 'application/json', Authorization: auth };
}

const bare = () => api.token;
const bearer = () => `Bearer ${api.token}`;

/** Okta's filter values: spaces as `%20`, or as `+` when it builds the query like a form. */
function userNameFilter(userName: string, spaces: '%20' | '+' = '%20'): string {
  return ['userName', 'eq', encodeURIComponent(`"${userName}"`)].join(spaces);
}

function expectScimContentType(response: ApiResponse): void {
  expect(response.headers.get('content-type')).toMatch(/^application\/scim\+json/);
}

function expectScimError(response: ApiResponse, status: number, scimType?: string): void {
  expect(response.status).toBe(status);
  expectScimContentType(response);
  expect(response.body).toEqual(
    expect.objectContaining({
      schemas: [ERROR_SCHEMA],
      status: String(status),
      detail: expect.stringMatching(/\S/),
    }),
  );
  if (scimType) expect(response.body.scimType).toBe(scimType);
}

function expectListResponse(response: ApiResponse, totalResults: number): void {
  expect(response.status).toBe(200);
  expectScimContentType(response);
  expect(response.body.schemas).toEqual([LIST_SCHEMA]);
  expect(response.body.totalResults).toBe(totalResults);
  expect(Number.isInteger(response.body.startIndex)).toBe(true);
  expect(Number.isInteger(response.body.itemsPerPage)).toBe(true);
  expect(Array.isArray(response.body.Resources)).toBe(true);
  expect(response.body.Resources).toHaveLength(Math.min(totalResults, response.body.itemsPerPage));
}

/** The fields Okta's SPEC test reads from a user. */
function expectCompleteUser(user: Record<string, unknown>): void {
  expect(user).toEqual(
    expect.objectContaining({
      schemas: expect.arrayContaining([USER_SCHEMA]),
      id: expect.stringMatching(/\S/),
      userName: expect.stringMatching(/\S/),
      name: expect.objectContaining({
        givenName: expect.stringMatching(/\S/),
        familyName: expect.stringMatching(/\S/),
      }),
      active: expect.any(Boolean),
      emails: expect.arrayContaining([expect.objectContaining({ value: expect.stringMatching(/\S/) })]),
    }),
  );
}

function newUser(userName: string, givenName: string, familyName: string): Record<string, unknown> {
  return {
    schemas: [USER_SCHEMA],
    userName,
    name: { givenName, familyName },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: `${givenName} ${familyName}`,
    active: true,
  };
}

describe("Okta's SCIM 2.0 SPEC test, in order", () => {
  const seeded = newUser(`Seed.User-${unique()}@example.com`, 'Seed', 'User');
  const runscopeUserName = `Runscope${unique()}Test@Atko.com`;
  const runscopeUser = newUser(runscopeUserName, `Runscope${unique()}`, 'Tester');
  let firstUserId: string;
  let createdId: string;

  beforeAll(async () => {
    // Okta asks for at least one complete, active user before it runs the SPEC test.
    const seed = await api.request('POST', '/Users', { body: seeded, headers: oktaPostHeaders(bearer()) });
    expect(seed.status).toBe(201);
  });

  test('1. GET /Users?count=1&startIndex=1 lists one complete user', async () => {
    const response = await api.request('GET', '/Users?count=1&startIndex=1', { headers: oktaGetHeaders(bare()) });

    expect(response.status).toBe(200);
    expectScimContentType(response);
    expect(response.body.schemas).toEqual([LIST_SCHEMA]);
    expect(Number.isInteger(response.body.totalResults)).toBe(true);
    expect(response.body.totalResults).toBeGreaterThanOrEqual(1);
    expect(response.body.startIndex).toBe(1);
    expect(response.body.itemsPerPage).toBe(1);
    expect(response.body.Resources).toHaveLength(1);
    const [first] = response.body.Resources;
    expectCompleteUser(first);
    expect(first.active).toBe(true);
    firstUserId = first.id;
  });

  test('2. GET /Users/{id} returns the same user', async () => {
    const response = await api.request('GET', `/Users/${firstUserId}`, { headers: oktaGetHeaders(bare()) });

    expect(response.status).toBe(200);
    expectScimContentType(response);
    expectCompleteUser(response.body);
    expect(response.body.id).toBe(firstUserId);
  });

  test('3. filtering on an unknown userName answers an empty list', async () => {
    const response = await api.request('GET', `/Users?filter=${userNameFilter('abcdefgh@atko.com')}`, {
      headers: oktaGetHeaders(bare()),
    });

    expectListResponse(response, 0);
    expect(response.body.Resources).toEqual([]);
  });

  test('4. GET of an unknown id answers a SCIM 404', async () => {
    const response = await api.request('GET', '/Users/010101001010101011001010101011', {
      headers: oktaGetHeaders(bare()),
    });

    expectScimError(response, 404);
  });

  test('5. filtering on a random email answers an empty list', async () => {
    const response = await api.request('GET', `/Users?filter=${userNameFilter(`${unique()}@atko.com`)}`, {
      headers: oktaGetHeaders(bearer()),
    });

    expectListResponse(response, 0);
  });

  test('6. POST /Users with plain application/json creates the user as sent', async () => {
    const response = await api.request('POST', '/Users', { body: runscopeUser, headers: oktaPostHeaders(bearer()) });

    expect(response.status).toBe(201);
    expectScimContentType(response);
    expect(response.body.schemas).toContain(USER_SCHEMA);
    expect(response.body.id).toEqual(expect.stringMatching(/\S/));
    expect(response.body.active).toBe(true);
    expect(response.body.userName).toBe(runscopeUserName);
    expect(response.body.name).toEqual(expect.objectContaining(runscopeUser.name as object));
    expect(response.body.emails).toEqual([
      expect.objectContaining({ value: runscopeUserName, type: 'work', primary: true }),
    ]);
    createdId = response.body.id;
  });

  test('7. GET /Users/{new id} returns the values sent', async () => {
    const response = await api.request('GET', `/Users/${createdId}`, { headers: oktaGetHeaders(bearer()) });

    expect(response.status).toBe(200);
    expectScimContentType(response);
    expect(response.body.id).toBe(createdId);
    expect(response.body.userName).toBe(runscopeUserName);
    expect(response.body.active).toBe(true);
    expect(response.body.name).toEqual(expect.objectContaining(runscopeUser.name as object));
  });

  test('8. the same POST again answers 409 uniqueness', async () => {
    const response = await api.request('POST', '/Users', { body: runscopeUser, headers: oktaPostHeaders(bearer()) });

    expectScimError(response, 409, 'uniqueness');
  });

  test('9. filtering on the upper-cased userName finds the user', async () => {
    const response = await api.request('GET', `/Users?filter=${userNameFilter(runscopeUserName.toUpperCase())}`, {
      headers: oktaGetHeaders(bearer()),
    });

    expectListResponse(response, 1);
    expect(response.body.Resources[0].id).toBe(createdId);
    expect(response.body.Resources[0].userName).toBe(runscopeUserName);
  });

  test('10. GET /Groups answers a list', async () => {
    const response = await api.request('GET', '/Groups', { headers: oktaGetHeaders(bearer()) });

    expect(response.status).toBe(200);
    expectScimContentType(response);
    expect(response.body.schemas).toEqual([LIST_SCHEMA]);
    expect(Number.isInteger(response.body.totalResults)).toBe(true);
    expect(Array.isArray(response.body.Resources)).toBe(true);
  });

  test('11. Authorization: non-token answers a SCIM 401', async () => {
    const response = await api.request('GET', '/Users', { headers: oktaGetHeaders('non-token') });

    expectScimError(response, 401);
  });

  test('12. GET of another unknown id answers a SCIM 404', async () => {
    const response = await api.request('GET', '/Users/00919288221112222', { headers: oktaGetHeaders(bearer()) });

    expectScimError(response, 404);
  });
});

describe('Okta provisioning lifecycle', () => {
  const userName = `Jane.Doe-${unique()}@Example.com`;
  const oktaCreateBody = {
    schemas: [USER_SCHEMA],
    userName,
    name: { givenName: 'Jane', familyName: 'Doe' },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: 'Jane Doe',
    locale: 'en-US',
    externalId: `00u${unique()}${unique()}`,
    groups: [],
    password: 'xYz12!placeholder',
    active: true,
  };
  const existenceCheck = (spaces: '%20' | '+') =>
    `/Users?filter=${userNameFilter(userName, spaces)}&startIndex=1&count=100`;
  const deactivate = { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', value: { active: false } }] };
  const reactivate = { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', value: { active: true } }] };
  let id: string;

  test('the existence check with +-encoded spaces finds nobody before the create', async () => {
    const response = await api.request('GET', existenceCheck('+'), { headers: oktaGetHeaders(bare()) });

    expectListResponse(response, 0);
  });

  test("the create with Okta's full body answers 201 with the whole user", async () => {
    const response = await api.request('POST', '/Users', { body: oktaCreateBody, headers: oktaPostHeaders(bare()) });

    expect(response.status).toBe(201);
    expectScimContentType(response);
    expectCompleteUser(response.body);
    expect(response.body.userName).toBe(userName);
    expect(response.body.externalId).toBe(oktaCreateBody.externalId);
    expect(response.body.active).toBe(true);
    expect(response.body).not.toHaveProperty('password');
    expect(response.body.meta).toEqual(
      expect.objectContaining({
        resourceType: 'User',
        location: `${api.baseUrl}/Users/${response.body.id}`,
        created: expect.any(String),
        lastModified: expect.any(String),
        version: expect.any(String),
      }),
    );
    id = response.body.id;
  });

  test.each(['+', '%20'] as const)('the existence check with %s-encoded spaces finds the user', async (spaces) => {
    const response = await api.request('GET', existenceCheck(spaces), { headers: oktaGetHeaders(bare()) });

    expectListResponse(response, 1);
    expect(response.body.Resources[0].id).toBe(id);
  });

  test('a GET-then-PUT profile update changes name.givenName and keeps the rest', async () => {
    const current = await api.request('GET', `/Users/${id}`, { headers: oktaGetHeaders(bare()) });
    const edited = { ...current.body, name: { ...current.body.name, givenName: 'Janet' } };

    const response = await api.request('PUT', `/Users/${id}`, { body: edited, headers: oktaPostHeaders(bare()) });
    const reread = await api.request('GET', `/Users/${id}`, { headers: oktaGetHeaders(bare()) });
    const found = await api.request('GET', existenceCheck('+'), { headers: oktaGetHeaders(bare()) });

    expect(response.status).toBe(200);
    expectScimContentType(response);
    expect(response.body.id).toBe(id);
    expect(response.body.name).toEqual(expect.objectContaining({ givenName: 'Janet', familyName: 'Doe' }));
    expect(reread.body.name.givenName).toBe('Janet');
    expect(reread.body.externalId).toBe(oktaCreateBody.externalId);
    expect(reread.body.emails).toEqual(current.body.emails);
    expect(found.body.Resources[0].name.givenName).toBe('Janet');
  });

  test("Okta's path-less PATCH deactivates; the user stays readable and filterable", async () => {
    const response = await api.request('PATCH', `/Users/${id}`, { body: deactivate, headers: oktaPostHeaders(bare()) });
    const reread = await api.request('GET', `/Users/${id}`, { headers: oktaGetHeaders(bare()) });
    const found = await api.request('GET', existenceCheck('+'), { headers: oktaGetHeaders(bare()) });

    expect(response.status).toBe(200);
    expectScimContentType(response);
    expect(response.body.id).toBe(id);
    expect(response.body.active).toBe(false);
    expect(reread.status).toBe(200);
    expect(reread.body.active).toBe(false);
    expect(reread.body.name.givenName).toBe('Janet');
    expectListResponse(found, 1);
    expect(found.body.Resources[0]).toEqual(expect.objectContaining({ id, active: false }));
  });

  test('the same PATCH with true reactivates the same id', async () => {
    const response = await api.request('PATCH', `/Users/${id}`, { body: reactivate, headers: oktaPostHeaders(bare()) });
    const found = await api.request('GET', existenceCheck('%20'), { headers: oktaGetHeaders(bare()) });

    expect(response.status).toBe(200);
    expect(response.body).toEqual(expect.objectContaining({ id, active: true, userName }));
    expectListResponse(found, 1);
    expect(found.body.Resources[0]).toEqual(expect.objectContaining({ id, active: true }));
  });

  test("an app-wizard app's PUT with active false deactivates, and true reactivates", async () => {
    const current = await api.request('GET', `/Users/${id}`, { headers: oktaGetHeaders(bare()) });

    const off = await api.request('PUT', `/Users/${id}`, {
      body: { ...current.body, active: false },
      headers: oktaPostHeaders(bare()),
    });
    const on = await api.request('PUT', `/Users/${id}`, {
      body: { ...off.body, active: true },
      headers: oktaPostHeaders(bare()),
    });

    expect(off.status).toBe(200);
    expect(off.body).toEqual(expect.objectContaining({ id, active: false }));
    expect(on.status).toBe(200);
    expect(on.body).toEqual(expect.objectContaining({ id, active: true }));
  });
});

describe('Entra ID forms', () => {
  let id: string;

  beforeAll(async () => {
    const userName = `Entra.User-${unique()}@example.com`;
    const created = await api.request('POST', '/Users', { body: newUser(userName, 'Entra', 'User') });
    expect(created.status).toBe(201);
    id = created.body.id;
  });

  test('a capitalised Replace with a path changes the attribute', async () => {
    const body = { schemas: [PATCH_SCHEMA], Operations: [{ op: 'Replace', path: 'name.givenName', value: 'Entrada' }] };

    const response = await api.request('PATCH', `/Users/${id}`, { body });

    expect(response.status).toBe(200);
    expectScimContentType(response);
    expect(response.body.name).toEqual(expect.objectContaining({ givenName: 'Entrada', familyName: 'User' }));
  });

  test('disabling with the string "False" stores the boolean false', async () => {
    const body = { schemas: [PATCH_SCHEMA], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] };

    const response = await api.request('PATCH', `/Users/${id}`, { body });
    const reread = await api.request('GET', `/Users/${id}`);

    expect(response.status).toBe(200);
    expect(response.body.active).toBe(false);
    expect(reread.status).toBe(200);
    expect(reread.body.active).toBe(false);
  });

  test('a PATCH that also sets a custom extension attribute applies the rest and ignores that attribute', async () => {
    const custom = 'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User';
    const body = {
      schemas: [PATCH_SCHEMA],
      Operations: [
        { op: 'Add', path: `${custom}:badgeNumber`, value: '4711' },
        { op: 'Replace', value: { title: 'Auditor', [`${custom}:costCenter`]: '42' } },
      ],
    };

    const response = await api.request('PATCH', `/Users/${id}`, { body });

    expect(response.status).toBe(200);
    expect(response.body.title).toBe('Auditor');
    expect(response.body.schemas).not.toContain(custom);
    expect(response.body).not.toHaveProperty([custom]);
  });

  test('removing emails[type eq "work"].value removes the work email instead of leaving one without a value', async () => {
    const add = {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'Add', path: 'emails[type eq "home"].value', value: 'entra.home@example.com' }],
    };
    const remove = { schemas: [PATCH_SCHEMA], Operations: [{ op: 'Remove', path: 'emails[type eq "work"].value' }] };

    const added = await api.request('PATCH', `/Users/${id}`, { body: add });
    const response = await api.request('PATCH', `/Users/${id}`, { body: remove });
    const reread = await api.request('GET', `/Users/${id}`);

    expect(added.status).toBe(200);
    expect(response.status).toBe(200);
    expect(response.body.emails).toEqual([{ value: 'entra.home@example.com', type: 'home' }]);
    expect(reread.body.emails).toEqual([{ value: 'entra.home@example.com', type: 'home' }]);
  });

  test('DELETE answers 204 with no body, then GET answers a SCIM 404', async () => {
    const response = await api.request('DELETE', `/Users/${id}`);
    const reread = await api.request('GET', `/Users/${id}`);

    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    expectScimError(reread, 404);
  });
});

describe('duplicate creates under concurrency', () => {
  test('10 parallel POSTs of one userName in varying case give one 201 and nine 409 uniqueness', async () => {
    const base = `race.condition-${unique()}@example.com`;
    // Variant n upper-cases the first n characters: ten distinct spellings of one userName.
    const variants = Array.from({ length: 10 }, (_, n) => base.slice(0, n).toUpperCase() + base.slice(n));

    const responses = await Promise.all(
      variants.map((userName) => api.request('POST', '/Users', { body: newUser(userName, 'Race', 'Condition') })),
    );
    const found = await api.request('GET', `/Users?filter=${userNameFilter(base)}`);

    const created = responses.filter((response) => response.status === 201);
    const conflicts = responses.filter((response) => response.status !== 201);
    expect(created).toHaveLength(1);
    expect(conflicts).toHaveLength(9);
    for (const conflict of conflicts) expectScimError(conflict, 409, 'uniqueness');
    expectListResponse(found, 1);
    expect(found.body.Resources[0].id).toBe(created[0]?.body.id);
  });
});

describe('errors and URL forms', () => {
  test('a wrong token answers a SCIM 401', async () => {
    const response = await api.request('GET', '/Users', { headers: { Authorization: `Bearer ${unique()}` } });

    expectScimError(response, 401);
  });

  test('a missing Authorization header answers a SCIM 401', async () => {
    const response = await api.request('GET', '/Users', { headers: { Authorization: undefined } });

    expectScimError(response, 401);
  });

  test('an unknown route answers a SCIM 404', async () => {
    const response = await api.request('GET', '/scim/v1/Users', { fromOrigin: true });

    expectScimError(response, 404);
  });

  test('//Users from a base URL with a trailing slash works like /Users', async () => {
    const created = await api.request('POST', '//Users', {
      body: newUser(`Slash-${unique()}@example.com`, 'Double', 'Slash'),
    });

    const listed = await api.request('GET', '//Users?startIndex=1&count=2');
    const read = await api.request('GET', `//Users/${created.body.id}`);

    expect(created.status).toBe(201);
    expect(created.body.meta.location).toBe(`${api.baseUrl}/Users/${created.body.id}`);
    expect(listed.status).toBe(200);
    expect(listed.body.schemas).toEqual([LIST_SCHEMA]);
    expect(listed.body.Resources).toHaveLength(2);
    expect(read.status).toBe(200);
    expect(read.body.id).toBe(created.body.id);
  });

  test('PUT and DELETE with a stale If-Match answer 412 and change nothing; the current ETag succeeds', async () => {
    const created = await api.request('POST', '/Users', { body: newUser(`Etag-${unique()}@example.com`, 'E', 'Tag') });
    const stale = created.body.meta.version;
    const renamed = { ...created.body, name: { givenName: 'Renamed', familyName: 'Tag' } };
    const put = await api.request('PUT', `/Users/${created.body.id}`, {
      body: renamed,
      headers: { 'If-Match': stale },
    });

    const stalePut = await api.request('PUT', `/Users/${created.body.id}`, {
      body: { ...renamed, title: 'lost update' },
      headers: { 'If-Match': stale },
    });
    const staleDelete = await api.request('DELETE', `/Users/${created.body.id}`, { headers: { 'If-Match': stale } });
    const reread = await api.request('GET', `/Users/${created.body.id}`);
    const currentDelete = await api.request('DELETE', `/Users/${created.body.id}`, {
      headers: { 'If-Match': put.body.meta.version },
    });

    expect(put.status).toBe(200);
    expectScimError(stalePut, 412);
    expectScimError(staleDelete, 412);
    expect(reread.status).toBe(200);
    expect(reread.body.name.givenName).toBe('Renamed');
    expect(reread.body).not.toHaveProperty('title');
    expect(reread.body.meta.version).toBe(put.body.meta.version);
    expect(currentDelete.status).toBe(204);
  });

  test('malformed JSON answers 400 invalidSyntax', async () => {
    const response = await api.request('POST', '/Users', {
      body: '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":',
    });

    expectScimError(response, 400, 'invalidSyntax');
  });

  test('a body nested thousands of levels deep answers 400 invalidSyntax, not 500', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const userName = `Deep-${unique()}@example.com`;

    const created = await api.request('POST', '/Users', { body: `{"userName":"${userName}","name":${deep}}` });
    const existing = await api.request('POST', '/Users', {
      body: newUser(`Shallow-${unique()}@example.com`, 'A', 'B'),
    });
    const patched = await api.request('PATCH', `/Users/${existing.body.id}`, {
      body: `{"schemas":["${PATCH_SCHEMA}"],"Operations":[{"op":"add","path":"title","value":${deep}}]}`,
    });

    expectScimError(created, 400, 'invalidSyntax');
    expect(created.body.detail).toMatch(/nested deeper than/);
    expectScimError(patched, 400, 'invalidSyntax');
  });

  test('brackets inside string values do not count as nesting', async () => {
    const userName = `Brackets-${unique()}@example.com`;
    const title = `${'[{'.repeat(40)} "quoted" \\ ${'}]'.repeat(40)}`;

    const response = await api.request('POST', '/Users', { body: { userName, title } });

    expect(response.status).toBe(201);
    expect(response.body.title).toBe(title);
  });
});
