import {
  DependencyUnavailableError,
  DomainError,
  InvalidReferenceError,
  NotFoundError,
  PreconditionFailedError,
  SeatLimitError,
  UniquenessError,
  ValueTooLongError,
  VersionConflictError,
} from '../domain/errors';
import { ScimError, scimErrorBody } from './errors';
import { type HttpRequest, type HttpResponse, MAX_BODY_BYTES, scimResponse } from './http';
import { param } from './list-query';
import type { Log } from './logger';
import { parseSearchRequest, SEARCH_SEGMENT, searchAcrossTypes } from './search';
import { discoveryDocument } from './service-provider-config';

/** The operations of one resource type (`/Users`, `/Groups`); each answers a SCIM response or throws. */
export interface ResourceEndpoint {
  list(request: HttpRequest): Promise<HttpResponse>;
  create(request: HttpRequest, body: unknown): Promise<HttpResponse>;
  get(request: HttpRequest, id: string): Promise<HttpResponse>;
  replace(request: HttpRequest, id: string, body: unknown): Promise<HttpResponse>;
  patch(request: HttpRequest, id: string, body: unknown): Promise<HttpResponse>;
  delete(request: HttpRequest, id: string): Promise<HttpResponse>;
}

export interface RouterOptions {
  /** Keyed by the resource path segment (`Users`, `Groups`), matched without regard to case. */
  readonly endpoints: Readonly<Record<string, ResourceEndpoint>>;
  readonly log: Log;
}

export type ScimRouter = (request: HttpRequest) => Promise<HttpResponse>;

/**
 * Dispatches a request below `/scim/v2` to its endpoint and turns every failure into a SCIM error body: errors the
 * client can fix keep their status and detail (logged at warn); anything else becomes a generic 500 whose details
 * go only to the log.
 */
export function createScimRouter(options: RouterOptions): ScimRouter {
  const endpoints = new Map(
    Object.entries(options.endpoints).map(([name, endpoint]) => [name.toLowerCase(), endpoint]),
  );
  return async (request) => {
    try {
      return await route(request, endpoints);
    } catch (error) {
      const scimError = toScimError(error);
      if (scimError) {
        options.log.warn('request refused', {
          status: scimError.status,
          scimType: scimError.scimType,
          reason: error instanceof Error ? error.name : undefined,
        });
        return scimResponse(scimError.status, scimError.toBody(), { ...scimError.headers });
      }
      if (error instanceof DependencyUnavailableError) {
        options.log.warn('dependency unavailable', { reason: error.message });
        return scimResponse(
          503,
          scimErrorBody(503, 'The service is busy or briefly unavailable; retry the request after a few seconds'),
          { 'Retry-After': String(RETRY_AFTER_SECONDS) },
        );
      }
      options.log.error('request failed', error instanceof Error ? error : new Error(String(error)));
      return scimResponse(500, scimErrorBody(500, 'Internal server error; the details are in the service log'));
    }
  };
}

/** What a 503 asks clients to wait: DynamoDB throttling and brief outages usually pass within seconds. */
const RETRY_AFTER_SECONDS = 5;

async function route(request: HttpRequest, endpoints: Map<string, ResourceEndpoint>): Promise<HttpResponse> {
  const segments = normalisePath(request.path);
  const [resource, id, extra] = segments;
  const method = request.method.toUpperCase();
  if (resource === undefined) throw ScimError.notFound('Use a resource path such as /scim/v2/Users');

  if (resource === SEARCH_SEGMENT && id === undefined) {
    if (method !== 'POST') throw methodNotAllowed(method, resource, ['POST']);
    const query = parseSearchRequest(parseBody(request));
    return searchAcrossTypes(
      request,
      query,
      [...endpoints.values()].map((endpoint) => (listRequest) => endpoint.list(listRequest)),
    );
  }

  const discovery = discoveryDocument(resource, id, request.baseUrl, Object.keys(Object.fromEntries(endpoints)));
  if (discovery !== undefined) {
    if (method !== 'GET') throw methodNotAllowed(method, resource, ['GET']);
    // RFC 7644 §4: a client must not believe its filter held on a document that was never filtered.
    if (param(request.query, 'filter') !== undefined) {
      throw new ScimError(403, `/${resource} does not support filter: request it without one`);
    }
    // Stryker disable next-line StringLiteral: unreachable, every discovery list exists, so only an id is not found
    if (discovery === 'not-found') throw ScimError.notFound(`${resource}/${id ?? ''} not found`);
    return scimResponse(200, discovery);
  }

  const unsupported = UNSUPPORTED_ENDPOINTS[resource.toLowerCase()];
  if (unsupported !== undefined) throw new ScimError(501, unsupported);

  const endpoint = endpoints.get(resource.toLowerCase());
  if (!endpoint || extra !== undefined) throw ScimError.notFound(`No such resource: /${segments.join('/')}`);

  if (id === SEARCH_SEGMENT) {
    if (method !== 'POST') throw methodNotAllowed(method, `${resource}/${SEARCH_SEGMENT}`, ['POST']);
    return endpoint.list({ ...request, query: parseSearchRequest(parseBody(request)) });
  }
  if (id === undefined) {
    if (method === 'GET') return endpoint.list(request);
    if (method === 'POST') return endpoint.create(request, parseBody(request));
    throw methodNotAllowed(method, resource, ['GET', 'POST']);
  }
  const decodedId = safeDecode(id);
  switch (method) {
    case 'GET':
      return endpoint.get(request, decodedId);
    case 'PUT':
      return endpoint.replace(request, decodedId, parseBody(request));
    case 'PATCH':
      return endpoint.patch(request, decodedId, parseBody(request));
    case 'DELETE':
      return endpoint.delete(request, decodedId);
    default:
      throw methodNotAllowed(method, `${resource}/{id}`, ['GET', 'PUT', 'PATCH', 'DELETE']);
  }
}

