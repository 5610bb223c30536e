/**
 * The SCIM router on its own, with recording endpoints: which operation a method and path reach, what a client is
 * told for paths and methods the server does not serve, how bodies are read, and how failures become SCIM errors.
 */
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
} from '../../../lambda/domain/errors';
import { ScimError } from '../../../lambda/scim/errors';
import {
  type HttpRequest,
  type HttpResponse,
  MAX_BODY_BYTES,
  SCIM_CONTENT_TYPE,
  scimResponse,
} from '../../../lambda/scim/http';
import type { Log } from '../../../lambda/scim/logger';
import {
  createScimRouter,
  MAX_BODY_DEPTH,
  normalisePath,
  parseBody,
  type ResourceEndpoint,
} from '../../../lambda/scim/router';

const BASE = 'https://api.example.com/scim/v2';

function request(method: string, path: string, extra: Partial<HttpRequest> = {}): HttpRequest {
  return {
    method,
    path,
    query: {},
    headers: {},
    body: undefined,
    baseUrl: BASE,
    orgId: 'acme',
    requestId: 'r',
    ...extra,
  };
}

interface Call {
  readonly operation: string;
  readonly id?: string;
  readonly body?: unknown;
  readonly query?: Readonly<Record<string, string | undefined>>;
}

/** An endpoint that answers every operation with 200 and records what it was asked. */
function recordingEndpoint(name: string, calls: Call[]): ResourceEndpoint {
  const answer = (call: Call): Promise<HttpResponse> => {
    calls.push(call);
    return Promise.resolve(scimResponse(200, { endpoint: name, operation: call.operation }));
  };
  return {
    list: (req) =>
      answer({ operation: 'list', query: req.query }).then(() =>
        scimResponse(200, { totalResults: 1, Resources: [{ endpoint: name }] }),
      ),
    create: (_req, body) => answer({ operation: 'create', body }),
    get: (_req, id) => answer({ operation: 'get', id }),
    replace: (_req, id, body) => answer({ operation: 'replace', id, body }),
    patch: (_req, id, body) => answer({ operation: 'patch', id, body }),
    delete: (_req, id) => answer({ operation: 'delete', id }),
  };
}

interface Logged {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly extra: unknown;
}

function setup(endpointOverrides: Partial<ResourceEndpoint> = {}) {
  const calls: Call[] = [];
  const logged: Logged[] = [];
  const log: Log = {
    info: (message, extra) => logged.push({ level: 'info', message, extra }),
    warn: (message, extra) => logged.push({ level: 'warn', message, extra }),
    error: (message, extra) => logged.push({ level: 'error', message, extra }),
  };
  const users = { ...recordingEndpoint('Users', calls), ...endpointOverrides };
  const router = createScimRouter({ endpoints: { Users: users, Groups: recordingEndpoint('Groups', calls) }, log });
  return { router, calls, logged };
}

// biome-ignore lint/suspicious/noExplicitAny: the tests read the JSON bodies the router answers.
const bodyOf = (response: HttpResponse): any => JSON.parse(response.body);

const json = (value: unknown) => ({
  body: JSON.stringify(value),
  headers: { 'content-type': 'application/scim+json' },
});

