/**
 * `/Groups` and `/Groups/{id}` on in-memory groups and users: what a SCIM client reads back from each operation
 * (status, headers, body), which groups a filter, a sort and a page select, when members are read and shown, and the
 * PATCH response that depends on the group's size.
 */
import { PreconditionFailedError } from '../../../lambda/domain/errors';
import { GroupService } from '../../../lambda/domain/groups';
import { ScimError } from '../../../lambda/scim/errors';
import { GroupsEndpoint, PATCH_RESPONSE_MEMBER_LIMIT } from '../../../lambda/scim/groups-endpoint';
import type { HttpRequest, HttpResponse } from '../../../lambda/scim/http';
import { idAt, userRecord } from '../../support/contracts/records';
import { InMemoryGroupRepository } from '../../support/in-memory/groups';
import { InMemoryMemberDirectory, InMemoryUserRepository } from '../../support/in-memory/users';

const ORG = 'acme';
const BASE = 'https://api.example.com/scim/v2';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

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
const names = (response: HttpResponse) => bodyOf(response).Resources.map((group: any) => group.displayName);
// biome-ignore lint/suspicious/noExplicitAny: as above.
const memberIds = (group: any) => group.members.map((member: { value: string }) => member.value);

/** Users 1…`userCount`, and the service and endpoint over them. */
async function setup(userCount = 5, maxResponseBytes?: number) {
  const users = new InMemoryUserRepository();
  for (let n = 1; n <= userCount; n++) await users.create(userRecord(ORG, n), []);
  const repository = new InMemoryGroupRepository();
  let next = 100;
  // Ids in creation order, as the service's time-ordered ids are across milliseconds.
  const service = new GroupService(repository, new InMemoryMemberDirectory(users), { newId: () => idAt(next++) });
  const endpoint = new GroupsEndpoint(service, maxResponseBytes === undefined ? {} : { maxResponseBytes });
  const members = jest.spyOn(repository, 'members');
  const create = async (displayName: string, members: number[] = [], externalId?: string) =>
    (
      await service.create(ORG, {
        displayName,
        memberIds: members.map(idAt),
        ...(externalId === undefined ? {} : { externalId }),
      })
    ).group;
  return { endpoint, service, repository, members, create };
}

async function refusal(response: Promise<unknown>): Promise<unknown> {
  return response.then(
    () => {
      throw new Error('expected a refusal');
    },
    (error: unknown) => error,
  );
}

describe('POST /Groups', () => {
  it('answers 201 with the group, its members, its location and its version', async () => {
    const { endpoint } = await setup();

    const response = await endpoint.create(request('POST', '/Groups'), {
      schemas: [GROUP_SCHEMA],
      displayName: 'Admins',
      members: [{ value: idAt(1) }, { value: idAt(2) }],
    });

    const body = bodyOf(response);
    expect(response.status).toBe(201);
    expect(response.headers.Location).toBe(`${BASE}/Groups/${body.id}`);
    expect(response.headers.ETag).toBe('W/"1"');
    expect(body.displayName).toBe('Admins');
    expect(memberIds(body)).toEqual([idAt(1), idAt(2)]);
  });

  it('applies the projection to the answer', async () => {
    const { endpoint } = await setup();

    const response = await endpoint.create(request('POST', '/Groups', { excludedAttributes: 'members' }), {
      displayName: 'Admins',
      members: [{ value: idAt(1) }],
    });

    expect(bodyOf(response)).not.toHaveProperty('members');
    expect(bodyOf(response).displayName).toBe('Admins');
  });
});

