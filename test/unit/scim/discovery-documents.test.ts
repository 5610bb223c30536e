import { discoveryDocument } from '../../../lambda/scim/service-provider-config';
import { resourceTypeProblems, schemaProblems, serviceProviderConfigProblems } from '../../support/scim-meta-schema';

const BASE = 'https://scim.example.com/scim/v2';
const ENDPOINTS = ['Users', 'Groups'];

// biome-ignore lint/suspicious/noExplicitAny: the tests navigate the served JSON documents.
function served(resource: string, id?: string): any {
  return discoveryDocument(resource, id, BASE, ENDPOINTS);
}

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
