/** What every SCIM response, the gateway's own included, is sent as (RFC 7644 §3.1). */
export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

/** The schema URN of a SCIM error body (RFC 7644 §3.12). */
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** Errors of the admin API (RFC 9457 problem details). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
