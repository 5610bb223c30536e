import { MAX_PAGE_SIZE, Schemas } from './schemas';

/**
 * Discovery endpoints (RFC 7644 §4): what this server supports, so a client need not guess.
 * Returns the document for a discovery path, 'not-found' for an unknown discovery id, or undefined for other paths.
 */
export function discoveryDocument(
  resource: string,
  id: string | undefined,
  baseUrl: string,
  endpointNames: readonly string[],
): unknown {
  const name = resource.toLowerCase();
  if (name === 'serviceproviderconfig' || name === 'serviceproviderconfigs') {
    return id === undefined ? serviceProviderConfig(baseUrl) : 'not-found';
  }
  if (name === 'resourcetypes') {
    const types = resourceTypes(baseUrl).filter((type) =>
      endpointNames.some((endpoint) => endpoint.toLowerCase() === type.name.toLowerCase() + 's'),
    );
    return pick(types, id, (type) => type.id);
  }
  if (name === 'schemas') {
    return pick(schemaDefinitions(baseUrl), id, (schema) => schema.id);
  }
  return undefined;
}

function pick<T>(items: T[], id: string | undefined, idOf: (item: T) => string): unknown {
  if (id === undefined) {
    return {
      schemas: [Schemas.listResponse],
      totalResults: items.length,
      startIndex: 1,
      itemsPerPage: items.length,
      Resources: items,
    };
  }
  return items.find((item) => idOf(item) === decodeURIComponent(id)) ?? 'not-found';
}

function serviceProviderConfig(baseUrl: string) {
  return {
    schemas: [Schemas.serviceProviderConfig],
    documentationUri: 'https://datatracker.ietf.org/doc/html/rfc7644',
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_PAGE_SIZE },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: true },
    pagination: {
      cursor: true,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: MAX_PAGE_SIZE,
      maxPageSize: MAX_PAGE_SIZE,
      cursorTimeout: 3600,
    },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'API key',
        description: 'The API key from the license portal, sent as "Authorization: Bearer <key>" or as the bare key',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

function resourceTypes(baseUrl: string) {
  return [
    {
      schemas: [Schemas.resourceType],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'A person who receives a license',
      schema: Schemas.user,
      schemaExtensions: [{ schema: Schemas.enterpriseUser, required: false }],
      meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/User` },
    },
    {
      schemas: [Schemas.resourceType],
      id: 'Group',
      name: 'Group',
      endpoint: '/Groups',
      description: 'A group of users',
      schema: Schemas.group,
      meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/Group` },
    },
  ];
}

interface AttributeDefinition {
  name: string;
  type: string;
  multiValued: boolean;
  required: boolean;
  caseExact: boolean;
  mutability: string;
  returned: string;
  uniqueness: string;
  subAttributes?: AttributeDefinition[];
}

interface AttributeOptions {
  type?: string;
  multiValued?: boolean;
  required?: boolean;
  caseExact?: boolean;
  mutability?: string;
  uniqueness?: string;
  subAttributes?: AttributeDefinition[];
}

function attribute(name: string, options: AttributeOptions = {}): AttributeDefinition {
  return {
    name,
    type: options.type ?? 'string',
    multiValued: options.multiValued ?? false,
    required: options.required ?? false,
    caseExact: options.caseExact ?? false,
    mutability: options.mutability ?? 'readWrite',
    returned: 'default',
    uniqueness: options.uniqueness ?? 'none',
    ...(options.subAttributes ? { subAttributes: options.subAttributes } : {}),
  };
}

const multiValuedSub = [
  attribute('value'),
  attribute('display'),
  attribute('type'),
  attribute('primary', { type: 'boolean' }),
];

function schemaDefinitions(baseUrl: string) {
  const schema = (id: string, name: string, attributes: AttributeDefinition[]) => ({
    schemas: [Schemas.schema],
    id,
    name,
    attributes,
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${id}` },
  });
  return [
    schema(Schemas.user, 'User', [
      attribute('userName', { required: true, uniqueness: 'server' }),
      attribute('externalId', { caseExact: true }),
      attribute('name', {
        type: 'complex',
        subAttributes: ['formatted', 'familyName', 'givenName', 'middleName', 'honorificPrefix', 'honorificSuffix'].map(
          (sub) => attribute(sub),
        ),
      }),
      ...['displayName', 'nickName', 'profileUrl', 'title', 'userType', 'preferredLanguage', 'locale', 'timezone'].map(
        (name) => attribute(name),
      ),
      attribute('active', { type: 'boolean' }),
      ...['emails', 'phoneNumbers', 'ims', 'photos', 'addresses', 'entitlements', 'roles'].map((name) =>
        attribute(name, { type: 'complex', multiValued: true, subAttributes: multiValuedSub }),
      ),
      attribute('groups', {
        type: 'complex',
        multiValued: true,
        mutability: 'readOnly',
        subAttributes: [attribute('value'), attribute('display'), attribute('$ref', { type: 'reference' })],
      }),
    ]),
    schema(Schemas.enterpriseUser, 'EnterpriseUser', [
      ...['employeeNumber', 'costCenter', 'organization', 'division', 'department'].map((name) => attribute(name)),
      attribute('manager', { type: 'complex', subAttributes: [attribute('value'), attribute('displayName')] }),
    ]),
    schema(Schemas.group, 'Group', [
      attribute('displayName', { required: true, uniqueness: 'server' }),
      attribute('externalId', { caseExact: true }),
      attribute('members', {
        type: 'complex',
        multiValued: true,
        subAttributes: [
          attribute('value'),
          attribute('display'),
          attribute('$ref', { type: 'reference' }),
          attribute('type'),
        ],
      }),
    ]),
  ];
}
