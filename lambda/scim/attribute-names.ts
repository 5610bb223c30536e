/**
 * Canonical casing of the SCIM attribute names this server knows (RFC 7643 §4.1 core User and its sub-attributes,
 * §4.2 Group, §4.3 enterprise User). Clients may send any casing (Entra sends `UserName`); stored documents and
 * responses use these.
 */
const CANONICAL_NAMES: ReadonlyMap<string, string> = new Map(
  [
    'userName',
    'name',
    'givenName',
    'familyName',
    'middleName',
    'honorificPrefix',
    'honorificSuffix',
    'formatted',
    'displayName',
    'nickName',
    'profileUrl',
    'title',
    'userType',
    'preferredLanguage',
    'locale',
    'timezone',
    'active',
    'password',
    'emails',
    'phoneNumbers',
    'addresses',
    'streetAddress',
    'locality',
    'region',
    'postalCode',
    'country',
    'photos',
    'ims',
    'entitlements',
    'roles',
    'x509Certificates',
    'groups',
    'members',
    'externalId',
    'id',
    'meta',
    'schemas',
    'value',
    'type',
    'primary',
    'display',
    '$ref',
    'employeeNumber',
    'costCenter',
    'organization',
    'division',
    'department',
    'manager',
  ].map((name) => [name.toLowerCase(), name]),
);

/** The canonical casing of a known attribute name, or undefined for a name this server does not know. */
export function canonicalAttributeName(name: string): string | undefined {
  return CANONICAL_NAMES.get(name.toLowerCase());
}
