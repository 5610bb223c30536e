import { discoveryDocument } from '../../../lambda/scim/service-provider-config';
import { resourceTypeProblems, schemaProblems, serviceProviderConfigProblems } from '../../support/scim-meta-schema';
import golden from './fixtures/discovery-documents.json';

const BASE = 'https://scim.example.com/scim/v2';
const ENDPOINTS = ['Users', 'Groups'];

// biome-ignore lint/suspicious/noExplicitAny: the tests navigate the served JSON documents.
function served(resource: string, id?: string): any {
  return discoveryDocument(resource, id, BASE, ENDPOINTS);
}

/**
 * What a client reads before it sends anything, word for word: Entra and schema-driven clients build their mapping
 * from `/Schemas`, so a change to a name, characteristic or description must show up here as a deliberate change of
 * the fixture, not slip through.
 */
describe('the discovery documents as served', () => {
  it.each(['Schemas', 'ResourceTypes', 'ServiceProviderConfig'] as const)('%s reads as it always did', (resource) => {
    expect(served(resource)).toEqual(golden[resource]);
  });
});

describe('discovery documents against RFC 7643 §8.7.2', () => {
  it('serves schemas that satisfy the Schema schema, with every characteristic and a description stated', () => {
    const list = served('Schemas');

    expect(list.Resources.map((schema: { id: string }) => schema.id)).toEqual([
      'urn:ietf:params:scim:schemas:core:2.0:User',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      'urn:ietf:params:scim:schemas:core:2.0:Group',
    ]);
    expect(list.Resources.flatMap(schemaProblems)).toEqual([]);
  });

  it('serves resource types that satisfy the ResourceType schema and name served schemas', () => {
    const types = served('ResourceTypes').Resources;
    const schemaIds = served('Schemas').Resources.map((schema: { id: string }) => schema.id);

    expect(types.flatMap(resourceTypeProblems)).toEqual([]);
    for (const type of types) {
      expect(schemaIds).toContain(type.schema);
      for (const extension of type.schemaExtensions ?? []) expect(schemaIds).toContain(extension.schema);
    }
  });

  it('serves a ServiceProviderConfig that satisfies its schema', () => {
    expect(serviceProviderConfigProblems(served('ServiceProviderConfig'))).toEqual([]);
  });

  it('finds a schema and a resource type by id', () => {
    expect(served('Schemas', 'urn:ietf:params:scim:schemas:core:2.0:Group').name).toBe('Group');
    expect(served('ResourceTypes', 'User').endpoint).toBe('/Users');
  });

  it('reports a definition that breaks the rules, so the checks above can fail', () => {
    const broken = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
      id: 'urn:example:broken',
      attributes: [
        { name: 'link', type: 'reference', multiValued: false, mutability: 'sometimes' },
        { name: 'blob', type: 'complex', multiValued: false, subAttributes: [] },
      ],
    };

    const problems = schemaProblems(broken);

    expect(problems).toEqual(
      expect.arrayContaining([
        'Schema.attributes[0].mutability: "sometimes" is not one of readOnly, readWrite, immutable, writeOnly',
        'Schema.link: a reference without referenceTypes',
        'Schema.link: description is not stated',
        'Schema.blob: a complex attribute without subAttributes',
      ]),
    );
  });
});

describe('discovery paths', () => {
  it('serves the ServiceProviderConfig under both spellings, in any case, and has no ids below it', () => {
    expect(served('serviceproviderconfigs').meta).toEqual({
      resourceType: 'ServiceProviderConfig',
      location: `${BASE}/ServiceProviderConfig`,
    });
    expect(served('SERVICEPROVIDERCONFIG').patch).toEqual({ supported: true });
    expect(served('ServiceProviderConfig', 'x')).toBe('not-found');
  });

  it('states the paging and filtering this server offers', () => {
    const config = served('ServiceProviderConfig');

    expect(config).toMatchObject({
      bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
      filter: { supported: true, maxResults: 200 },
      changePassword: { supported: false },
      sort: { supported: true },
      etag: { supported: true },
      pagination: { cursor: true, index: true, defaultPageSize: 200, maxPageSize: 200, cursorTimeout: 3600 },
    });
    expect(config.authenticationSchemes).toEqual([
      expect.objectContaining({ type: 'oauthbearertoken', primary: true }),
    ]);
  });

  it('tells an admin reading it how to send the key, and where the protocol is specified', () => {
    const config = served('ServiceProviderConfig');

    expect(config.authenticationSchemes).toStrictEqual([
      {
        type: 'oauthbearertoken',
        name: 'API key',
        description: 'The API key from the license portal, sent as "Authorization: Bearer <key>" or as the bare key',
        primary: true,
      },
    ]);
    expect(config.documentationUri).toBe('https://datatracker.ietf.org/doc/html/rfc7644');
  });

  it('lists what it serves as a ListResponse', () => {
    const list = served('Schemas');

    expect(list).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 3,
      startIndex: 1,
      itemsPerPage: 3,
    });
  });

  it('lists only the resource types whose endpoints are served, matching their names in any case', () => {
    const types = (endpoints: string[]) =>
      // biome-ignore lint/suspicious/noExplicitAny: the test navigates the served document.
      (discoveryDocument('ResourceTypes', undefined, BASE, endpoints) as any).Resources.map((type: any) => type.name);

    expect(types(['users'])).toEqual(['User']);
    expect(types(['Groups'])).toEqual(['Group']);
    expect(types([])).toEqual([]);
  });

  it('finds a definition by a percent-encoded id, and answers not-found for an unknown one', () => {
    expect(served('Schemas', encodeURIComponent('urn:ietf:params:scim:schemas:core:2.0:User')).name).toBe('User');
    expect(served('ResourceTypes', 'Device')).toBe('not-found');
  });

  it('leaves other paths to the resource endpoints', () => {
    expect(served('Users')).toBeUndefined();
  });
});