describe('GET /Groups/{id}', () => {
  it('answers the group with its members and its version as ETag', async () => {
    const { endpoint, create } = await setup();
    const group = await create('Admins', [1, 3]);

    const response = await endpoint.get(request('GET', '/Groups/x'), group.id);

    expect(response.status).toBe(200);
    expect(response.headers).toMatchObject({ ETag: 'W/"1"' });
    expect(response.headers).not.toHaveProperty('Location');
    expect(memberIds(bodyOf(response))).toEqual([idAt(1), idAt(3)]);
  });

  it('reads no members when the projection leaves them out', async () => {
    const { endpoint, create, members } = await setup();
    const group = await create('Admins', [1]);

    const response = await endpoint.get(request('GET', '/Groups/x', { attributes: 'displayName' }), group.id);

    expect(bodyOf(response)).not.toHaveProperty('members');
    expect(members).not.toHaveBeenCalled();
  });

  it('answers 304 when If-None-Match names the current version', async () => {
    const { endpoint, create } = await setup();
    const group = await create('Admins');

    const response = await endpoint.get(request('GET', '/Groups/x', {}, { 'if-none-match': '"1"' }), group.id);

    expect(response).toEqual({ status: 304, headers: { ETag: 'W/"1"' }, body: '' });
  });

  it('answers 404 for an id this server could not have issued', async () => {
    const { endpoint } = await setup();

    const error = await refusal(endpoint.get(request('GET', '/Groups/x'), 'not-an-id'));

    expect(error).toBeInstanceOf(ScimError);
    expect(error).toMatchObject({ status: 404, detail: 'Group not-an-id not found' });
  });
});