/**
 * Endpoints RFC 7644 defines that this server does not offer: 501 (§3.11 for /Me) tells a client the feature is
 * missing, where 404 would suggest a wrong base URL. ServiceProviderConfig says `bulk.supported: false` to match.
 */
const UNSUPPORTED_ENDPOINTS: Readonly<Record<string, string>> = {
  me: '/Me is not supported: API keys belong to an organization, not to a user; use /Users/{id}',
  bulk: 'Bulk operations are not supported (ServiceProviderConfig bulk.supported is false); send each operation as its own request',
};

/** `/Users/`, `//Users` (a base URL typed with a trailing slash) and `/Users` are the same path. */
export function normalisePath(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** RFC 9110 §15.5.6: a 405 names the methods the resource supports. */
function methodNotAllowed(method: string, path: string, allowed: readonly string[]): ScimError {
  return new ScimError(405, `${method} is not supported on /${path}; use ${allowed.join(' or ')}`, undefined, {
    headers: { Allow: allowed.join(', ') },
  });
}

/**
 * Deepest nesting of arrays and objects accepted in a body. A SCIM resource or PatchOp needs four levels at most
 * (`Operations[].value.{urn}.manager`); the code that walks a body recurses, so a body nested thousands deep would
 * exhaust the stack and answer 500 instead of 400.
 */
export const MAX_BODY_DEPTH = 32;

/** Parses a JSON body of any JSON media type (`application/json`, `application/scim+json`, with or without charset). */
export function parseBody(request: HttpRequest): unknown {
  const contentType = request.headers['content-type'];
  if (contentType !== undefined && contentType !== '' && !/json/i.test(contentType)) {
    throw new ScimError(415, `Send the body as application/scim+json, not ${contentType.slice(0, 60)}`);
  }
  const body = request.body ?? '';
  if (Buffer.byteLength(body) > MAX_BODY_BYTES) {
    throw new ScimError(413, `The request body is larger than ${MAX_BODY_BYTES / 1024} KB`);
  }
  if (body.trim() === '') throw ScimError.badRequest('invalidSyntax', 'The request body is empty; send a JSON object');
  if (nestingDepth(body) > MAX_BODY_DEPTH) {
    throw ScimError.badRequest('invalidSyntax', `The request body is nested deeper than ${MAX_BODY_DEPTH} levels`);
  }
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new ScimError(400, 'The request body is not valid JSON', 'invalidSyntax', { cause: error });
  }
}

/** The deepest nesting of `[` and `{` in JSON text, not counting brackets inside strings. */
function nestingDepth(json: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  // Stryker disable next-line EqualityOperator: equivalent, the character past the end is undefined and counts nothing
  for (let i = 0; i < json.length; i++) {
    const char = json[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
    } else if (char === '[' || char === '{') {
      depth++;
      // Stryker disable next-line EqualityOperator: equivalent, an equal depth leaves the deepest as it is
      if (depth > deepest) deepest = depth;
    } else if (char === ']' || char === '}') {
      depth--;
    }
  }
  return deepest;
}

function toScimError(error: unknown): ScimError | undefined {
  if (error instanceof ScimError) return error;
  // Stryker disable next-line ConditionalExpression: equivalent, an error that is no DomainError matches none of the cases below either
  if (!(error instanceof DomainError)) return undefined;
  if (error instanceof UniquenessError) {
    return new ScimError(409, `${error.message}; find the existing resource with a filter instead`, 'uniqueness');
  }
  if (error instanceof NotFoundError) return new ScimError(404, error.message);
  if (error instanceof PreconditionFailedError) return new ScimError(412, error.message);
  if (error instanceof VersionConflictError) {
    return new ScimError(409, 'The resource is being changed by another request; retry the request');
  }
  if (error instanceof SeatLimitError) return new ScimError(403, error.message);
  if (error instanceof InvalidReferenceError) return new ScimError(400, error.message, 'invalidValue');
  if (error instanceof ValueTooLongError) return new ScimError(400, error.message, 'invalidValue');
  return undefined;
}
