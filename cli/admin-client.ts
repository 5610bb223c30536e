import type { AwsCredentialIdentity } from '@smithy/types';
import { signRequest } from '../local/iam-auth';

/**
 * The admin API as the command line calls it: JSON over HTTPS (or HTTP locally), every request signed with SigV4 for
 * `execute-api`, every error answer (RFC 9457 problem details) turned into an ApiProblem.
 */

export type Query = Readonly<Record<string, string | undefined>>;

export interface AdminClient {
  /** @param path below `/admin`: `/organizations/acme` */
  // biome-ignore lint/suspicious/noExplicitAny: each command reads the answer its route documents (lambda/admin/schemas.ts).
  call<T = any>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    options?: { body?: unknown; query?: Query },
  ): Promise<T>;
}

/** An error answer of the admin API, or of API Gateway in front of it. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly type: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'ApiProblem';
  }
}

export interface HttpAdminClientOptions {
  /** Up to and including `/admin`: `https://abc.execute-api.eu-west-1.amazonaws.com/v1/admin`. */
  readonly baseUrl: string;
  readonly region: string;
  readonly credentials: () => Promise<AwsCredentialIdentity>;
  /** What to say when nothing answers at the URL (connection refused, unknown host). */
  readonly unreachable: (cause: unknown) => Error;
}

export function httpAdminClient(options: HttpAdminClientOptions): AdminClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  return {
    async call<T>(
      method: 'GET' | 'POST' | 'PUT' | 'DELETE',
      path: string,
      { body, query }: { body?: unknown; query?: Query } = {},
    ): Promise<T> {
      const url = new URL(`${base}${path}`);
      for (const [name, value] of Object.entries(query ?? {})) {
        if (value !== undefined) url.searchParams.set(name, value);
      }
      const text = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string> = {
        accept: 'application/json',
        ...(text === undefined ? {} : { 'content-type': 'application/json' }),
      };
      const signed = await signRequest(
        { method, url, headers, ...(text === undefined ? {} : { body: text }) },
        await options.credentials(),
        options.region,
      );
      let response: Response;
      try {
        // fetch sets Host itself, from the URL: the same value the signature covers.
        const { host: _host, ...sent } = signed;
        response = await fetch(url, { method, headers: sent, ...(text === undefined ? {} : { body: text }) });
      } catch (error) {
        throw options.unreachable(error);
      }
      const answer = await response.text();
      const parsed = parseJson(answer);
      if (response.ok && parsed !== undefined) return parsed as T;
      throw problemOf(response, parsed, answer, `${method} ${url.pathname}`);
    },
  };
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Problem details say what went wrong in `detail`; API Gateway's own answers in `message` (or `Message`). */
function problemOf(response: Response, body: unknown, text: string, request: string): ApiProblem {
  const fields = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const title = typeof fields.title === 'string' ? fields.title : response.statusText || `HTTP ${response.status}`;
  const type = typeof fields.type === 'string' ? fields.type : 'about:blank';
  const said = [fields.detail, fields.message, fields.Message].find((value) => typeof value === 'string') as
    | string
    | undefined;
  const detail =
    said ??
    (response.ok
      ? `${request} answered ${response.status} without a JSON body: is this the admin API's URL?`
      : `${request} answered ${response.status} ${title}${text.trim() ? `: ${text.trim().slice(0, 200)}` : ''}`);
  return new ApiProblem(response.status, title, type, detail.replace(/\s*\n\s*/g, ' '));
}
