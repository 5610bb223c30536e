import { randomBytes } from 'node:crypto';
import type { LocalApi } from '../support/local-api';
import { startLocalApi } from '../support/local-api';

/**
 * What keeps big groups inside Lambda's limits, over HTTP against the local stack: membership changes that change
 * nothing write nothing (the version stays), lists leave members out unless asked, and a DELETE answers without
 * waiting for its members' purge, yet nothing shows the deleted group afterwards.
 */

const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let api: LocalApi;

beforeAll(async () => {
  api = await startLocalApi({ label: 'large-groups' });
});

afterAll(async () => {
  await api?.close();
});

const unique = () => randomBytes(4).toString('hex');

async function createUsers(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let n = 0; n < count; n++) {
    const response = await api.request('POST', '/Users', {
      body: {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: `member${n}.${unique()}@example.com`,
        active: false,
      },
    });
    expect(response.status).toBe(201);
    ids.push(response.body.id);
  }
  return ids;
}

async function createGroup(memberIds: readonly string[]): Promise<{ id: string; version: string }> {
  const response = await api.request('POST', '/Groups', {
    body: { schemas: [GROUP_SCHEMA], displayName: `Big ${unique()}`, members: memberIds.map((value) => ({ value })) },
  });
  expect(response.status).toBe(201);
  return { id: response.body.id, version: response.body.meta.version };
}

function membersPatch(op: 'add' | 'remove', ids: readonly string[]) {
  return {
    body: {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op, path: 'members', value: ids.map((value) => ({ value })) }],
    },
  };
}

describe('large groups', () => {
  it('keeps the version when a PATCH adds existing members or removes non-members: nothing is rewritten', async () => {
    const [a, b, c] = await createUsers(3);
    const group = await createGroup([a as string, b as string]);

    const readd = await api.request('PATCH', `/Groups/${group.id}`, membersPatch('add', [a as string, b as string]));
    const removeNonMember = await api.request('PATCH', `/Groups/${group.id}`, membersPatch('remove', [c as string]));
    const read = await api.request('GET', `/Groups/${group.id}`);

    expect(readd.status).toBe(200);
    expect(readd.body.meta.version).toBe(group.version);
    expect(removeNonMember.status).toBe(200);
    expect(removeNonMember.body.meta.version).toBe(group.version);
    expect(read.headers.get('etag')).toBe(group.version);
    expect(read.body.members.map((m: { value: string }) => m.value).sort()).toEqual([a, b].sort());
  });

  it('lists groups without members unless attributes names them; a single GET shows them', async () => {
    const [a] = await createUsers(1);
    const group = await createGroup([a as string]);

    const list = await api.request('GET', `/Groups?filter=${encodeURIComponent(`id eq "${group.id}"`)}`);
    const page = await api.request('GET', '/Groups?startIndex=1&count=100');
    const asked = await api.request(
      'GET',
      `/Groups?filter=${encodeURIComponent(`id eq "${group.id}"`)}&attributes=members`,
    );
    const single = await api.request('GET', `/Groups/${group.id}`);

    expect(list.status).toBe(200);
    expect(list.body.Resources).toEqual([expect.objectContaining({ id: group.id, displayName: expect.any(String) })]);
    expect(list.body.Resources[0]).not.toHaveProperty('members');
    expect(page.body.Resources.find((g: { id: string }) => g.id === group.id)).not.toHaveProperty('members');
    expect(asked.body.Resources[0].members).toEqual([expect.objectContaining({ value: a })]);
    expect(single.body.members).toEqual([expect.objectContaining({ value: a })]);
  });

  it('deletes a group at once; its members no longer show it, and a repeated DELETE answers 404', async () => {
    const ids = await createUsers(3);
    const group = await createGroup(ids);

    const deleted = await api.request('DELETE', `/Groups/${group.id}`);
    const read = await api.request('GET', `/Groups/${group.id}`);
    const user = await api.request('GET', `/Users/${ids[0]}`);
    const again = await api.request('DELETE', `/Groups/${group.id}`);

    expect(deleted.status).toBe(204);
    expect(read.status).toBe(404);
    expect(user.body.groups ?? []).toEqual([]);
    expect(again.status).toBe(404);
    expect(again.body.detail).toContain(group.id);
  });
});
