import { ScimError } from './errors';
import type { HttpRequest, HttpResponse } from './http';
import { scimResponse } from './http';
import { listResponse, parsePageRequest } from './list-query';

/**
 * `POST …/.search` (RFC 7644 §3.4.3): the query parameters of a GET list, sent as a SearchRequest body so that a
 * filter holding personal data stays out of URLs and logs. The body is turned into the same parameters a GET carries
 * and answered by the same list code, so both forms validate, page and fail alike. (That code reads a `+` in a URL
 * filter as a form-encoded space only outside quoted values, or in a filter without spaces; a valid body filter has
 * neither, so its `+` signs stay as sent.) API Gateway's `{proxy+}` route already carries these paths.
 */
export const SEARCH_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

/** The path segment that names a search: `/.search`, `/Users/.search`. */
export const SEARCH_SEGMENT = '.search';

type SearchParameter =
  | 'filter'
  | 'attributes'
  | 'excludedAttributes'
  | 'startIndex'
  | 'count'
  | 'cursor'
  | 'sortBy'
  | 'sortOrder';

const STRING_PARAMETERS: readonly SearchParameter[] = ['filter', 'cursor', 'sortBy', 'sortOrder'];
const LIST_PARAMETERS: readonly SearchParameter[] = ['attributes', 'excludedAttributes'];
const INTEGER_PARAMETERS: readonly SearchParameter[] = ['startIndex', 'count'];
const PARAMETERS: readonly SearchParameter[] = [...STRING_PARAMETERS, ...LIST_PARAMETERS, ...INTEGER_PARAMETERS];

/**
 * Reads a SearchRequest body into the query parameters of the equivalent GET. Member names are matched without regard
 * to case, like every SCIM attribute name; `null` means absent.
 * @throws ScimError 400 `invalidSyntax` for a body that is not a SearchRequest or has a member RFC 7644 does not
 *   define, `invalidValue` for a member of the wrong type
 */
export function parseSearchRequest(body: unknown): Record<string, string> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw ScimError.badRequest('invalidSyntax', 'The request body must be a JSON object holding a SCIM SearchRequest');
  }
  const query: Record<string, string> = {};
  let schemas: unknown;
  for (const [key, value] of Object.entries(body)) {
    if (key.toLowerCase() === 'schemas') {
      schemas = value;
      continue;
    }
    const name = PARAMETERS.find((parameter) => parameter.toLowerCase() === key.toLowerCase());
    if (name === undefined) {
      throw ScimError.badRequest(
        'invalidSyntax',
        `A SearchRequest has no member "${key.slice(0, 60)}"; use ${PARAMETERS.join(', ')}`,
      );
    }
    if (value === null) continue;
    query[name] = parameterText(name, value);
  }
  if (!Array.isArray(schemas) || !schemas.includes(SEARCH_REQUEST_SCHEMA)) {
    throw ScimError.badRequest('invalidSyntax', `A SearchRequest needs "schemas": ["${SEARCH_REQUEST_SCHEMA}"]`);
  }
  return query;
}

/** The parameter as a GET would carry it, so that the list code validates both forms alike. */
function parameterText(name: SearchParameter, value: unknown): string {
  if (STRING_PARAMETERS.includes(name)) {
    if (typeof value !== 'string') throw ScimError.badRequest('invalidValue', `${name} must be a string`);
    return value;
  }
  if (LIST_PARAMETERS.includes(name)) {
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.join(',');
    throw ScimError.badRequest('invalidValue', `${name} must be a list of attribute names`);
  }
  if (typeof value === 'number' || typeof value === 'string') return String(value);
  throw ScimError.badRequest('invalidValue', `${name} must be an integer`);
}

/** One resource type's list, as the root search calls it. */
export type ListEndpoint = (request: HttpRequest) => Promise<HttpResponse>;

/**
 * A search at the server root (`POST /.search`) over every resource type, in the order given (Users, then Groups),
 * each in its own list order, paged by `startIndex`/`count` across the concatenation: `totalResults` is the sum of
 * the types' totals. A filter naming attributes one type does not have matches nothing of that type (both failing is
 * the client's error). Cursors and sorting belong to one resource type's order, so they are refused here.
 */
export async function searchAcrossTypes(
  request: HttpRequest,
  query: Readonly<Record<string, string>>,
  types: readonly ListEndpoint[],
): Promise<HttpResponse> {
  for (const name of ['cursor', 'sortBy', 'sortOrder'] as const) {
    if (query[name] !== undefined) {
      throw ScimError.badRequest(
        'invalidValue',
        `${name} is not supported in a search across resource types; use /Users/.search or /Groups/.search`,
      );
    }
  }
  const page = parsePageRequest(query);
  let totalResults = 0;
  let failures = 0;
  let firstFailure: ScimError | undefined;
  const resources: unknown[] = [];
  for (const list of types) {
    // Where this type's items start in the concatenation decides which of them fall in the window.
    const startIndex = Math.max(1, page.startIndex - totalResults);
    const count = page.count - resources.length;
    const result = await listOf(list, {
      ...request,
      query: { ...query, startIndex: String(startIndex), count: String(count) },
    });
    if (result instanceof ScimError) {
      failures++;
      firstFailure ??= result;
      continue;
    }
    totalResults += result.totalResults;
    resources.push(...result.Resources);
  }
  if (firstFailure !== undefined && failures === types.length) throw firstFailure;
  return scimResponse(200, listResponse(page, totalResults, resources));
}

async function listOf(
  list: ListEndpoint,
  request: HttpRequest,
): Promise<{ totalResults: number; Resources: unknown[] } | ScimError> {
  try {
    const response = await list(request);
    return JSON.parse(response.body) as { totalResults: number; Resources: unknown[] };
  } catch (error) {
    if (error instanceof ScimError && error.scimType === 'invalidFilter') return error;
    throw error;
  }
}