describe('GET /Groups', () => {
  it('lists the groups in creation order, without members unless attributes names them', async () => {
    const { endpoint, create, members } = await setup();
    await create('Admins', [1]);
    await create('Staff', [2, 3]);

    const plain = await endpoint.list(request('GET', '/Groups'));
    const excluded = await endpoint.list(request('GET', '/Groups', { excludedAttributes: 'displayName' }));
    expect(members).not.toHaveBeenCalled();
    const withMembers = await endpoint.list(request('GET', '/Groups', { attributes: 'members' }));

    expect(bodyOf(plain)).toMatchObject({ totalResults: 2, itemsPerPage: 2 });
    expect(names(plain)).toEqual(['Admins', 'Staff']);
    expect(bodyOf(plain).Resources[0]).not.toHaveProperty('members');
    expect(bodyOf(excluded).Resources[0]).not.toHaveProperty('members');
    expect(bodyOf(withMembers).Resources.map(memberIds)).toEqual([[idAt(1)], [idAt(2), idAt(3)]]);
  });

  it('reads the members of a page within one budget, and refuses a page that does not fit', async () => {
    const { endpoint, create, members } = await setup(20, 3000);
    const a = await create('A', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const b = await create('B', [11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);

    const error = await refusal(endpoint.list(request('GET', '/Groups', { attributes: 'members' })));
    const calls = members.mock.calls.splice(0);
    const first = await endpoint.list(request('GET', '/Groups', { attributes: 'members', count: '1' }));

    expect(error).toMatchObject({ status: 400, scimType: 'tooMany' });
    expect((error as ScimError).detail).toBe(
      "The response would exceed this service's limit of 3000 bytes or 20000 members because of the groups' members. " +
        'Request it with excludedAttributes=members (and change members with PATCH), or with a smaller count.',
    );
    // 3000 bytes hold at most 25 members of 120 bytes: the second group may have what the first left.
    expect(calls).toEqual([
      [ORG, a.id, { limit: 26 }],
      [ORG, b.id, { limit: 16 }],
    ]);
    expect(memberIds(bodyOf(first).Resources[0])).toHaveLength(10);
  });

  it('pages by startIndex and count, and sorts by displayName', async () => {
    const { endpoint, create } = await setup();
    for (const name of ['delta', 'Alpha', 'charlie', 'bravo']) await create(name);

    const page = await endpoint.list(request('GET', '/Groups', { startIndex: '2', count: '2' }));
    const sorted = await endpoint.list(request('GET', '/Groups', { sortBy: 'displayName', sortOrder: 'descending' }));

    expect(names(page)).toEqual(['Alpha', 'charlie']);
    expect(bodyOf(page).totalResults).toBe(4);
    expect(names(sorted)).toEqual(['delta', 'charlie', 'bravo', 'Alpha']);
  });

  it.each([
    ['displayName eq "staff"', ['Staff']],
    ['externalId eq "ext-s"', ['Staff']],
    [`members.value eq "${idAt(2)}"`, ['Admins', 'Staff']],
    [`members[value eq "${idAt(3)}"]`, ['Staff']],
    ['displayName sw "A" or displayName ew "f"', ['Admins', 'Staff']],
    ['displayName co "nobody"', []],
  ])('filters with %s', async (filter, expected) => {
    const { endpoint, create } = await setup();
    await create('Admins', [1, 2]);
    await create('Staff', [2, 3], 'ext-s');
    await create('Empty');

    const response = await endpoint.list(request('GET', '/Groups', { filter }));

    expect(names(response)).toEqual(expected);
    expect(bodyOf(response).totalResults).toBe(expected.length);
  });

  it('filters by id', async () => {
    const { endpoint, create } = await setup();
    await create('Admins');
    const staff = await create('Staff');

    const response = await endpoint.list(request('GET', '/Groups', { filter: `id eq "${staff.id}"` }));

    expect(names(response)).toEqual(['Staff']);
  });

  it('evaluates a filter on members without an index by reading the members', async () => {
    const { endpoint, create } = await setup();
    await create('Admins', [1]);
    await create('Empty');

    const response = await endpoint.list(request('GET', '/Groups', { filter: 'members pr' }));
    const notMember = await endpoint.list(request('GET', '/Groups', { filter: `not (members.value eq "${idAt(1)}")` }));

    expect(names(response)).toEqual(['Admins']);
    expect(names(notMember)).toEqual(['Empty']);
  });

  it('reads no members for a filter that does not name them', async () => {
    const { endpoint, create, members } = await setup();
    await create('Admins', [1]);

    await endpoint.list(request('GET', '/Groups', { filter: 'displayName co "d"' }));

    expect(members).not.toHaveBeenCalled();
  });

  it('pages and sorts the matches of a filter', async () => {
    const { endpoint, create } = await setup();
    for (const name of ['g-d', 'g-a', 'g-c', 'g-b', 'x']) await create(name);

    const paged = await endpoint.list(
      request('GET', '/Groups', { filter: 'displayName sw "g-"', startIndex: '2', count: '2' }),
    );
    const sorted = await endpoint.list(
      request('GET', '/Groups', { filter: 'displayName sw "g-"', sortBy: 'displayName', startIndex: '2', count: '2' }),
    );

    expect(names(paged)).toEqual(['g-a', 'g-c']);
    expect(bodyOf(paged).totalResults).toBe(4);
    expect(names(sorted)).toEqual(['g-b', 'g-c']);
  });

  it('reads a + in a URL filter as a form-encoded space', async () => {
    const { endpoint, create } = await setup();
    await create('Admins');
    await create('Staff');

    const response = await endpoint.list(request('GET', '/Groups', { filter: 'displayName+eq+"Staff"' }));

    expect(names(response)).toEqual(['Staff']);
  });

  it('refuses a cursor from a list in another order', async () => {
    const { endpoint } = await setup();

    const error = await refusal(endpoint.list(request('GET', '/Groups', { sortBy: 'displayName', cursor: idAt(1) })));

    expect(error).toMatchObject({ status: 400, scimType: 'invalidCursor' });
  });
});

describe('PUT /Groups/{id}', () => {
  it('replaces the name and the members and answers the new version', async () => {
    const { endpoint, create } = await setup();
    const group = await create('Admins', [1, 2]);

    const response = await endpoint.replace(request('PUT', '/Groups/x'), group.id, {
      displayName: 'Owners',
      members: [{ value: idAt(3) }],
    });

    expect(response.status).toBe(200);
    expect(response.headers.ETag).toBe('W/"2"');
    expect(bodyOf(response).displayName).toBe('Owners');
    expect(memberIds(bodyOf(response))).toEqual([idAt(3)]);
  });

  it('refuses with If-Match naming another version', async () => {
    const { endpoint, create, service } = await setup();
    const group = await create('Admins');

    const error = await refusal(
      endpoint.replace(request('PUT', '/Groups/x', {}, { 'if-match': 'W/"4"' }), group.id, { displayName: 'Owners' }),
    );

    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect((await service.get(ORG, group.id)).displayName).toBe('Admins');
  });

  it('leaves members out of the answer when the projection does', async () => {
    const { endpoint, create, members } = await setup();
    const group = await create('Admins', [1]);

    const response = await endpoint.replace(request('PUT', '/Groups/x', { excludedAttributes: 'members' }), group.id, {
      displayName: 'Owners',
      members: [{ value: idAt(2) }],
    });

    expect(bodyOf(response)).not.toHaveProperty('members');
    // The replace itself reads the current members to compare them; the answer reads none.
    expect(members.mock.calls.filter((call) => call[2] !== undefined)).toEqual([]);
  });
});

describe('PATCH /Groups/{id}', () => {
  const addMembers = (...ids: string[]) => ({
    schemas: [PATCH_OP],
    Operations: [{ op: 'add', path: 'members', value: ids.map((value) => ({ value })) }],
  });

  it('answers 200 with the whole group, members included, for a small group', async () => {
    const { endpoint, create } = await setup();
    const group = await create('Admins', [1]);

    const response = await endpoint.patch(request('PATCH', '/Groups/x'), group.id, addMembers(idAt(2)));

    expect(response.status).toBe(200);
    expect(response.headers.ETag).toBe('W/"2"');
    expect(memberIds(bodyOf(response))).toEqual([idAt(1), idAt(2)]);
  });

  it('answers 200 at exactly the member limit and 204 with the ETag past it', async () => {
    const { endpoint, create, members } = await setup(PATCH_RESPONSE_MEMBER_LIMIT + 1);
    const all = Array.from({ length: PATCH_RESPONSE_MEMBER_LIMIT - 1 }, (_, n) => n + 1);
    const group = await create('Big', all);

    const atLimit = await endpoint.patch(
      request('PATCH', '/Groups/x'),
      group.id,
      addMembers(idAt(PATCH_RESPONSE_MEMBER_LIMIT)),
    );
    const past = await endpoint.patch(
      request('PATCH', '/Groups/x'),
      group.id,
      addMembers(idAt(PATCH_RESPONSE_MEMBER_LIMIT + 1)),
    );

    expect(atLimit.status).toBe(200);
    expect(bodyOf(atLimit).members).toHaveLength(PATCH_RESPONSE_MEMBER_LIMIT);
    expect(past).toEqual({ status: 204, headers: { ETag: 'W/"3"' }, body: '' });
    // Finding out that the group is too big reads one member more than the limit, not the whole group.
    expect(members).toHaveBeenLastCalledWith(ORG, group.id, { limit: PATCH_RESPONSE_MEMBER_LIMIT + 1 });
  });

  it('answers 200 with the projection applied when the client chose attributes, whatever the size', async () => {
    const { endpoint, create, members } = await setup(PATCH_RESPONSE_MEMBER_LIMIT + 1);
    const group = await create(
      'Big',
      Array.from({ length: PATCH_RESPONSE_MEMBER_LIMIT }, (_, n) => n + 1),
    );

    const response = await endpoint.patch(
      request('PATCH', '/Groups/x', { excludedAttributes: 'members' }),
      group.id,
      addMembers(idAt(PATCH_RESPONSE_MEMBER_LIMIT + 1)),
    );

    expect(response.status).toBe(200);
    expect(bodyOf(response).displayName).toBe('Big');
    expect(bodyOf(response)).not.toHaveProperty('members');
    expect(members).not.toHaveBeenCalled();
  });

  it('renames a group', async () => {
    const { endpoint, create } = await setup();
    const group = await create('Admins');

    const response = await endpoint.patch(request('PATCH', '/Groups/x', { attributes: 'displayName' }), group.id, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', value: { displayName: 'Owners' } }],
    });

    expect(bodyOf(response).displayName).toBe('Owners');
  });

  it('refuses with If-Match naming another version', async () => {
    const { endpoint, create } = await setup();
    const group = await create('Admins');

    const error = await refusal(
      endpoint.patch(request('PATCH', '/Groups/x', {}, { 'if-match': 'W/"9"' }), group.id, addMembers(idAt(1))),
    );

    expect(error).toBeInstanceOf(PreconditionFailedError);
  });
});

describe('DELETE /Groups/{id}', () => {
  it('answers 204 with an empty body, and the group is gone', async () => {
    const { endpoint, create, service } = await setup();
    const group = await create('Admins', [1]);

    const response = await endpoint.delete(request('DELETE', '/Groups/x'), group.id);

    expect(response).toEqual({ status: 204, headers: {}, body: '' });
    expect((await refusal(service.get(ORG, group.id))) as Error).toHaveProperty('name', 'NotFoundError');
  });

  it('refuses with If-Match naming another version', async () => {
    const { endpoint, create } = await setup();
    const group = await create('Admins');

    const error = await refusal(endpoint.delete(request('DELETE', '/Groups/x', {}, { 'if-match': 'W/"2"' }), group.id));

    expect(error).toBeInstanceOf(PreconditionFailedError);
  });
});

describe('the response budget', () => {
  it('reads the members of a page until the budget is spent, and no further', async () => {
    // 3000 bytes allow 25 members of 120 bytes: the first group spends them all.
    const { endpoint, create, members } = await setup(27, 3000);
    const full = await create(
      'A',
      Array.from({ length: 25 }, (_, n) => n + 1),
    );
    const next = await create('B', [26]);
    await create('C', [27]);

    const error = await refusal(endpoint.list(request('GET', '/Groups', { attributes: 'members' })));

    expect(error).toMatchObject({ status: 400, scimType: 'tooMany' });
    expect(members.mock.calls).toEqual([
      [ORG, full.id, { limit: 26 }],
      [ORG, next.id, { limit: 1 }],
    ]);
  });

  it('stops at the first group of a page that is over the budget', async () => {
    const { endpoint, create, members } = await setup(27, 3000);
    const big = await create(
      'A',
      Array.from({ length: 26 }, (_, n) => n + 1),
    );
    await create('B', [27]);

    await refusal(endpoint.list(request('GET', '/Groups', { attributes: 'members' })));

    expect(members.mock.calls).toEqual([[ORG, big.id, { limit: 26 }]]);
  });

  it('answers a response of exactly the largest size, and refuses one byte less room', async () => {
    const { service, create } = await setup();
    const group = await create('Admins', [1, 2]);
    const get = (maxResponseBytes?: number) =>
      new GroupsEndpoint(service, maxResponseBytes === undefined ? {} : { maxResponseBytes }).get(
        request('GET', '/Groups/x'),
        group.id,
      );
    const size = Buffer.byteLength(JSON.stringify((await get()).body));

    expect((await get(size)).status).toBe(200);
    expect(await refusal(get(size - 1))).toMatchObject({ status: 400, scimType: 'tooMany' });
  });
});

describe('sorting while the stored name order is incomplete', () => {
  it('reads the organization and sorts it in memory, paging the result', async () => {
    const { endpoint, create, repository } = await setup();
    for (const name of ['delta', 'alpha', 'charlie', 'bravo']) await create(name);
    const list = repository.list.bind(repository);
    jest
      .spyOn(repository, 'list')
      .mockImplementation(async (orgId, page, order) =>
        order === undefined ? list(orgId, page) : { totalResults: 0, items: [], orderUnavailable: true },
      );

    const response = await endpoint.list(
      request('GET', '/Groups', { sortBy: 'displayName', startIndex: '2', count: '2' }),
    );

    expect(names(response)).toEqual(['bravo', 'charlie']);
    expect(bodyOf(response).totalResults).toBe(4);
  });
});
