import { PROBLEM_CONTENT_TYPE } from '../contract/http';
import type { HttpResponse } from '../scim/http';

/** RFC 9457 problem details: what every admin API error answers, in application/problem+json. */

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
};

/** Problem type URIs of this API; `about:blank` when the status says everything. */
export const PROBLEM_TYPES = {
  validation: 'urn:license-portal:problem:validation',
  notFound: 'about:blank',
  conflict: 'urn:license-portal:problem:conflict',
  seatLimit: 'urn:license-portal:problem:seat-limit',
  idempotencyInProgress: 'urn:license-portal:problem:idempotency-key-in-progress',
  idempotencyReused: 'urn:license-portal:problem:idempotency-key-reused',
  blank: 'about:blank',
} as const;

export interface FieldError {
  readonly path: string;
  readonly message: string;
}

/** A problem the caller can act on (4xx). Anything else thrown in a route answers a generic 500. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly type: string = PROBLEM_TYPES.blank,
    readonly errors?: readonly FieldError[],
  ) {
    super(detail);
    this.name = 'ProblemError';
  }
}

export function problemResponse(
  status: number,
  detail: string | undefined,
  options: { type?: string; errors?: readonly FieldError[]; instance?: string } = {},
): HttpResponse {
  return {
    status,
    headers: { 'Content-Type': PROBLEM_CONTENT_TYPE },
    body: JSON.stringify({
      type: options.type ?? PROBLEM_TYPES.blank,
      title: TITLES[status] ?? 'Error',
      status,
      ...(detail !== undefined ? { detail } : {}),
      ...(options.instance !== undefined ? { instance: options.instance } : {}),
      ...(options.errors && options.errors.length > 0 ? { errors: options.errors } : {}),
    }),
  };
}
