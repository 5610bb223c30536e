import { type LocalApi, startLocalApi } from '../support/local-api';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

describe('Users: attributes, excludedAttributes and the groups attribute', () => {
  let api: LocalApi;
  let userId: string;

  beforeAll(async () => {
    api = await startLocalApi({ label: 'users-projection' });
    const created = await api.request('POST', '/Users', {
      body: {
        schemas: [USER],
        userName: 'projection@example.com',
        name: { givenName: 'Pro', familyName: 'Jection' },
        emails: [{ value: 'projection@example.com', type: 'work', primary: true }],
      },
    });
    userId = created.body.id;
    await api.request('POST', '/Groups', {
      body: {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: 'Projected',
        members: [{ value: userId }],
      },
    });
  });

  afterAll(async () => {
    await api.close();
  });

  it('returns only the named attributes plus id, schemas and meta', async () => {
    const response = await api.request('GET', `/Users/${userId}?attributes=userName,name.givenName`);

    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(['id', 'meta', 'name', 'schemas', 'userName']);
    expect(response.body.name).toEqual({ givenName: 'Pro' });
  });

  it('shows a single user with the groups it belongs to', async () => {
    const response = await api.request('GET', `/Users/${userId}`);

    expect(response.body.groups).toEqual([
      expect.objectContaining({ display: 'Projected', $ref: expect.stringContaining('/Groups/') }),
    ]);
  });

  it('leaves groups out when excluded', async () => {
    const response = await api.request('GET', `/Users/${userId}?excludedAttributes=groups`);

    expect(response.body).not.toHaveProperty('groups');
    expect(response.body.userName).toBe('projection@example.com');
  });

  it('lists users without groups unless they are asked for', async () => {
    const plain = await api.request('GET', '/Users?startIndex=1&count=10');
    const withGroups = await api.request('GET', '/Users?startIndex=1&count=10&attributes=userName,groups');

    expect(plain.body.Resources[0]).not.toHaveProperty('groups');
    expect(plain.body.Resources[0].userName).toBe('projection@example.com');
    expect(withGroups.body.Resources[0].groups).toEqual([expect.objectContaining({ display: 'Projected' })]);
    expect(withGroups.body.Resources[0]).not.toHaveProperty('name');
  });

  it('rejects an attribute path it cannot read as invalidValue', async () => {
    const response = await api.request('GET', `/Users/${userId}?attributes=name..givenName`);

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ status: '400', scimType: 'invalidValue' });
  });
});
