/** Schema URNs of RFC 7643 / 7644 used across the protocol layer. */
export const Schemas = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  enterpriseUser: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  listResponse: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  patchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  serviceProviderConfig: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
  resourceType: 'urn:ietf:params:scim:schemas:core:2.0:ResourceType',
  schema: 'urn:ietf:params:scim:schemas:core:2.0:Schema',
} as const;

/** Largest `count` served per page; larger requests are capped (advertised in ServiceProviderConfig). */
export const MAX_PAGE_SIZE = 200;

/** SCIM `meta.version` is a weak entity tag built from the stored version number. */
export function etag(version: number): string {
  return `W/"${version}"`;
}

/** Parses an If-Match value produced by `etag`; undefined for `*` or a missing header. */
export function parseIfMatch(value: string | undefined): number | undefined | 'invalid' {
  if (value === undefined || value.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"(\d+)"\s*$/.exec(value);
  return match?.[1] ? Number(match[1]) : 'invalid';
}
