import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { createDynamoDbClient } from '../adapters/dynamodb-client';
import { DynamoOrganizationRepository } from '../adapters/dynamodb-organization-repository';
import { SecretsManagerSecretReader } from '../adapters/secrets-manager-secret-reader';
import { DEFAULT_SECRET_CACHE_TTL_MS } from '../contract/deployment';
import { METRIC_NAMES, METRIC_SERVICES } from '../contract/metrics';
import {
  DEFAULT_THROTTLE_TIER,
  LOCAL_USAGE_KEY_PREFIX,
  type ThrottleSlot,
  type ThrottleTier,
  usageKeys,
} from '../contract/throttle-tiers';
import type { Clock } from '../domain/clock';
import {
  CachedOrganizationGate,
  DEFAULT_ORG_SECRET_PREFIX,
  type OrganizationGate,
  type OrganizationGateReader,
} from '../domain/organizations';
import { type SecretReader, TokenVerifier, type Verification } from '../domain/tokens';
import { type AuthorizerConfig, authorizerConfigFromEnv } from '../wiring/config';
import { type Counter, powertoolsCounter } from '../wiring/metrics';

/** How stale the secret may be when a presented token does not match it (see the refresher below). */
const REFRESH_TTL_MS = 5_000;

export type AuthorizerHandler = (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

export interface AuthorizerOverrides {
  readonly secrets?: SecretReader;
  readonly logger?: Logger;
  /** @default 30 seconds; with API Gateway's 30-second result cache a revoked key stops working within a minute */
  readonly cacheTtlMs?: number;
  /** Counts refused keys and uses of a previous key. @default CloudWatch metrics on Lambda, none locally */
  readonly counter?: Counter;
  /** Decides when a previous key's grace period is over (tests move it forward). @default the system clock */
  readonly clock?: Clock;
  /** Reads the organization items (the local stack passes DynamoDB Local). @default a client for the Lambda's region */
  readonly dynamo?: DynamoDBClient;
  /**
   * Whether an organization's SCIM is enabled and its throttle slot (its own usage-plan key), read together.
   * @default the organization item in the licenses table when the config names it, else enabled without a slot
   */
  readonly organizations?: OrganizationGateReader;
}

/**
 * The REQUEST authorizer: turns the Authorization header into the organization it belongs to. API Gateway answers
 * 401 (as a SCIM error, see the gateway responses) when this throws `Unauthorized`.
 */
export function createAuthorizerHandler(
  config: AuthorizerConfig,
  overrides: AuthorizerOverrides = {},
): AuthorizerHandler {
  const logger = overrides.logger ?? new Logger({ serviceName: 'scim-authorizer' });
  const secrets =
    overrides.secrets ?? new SecretsManagerSecretReader(new SecretsManagerClient({ region: config.region }));
  const orgSecretPrefix = config.orgSecretPrefix ?? DEFAULT_ORG_SECRET_PREFIX;
  const verifierOptions = {
    defaultOrgId: config.defaultOrgId,
    defaultSecretId: config.tokenSecretId,
    orgSecretId: (orgId: string) => `${orgSecretPrefix}${orgId}`,
    clock: overrides.clock,
  };
  const verifier = new TokenVerifier(secrets, { ...verifierOptions, cacheTtlMs: overrides.cacheTtlMs });
  // A token rotated moments ago is not in the cached secret yet. On a mismatch a second verifier, whose cache lives
  // 5 s, reads the secret again: a new token works at once, and wrong tokens cause at most one read per 5 s per secret.
  const refresher = new TokenVerifier(secrets, {
    ...verifierOptions,
    cacheTtlMs: Math.min(REFRESH_TTL_MS, overrides.cacheTtlMs ?? REFRESH_TTL_MS),
  });
  const counter = overrides.counter ?? powertoolsCounter(METRIC_SERVICES.authorizer);
  const gateOf = organizationGate(config, overrides, logger);

  const verify = async (authorization: string | undefined): Promise<Verification> => {
    try {
      const result = await verifier.verify(authorization);
      return !result.ok && result.reason === 'mismatch' ? await refresher.verify(authorization) : result;
    } catch (error) {
      // Lambda counts every refused key as a function error too (that is how API Gateway learns "401"), so the
      // failures an operator must act on (Secrets Manager unreachable, access denied) get their own metric.
      logger.error('SCIM API key could not be checked', error instanceof Error ? error : new Error(String(error)));
      counter.count(METRIC_NAMES.authorizerFailures);
      throw error;
    }
  };

  return async (event) => {
    const authorization = header(event, 'authorization');
    const result = await verify(authorization);
    if (!result.ok) {
      // The reason helps an operator; the token itself is never logged.
      logger.warn('SCIM API key refused', { reason: result.reason });
      counter.count(METRIC_NAMES.rejectedTokens, { reason: result.reason });
      throw new Error('Unauthorized');
    }
    const gate = await gateOf(result.orgId);
    if (!gate.scimEnabled) {
      logger.warn('SCIM API key refused', { reason: 'scim-disabled', orgId: result.orgId });
      counter.count(METRIC_NAMES.rejectedTokens, { reason: 'scim-disabled' });
      throw new Error('Unauthorized');
    }
    if (result.usedPreviousToken) {
      // The identity provider still sends the key a rotation replaced: the admin has not pasted the new one yet.
      logger.info('previous SCIM API key used during its grace period', { orgId: result.orgId });
      counter.count('PreviousTokenUses');
    }
    const usage = usageKeyOf(config, result.orgId, gate.throttleSlot);
    return {
      principalId: result.orgId,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: wholeApi(event.methodArn) }],
      },
      // The SCIM methods require an API key taken from here: the usage plan of its tier throttles the organization.
      usageIdentifierKey: usage.key,
      context: { orgId: result.orgId, throttleTier: usage.tier },
    };
  };
}

