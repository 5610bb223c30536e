import { RESOURCE_TYPES, resourceTypeRepresentation, SCHEMAS, schemaRepresentation } from './attribute-model';
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
    sort: { supported: true },
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
  return RESOURCE_TYPES.map((type) => resourceTypeRepresentation(type, baseUrl));
}

function schemaDefinitions(baseUrl: string) {
  return SCHEMAS.map((schema) => schemaRepresentation(schema, baseUrl));
}
