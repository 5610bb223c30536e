import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { createActivityWriteTranslator, DynamoActivityLog, withActivityWrites } from '../adapters/dynamodb-activity';
import { createDynamoDbClient } from '../adapters/dynamodb-client';
import {
  createMembershipRemovalTranslator,
  DynamoGroupRepository,
  withMembershipRemovals,
} from '../adapters/dynamodb-group-repository';
import { DynamoMemberDirectory } from '../adapters/dynamodb-member-directory';
import { DynamoUserRepository, type LinkedWriteTranslator } from '../adapters/dynamodb-user-repository';
import { METRIC_NAMES, METRIC_SERVICES, scimMetricResource, statusClass } from '../contract/metrics';
import { ActivityPolicy, type ActivityRecorder } from '../domain/activity';
import { GroupService } from '../domain/groups';
import type { SecretReader } from '../domain/tokens';
import { UserService } from '../domain/users';
import { GroupsEndpoint } from '../scim/groups-endpoint';
import type { HttpRequest, HttpResponse } from '../scim/http';
import { createScimRouter, type ScimRouter } from '../scim/router';
import { UsersEndpoint } from '../scim/users-endpoint';
import {
  activityContextOf,
  currentActivityContext,
  groupActivityWrites,
  refusalRecord,
  runWithActivityContext,
} from '../wiring/activity';
import { configFromEnv, type ServiceConfig } from '../wiring/config';
import { createLicensing, createMembershipPlans } from '../wiring/licensing';
import { type Counter, powertoolsCounter } from '../wiring/metrics';
import { bodyText, lowerCaseHeaders } from './proxy-event';

export type ProxyHandler = (event: APIGatewayProxyEvent, context?: Context) => Promise<APIGatewayProxyResult>;

export interface ScimHandlerOverrides {
  /** A client to use instead of one built from the config (the benchmark counts its requests). */
  readonly dynamo?: DynamoDBClient;
  /** Where the license signing key is read from. @default Secrets Manager */
  readonly secrets?: SecretReader;
  readonly logger?: Logger;
  /** Counts requests by resource and status class. @default CloudWatch metrics on Lambda, none locally */
  readonly counter?: Counter;
  /** How activity records join a change's transaction (a test injects one that fails). @default a conditional Put */
  readonly activityWrites?: LinkedWriteTranslator;
}

/** Wires the SCIM API once per configuration: adapters, use cases, router. */
export function createScimHandler(config: ServiceConfig, overrides: ScimHandlerOverrides = {}): ProxyHandler {
  const logger = overrides.logger ?? new Logger({ serviceName: 'scim' });
  const dynamo = overrides.dynamo ?? createDynamoDbClient({ region: config.region });
  const membership = createMembershipPlans(config, dynamo);
  const activityWrites =
    overrides.activityWrites ??
    createActivityWriteTranslator({ tableName: config.licensesTable, retentionDays: config.activityRetentionDays });
  // A group change and its activity record commit together, as a user change and its record do.
  const groups = new GroupService(
    new DynamoGroupRepository(
      dynamo,
      config.groupsTable,
      config.usersTable,
      membership?.translate,
      groupActivityWrites(withActivityWrites(activityWrites)),
    ),
    new DynamoMemberDirectory(dynamo, config.usersTable),
    membership ? { membership: membership.policy } : {},
  );
  const activityLog = new DynamoActivityLog(dynamo, config.licensesTable, {
    retentionDays: config.activityRetentionDays,
  });
  // License writes and the activity record commit in the user's transaction; without a signing key configured, users
  // change without licenses, still with their record.
  // A user's delete leaves its groups in its own transaction; a user in more groups than one transaction holds
  // leaves them after the delete commits.
  const membershipRemovals = createMembershipRemovalTranslator({ tableName: config.groupsTable });
  const licensing = createLicensing(config, dynamo, {
    secrets: overrides.secrets,
    activityWrites,
    membershipRemovals,
  });
  const users = new UserService(
    licensing?.userRepository(config.usersTable) ??
      new DynamoUserRepository(
        dynamo,
        config.usersTable,
        withMembershipRemovals(membershipRemovals, withActivityWrites(activityWrites)),
      ),
    {
      policy: new ActivityPolicy(licensing?.policy, { context: currentActivityContext }),
      removalsOnDelete: (orgId, userId) => groups.removalsOnUserDelete(orgId, userId),
      onDeleted: (orgId, userId) => groups.removeUserFromAllGroups(orgId, userId),
    },
  );
  const usersEndpoint = new UsersEndpoint(users, async (orgId, userId) =>
    (await groups.groupsOfUser(orgId, userId)).map((group) => ({ value: group.id, display: group.displayName })),
  );
  const router = createScimRouter({
    endpoints: { Users: usersEndpoint, Groups: new GroupsEndpoint(groups) },
    log: logger,
  });
  const counter = overrides.counter ?? powertoolsCounter(METRIC_SERVICES.scim);
  return (event) => handle(router, logger, counter, activityLog, event);
}

