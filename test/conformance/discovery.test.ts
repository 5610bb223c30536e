import { type LocalApi, startLocalApi } from '../support/local-api';
import { resourceTypeProblems, schemaProblems, serviceProviderConfigProblems } from '../support/scim-meta-schema';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

interface Definition {
  readonly name: string;
  readonly description?: string;
  readonly mutability: string;
  readonly referenceTypes?: string[];
  readonly canonicalValues?: string[];
  readonly subAttributes?: Definition[];
}

describe('discovery: /Schemas, /ResourceTypes and /ServiceProviderConfig tell a schema-driven client the truth', () => {
  let api: LocalApi;

  beforeAll(async () => {
    api = await startLocalApi({ label: 'discovery' });
  });

  afterAll(async () => {
    await api.close();
  });

  async function schema(id: string): Promise<Definition[]> {
    const response = await api.request('GET', `/Schemas/${id}`);
    expect(response.status).toBe(200);
    return response.body.attributes;
  }

  function attribute(attributes: Definition[], path: string): Definition | undefined {
    const [name, sub] = path.split('.');
    const found = attributes.find((candidate) => candidate.name === name);
    return sub === undefined ? found : found?.subAttributes?.find((candidate) => candidate.name === sub);
  }

  it('serves documents that satisfy RFC 7643 §8.7.2', async () => {
    const schemas = await api.request('GET', '/Schemas');
    const types = await api.request('GET', '/ResourceTypes');
    const config = await api.request('GET', '/ServiceProviderConfig');

    expect(schemas.body.Resources.map((entry: { id: string }) => entry.id)).toEqual([USER, ENTERPRISE, GROUP]);
    expect(schemas.body.Resources.flatMap(schemaProblems)).toEqual([]);
    expect(types.body.Resources.flatMap(resourceTypeProblems)).toEqual([]);
    expect(serviceProviderConfigProblems(config.body)).toEqual([]);
  });

  it('declares every $ref with its reference types', async () => {
    const user = await schema(USER);
    const enterprise = await schema(ENTERPRISE);
    const group = await schema(GROUP);

    expect(attribute(group, 'members.$ref')).toMatchObject({ type: 'reference', referenceTypes: ['User', 'Group'] });
    expect(attribute(user, 'groups.$ref')).toMatchObject({ type: 'reference', referenceTypes: ['User', 'Group'] });
    expect(attribute(enterprise, 'manager.$ref')).toMatchObject({ type: 'reference', referenceTypes: ['User'] });
  });

  it('lists the address sub-attributes of RFC 7643 §4.1.2', async () => {
    const user = await schema(USER);

    expect(attribute(user, 'addresses')?.subAttributes?.map((sub) => sub.name)).toEqual([
      'formatted',
      'streetAddress',
      'locality',
      'region',
      'postalCode',
      'country',
      'type',
      'primary',
    ]);
  });

  it('declares x509Certificates, the server-owned sub-attributes as readOnly, and the canonical member types', async () => {
    const user = await schema(USER);
    const group = await schema(GROUP);

    expect(attribute(user, 'x509Certificates')).toMatchObject({ type: 'complex', multiValued: true });
    expect(attribute(user, 'x509Certificates.value')).toMatchObject({ type: 'binary' });
    for (const sub of ['value', '$ref', 'display', 'type']) {
      expect(attribute(user, `groups.${sub}`)?.mutability).toBe('readOnly');
    }
    expect(attribute(user, 'groups.type')?.canonicalValues).toEqual(['direct', 'indirect']);
    expect(attribute(group, 'members.display')?.mutability).toBe('readOnly');
    expect(attribute(group, 'members.type')?.canonicalValues).toEqual(['User', 'Group']);
    expect(attribute(user, 'meta')?.mutability).toBe('readOnly');
  });

  it('describes every schema and every attribute', async () => {
    const schemas = await api.request('GET', '/Schemas');
    const undescribed: string[] = [];
    const visit = (definitions: Definition[], where: string) => {
      for (const definition of definitions) {
        if (!definition.description?.trim()) undescribed.push(`${where}:${definition.name}`);
        visit(definition.subAttributes ?? [], `${where}:${definition.name}`);
      }
    };

    for (const entry of schemas.body.Resources) {
      expect(entry.description).toEqual(expect.any(String));
      visit(entry.attributes, entry.id);
    }

    expect(undescribed).toEqual([]);
  });
});
