import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayRequestAuthorizerEvent,
  Context,
} from 'aws-lambda';
import { GATEWAY_ERROR_TEXTS } from '../lambda/contract/gateway-errors';
import { PROBLEM_CONTENT_TYPE } from '../lambda/contract/http';
import { SCIM_BASE_PATH } from '../lambda/contract/routes';
import { scimErrorBody } from '../lambda/scim/errors';
import { SCIM_CONTENT_TYPE } from '../lambda/scim/http';
import {
  type AuthorizerDecision,
  buildAuthorizerEvent,
  buildProxyEvent,
  type EventSite,
  headerValue,
  type IncomingRequest,
  isAllowed,
  lambdaContext,
  type MatchedRoute,
  parseHeaders,
  toDecision,
} from './api-gateway-events';
import { LOCAL_REGION } from './dynamodb-local';
import { verifyLocalSignature } from './iam-auth';
import { type LocalServiceConfig, localAdapters } from './local-adapters';
import { PortInUseError } from './ports';
import type { UsagePlanCheck } from './usage-plans';

export type ProxyHandler = (event: APIGatewayProxyEvent, context?: Context) => Promise<APIGatewayProxyResult>;
export type RequestAuthorizerHandler = (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

/** A Lambda proxy route outside SCIM, without the authorizer (e.g. `POST /licenses/validate`). */
export interface ExtraRoute {
  /** HTTP method, or `ANY`. */
  readonly method: string;
  /** Exact path, e.g. `/licenses/validate`; also the event's `resource`. */
  readonly path: string;
  readonly handler: ProxyHandler;
}

/**
 * A `<pathPrefix>/{proxy+}` route with AWS_IAM authorization (the admin API): only requests signed with the local
 * credentials reach the handler, as the fixed local identity (see iam-auth.ts); the SCIM authorizer never runs.
 */
export interface IamRoute {
  /** e.g. `/admin`; every method of every path below it. */
  readonly pathPrefix: string;
  readonly handler: ProxyHandler;
}

export interface ApiServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** @default 'localhost' */
  readonly host?: string;
  readonly config: LocalServiceConfig;
  /** @default createScimHandler(config) from lambda/handlers/scim */
  readonly scimHandler?: ProxyHandler;
  /** @default createAuthorizerHandler(config) from lambda/handlers/authorizer */
  readonly authorizerHandler?: RequestAuthorizerHandler;
  readonly extraRoutes?: readonly ExtraRoute[];
  readonly iamRoutes?: readonly IamRoute[];
  /** Like API Gateway's authorizer result cache (30 s on the deployed stage), keyed by the Authorization header. 0 disables it. @default 30 */
  readonly authorizerCacheTtlSeconds?: number;
  /** @default 'local' */
  readonly stage?: string;
  /** API Gateway gives up on an integration after 29 s and answers 504. @default 29000 */
  readonly integrationTimeoutMs?: number;
  /** Receives one line per request (method, path without query, status, duration) and handler failures. */
  readonly log?: (line: string) => void;
  /** Environment variable that sets `port`, named in the error when the port is taken. */
  readonly portEnvVar?: string;
  /**
   * Throttles SCIM requests per usage-plan key, as the deployed usage plans do (`usagePlanThrottle()`; the local
   * stack of `npm start` passes it).
   * @default no throttling: protocol tests and the benchmark send faster than a tier allows
   */
  readonly usagePlans?: UsagePlanCheck;
}

export interface ApiServerHandle {
  /** Origin, e.g. `http://localhost:8080`. */
  readonly url: string;
  /** `<url>/scim/v2`: what an Okta admin enters as the SCIM connector base URL. */
  readonly scimBaseUrl: string;
  readonly port: number;
  close(): Promise<void>;
}

/** API Gateway's payload limit for REST APIs. */
export const MAX_GATEWAY_BODY_BYTES = 10 * 1024 * 1024;

/** API Gateway's own error answers: the texts the deployed gateway responses carry, with API Gateway's error types. */
const GATEWAY_ERRORS = {
  unauthorized: { ...GATEWAY_ERROR_TEXTS.unauthorized, errorType: 'UnauthorizedException' },
  accessDenied: { ...GATEWAY_ERROR_TEXTS.accessDenied, errorType: 'AccessDeniedException' },
  notFound: { ...GATEWAY_ERROR_TEXTS.notFound, errorType: 'MissingAuthenticationTokenException' },
  tooLarge: { ...GATEWAY_ERROR_TEXTS.tooLarge, errorType: 'RequestTooLargeException' },
  throttled: { ...GATEWAY_ERROR_TEXTS.throttled, errorType: 'TooManyRequestsException' },
  timeout: { ...GATEWAY_ERROR_TEXTS.timeout, errorType: 'IntegrationTimeout' },
  internal: { ...GATEWAY_ERROR_TEXTS.internal, errorType: 'InternalServerErrorException' },
} as const;

