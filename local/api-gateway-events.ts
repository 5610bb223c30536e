import { randomUUID } from 'node:crypto';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayEventIdentity,
  APIGatewayEventRequestContextWithAuthorizer,
  APIGatewayProxyEvent,
  APIGatewayRequestAuthorizerEvent,
  Context,
  Statement,
} from 'aws-lambda';

/**
 * Pure pieces of the API Gateway (REST API, Lambda proxy integration, REQUEST authorizer) emulation: turning an HTTP
 * request into the events Lambda receives and judging an authorizer's policy. Kept apart from the server so each
 * rule can be read next to the API Gateway behaviour it copies.
 */

/** Fixed identifiers of the emulated API; they only appear in ARNs and request contexts. */
export const LOCAL_ACCOUNT_ID = '123456789012';
export const LOCAL_API_ID = 'localapi';

export interface IncomingRequest {
  readonly method: string;
  /** Path as sent, still percent-encoded, without the query string. */
  readonly rawPath: string;
  /** Query string as sent, without the `?`. */
  readonly rawQuery: string;
  /** Node's `rawHeaders`: name/value pairs in the client's casing, duplicates kept. */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  readonly sourceIp: string;
  readonly protocol: string;
}

export interface MatchedRoute {
  /** API Gateway resource template, e.g. `/scim/v2/{proxy+}`. */
  readonly resource: string;
  readonly pathParameters: Record<string, string> | null;
}

export interface EventSite {
  /** `localhost:<port>`: what `requestContext.domainName` holds on API Gateway (the API's host name). */
  readonly domainName: string;
  readonly stage: string;
  readonly region: string;
}

/** API Gateway decodes `%XX` in paths and query values but leaves `+` alone; invalid escapes pass through. */
export function decodePercent(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * `queryStringParameters` keeps the last value of a repeated key, `multiValueQueryStringParameters` all of them;
 * both are null when there is no query, as on API Gateway.
 */
export function parseQuery(rawQuery: string): {
  single: Record<string, string> | null;
  multi: Record<string, string[]> | null;
} {
  const multi: Record<string, string[]> = {};
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const key = decodePercent(equals < 0 ? part : part.slice(0, equals));
    const value = equals < 0 ? '' : decodePercent(part.slice(equals + 1));
    const values = multi[key] ?? [];
    values.push(value);
    multi[key] = values;
  }
  const keys = Object.keys(multi);
  if (keys.length === 0) return { single: null, multi: null };
  const single: Record<string, string> = {};
  for (const key of keys) {
    const values = multi[key] ?? [];
    single[key] = values[values.length - 1] ?? '';
  }
  return { single, multi };
}

/** Same casing as the client sent, like API Gateway; the last of repeated headers wins in `headers`. */
export function parseHeaders(rawHeaders: readonly string[]): {
  single: Record<string, string>;
  multi: Record<string, string[]>;
} {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = rawHeaders[index]!;
    const value = rawHeaders[index + 1]!;
    single[name] = value;
    const values = multi[name] ?? [];
    values.push(value);
    multi[name] = values;
  }
  return { single, multi };
}

export function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** API Gateway sets the forwarding headers itself, overriding whatever the client sent. */
function withForwardingHeaders(
  headers: { single: Record<string, string>; multi: Record<string, string[]> },
  request: IncomingRequest,
  port: string,
): { single: Record<string, string>; multi: Record<string, string[]> } {
  const forwarded: Record<string, string> = {
    'X-Forwarded-For': request.sourceIp,
    'X-Forwarded-Port': port,
    'X-Forwarded-Proto': 'http',
  };
  const overridden = new Set(Object.keys(forwarded).map((name) => name.toLowerCase()));
  const single = Object.fromEntries(
    Object.entries(headers.single).filter(([name]) => !overridden.has(name.toLowerCase())),
  );
  const multi = Object.fromEntries(
    Object.entries(headers.multi).filter(([name]) => !overridden.has(name.toLowerCase())),
  );
  for (const [name, value] of Object.entries(forwarded)) {
    single[name] = value;
    multi[name] = [value];
  }
  return { single, multi };
}

export function methodArn(site: EventSite, method: string, path: string): string {
  return `arn:aws:execute-api:${site.region}:${LOCAL_ACCOUNT_ID}:${LOCAL_API_ID}/${site.stage}/${method}${path}`;
}

interface EventParts {
  readonly request: IncomingRequest;
  readonly route: MatchedRoute;
  readonly site: EventSite;
  readonly requestId: string;
  readonly startedAt: Date;
}

function requestContext<T>(
  parts: EventParts,
  path: string,
  authorizer: T,
): APIGatewayEventRequestContextWithAuthorizer<T> {
  const { request, route, site, requestId, startedAt } = parts;
  const headers = parseHeaders(request.rawHeaders).single;
  const identity: APIGatewayEventIdentity = {
    accessKey: null,
    accountId: null,
    apiKey: null,
    apiKeyId: null,
    caller: null,
    clientCert: null,
    cognitoAuthenticationProvider: null,
    cognitoAuthenticationType: null,
    cognitoIdentityId: null,
    cognitoIdentityPoolId: null,
    principalOrgId: null,
    sourceIp: request.sourceIp,
    user: null,
    userAgent: headerValue(headers, 'user-agent') ?? null,
    userArn: null,
  };
  return {
    accountId: LOCAL_ACCOUNT_ID,
    apiId: LOCAL_API_ID,
    authorizer,
    domainName: site.domainName,
    domainPrefix: site.domainName.split('.')[0]?.split(':')[0] ?? site.domainName,
    extendedRequestId: requestId,
    httpMethod: request.method,
    identity,
    // On API Gateway this is the path as the client sent it, stage prefix included; locally there is no stage prefix.
    path,
    protocol: request.protocol,
    requestId,
    requestTime: formatRequestTime(startedAt),
    requestTimeEpoch: startedAt.getTime(),
    resourceId: 'local',
    resourcePath: route.resource,
    stage: site.stage,
  };
}

