import { type LocalApi, startLocalApi } from '../support/local-api';
import { resourceProblems, type ServedResourceType, type ServedSchema } from '../support/scim-resource-validator';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/**
 * A client that knows nothing but what discovery tells it: it reads /ServiceProviderConfig, /ResourceTypes and
 * /Schemas, then round-trips Users (with the enterprise extension) and Groups, checking every resource the server
 * answers against the served schemas.
 */
describe('a schema-driven client, from discovery alone', () => {
  let api: LocalApi;
  let schemas: Map<string, ServedSchema>;
  let types: Map<string, ServedResourceType & { endpoint: string }>;

  beforeAll(async () => {
    api = await startLocalApi({ label: 'schema-driven' });
    const config = await api.request('GET', '/ServiceProviderConfig');
    expect(config.status).toBe(200);
    const resourceTypes = await api.request('GET', '/ResourceTypes');
    types = new Map(
      (resourceTypes.body.Resources as (ServedResourceType & { endpoint: string })[]).map((type) => [type.name, type]),
    );
    const served = await api.request('GET', '/Schemas');
    schemas = new Map((served.body.Resources as ServedSchema[]).map((schema) => [schema.id, schema]));
  });

  afterAll(async () => {
    await api?.close();
  });

  function expectValid(resource: Record<string, unknown>, typeName: 'User' | 'Group'): void {
    const type = types.get(typeName);
    expect(type).toBeDefined();
    expect(resourceProblems(resource, type!, schemas)).toEqual([]);
  }

  const endpoint = (typeName: string) => types.get(typeName)!.endpoint;

  it('finds both resource types and every schema they name', () => {
    expect(types.get('User')).toMatchObject({ endpoint: '/Users', schema: USER });
    expect(types.get('User')?.schemaExtensions).toEqual([{ schema: ENTERPRISE, required: false }]);
    expect(types.get('Group')).toMatchObject({ endpoint: '/Groups', schema: GROUP });
    for (const id of [USER, ENTERPRISE, GROUP]) expect(schemas.has(id)).toBe(true);
  });

  it('notices a resource that does not follow the served schemas (the check can fail)', () => {
    const broken = {
      schemas: [USER],
      id: 'x',
      userName: 42,
      nickname: 'not declared in this case',
      emails: { value: 'not a list' },
      password: 'never returned',
    };

    expect(resourceProblems(broken, types.get('User')!, schemas)).toEqual([
      'userName is not a string',
      'nickname is not declared in urn:ietf:params:scim:schemas:core:2.0:User',
      'emails is multi-valued but not an array',
      'password is returned although declared returned: never',
    ]);
  });

  it('round-trips a User with the enterprise extension, every answer valid against the schemas', async () => {
    const manager = await api.request('POST', endpoint('User'), {
      body: { schemas: [USER], userName: 'schema-manager@example.com', active: false },
    });
    const body = {
      schemas: [USER, ENTERPRISE],
      userName: 'schema-driven@example.com',
      externalId: 'ext-schema-1',
      name: { givenName: 'Ada', familyName: 'Lovelace', formatted: 'Ada Lovelace' },
      displayName: 'Ada Lovelace',
      nickName: 'ada',
      title: 'Engineer',
      preferredLanguage: 'en-GB',
      locale: 'en-GB',
      timezone: 'Europe/London',
      active: false,
      emails: [
        { value: 'schema-driven@example.com', type: 'work', primary: true },
        { value: 'ada@home.example', type: 'home' },
      ],
      phoneNumbers: [{ value: '+44 20 7946 0000', type: 'work' }],
      addresses: [{ streetAddress: '1 Example Street', locality: 'London', country: 'GB', type: 'work' }],
      roles: [{ value: 'developer' }],
      [ENTERPRISE]: {
        employeeNumber: '42',
        department: 'Research',
        manager: { value: manager.body.id },
      },
    };

    const created = await api.request('POST', endpoint('User'), { body });
    const read = await api.request('GET', `${endpoint('User')}/${created.body.id}`);
    const listed = await api.request(
      'GET',
      `${endpoint('User')}?filter=${encodeURIComponent('userName eq "schema-driven@example.com"')}`,
    );
    const patched = await api.request('PATCH', `${endpoint('User')}/${created.body.id}`, {
      body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Principal Engineer' }] },
    });
    const replaced = await api.request('PUT', `${endpoint('User')}/${created.body.id}`, { body: patched.body });

    expect([created.status, read.status, listed.status, patched.status, replaced.status]).toEqual([
      201, 200, 200, 200, 200,
    ]);
    for (const resource of [created.body, read.body, listed.body.Resources[0], patched.body, replaced.body]) {
      expectValid(resource, 'User');
    }
    expect(replaced.body).toMatchObject({
      userName: body.userName,
      name: body.name,
      title: 'Principal Engineer',
      emails: body.emails,
      [ENTERPRISE]: { employeeNumber: '42', department: 'Research', manager: { value: manager.body.id } },
    });
  });

  it('round-trips a Group with a member, every answer valid against the schemas', async () => {
    const member = await api.request('POST', endpoint('User'), {
      body: { schemas: [USER], userName: 'schema-member@example.com', active: false },
    });

    const created = await api.request('POST', endpoint('Group'), {
      body: {
        schemas: [GROUP],
        displayName: 'Schema Driven',
        externalId: 'grp-1',
        members: [{ value: member.body.id }],
      },
    });
    const read = await api.request('GET', `${endpoint('Group')}/${created.body.id}`);
    const listed = await api.request('GET', `${endpoint('Group')}?attributes=displayName,members`);
    const replaced = await api.request('PUT', `${endpoint('Group')}/${created.body.id}`, {
      body: { ...read.body, displayName: 'Schema Driven Renamed' },
    });
    const memberRead = await api.request('GET', `${endpoint('User')}/${member.body.id}`);

    expect([created.status, read.status, listed.status, replaced.status]).toEqual([201, 200, 200, 200]);
    for (const resource of [created.body, read.body, ...listed.body.Resources, replaced.body]) {
      expectValid(resource, 'Group');
    }
    expectValid(memberRead.body, 'User');
    expect(replaced.body).toMatchObject({
      displayName: 'Schema Driven Renamed',
      members: [expect.objectContaining({ value: member.body.id })],
    });
    expect(memberRead.body.groups).toEqual([expect.objectContaining({ value: created.body.id })]);
  });
});
