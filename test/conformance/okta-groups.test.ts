import { randomBytes } from 'node:crypto';
import type { ApiResponse, LocalApi } from '../support/local-api';
import { startLocalApi } from '../support/local-api';

/**
 * Okta's Push Groups and Entra ID's group provisioning over HTTP, replayed against the local API Gateway emulation in
 * front of the real authorizer and SCIM handler (see /work/shared/okta-interop.md). Headers, query encodings and
 * bodies are the clients' own.
 */

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let api: LocalApi;

beforeAll(async () => {
  api = await startLocalApi({ label: 'okta-groups' });
});

afterAll(async () => {
  await api?.close();
});

const unique = () => randomBytes(4).toString('hex');

/** Headers of Okta's requests; Okta's "HTTP Header" mode sends the bare token. */
function oktaHeaders(): Record<string, string> {
  return {
    Accept: 'application/scim+json',
    'Content-Type': 'application/scim+json; charset=utf-8',
    'Accept-Charset': 'utf-8',
    Authorization: api.token,
  };
}

/** Okta's POSTs may carry plain JSON. */
function oktaPostHeaders(): Record<string, string> {
  return { Accept: 'application/scim+json', 'Content-Type': 'application/json', Authorization: api.token };
}

/** Entra sends the token as a bearer token and its bodies as application/scim+json. */
function entraHeaders(): Record<string, string> {
  return { Authorization: `Bearer ${api.token}`, 'Content-Type': 'application/scim+json' };
}

/** `displayName eq "<name>"` with spaces as `%20`, or as `+` when the client builds the query like a form. */
function displayNameFilter(name: string, spaces: '%20' | '+' = '%20'): string {
  return ['displayName', 'eq', encodeURIComponent(`"${name}"`)].join(spaces);
}

function expectScimJson(response: ApiResponse): void {
  expect(response.headers.get('content-type')).toMatch(/^application\/scim\+json/);
}

async function createUser(label: string): Promise<{ id: string; userName: string }> {
  const userName = `${label}.${unique()}@example.com`;
  const response = await api.request('POST', '/Users', {
    headers: oktaPostHeaders(),
    body: {
      schemas: [USER_SCHEMA],
      userName,
      name: { givenName: label, familyName: 'Pushed' },
      emails: [{ value: userName, type: 'work', primary: true }],
      active: true,
    },
  });
  expect(response.status).toBe(201);
  return { id: response.body.id, userName };
}

function patchBody(...operations: unknown[]): Record<string, unknown> {
  return { schemas: [PATCH_SCHEMA], Operations: operations };
}

