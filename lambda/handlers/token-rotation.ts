import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { SecretsManagerTokenStore } from '../adapters/secrets-manager-token-store';
import { decodeEnvironment } from '../contract/environment';
import type { Clock } from '../domain/clock';
import {
  DEFAULT_GRACE_HOURS,
  type RandomSource,
  type RotationResult,
  TokenRotation,
  type VersionedSecretStore,
} from '../domain/token-rotation';
import { type Counter, powertoolsCounter } from '../wiring/metrics';

export type TokenRotationHandler = (event: SecretsManagerRotationEvent) => Promise<void>;

export interface TokenRotationConfig {
  /** How long the replaced token keeps working after a rotation. */
  readonly graceHours: number;
  readonly region?: string;
}

/** `TOKEN_GRACE_HOURS` (set by the stack from the `tokenGraceHours` context), default 72. */
export function rotationConfigFromEnv(env: NodeJS.ProcessEnv = process.env): TokenRotationConfig {
  return { graceHours: decodeEnvironment(env).tokenGraceHours ?? DEFAULT_GRACE_HOURS, region: env.AWS_REGION };
}

export interface TokenRotationOverrides {
  readonly store?: VersionedSecretStore;
  readonly logger?: Logger;
  readonly counter?: Counter;
  readonly clock?: Clock;
  readonly random?: RandomSource;
}

/**
 * The Secrets Manager rotation Lambda of organization token secrets. Secrets Manager invokes it once per step with the
 * same version id (`ClientRequestToken`); each step is idempotent. Logs name the secret, version and organization,
 * never a token. Finished rotations and failed steps are counted.
 */
export function createTokenRotationHandler(
  config: TokenRotationConfig,
  overrides: TokenRotationOverrides = {},
): TokenRotationHandler {
  const logger = overrides.logger ?? new Logger({ serviceName: 'scim-token-rotation' });
  const counter = overrides.counter ?? powertoolsCounter('scim-token-rotation');
  const store = overrides.store ?? new SecretsManagerTokenStore(new SecretsManagerClient({ region: config.region }));
  const rotation = new TokenRotation(store, {
    graceMs: config.graceHours * 3_600_000,
    clock: overrides.clock,
    random: overrides.random,
  });
  const steps: Record<string, (secretId: string, versionId: string) => Promise<RotationResult>> = {
    createSecret: (secretId, versionId) => rotation.createSecret(secretId, versionId),
    setSecret: (secretId, versionId) => rotation.setSecret(secretId, versionId),
    testSecret: (secretId, versionId) => rotation.testSecret(secretId, versionId),
    finishSecret: (secretId, versionId) => rotation.finishSecret(secretId, versionId),
  };

  return async (event) => {
    const context = { step: event.Step, secretId: event.SecretId, versionId: event.ClientRequestToken };
    const step = Object.hasOwn(steps, event.Step) ? steps[event.Step] : undefined;
    if (!step) {
      logger.error('unknown rotation step', context);
      throw new Error(`unknown rotation step ${String(event.Step).slice(0, 40)}`);
    }
    let result: RotationResult;
    try {
      result = await step(event.SecretId, event.ClientRequestToken);
    } catch (error) {
      counter.count('TokenRotationFailures', { step: event.Step });
      logger.error('token rotation step failed', { ...context, error: error instanceof Error ? error : String(error) });
      throw error;
    }
    logger.appendKeys({ orgId: result.orgId });
    if (result.outcome === 'nothing-to-set') {
      logger.info('nothing to set: the identity provider gets the new API key only when an admin pastes it', context);
    } else {
      logger.info('token rotation step done', {
        ...context,
        outcome: result.outcome,
        ...(result.previousTokenExpiresAt ? { previousTokenExpiresAt: result.previousTokenExpiresAt } : {}),
        ...(event.Step === 'createSecret' ? { graceHours: config.graceHours } : {}),
      });
    }
    if (result.outcome === 'promoted') counter.count('TokenRotations');
  };
}

let lambdaHandler: TokenRotationHandler | undefined;
const lambdaLogger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'scim-token-rotation' });

export const handler = middy<SecretsManagerRotationEvent, void>()
  .use(injectLambdaContext(lambdaLogger, { resetKeys: true }))
  .handler((event) => {
    lambdaHandler ??= createTokenRotationHandler(rotationConfigFromEnv(), { logger: lambdaLogger });
    return lambdaHandler(event);
  });
