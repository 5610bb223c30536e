/**
 * The errors API Gateway answers itself, before or instead of the SCIM function. Okta's required 401 test and its task
 * list read these bodies, so they are SCIM errors telling the admin what to do. One table serves the deployed gateway
 * responses (lib/constructs/scim-api.ts) and the local stack's emulation, so both say the same thing.
 * Gateway response templates substitute `$` variables, so details avoid `$`.
 */
export interface GatewayErrorText {
  readonly status: number;
  readonly detail: string;
  /** Headers the status requires, as plain values (the deployed gateway responses quote them). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** RFC 6750 §3 / RFC 9110 §11.6.1: a 401 carries a challenge naming the scheme the client must use. */
// Stryker disable next-line StringLiteral: the challenge is checked where it is sent, by the stack's template test and over HTTP, not by the unit suites
export const AUTHENTICATION_CHALLENGE = 'Bearer realm="scim"';

export const GATEWAY_ERROR_TEXTS = {
  unauthorized: {
    status: 401,
    detail:
      "Missing or invalid API key: paste the API key from the license portal into Okta's Authorization header field (or Entra's Secret Token field).",
    headers: { 'WWW-Authenticate': AUTHENTICATION_CHALLENGE },
  },
  accessDenied: {
    status: 403,
    detail:
      'The API key is not allowed to call this endpoint: check that the SCIM connector base URL and the API key come from the same organization in the license portal.',
  },
  notFound: {
    status: 404,
    detail: 'Unknown endpoint: the SCIM connector base URL must end with /scim/v2 (copy it from the license portal).',
  },
  throttled: {
    status: 429,
    detail: 'Too many requests: retry after the number of seconds in the Retry-After header.',
  },
  tooLarge: {
    status: 413,
    detail: 'Request body too large: send fewer operations or members per request.',
  },
  timeout: {
    status: 504,
    detail: 'The SCIM service did not answer in time: retry the request.',
  },
  rejected: {
    status: 400,
    detail: 'The request was rejected before reaching the SCIM service: check the SCIM connector base URL and headers.',
  },
  internal: {
    status: 500,
    detail: 'Internal error in the SCIM service: retry later; contact the license portal support if it persists.',
  },
} as const satisfies Record<string, GatewayErrorText>;