/**
 * The organization's gate, cached: one read of its item per organization and cache period serves both the SCIM state
 * and the throttle slot. Without the licenses table every organization is enabled and shares its tier's keys.
 */
function organizationGate(
  config: AuthorizerConfig,
  overrides: AuthorizerOverrides,
  logger: Logger,
): (orgId: string) => Promise<OrganizationGate> {
  const source =
    overrides.organizations ??
    (config.licensesTable
      ? new DynamoOrganizationRepository(
          overrides.dynamo ?? createDynamoDbClient({ region: config.region }),
          config.licensesTable,
        )
      : undefined);
  if (!source) return async () => ({ scimEnabled: true });
  const gates = new CachedOrganizationGate(source, overrides.cacheTtlMs ?? DEFAULT_SECRET_CACHE_TTL_MS, {
    clock: overrides.clock,
    onError: (orgId, error) =>
      logger.warn('organization item could not be read: SCIM stays enabled, throttled by the last slot read', {
        orgId,
        error: error instanceof Error ? error.name : 'unknown',
      }),
  });
  return (orgId) => gates.gateOf(orgId);
}

/** The usage-plan key of the organization's slot; without one, the default organization's own or the shared one. */
function usageKeyOf(
  config: AuthorizerConfig,
  orgId: string,
  slot: ThrottleSlot | undefined,
): { key: string; tier: ThrottleTier } {
  const prefix = config.usageKeyPrefix ?? LOCAL_USAGE_KEY_PREFIX;
  if (slot) return { key: usageKeys.ofSlot(prefix, slot), tier: slot.tier };
  return {
    key: orgId === config.defaultOrgId ? usageKeys.ofDefaultOrganization(prefix) : usageKeys.unassigned(prefix),
    tier: DEFAULT_THROTTLE_TIER,
  };
}

function header(event: APIGatewayRequestAuthorizerEvent, name: string): string | undefined {
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === name && value !== undefined) return value;
  }
  return undefined;
}

/**
 * API Gateway caches the policy per key for every route, so it must allow the whole stage, not just the method that
 * happened to be called first: `arn:…:<apiId>/<stage>/*`.
 */
function wholeApi(methodArn: string): string {
  const [arnPrefix, stage] = methodArn.split('/');
  return `${arnPrefix}/${stage}/*`;
}

let lambdaHandler: AuthorizerHandler | undefined;
const lambdaLogger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'scim-authorizer' });

export const handler = middy<APIGatewayRequestAuthorizerEvent, APIGatewayAuthorizerResult>()
  .use(injectLambdaContext(lambdaLogger, { resetKeys: true }))
  .handler((event) => {
    lambdaHandler ??= createAuthorizerHandler(authorizerConfigFromEnv(), { logger: lambdaLogger });
    return lambdaHandler(event);
  });
