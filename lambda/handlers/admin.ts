import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { problemResponse } from '../admin/problem';
import { type AdminRouter, createAdminRouter } from '../admin/router';
import { decodeEnvironment } from '../contract/environment';
import { ADMIN_BASE_PATH, SCIM_BASE_PATH } from '../contract/routes';
import { type AdminConfig, type AdminOverrides, createAdminServices } from '../wiring/admin';
import { configFromEnv } from '../wiring/config';
import { bodyText, lowerCaseHeaders } from './proxy-event';

export type ProxyHandler = (event: APIGatewayProxyEvent, context?: Context) => Promise<APIGatewayProxyResult>;

export interface AdminHandlerOverrides extends AdminOverrides {
  readonly logger?: Logger;
}

/**
 * The admin API (`/admin/*`): API Gateway has verified the caller's SigV4 signature and its `execute-api:Invoke`
 * permission before this runs (AWS_IAM authorization); the caller's ARN arrives in the request context.
 */
export function createAdminHandler(config: AdminConfig, overrides: AdminHandlerOverrides = {}): ProxyHandler {
  const logger = overrides.logger ?? new Logger({ serviceName: 'admin' });
  let router: Promise<AdminRouter> | undefined;
  const routerOnce = () => {
    router ??= createAdminServices(
      config,
      {
        warn: (message, extra) => logger.warn(message, extra ?? {}),
        error: (message, error) => logger.error(message, error),
      },
      overrides,
    ).then(createAdminRouter);
    // A failed start (Secrets Manager unreachable) is retried by the next request instead of being remembered.
    router.catch(() => {
      router = undefined;
    });
    return router;
  };

  return async (event) => {
    const identity = event.requestContext.identity;
    const caller = identity?.userArn ?? identity?.caller ?? undefined;
    const path = adminPath(event);
    if (!caller || path === undefined) {
      // Only IAM-authorized /admin routes may reach this function; anything else is a deployment mistake.
      logger.error('admin request without an IAM caller or outside /admin', { resource: event.resource });
      return toResult(
        problemResponse(403, 'The admin API needs a SigV4-signed request from an allowed IAM principal.'),
      );
    }
    logger.appendKeys({ caller, requestId: event.requestContext.requestId });
    const headers = lowerCaseHeaders(event);
    const body = bodyText(event);
    const serverUrl = serverUrlOf(event, headers);
    const response = await (await routerOnce())({
      method: event.httpMethod,
      path,
      query: { ...(event.queryStringParameters ?? {}) },
      headers,
      body,
      caller,
      scimBaseUrl: `${serverUrl}${SCIM_BASE_PATH}`,
      serverUrl,
    });
    logger.info('admin request', { method: event.httpMethod, path: event.resource, status: response.status });
    return toResult(response);
  };
}

function toResult(response: { status: number; headers: Record<string, string>; body: string }): APIGatewayProxyResult {
  return { statusCode: response.status, headers: response.headers, body: response.body };
}

/** The path below `/admin`, from the `{proxy+}` parameter; undefined for anything else. */
function adminPath(event: APIGatewayProxyEvent): string | undefined {
  if (!event.resource.startsWith(ADMIN_BASE_PATH)) return undefined;
  const proxy = event.pathParameters?.proxy;
  return proxy === undefined ? undefined : `/${proxy.replace(/^\/+/, '')}`;
}

/** `https://<host>[/<stage>]`, as the caller addressed the API (custom domains and stage prefixes included). */
function serverUrlOf(event: APIGatewayProxyEvent, headers: Record<string, string>): string {
  const protocol = headers['x-forwarded-proto']?.split(',')[0]?.trim() || 'https';
  const host = event.requestContext.domainName ?? headers.host ?? 'localhost';
  const fullPath = event.requestContext.path ?? event.path;
  const at = fullPath.indexOf(ADMIN_BASE_PATH);
  return `${protocol}://${host}${at > 0 ? fullPath.slice(0, at) : ''}`;
}

export function adminConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AdminConfig {
  const settings = decodeEnvironment(env);
  return {
    ...configFromEnv(env),
    tokenRotationFunctionArn: settings.tokenRotationFunctionArn,
    tokenGraceHours: settings.tokenGraceHours,
    stackName: settings.stackName,
  };
}

let lambdaHandler: ProxyHandler | undefined;
const lambdaLogger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'admin' });

/** The Lambda entry point: wired on the first invocation of a container, reused afterwards. */
export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(injectLambdaContext(lambdaLogger, { resetKeys: true }))
  .handler((event) => {
    lambdaHandler ??= createAdminHandler(adminConfigFromEnv(), { logger: lambdaLogger });
    return lambdaHandler(event);
  });
