import { SCIM_CONTENT_TYPE } from '../contract/http';
/**
 * The protocol layer's view of HTTP, independent of API Gateway. The Lambda handler maps proxy events to and from
 * these values; everything below it is testable without AWS types.
 */
export interface HttpRequest {
  readonly method: string;
  /** Path below the SCIM base, normalised: `/Users/abc`, never `//Users`. */
  readonly path: string;
  /** Query parameters, already URL-decoded (`+` as a space). */
  readonly query: Readonly<Record<string, string | undefined>>;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string | undefined;
  /** Absolute SCIM base URL, e.g. `https://api.example.com/prod/scim/v2`; used for `meta.location`. */
  readonly baseUrl: string;
  /** Organization resolved by the authorizer. The only source of scoping. */
  readonly orgId: string;
  readonly requestId: string;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export { SCIM_CONTENT_TYPE };

/** Largest request body accepted, in bytes; larger bodies get 413 (Okta's batches are far smaller). */
export const MAX_BODY_BYTES = 1024 * 1024;

export function scimResponse(status: number, body: unknown, extraHeaders: Record<string, string> = {}): HttpResponse {
  return {
    status,
    headers: { 'Content-Type': SCIM_CONTENT_TYPE, ...extraHeaders },
    body: body === undefined ? '' : JSON.stringify(body),
  };
}