describe("Okta's Push Groups over HTTP", () => {
  const name = `Okta Push ${unique()}`;
  let alice: { id: string; userName: string };
  let bob: { id: string; userName: string };
  let groupId: string;

  beforeAll(async () => {
    alice = await createUser('alice');
    bob = await createUser('bob');
  });

  test('GET /Groups answers a ListResponse with integer counts (SPEC step 10)', async () => {
    const response = await api.request('GET', '/Groups', { headers: oktaHeaders() });

    expect(response.status).toBe(200);
    expectScimJson(response);
    expect(response.body.schemas).toEqual([LIST_SCHEMA]);
    expect(Number.isInteger(response.body.totalResults)).toBe(true);
    expect(response.body.startIndex).toBe(1);
    expect(Number.isInteger(response.body.itemsPerPage)).toBe(true);
    expect(Array.isArray(response.body.Resources)).toBe(true);
  });

  test('the existence check by displayName, spaces as +, finds nothing before the push', async () => {
    const response = await api.request('GET', `/Groups?filter=${displayNameFilter(name, '+')}&startIndex=1&count=100`, {
      headers: oktaHeaders(),
    });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      schemas: [LIST_SCHEMA],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });
  });

  test('POST /Groups with plain JSON and no members answers 201 with the group', async () => {
    const response = await api.request('POST', '/Groups', {
      headers: oktaPostHeaders(),
      body: { schemas: [GROUP_SCHEMA], displayName: name, members: [] },
    });

    expect(response.status).toBe(201);
    expectScimJson(response);
    expect(response.body).toEqual(
      expect.objectContaining({
        schemas: [GROUP_SCHEMA],
        id: expect.stringMatching(/\S/),
        displayName: name,
        meta: expect.objectContaining({ resourceType: 'Group', version: 'W/"1"' }),
      }),
    );
    expect(response.headers.get('location')).toBe(`${api.baseUrl}/Groups/${response.body.id}`);
    groupId = response.body.id;
  });

  test('the existence check, spaces as %20, now finds the group', async () => {
    const response = await api.request('GET', `/Groups?filter=${displayNameFilter(name)}&startIndex=1&count=100`, {
      headers: oktaHeaders(),
    });

    expect(response.body.totalResults).toBe(1);
    expect(response.body.Resources.map((group: { id: string }) => group.id)).toEqual([groupId]);
  });

  test('a membership update with the rename-with-id operation adds the members', async () => {
    const response = await api.request('PATCH', `/Groups/${groupId}`, {
      headers: oktaHeaders(),
      body: patchBody(
        { op: 'replace', value: { id: groupId, displayName: name } },
        {
          op: 'add',
          path: 'members',
          value: [
            { value: alice.id, display: alice.userName },
            { value: bob.id, display: bob.userName },
          ],
        },
      ),
    });

    expect(response.status).toBe(200);
    expectScimJson(response);
    // Members come in user id order; a user without displayName shows its userName.
    const expected = [alice, bob]
      .map((user) => ({
        value: user.id,
        display: user.userName,
        $ref: `${api.baseUrl}/Users/${user.id}`,
        type: 'User',
      }))
      .sort((a, b) => (a.value < b.value ? -1 : 1));
    expect(response.body.members).toEqual(expected);
  });

  test("the user's groups attribute lists the group", async () => {
    const response = await api.request('GET', `/Users/${alice.id}`, { headers: oktaHeaders() });

    expect(response.status).toBe(200);
    expect(response.body.groups).toEqual([
      { value: groupId, display: name, $ref: `${api.baseUrl}/Groups/${groupId}`, type: 'direct' },
    ]);
  });

  test('a remove by filter path takes one member out', async () => {
    const response = await api.request('PATCH', `/Groups/${groupId}`, {
      headers: oktaHeaders(),
      body: patchBody({ op: 'remove', path: `members[value eq "${bob.id}"]` }),
    });

    expect(response.status).toBe(200);
    expect(response.body.members.map((member: { value: string }) => member.value)).toEqual([alice.id]);
    const bobNow = await api.request('GET', `/Users/${bob.id}`, { headers: oktaHeaders() });
    expect(bobNow.body.groups ?? []).toEqual([]);
  });

  test('a rename with the id inside the value renames the group', async () => {
    const renamed = `${name} (renamed)`;

    const response = await api.request('PATCH', `/Groups/${groupId}`, {
      headers: oktaHeaders(),
      body: patchBody({ op: 'replace', value: { id: groupId, displayName: renamed } }),
    });

    expect(response.status).toBe(200);
    expect(response.body.displayName).toBe(renamed);
    const lookup = await api.request('GET', `/Groups?filter=${displayNameFilter(renamed)}`, { headers: oktaHeaders() });
    expect(lookup.body.Resources.map((group: { id: string }) => group.id)).toEqual([groupId]);
  });

  test('DELETE /Groups/{id} answers 204 with no body, then the group is gone', async () => {
    const response = await api.request('DELETE', `/Groups/${groupId}`, { headers: oktaHeaders() });

    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    const after = await api.request('GET', `/Groups/${groupId}`, { headers: oktaHeaders() });
    expect(after.status).toBe(404);
    expect(after.body).toEqual(expect.objectContaining({ schemas: [ERROR_SCHEMA], status: '404' }));
    const aliceNow = await api.request('GET', `/Users/${alice.id}`, { headers: oktaHeaders() });
    expect(aliceNow.body.groups ?? []).toEqual([]);
  });
});

