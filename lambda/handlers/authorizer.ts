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
import { type Clock, systemClock } from '../domain/clock';
import { CachedScimAccess, DEFAULT_ORG_SECRET_PREFIX, type ScimAccessReader } from '../domain/organizations';
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
   * The organization's throttle slot (its own usage-plan key).
   * @default the organization item in the licenses table when the config names it, else none
   */
  readonly throttleSlots?: ThrottleSlotReader;
  /** Whether an organization's SCIM is disabled. @default the organization item when the config names the licenses table */
  readonly scimAccess?: ScimAccessReader;
}

/** Reads which usage-plan key an organization has; undefined: none of its own. */
export interface ThrottleSlotReader {
  slotOf(orgId: string): Promise<ThrottleSlot | undefined>;
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
  const usageKeyOf = usageKeyResolver(config, overrides, logger);

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

  const scimEnabled = scimAccessCheck(config, overrides, logger);

  return async (event) => {
    const authorization = header(event, 'authorization');
    const result = await verify(authorization);
    if (!result.ok) {
      // The reason helps an operator; the token itself is never logged.
      logger.warn('SCIM API key refused', { reason: result.reason });
      counter.count(METRIC_NAMES.rejectedTokens, { reason: result.reason });
      throw new Error('Unauthorized');
    }
    if (!(await scimEnabled(result.orgId))) {
      logger.warn('SCIM API key refused', { reason: 'scim-disabled', orgId: result.orgId });
      counter.count(METRIC_NAMES.rejectedTokens, { reason: 'scim-disabled' });
      throw new Error('Unauthorized');
    }
    if (result.usedPreviousToken) {
      // The identity provider still sends the key a rotation replaced: the admin has not pasted the new one yet.
      logger.info('previous SCIM API key used during its grace period', { orgId: result.orgId });
      counter.count('PreviousTokenUses');
    }
    const usage = await usageKeyOf(result.orgId);
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

/** How long an organization's slot is reused; moving it to another tier takes effect within this plus the gateway's cache. */
const SLOT_CACHE_TTL_MS = 30_000;

function usageKeyResolver(
  config: AuthorizerConfig,
  overrides: AuthorizerOverrides,
  logger: Logger,
): (orgId: string) => Promise<{ key: string; tier: ThrottleTier }> {
  const prefix = config.usageKeyPrefix ?? LOCAL_USAGE_KEY_PREFIX;
  const reader =
    overrides.throttleSlots ??
    (config.licensesTable
      ? organizationSlots(overrides.dynamo ?? createDynamoDbClient({ region: config.region }), config.licensesTable)
      : { slotOf: async () => undefined });
  const clock = overrides.clock ?? systemClock;
  // Only organizations whose key was just verified get here, so the cache is bounded by the real organizations.
  const cache = new Map<string, { slot: ThrottleSlot | undefined; readAt: number }>();
  return async (orgId) => {
    const now = clock.now().getTime();
    let cached = cache.get(orgId);
    if (!cached || now - cached.readAt >= SLOT_CACHE_TTL_MS) {
      try {
        cached = { slot: await reader.slotOf(orgId), readAt: now };
        cache.set(orgId, cached);
      } catch (error) {
        // Throttling must not turn a table hiccup into refused SCIM requests: keep the last answer, or share.
        logger.warn('throttle slot of the organization could not be read', {
          orgId,
          error: error instanceof Error ? error.name : 'unknown',
        });
      }
    }
    const slot = cached?.slot;
    if (slot) return { key: usageKeys.ofSlot(prefix, slot), tier: slot.tier };
    return {
      key: orgId === config.defaultOrgId ? usageKeys.ofDefaultOrganization(prefix) : usageKeys.unassigned(prefix),
      tier: DEFAULT_THROTTLE_TIER,
    };
  };
}

/**
 * Whether the organization's SCIM is enabled (the admin API can disable it). Without the licenses table every
 * organization is. A failed read lets the request through, like the throttle slot: a table hiccup must not refuse
 * provisioning, and the key itself was verified.
 */
function scimAccessCheck(
  config: AuthorizerConfig,
  overrides: AuthorizerOverrides,
  logger: Logger,
): (orgId: string) => Promise<boolean> {
  const cacheTtlMs = overrides.cacheTtlMs ?? DEFAULT_SECRET_CACHE_TTL_MS;
  const source =
    overrides.scimAccess ??
    (config.licensesTable
      ? new DynamoOrganizationRepository(
          overrides.dynamo ?? createDynamoDbClient({ region: config.region }),
          config.licensesTable,
        )
      : undefined);
  if (!source) return async () => true;
  const access = new CachedScimAccess(source, cacheTtlMs, overrides.clock);
  return async (orgId) => {
    try {
      return await access.scimEnabled(orgId);
    } catch (error) {
      logger.warn('SCIM state of the organization could not be read', {
        orgId,
        error: error instanceof Error ? error.name : 'unknown',
      });
      return true;
    }
  };
}

function organizationSlots(dynamo: DynamoDBClient, licensesTable: string): ThrottleSlotReader {
  const repository = new DynamoOrganizationRepository(dynamo, licensesTable);
  return { slotOf: async (orgId) => (await repository.get(orgId))?.throttleSlot };
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