export function buildAuthorizerEvent(parts: EventParts): APIGatewayRequestAuthorizerEvent {
  const { request, route, site } = parts;
  const path = decodePercent(request.rawPath);
  const query = parseQuery(request.rawQuery);
  const headers = withForwardingHeaders(parseHeaders(request.rawHeaders), request, portOf(site));
  return {
    type: 'REQUEST',
    methodArn: methodArn(site, request.method, path),
    resource: route.resource,
    path,
    httpMethod: request.method,
    headers: headers.single,
    multiValueHeaders: headers.multi,
    pathParameters: route.pathParameters,
    queryStringParameters: query.single,
    multiValueQueryStringParameters: query.multi,
    stageVariables: null,
    requestContext: requestContext(parts, path, undefined),
  };
}

export function buildProxyEvent(parts: EventParts, authorizer: Record<string, unknown> | null): APIGatewayProxyEvent {
  const { request, route, site } = parts;
  const path = decodePercent(request.rawPath);
  const query = parseQuery(request.rawQuery);
  const headers = withForwardingHeaders(parseHeaders(request.rawHeaders), request, portOf(site));
  return {
    body: request.body.length > 0 ? request.body.toString('utf8') : null,
    headers: headers.single,
    multiValueHeaders: headers.multi,
    httpMethod: request.method,
    isBase64Encoded: false,
    path,
    pathParameters: route.pathParameters,
    queryStringParameters: query.single,
    multiValueQueryStringParameters: query.multi,
    stageVariables: null,
    requestContext: requestContext(parts, path, authorizer),
    resource: route.resource,
  };
}

function portOf(site: EventSite): string {
  return site.domainName.split(':')[1] ?? '80';
}

/** `28/Nov/2025:21:48:00 +0000`, API Gateway's `requestTime` format. */
function formatRequestTime(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (value: number) => String(value).padStart(2, '0');
  return (
    `${two(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`
  );
}

/** The authorizer answered with something API Gateway would refuse (it then answers 500). */
export class AuthorizerConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthorizerConfigurationError';
  }
}

export interface AuthorizerDecision {
  readonly principalId: string;
  readonly policy: readonly Statement[];
  /** Context as the integration sees it: numbers and booleans turned into strings. */
  readonly context: Record<string, string | null>;
  /** The usage-plan API key the SCIM methods are metered and throttled by (API key source AUTHORIZER). */
  readonly usageIdentifierKey?: string;
}

/** Checks the authorizer's answer the way API Gateway does before using it. */
export function toDecision(result: APIGatewayAuthorizerResult): AuthorizerDecision {
  if (!result || typeof result !== 'object') throw new AuthorizerConfigurationError('authorizer returned no object');
  if (typeof result.principalId !== 'string' || result.principalId === '') {
    throw new AuthorizerConfigurationError('authorizer result has no principalId');
  }
  const statements = result.policyDocument?.Statement;
  if (!Array.isArray(statements)) throw new AuthorizerConfigurationError('authorizer result has no policy statements');
  const context: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(result.context ?? {})) {
    if (value === undefined) continue;
    if (value === null) context[key] = null;
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      context[key] = String(value);
    } else {
      // API Gateway rejects objects and arrays in the context with a 500.
      throw new AuthorizerConfigurationError(`authorizer context value "${key}" is not a string, number or boolean`);
    }
  }
  const usageIdentifierKey = result.usageIdentifierKey;
  return {
    principalId: result.principalId,
    policy: statements,
    context,
    ...(typeof usageIdentifierKey === 'string' && usageIdentifierKey !== '' ? { usageIdentifierKey } : {}),
  };
}

/** Explicit Deny wins; otherwise an Allow for `execute-api:Invoke` on a matching resource is needed. */
export function isAllowed(policy: readonly Statement[], arn: string): boolean {
  const matching = policy.filter((statement) => coversInvoke(statement) && coversResource(statement, arn));
  if (matching.some((statement) => statement.Effect === 'Deny')) return false;
  return matching.some((statement) => statement.Effect === 'Allow');
}

function asList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function coversInvoke(statement: Statement): boolean {
  if ('Action' in statement)
    return asList(statement.Action).some((action) => wildcardMatch(action, 'execute-api:Invoke'));
  if ('NotAction' in statement) {
    return !asList(statement.NotAction).some((action) => wildcardMatch(action, 'execute-api:Invoke'));
  }
  return false;
}

function coversResource(statement: Statement, arn: string): boolean {
  if ('Resource' in statement && statement.Resource !== undefined) {
    return asList(statement.Resource).some((pattern) => wildcardMatch(pattern, arn));
  }
  if ('NotResource' in statement && statement.NotResource !== undefined) {
    return !asList(statement.NotResource).some((pattern) => wildcardMatch(pattern, arn));
  }
  return false;
}

/** IAM wildcards: `*` any run of characters, `?` one character; case-sensitive like resource ARNs. */
export function wildcardMatch(pattern: string, value: string): boolean {
  const source = pattern
    .split('')
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\/]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 's').test(value);
}

/** A Lambda context good enough for handlers and Powertools; the remaining time follows the gateway's timeout. */
export function lambdaContext(functionName: string, region: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  const unsupported = () => {
    throw new Error('callback-style context methods are not supported by the local API');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}
