import { GroupService } from '../../../lambda/domain/groups';
import { ScimError } from '../../../lambda/scim/errors';
import { GroupsEndpoint } from '../../../lambda/scim/groups-endpoint';
import type { HttpRequest } from '../../../lambda/scim/http';
import { idAt, userRecord } from '../../support/contracts/records';
import { InMemoryGroupRepository } from '../../support/in-memory/groups';
import { InMemoryMemberDirectory, InMemoryUserRepository } from '../../support/in-memory/users';

const ORG = 'acme';
const BASE = 'https://api.example.com/scim/v2';

function request(path: string, query: Record<string, string> = {}): HttpRequest {
  return { method: 'GET', path, query, headers: {}, body: undefined, baseUrl: BASE, orgId: ORG, requestId: 'r' };
}

/** A group of `size` members behind an endpoint whose responses may hold `maxResponseBytes`. */
async function setup(size: number, maxResponseBytes: number) {
  const users = new InMemoryUserRepository();
  for (let n = 1; n <= size; n++) await users.create(userRecord(ORG, n), []);
  const repository = new InMemoryGroupRepository();
  const service = new GroupService(repository, new InMemoryMemberDirectory(users));
  const memberIds = Array.from({ length: size }, (_, n) => idAt(n + 1));
  const { group } = await service.create(ORG, { displayName: 'Big', memberIds });
  const members = jest.spyOn(repository, 'members');
  return { endpoint: new GroupsEndpoint(service, { maxResponseBytes }), group, members };
}

async function refusal(response: Promise<unknown>): Promise<ScimError> {
  const error = await response.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ScimError);
  return error as ScimError;
}

describe('GroupsEndpoint response size', () => {
  it('answers 400 tooMany naming excludedAttributes=members when a group with members would pass the limit', async () => {
    // 22 members are within the member bound (25) but their bytes are not: the serialized size decides.
    const { endpoint, group } = await setup(22, 3000);

    const error = await refusal(endpoint.get(request(`/Groups/${group.id}`), group.id));

    expect(error.status).toBe(400);
    expect(error.scimType).toBe('tooMany');
    expect(error.message).toContain('excludedAttributes=members');
  });

  it('stops reading members once they could not fit, whatever the group size', async () => {
    const { endpoint, group, members } = await setup(200, 3000);

    await refusal(endpoint.get(request(`/Groups/${group.id}`), group.id));

    expect(members).toHaveBeenCalledWith(ORG, group.id, { limit: Math.floor(3000 / 120) + 1 });
  });

  it('answers the same group without members, and lists it without members by default', async () => {
    const { endpoint, group, members } = await setup(40, 3000);

    const single = await endpoint.get(request(`/Groups/${group.id}`, { excludedAttributes: 'members' }), group.id);
    const list = await endpoint.list(request('/Groups'));
    const askedList = endpoint.list(request('/Groups', { attributes: 'members' }));

    expect(single.status).toBe(200);
    expect(JSON.parse(single.body)).not.toHaveProperty('members');
    expect(JSON.parse(list.body).Resources).toEqual([expect.not.objectContaining({ members: expect.anything() })]);
    expect((await refusal(askedList)).scimType).toBe('tooMany');
    expect(members).toHaveBeenCalledTimes(1);
  });

  it('answers a group that fits with all its members', async () => {
    const { endpoint, group } = await setup(5, 3000);

    const response = await endpoint.get(request(`/Groups/${group.id}`), group.id);

    expect(JSON.parse(response.body).members).toHaveLength(5);
  });
});