async function handle(
  router: ScimRouter,
  logger: Logger,
  counter: Counter,
  activity: ActivityRecorder,
  event: APIGatewayProxyEvent,
): Promise<APIGatewayProxyResult> {
  const request = toHttpRequest(event);
  logger.appendKeys({ orgId: request.orgId, requestId: request.requestId });
  const response = await runWithActivityContext(activityContextOf(request), () => router(request));
  await recordRefusal(activity, logger, request, response);
  logger.info('scim request', {
    method: request.method,
    resource: request.path.split('/')[1],
    status: response.status,
  });
  counter.count(METRIC_NAMES.scimRequests, {
    resource: scimMetricResource(request.path),
    statusClass: statusClass(response.status),
  });
  return { statusCode: response.status, headers: response.headers, body: response.body };
}

/**
 * A refused change changed nothing, so its record has no transaction to join: it is written after the response is
 * computed, and a failure to write it is logged, never answered.
 */
async function recordRefusal(
  activity: ActivityRecorder,
  logger: Logger,
  request: HttpRequest,
  response: HttpResponse,
): Promise<void> {
  try {
    const record = refusalRecord(request, response, new Date());
    if (record) await activity.record(record);
  } catch (error) {
    logger.warn('activity record of a refused request not written', {
      reason: error instanceof Error ? error.message : String(error),
    });
  }
}

/** Maps an API Gateway proxy event to the protocol layer's request. */
export function toHttpRequest(event: APIGatewayProxyEvent): HttpRequest {
  const headers = lowerCaseHeaders(event);
  const body = bodyText(event);
  const orgId = event.requestContext.authorizer?.orgId;
  if (typeof orgId !== 'string' || orgId === '') {
    // The authorizer always sets it; without it nothing may be scoped, so refuse rather than guess.
    throw new Error('request reached the SCIM handler without an organization from the authorizer');
  }
  return {
    method: event.httpMethod,
    path: `/${event.pathParameters?.proxy ?? ''}`,
    query: { ...(event.queryStringParameters ?? {}) },
    headers,
    body,
    baseUrl: baseUrl(event, headers),
    orgId,
    requestId: event.requestContext.requestId,
  };
}

/** `https://<host>[/<stage>]/scim/v2`, as the client addressed us (custom domains and stage prefixes included). */
function baseUrl(event: APIGatewayProxyEvent, headers: Record<string, string>): string {
  const protocol = headers['x-forwarded-proto']?.split(',')[0]?.trim() || 'https';
  const host = event.requestContext.domainName ?? headers.host ?? 'localhost';
  const fullPath = event.requestContext.path ?? event.path;
  const at = fullPath.toLowerCase().indexOf('/scim/v2');
  const basePath = at >= 0 ? fullPath.slice(0, at + '/scim/v2'.length) : '/scim/v2';
  return `${protocol}://${host}${basePath}`;
}

let lambdaHandler: ProxyHandler | undefined;
const lambdaLogger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'scim' });

/** The Lambda entry point: wired on the first invocation of a container, reused afterwards. */
export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(injectLambdaContext(lambdaLogger, { resetKeys: true }))
  .handler((event) => {
    lambdaHandler ??= createScimHandler(configFromEnv(), { logger: lambdaLogger });
    return lambdaHandler(event);
  });
