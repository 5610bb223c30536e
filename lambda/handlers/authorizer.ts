import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { FileSecretReader } from '../adapters/file-secret-reader';
import { SecretsManagerSecretReader } from '../adapters/secrets-manager-secret-reader';
import { type SecretReader, TokenVerifier } from '../domain/tokens';
import { type AuthorizerConfig, authorizerConfigFromEnv } from './config';

export type AuthorizerHandler = (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

export interface AuthorizerOverrides {
  readonly secrets?: SecretReader;
  readonly logger?: Logger;
  /** @default 30 seconds; with API Gateway's 30-second result cache a revoked key stops working within a minute */
  readonly cacheTtlMs?: number;
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
    overrides.secrets ??
    (config.localSecretsDir
      ? new FileSecretReader(config.localSecretsDir)
      : new SecretsManagerSecretReader(new SecretsManagerClient({ region: config.region })));
  const verifier = new TokenVerifier(secrets, {
    defaultOrgId: config.defaultOrgId,
    defaultSecretId: config.tokenSecretId,
    cacheTtlMs: overrides.cacheTtlMs,
  });

  return async (event) => {
    const result = await verifier.verify(header(event, 'authorization'));
    if (!result.ok) {
      // The reason helps an operator; the token itself is never logged.
      logger.warn('SCIM API key refused', { reason: result.reason });
      throw new Error('Unauthorized');
    }
    return {
      principalId: result.orgId,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: wholeApi(event.methodArn) }],
      },
      context: { orgId: result.orgId },
    };
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