describe("Entra ID's group requests over HTTP", () => {
  test('reads a group without members by displayName filter and excludedAttributes=members', async () => {
    const member = await createUser('entra');
    const name = `Entra Group ${unique()}`;
    const created = await api.request('POST', '/Groups', {
      headers: entraHeaders(),
      body: {
        schemas: [GROUP_SCHEMA],
        displayName: name,
        externalId: `ext-${unique()}`,
        members: [{ value: member.id }],
      },
    });
    expect(created.status).toBe(201);

    const response = await api.request('GET', `/Groups?excludedAttributes=members&filter=${displayNameFilter(name)}`, {
      headers: entraHeaders(),
    });

    expect(response.status).toBe(200);
    expect(response.body.totalResults).toBe(1);
    expect(response.body.Resources[0]).toEqual(
      expect.objectContaining({ id: created.body.id, displayName: name, schemas: [GROUP_SCHEMA] }),
    );
    expect(response.body.Resources[0].members).toBeUndefined();
  });

  test('removes a member with a capitalised Remove and a value list holding a null $ref', async () => {
    const first = await createUser('entra-first');
    const second = await createUser('entra-second');
    const created = await api.request('POST', '/Groups', {
      headers: entraHeaders(),
      body: { schemas: [GROUP_SCHEMA], displayName: `Entra Remove ${unique()}`, members: [] },
    });
    const id = created.body.id;
    const added = await api.request('PATCH', `/Groups/${id}`, {
      headers: entraHeaders(),
      body: patchBody({ op: 'Add', path: 'members', value: [{ value: first.id }, { value: second.id }] }),
    });
    expect(added.status).toBe(200);

    const response = await api.request('PATCH', `/Groups/${id}`, {
      headers: entraHeaders(),
      body: patchBody({ op: 'Remove', path: 'members', value: [{ $ref: null, value: first.id }] }),
    });

    expect(response.status).toBe(200);
    expect(response.body.members.map((member: { value: string }) => member.value)).toEqual([second.id]);
  });
});

describe('group errors over HTTP', () => {
  test('an unknown member answers 400 invalidValue with a detail naming it', async () => {
    const created = await api.request('POST', '/Groups', {
      headers: oktaPostHeaders(),
      body: { schemas: [GROUP_SCHEMA], displayName: `Errors ${unique()}`, members: [] },
    });
    const unknown = '01900000-0000-7000-8000-000000000000';

    const response = await api.request('PATCH', `/Groups/${created.body.id}`, {
      headers: oktaHeaders(),
      body: patchBody({ op: 'add', path: 'members', value: [{ value: unknown }] }),
    });

    expect(response.status).toBe(400);
    expectScimJson(response);
    expect(response.body).toEqual({
      schemas: [ERROR_SCHEMA],
      status: '400',
      scimType: 'invalidValue',
      detail: expect.stringContaining(unknown),
    });
  });

  test('a duplicate displayName answers 409 uniqueness', async () => {
    const name = `Duplicate ${unique()}`;
    const first = await api.request('POST', '/Groups', {
      headers: oktaPostHeaders(),
      body: { schemas: [GROUP_SCHEMA], displayName: name },
    });
    expect(first.status).toBe(201);

    const response = await api.request('POST', '/Groups', {
      headers: oktaPostHeaders(),
      body: { schemas: [GROUP_SCHEMA], displayName: name.toUpperCase() },
    });

    expect(response.status).toBe(409);
    expect(response.body).toEqual(
      expect.objectContaining({ schemas: [ERROR_SCHEMA], status: '409', scimType: 'uniqueness' }),
    );
  });

  test('an unknown group id answers a SCIM 404', async () => {
    const response = await api.request('GET', '/Groups/not-a-group-id', { headers: oktaHeaders() });

    expect(response.status).toBe(404);
    expect(response.body).toEqual(
      expect.objectContaining({ schemas: [ERROR_SCHEMA], status: '404', detail: expect.stringMatching(/\S/) }),
    );
  });

  test('a filter that is not valid answers 400 invalidFilter', async () => {
    const response = await api.request('GET', `/Groups?filter=${encodeURIComponent('displayName within "Eng"')}`, {
      headers: oktaHeaders(),
    });

    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('invalidFilter');
  });
});
