/** Paths of the public API, the same in the deployed REST API and the local gateway emulation. */

/** Base path of the SCIM 2.0 endpoints: Okta's "SCIM connector base URL" ends with it. */
export const SCIM_BASE_PATH = '/scim/v2';

/** The desktop product's license check; public (no API key), with its own throttle. */
export const VALIDATE_LICENSE_PATH = '/licenses/validate';

/** The license portal's admin API (IAM authorization: SigV4 with the portal's role); never reachable with a SCIM key. */
export const ADMIN_BASE_PATH = '/admin';

/** The OpenAPI 3.1 document of the admin API, below ADMIN_BASE_PATH. */
export const ADMIN_OPENAPI_PATH = '/openapi.json';
