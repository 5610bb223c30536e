/** Names the deployed stack, the Lambda code, the local stack and the admin command line agree on. */

/** The CloudFormation stack's name: the admin command line finds the stack's outputs under it. */
export const STACK_NAME = 'ScimLicensePortal';

/** The organization bound to the token secret deployed with the stack (and to the local stack's `SCIM_TOKEN`). */
export const DEFAULT_ORG_ID = 'default';

/** JSON field of the license signing secret that holds the key (base64). */
export const SIGNING_KEY_FIELD = 'signingKey';

/** How long a token secret read stays cached in the authorizer; the API's authorizer result cache matches it. */
export const DEFAULT_SECRET_CACHE_TTL_MS = 30_000;

/** Hours a rotated-out SCIM API key keeps working unless the stack says otherwise. */
export const DEFAULT_GRACE_HOURS = 72;