type GatewayErrorKind = keyof typeof GATEWAY_ERRORS;

type Route =
  | { readonly kind: 'scim'; readonly matched: MatchedRoute }
  | { readonly kind: 'extra'; readonly matched: MatchedRoute; readonly handler: ProxyHandler }
  | { readonly kind: 'iam'; readonly matched: MatchedRoute; readonly handler: ProxyHandler };

/**
 * Emulates the deployed REST API on one machine: `/scim/v2` and `/scim/v2/{proxy+}` (any method) behind the
 * REQUEST authorizer on the Authorization header, extra proxy routes without it, and API Gateway's own error
 * answers as SCIM error bodies. Handlers receive the events Lambda would receive, serialised and parsed as JSON
 * like a real invocation, so nothing can depend on object identity or non-JSON values.
 */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServerHandle> {
  const scimHandler = options.scimHandler ?? (await defaultScimHandler(options.config));
  const authorizerHandler = options.authorizerHandler ?? (await defaultAuthorizerHandler(options.config));
  const cacheTtlMs = (options.authorizerCacheTtlSeconds ?? 30) * 1000;
  const timeoutMs = options.integrationTimeoutMs ?? 29_000;
  const stage = options.stage ?? 'local';
  const region = options.config.region ?? LOCAL_REGION;
  const log = options.log;
  const authorizerCache = new Map<string, { decision: AuthorizerDecision; expiresAt: number }>();
  const usagePlans = options.usagePlans ?? (() => 0);
  let site: EventSite | undefined;

  const route = (method: string, rawPath: string): Route | undefined => {
    if (rawPath === SCIM_BASE_PATH || rawPath === `${SCIM_BASE_PATH}/`) {
      return { kind: 'scim', matched: { resource: SCIM_BASE_PATH, pathParameters: null } };
    }
    if (rawPath.startsWith(`${SCIM_BASE_PATH}/`)) {
      // A base URL entered with a trailing slash gives `/scim/v2//Users`; the proxy parameter then starts with `/`
      // and the handler normalises it.
      const proxy = decodePath(rawPath.slice(SCIM_BASE_PATH.length + 1));
      return { kind: 'scim', matched: { resource: `${SCIM_BASE_PATH}/{proxy+}`, pathParameters: { proxy } } };
    }
    const path = decodePath(rawPath);
    const iam = options.iamRoutes?.find((candidate) => path.startsWith(`${candidate.pathPrefix}/`));
    if (iam) {
      const proxy = path.slice(iam.pathPrefix.length + 1);
      return {
        kind: 'iam',
        matched: { resource: `${iam.pathPrefix}/{proxy+}`, pathParameters: { proxy } },
        handler: iam.handler,
      };
    }
    const extra = options.extraRoutes?.find(
      (candidate) =>
        (candidate.path === path || `${candidate.path}/` === path) &&
        (candidate.method === 'ANY' || candidate.method.toUpperCase() === method),
    );
    return extra
      ? { kind: 'extra', matched: { resource: extra.path, pathParameters: null }, handler: extra.handler }
      : undefined;
  };

  const authorize = async (
    event: APIGatewayRequestAuthorizerEvent,
    identity: string,
  ): Promise<AuthorizerDecision | GatewayErrorKind> => {
    const cached = authorizerCache.get(identity);
    if (cached && cached.expiresAt > Date.now()) return cached.decision;
    let decision: AuthorizerDecision;
    try {
      decision = toDecision(await authorizerHandler(roundTrip(event)));
    } catch (error) {
      // Only this exact message means "401" to API Gateway; any other failure is an authorizer error (500).
      if (error instanceof Error && error.message === 'Unauthorized') return 'unauthorized';
      log?.(`authorizer failed: ${describeError(error)}`);
      return 'internal';
    }
    if (cacheTtlMs > 0) authorizerCache.set(identity, { decision, expiresAt: Date.now() + cacheTtlMs });
    return decision;
  };

  const invoke = async (
    handler: ProxyHandler,
    event: APIGatewayProxyEvent,
  ): Promise<APIGatewayProxyResult | GatewayErrorKind> => {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolveTimeout) => {
      timer = setTimeout(() => resolveTimeout('timeout'), timeoutMs);
    });
    try {
      // Named after the route, so Powertools logs show which function a line came from.
      const functionName = `local${event.resource.replace(/[^A-Za-z0-9]+/g, '-').replace(/-$/, '')}`;
      const context = lambdaContext(functionName, region, timeoutMs);
      const result = await Promise.race([handler(roundTrip(event), context), timedOut]);
      if (result === 'timeout') return 'timeout';
      const checked = checkProxyResult(roundTrip(result));
      if (typeof checked === 'string') {
        log?.(`handler returned a malformed proxy result: ${checked}`);
        return 'internal';
      }
      return checked;
    } catch (error) {
      log?.(`handler threw: ${describeError(error)}`);
      return 'internal';
    } finally {
      clearTimeout(timer);
    }
  };

  const handleRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const startedAt = new Date();
    const requestId = randomUUID();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = req.url ?? '/';
    const queryStart = url.indexOf('?');
    const rawPath = queryStart < 0 ? url : url.slice(0, queryStart);
    const rawQuery = queryStart < 0 ? '' : url.slice(queryStart + 1);
    const send = (result: APIGatewayProxyResult) => {
      writeResult(res, result, requestId);
      log?.(`${method} ${rawPath} ${result.statusCode} ${Date.now() - startedAt.getTime()}ms`);
    };

    const matched = route(method, rawPath);
    if (!matched) {
      await drain(req);
      return send(gatewayError('notFound'));
    }
    const body = await readBody(req, MAX_GATEWAY_BODY_BYTES);
    if (body === undefined) return send(gatewayError('tooLarge'));

    const request: IncomingRequest = {
      method,
      rawPath,
      rawQuery,
      rawHeaders: req.rawHeaders,
      body,
      sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      protocol: `HTTP/${req.httpVersion}`,
    };
    const parts = { request, route: matched.matched, site: site!, requestId, startedAt };

    if (matched.kind === 'extra') {
      const result = await invoke(matched.handler, buildProxyEvent(parts, null));
      return send(typeof result === 'string' ? gatewayError(result) : result);
    }

    if (matched.kind === 'iam') {
      const headers = Object.fromEntries(
        Object.entries(parseHeaders(request.rawHeaders).single).map(([name, value]) => [name.toLowerCase(), value]),
      );
      const verdict = await verifyLocalSignature({ method, url, headers, body }, region);
      if (!verdict.ok) return send(iamError(verdict.errorType, verdict.detail));
      const event = buildProxyEvent(parts, null);
      event.requestContext.identity = {
        ...event.requestContext.identity,
        accessKey: verdict.accessKey,
        accountId: verdict.userArn.split(':')[4] ?? null,
        caller: verdict.userArn,
        user: verdict.userArn,
        userArn: verdict.userArn,
      };
      const result = await invoke(matched.handler, event);
      return send(typeof result === 'string' ? gatewayError(result) : result);
    }

    // Identity source: the Authorization header. Without it API Gateway answers 401 and never calls the authorizer.
    const identity = headerValue(parseHeaders(request.rawHeaders).single, 'authorization');
    if (!identity) return send(gatewayError('unauthorized'));
    const authorizerEvent = buildAuthorizerEvent(parts);
    const authorizerStartedAt = Date.now();
    const decision = await authorize(authorizerEvent, identity);
    if (typeof decision === 'string') return send(gatewayError(decision));
    if (!isAllowed(decision.policy, authorizerEvent.methodArn)) return send(gatewayError('accessDenied'));
    const retryAfter = decision.usageIdentifierKey ? usagePlans(decision.usageIdentifierKey) : 0;
    if (retryAfter > 0) {
      const throttled = gatewayError('throttled');
      return send({ ...throttled, headers: { ...throttled.headers, 'Retry-After': String(retryAfter) } });
    }

    const authorizerContext = {
      ...decision.context,
      principalId: decision.principalId,
      integrationLatency: Date.now() - authorizerStartedAt,
    };
    const result = await invoke(scimHandler, buildProxyEvent(parts, authorizerContext));
    return send(typeof result === 'string' ? gatewayError(result) : result);
  };

  const server = createServer((req, res) => {
    handleRequest(req, res).catch((error: unknown) => {
      log?.(`local API failed: ${describeError(error)}`);
      if (!res.headersSent) writeResult(res, gatewayError('internal'), randomUUID());
      else res.destroy();
    });
  });
  const port = await listen(server, options.port, options.host ?? 'localhost', options.portEnvVar);
  site = { domainName: `localhost:${port}`, stage, region };
  const url = `http://localhost:${port}`;
  return {
    url,
    scimBaseUrl: `${url}${SCIM_BASE_PATH}`,
    port,
    close: () => closeServer(server),
  };
}