describe('which operation a request reaches', () => {
  it.each([
    ['GET', '/Users', 'list'],
    ['POST', '/Users', 'create'],
    ['GET', '/Users/u-1', 'get'],
    ['PUT', '/Users/u-1', 'replace'],
    ['PATCH', '/Users/u-1', 'patch'],
    ['DELETE', '/Users/u-1', 'delete'],
  ])('%s %s reaches %s of the Users endpoint', async (method, path, operation) => {
    const { router, calls } = setup();

    const response = await router(request(method, path, json({ a: 1 })));

    expect(response.status).toBe(200);
    expect(calls.map((call) => call.operation)).toEqual([operation]);
  });

  it('matches the resource segment and the method without regard to case', async () => {
    const { router, calls } = setup();

    await router(request('get', '/users/u-1'));
    await router(request('Delete', '/GROUPS/g-1'));

    expect(calls).toEqual([
      { operation: 'get', id: 'u-1' },
      { operation: 'delete', id: 'g-1' },
    ]);
  });

  it('passes the parsed body and the decoded id', async () => {
    const { router, calls } = setup();

    await router(request('PUT', '/Users/a%20b', json({ userName: 'ada' })));
    await router(request('PATCH', '/Users/a%2Fb', json({ Operations: [] })));
    await router(request('POST', '/Users', json({ userName: 'bob' })));

    expect(calls).toEqual([
      { operation: 'replace', id: 'a b', body: { userName: 'ada' } },
      { operation: 'patch', id: 'a/b', body: { Operations: [] } },
      { operation: 'create', body: { userName: 'bob' } },
    ]);
  });

  it('passes an id that is not valid percent-encoding as it came', async () => {
    const { router, calls } = setup();

    await router(request('GET', '/Users/100%'));

    expect(calls).toEqual([{ operation: 'get', id: '100%' }]);
  });

  it('ignores empty path segments', async () => {
    const { router, calls } = setup();

    await router(request('GET', '//Users//u-1/'));

    expect(calls).toEqual([{ operation: 'get', id: 'u-1' }]);
    expect(normalisePath('//Users//u-1/')).toEqual(['Users', 'u-1']);
  });

  it('answers a search of one resource type by its list, with the body as query parameters', async () => {
    const { router, calls } = setup();

    const response = await router(
      request(
        'POST',
        '/Users/.search',
        json({ schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: 'userName eq "ada"' }),
      ),
    );

    expect(response.status).toBe(200);
    expect(calls).toEqual([{ operation: 'list', query: { filter: 'userName eq "ada"' } }]);
  });

  it('answers a search at the root by listing every resource type', async () => {
    const { router, calls } = setup();

    const response = await router(
      request('POST', '/.search', json({ schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'] })),
    );

    expect(response.status).toBe(200);
    expect(bodyOf(response)).toMatchObject({
      totalResults: 2,
      Resources: [{ endpoint: 'Users' }, { endpoint: 'Groups' }],
    });
    expect(calls.map((call) => call.operation)).toEqual(['list', 'list']);
  });
});

describe('paths and methods the server does not serve', () => {
  it('answers 404 at the base path, pointing at a resource path', async () => {
    const { router } = setup();

    const response = await router(request('GET', '/'));

    expect(response.status).toBe(404);
    expect(bodyOf(response).detail).toBe('Use a resource path such as /scim/v2/Users');
  });

  it('answers 404 for an unknown resource type and for a path below an id', async () => {
    const { router, calls } = setup();

    const unknown = await router(request('GET', '/Devices'));
    const deeper = await router(request('GET', '/Users/u-1/groups'));

    expect(unknown.status).toBe(404);
    expect(bodyOf(unknown).detail).toBe('No such resource: /Devices');
    expect(deeper.status).toBe(404);
    expect(bodyOf(deeper).detail).toBe('No such resource: /Users/u-1/groups');
    expect(calls).toEqual([]);
  });

  it('answers 404 for a path below the root search', async () => {
    const { router, calls } = setup();

    const response = await router(
      request('POST', '/.search/x', json({ schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'] })),
    );

    expect(response.status).toBe(404);
    expect(bodyOf(response).detail).toBe('No such resource: /.search/x');
    expect(calls).toEqual([]);
  });

  it.each([
    ['/Me', '/Me is not supported'],
    ['/Bulk', 'Bulk operations are not supported'],
    ['/me/x', '/Me is not supported'],
  ])('answers 501 for %s', async (path, detail) => {
    const { router } = setup();

    const response = await router(request('POST', path));

    expect(response.status).toBe(501);
    expect(bodyOf(response).detail).toContain(detail);
  });

  it.each([
    ['DELETE', '/Users', 'DELETE is not supported on /Users; use GET or POST', 'GET, POST'],
    [
      'POST',
      '/Users/u-1',
      'POST is not supported on /Users/{id}; use GET or PUT or PATCH or DELETE',
      'GET, PUT, PATCH, DELETE',
    ],
    ['GET', '/Users/.search', 'GET is not supported on /Users/.search; use POST', 'POST'],
    ['GET', '/.search', 'GET is not supported on /.search; use POST', 'POST'],
    ['POST', '/ServiceProviderConfig', 'POST is not supported on /ServiceProviderConfig; use GET', 'GET'],
  ])('answers 405 to %s %s with the allowed methods', async (method, path, detail, allow) => {
    const { router, calls } = setup();

    const response = await router(request(method, path, json({})));

    expect(response.status).toBe(405);
    expect(response.headers.Allow).toBe(allow);
    expect(bodyOf(response).detail).toBe(detail);
    expect(calls).toEqual([]);
  });
});

describe('discovery documents', () => {
  it('serves the ServiceProviderConfig, and the resource types of the endpoints it has', async () => {
    const { router } = setup();

    const config = await router(request('GET', '/ServiceProviderConfig'));
    const types = await router(request('GET', '/ResourceTypes'));

    expect(config.status).toBe(200);
    expect(bodyOf(config).patch).toEqual({ supported: true });
    expect(bodyOf(types).Resources.map((type: { name: string }) => type.name)).toEqual(['User', 'Group']);
  });

  it('answers 404 for an unknown discovery id', async () => {
    const { router } = setup();

    const response = await router(request('GET', '/Schemas/urn:unknown'));

    expect(response.status).toBe(404);
    expect(bodyOf(response).detail).toBe('Schemas/urn:unknown not found');
  });

  it('answers 403 to a filter on a discovery document', async () => {
    const { router } = setup();

    const response = await router(request('GET', '/Schemas', { query: { filter: 'id eq "x"' } }));

    expect(response.status).toBe(403);
    expect(bodyOf(response).detail).toBe('/Schemas does not support filter: request it without one');
  });
});

describe('reading a body', () => {
  const read = (body: string | undefined, contentType?: string) =>
    parseBody(
      request('POST', '/Users', { body, headers: contentType === undefined ? {} : { 'content-type': contentType } }),
    );

  function refusal(action: () => unknown): ScimError {
    try {
      action();
    } catch (error) {
      if (error instanceof ScimError) return error;
      throw error;
    }
    throw new Error('expected a ScimError');
  }

  it('reads JSON of any JSON media type, or without a content type', () => {
    expect(read('{"a":1}', 'application/scim+json; charset=utf-8')).toEqual({ a: 1 });
    expect(read('{"a":1}', 'application/json')).toEqual({ a: 1 });
    expect(read('{"a":1}', '')).toEqual({ a: 1 });
    expect(read('[1]')).toEqual([1]);
  });

  it('refuses another media type with 415 naming it', () => {
    const error = refusal(() => read('{"a":1}', 'text/plain'));

    expect(error.status).toBe(415);
    expect(error.detail).toBe('Send the body as application/scim+json, not text/plain');
  });

  it('echoes at most 60 characters of a long media type', () => {
    const contentType = `text/plain; ${'x'.repeat(200)}`;

    expect(refusal(() => read('{}', contentType)).detail).toBe(
      `Send the body as application/scim+json, not ${contentType.slice(0, 60)}`,
    );
  });

  it('accepts a body of exactly the largest size and refuses one byte more with 413', () => {
    const padding = (size: number) => `{"a":"${'x'.repeat(size - 8)}"}`;

    expect(read(padding(MAX_BODY_BYTES))).toEqual({ a: 'x'.repeat(MAX_BODY_BYTES - 8) });
    const error = refusal(() => read(padding(MAX_BODY_BYTES + 1)));
    expect(error.status).toBe(413);
    expect(error.detail).toBe('The request body is larger than 1024 KB');
  });

  it('counts the size in bytes, not characters', () => {
    const text = 'é'.repeat(MAX_BODY_BYTES / 2);

    expect(refusal(() => read(`"${text}"`)).status).toBe(413);
  });

  it.each([undefined, '', '  \n'])('refuses an empty body (%j) with 400 invalidSyntax', (body) => {
    const error = refusal(() => read(body));

    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidSyntax');
    expect(error.detail).toBe('The request body is empty; send a JSON object');
  });

  it('refuses text that is not JSON with 400 invalidSyntax', () => {
    const error = refusal(() => read('{"a":'));

    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidSyntax');
    expect(error.detail).toBe('The request body is not valid JSON');
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it('accepts the deepest nesting allowed and refuses one level more', () => {
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

    expect(read(nested(MAX_BODY_DEPTH))).toBeInstanceOf(Array);
    const error = refusal(() => read(nested(MAX_BODY_DEPTH + 1)));
    expect(error.scimType).toBe('invalidSyntax');
    expect(error.detail).toBe('The request body is nested deeper than 32 levels');
  });

  it('counts objects and arrays alike, and only the deepest branch', () => {
    const deep = (depth: number) => `${'{"a":'.repeat(depth - 1)}[]${'}'.repeat(depth - 1)}`;
    const wide = `[${Array.from({ length: MAX_BODY_DEPTH + 5 }, () => '[{}]').join(',')}]`;

    expect(refusal(() => read(deep(MAX_BODY_DEPTH + 1))).scimType).toBe('invalidSyntax');
    expect(read(deep(MAX_BODY_DEPTH))).toBeInstanceOf(Object);
    expect(read(wide)).toHaveLength(MAX_BODY_DEPTH + 5);
  });

  it('refuses a deep branch followed by shallow ones', () => {
    const body = `[${'['.repeat(MAX_BODY_DEPTH)}${']'.repeat(MAX_BODY_DEPTH)},[],{}]`;

    expect(refusal(() => read(body)).detail).toBe('The request body is nested deeper than 32 levels');
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const brackets = '['.repeat(MAX_BODY_DEPTH + 5);
    const body = JSON.stringify({ text: `\\"${brackets}`, more: `"${brackets}"` });

    expect(read(body)).toEqual({ text: `\\"${brackets}`, more: `"${brackets}"` });
  });
});

describe('failures', () => {
  const failing = (error: unknown) => setup({ get: () => Promise.reject(error) });

  it.each([
    [
      new UniquenessError('userName ada is taken'),
      409,
      'uniqueness',
      'userName ada is taken; find the existing resource with a filter instead',
    ],
    [new NotFoundError('User u-1 not found'), 404, undefined, 'User u-1 not found'],
    [new PreconditionFailedError('The version does not match'), 412, undefined, 'The version does not match'],
    [
      new VersionConflictError('conflict'),
      409,
      undefined,
      'The resource is being changed by another request; retry the request',
    ],
    [new SeatLimitError('All 5 seats are taken'), 403, undefined, 'All 5 seats are taken'],
    [new InvalidReferenceError('No user u-9'), 400, 'invalidValue', 'No user u-9'],
    [new ValueTooLongError('userName is too long'), 400, 'invalidValue', 'userName is too long'],
    [ScimError.badRequest('invalidFilter', 'bad filter'), 400, 'invalidFilter', 'bad filter'],
  ])('answers %p as %d %s', async (error, status, scimType, detail) => {
    const { router, logged } = failing(error);

    const response = await router(request('GET', '/Users/u-1'));

    expect(response.status).toBe(status);
    expect(response.headers['Content-Type']).toBe(SCIM_CONTENT_TYPE);
    const body = bodyOf(response);
    expect(body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: String(status),
      ...(scimType === undefined ? {} : { scimType }),
      detail,
    });
    expect(logged).toEqual([
      {
        level: 'warn',
        message: 'request refused',
        extra: { status, scimType, reason: (error as Error).name },
      },
    ]);
  });

  it('keeps the headers a ScimError carries', async () => {
    const { router } = failing(new ScimError(405, 'no', undefined, { headers: { Allow: 'GET' } }));

    const response = await router(request('GET', '/Users/u-1'));

    expect(response.headers).toEqual({ 'Content-Type': SCIM_CONTENT_TYPE, Allow: 'GET' });
  });

  it('answers 503 with Retry-After when a dependency is unavailable, logging why', async () => {
    const { router, logged } = failing(new DependencyUnavailableError('throttled'));

    const response = await router(request('GET', '/Users/u-1'));

    expect(response.status).toBe(503);
    expect(response.headers['Retry-After']).toBe('5');
    expect(bodyOf(response)).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '503',
      detail: 'The service is busy or briefly unavailable; retry the request after a few seconds',
    });
    expect(logged).toEqual([{ level: 'warn', message: 'dependency unavailable', extra: { reason: 'throttled' } }]);
  });

  it.each([
    ['an unexpected error', new TypeError('x is undefined')],
    ['a domain error the protocol does not know', new DomainError('odd')],
  ])('answers %s with a generic 500 and logs the error itself', async (_, error) => {
    const { router, logged } = failing(error);

    const response = await router(request('GET', '/Users/u-1'));

    expect(response.status).toBe(500);
    expect(bodyOf(response)).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '500',
      detail: 'Internal server error; the details are in the service log',
    });
    expect(logged).toEqual([{ level: 'error', message: 'request failed', extra: error }]);
  });

  it('logs a thrown value that is not an Error as an Error holding its text', async () => {
    const { router, logged } = failing('plain text');

    const response = await router(request('GET', '/Users/u-1'));

    expect(response.status).toBe(500);
    expect(logged).toEqual([{ level: 'error', message: 'request failed', extra: new Error('plain text') }]);
    expect(logged[0]?.extra).toBeInstanceOf(Error);
  });
});

describe('scimResponse', () => {
  it('answers an empty body for no body, and JSON otherwise, with the SCIM media type and extra headers', () => {
    expect(scimResponse(204, undefined)).toEqual({
      status: 204,
      headers: { 'Content-Type': SCIM_CONTENT_TYPE },
      body: '',
    });
    expect(scimResponse(200, { a: 1 }, { ETag: 'W/"1"' })).toEqual({
      status: 200,
      headers: { 'Content-Type': SCIM_CONTENT_TYPE, ETag: 'W/"1"' },
      body: '{"a":1}',
    });
  });
});