async function defaultScimHandler(config: LocalServiceConfig): Promise<ProxyHandler> {
  const { createScimHandler } = await import('../lambda/handlers/scim');
  return createScimHandler(config, localAdapters(config));
}

async function defaultAuthorizerHandler(config: LocalServiceConfig): Promise<RequestAuthorizerHandler> {
  const { createAuthorizerHandler } = await import('../lambda/handlers/authorizer');
  return createAuthorizerHandler(config, localAdapters(config));
}

function gatewayError(kind: GatewayErrorKind): APIGatewayProxyResult {
  const error = GATEWAY_ERRORS[kind];
  return {
    statusCode: error.status,
    headers: {
      'Content-Type': SCIM_CONTENT_TYPE,
      'x-amzn-ErrorType': error.errorType,
      ...('headers' in error ? error.headers : {}),
    },
    body: JSON.stringify(scimErrorBody(error.status, error.detail)),
  };
}

/** IAM refusals of the admin routes, as RFC 9457 problem details (API Gateway's error type in its header). */
function iamError(errorType: string, detail: string): APIGatewayProxyResult {
  return {
    statusCode: 403,
    headers: { 'Content-Type': PROBLEM_CONTENT_TYPE, 'x-amzn-ErrorType': errorType },
    body: JSON.stringify({ type: 'about:blank', title: 'Forbidden', status: 403, detail }),
  };
}

/** Lambda passes events and results as JSON; so does the emulation. */
function roundTrip<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** What API Gateway checks before it accepts a Lambda proxy result (otherwise: 502, shown as our 5xx body). */
function checkProxyResult(result: unknown): APIGatewayProxyResult | string {
  if (!result || typeof result !== 'object') return 'not an object';
  const candidate = result as Partial<APIGatewayProxyResult>;
  const status = candidate.statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
    return 'statusCode is not an HTTP status';
  }
  if (candidate.body !== undefined && candidate.body !== null && typeof candidate.body !== 'string') {
    return 'body is not a string';
  }
  return { ...candidate, statusCode: status, body: candidate.body ?? '' };
}

const STATUSES_WITHOUT_CONTENT: ReadonlySet<number> = new Set([204, 304]);

function writeResult(res: ServerResponse, result: APIGatewayProxyResult, requestId: string): void {
  const headers = new Map<string, { name: string; values: string[] }>();
  const put = (name: string, values: string[]) => headers.set(name.toLowerCase(), { name, values });
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) put(name, values.map(String));
  for (const [name, value] of Object.entries(result.headers ?? {})) put(name, [String(value)]);
  // API Gateway's default for a proxy response without one; a 204 or 304 has no content to describe (RFC 9110
  // §8.3), and the SCIM function sends none with them.
  if (!headers.has('content-type') && !STATUSES_WITHOUT_CONTENT.has(result.statusCode)) {
    put('Content-Type', ['application/json']);
  }
  put('x-amzn-RequestId', [requestId]);
  for (const { name, values } of headers.values()) res.setHeader(name, values.length === 1 ? values[0]! : values);
  res.statusCode = result.statusCode;
  const body = result.isBase64Encoded ? Buffer.from(result.body, 'base64') : Buffer.from(result.body ?? '', 'utf8');
  res.end(body);
}

/** Reads the whole body, or returns undefined once it exceeds `limit` (the rest is read and dropped). */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) {
    await drain(req);
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    // Keep reading past the limit so the client can finish sending and read our 413.
    if (size <= limit) chunks.push(buffer);
  }
  return size > limit ? undefined : Buffer.concat(chunks);
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _chunk of req) {
    // discard
  }
}

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

function listen(server: Server, port: number, host: string, portEnvVar?: string): Promise<number> {
  return new Promise((resolveListen, rejectListen) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      rejectListen(error.code === 'EADDRINUSE' ? new PortInUseError(port, portEnvVar, { cause: error }) : error);
    });
    server.listen({ port, host }, () => {
      const address = server.address();
      resolveListen(typeof address === 'object' && address ? address.port : port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolveClose, rejectClose) => {
    server.close((error) => (error ? rejectClose(error) : resolveClose()));
    // fetch keeps connections alive; without this close() would wait for them to time out.
    server.closeAllConnections();
  });
}
