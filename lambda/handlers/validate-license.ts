import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import * as z from 'zod';
import { createDynamoDbClient } from '../adapters/dynamodb-client';
import { DynamoLicenseRepository } from '../adapters/dynamodb-license-repository';
import { type Clock, systemClock } from '../domain/clock';
import type { SigningKeyProvider } from '../domain/license-keys';
import { type LicenseLookup, LicenseValidator } from '../domain/licenses';
import type { SecretReader } from '../domain/tokens';
import { configFromEnv, type ServiceConfig } from '../wiring/config';
import { licenseKeysFor } from '../wiring/licensing';

export type ValidateLicenseHandler = (event: APIGatewayProxyEvent, context?: Context) => Promise<APIGatewayProxyResult>;

export interface ValidateLicenseOverrides {
  readonly dynamo?: DynamoDBClient;
  readonly lookup?: LicenseLookup;
  readonly signingKeys?: SigningKeyProvider;
  /** Where the license signing key is read from. @default Secrets Manager */
  readonly secrets?: SecretReader;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /**
   * Every answer about a key leaves at a fixed deadline after the request arrived, so a malformed, unknown, revoked
   * or valid key cannot be told apart by timing (the first needs no read, the others one to three). A padding to a
   * minimum would not do: under load the reads alone pass the minimum and the difference shows again. Work that
   * overruns the deadline answers at the next multiple of it, so only the bucket shows, never the read count.
   * @default 150
   */
  readonly responseDeadlineMs?: number;
  /** @default setTimeout */
  readonly wait?: (ms: number) => Promise<void>;
}

/** Public answers: whether the key is good, its status and the organization's plan. Never who holds it. */
export type ValidateLicenseResponse =
  | { readonly valid: true; readonly status: 'active'; readonly plan: string | null }
  | { readonly valid: false };

const MAX_BODY_BYTES = 4096;
const requestSchema = z.object({ licenseKey: z.string() });

/**
 * `POST /licenses/validate` `{"licenseKey": "…"}` → 200 `{"valid": true, "status": "active", "plan": …}` or
 * `{"valid": false}` (revoked, unknown and malformed keys alike). A body that is not such a JSON object is a 400.
 */
export function createValidateLicenseHandler(
  config: ServiceConfig,
  overrides: ValidateLicenseOverrides = {},
): ValidateLicenseHandler {
  const logger = overrides.logger ?? new Logger({ serviceName: 'license-validation' });
  const clock = overrides.clock ?? systemClock;
  const deadlineMs = overrides.responseDeadlineMs ?? DEFAULT_RESPONSE_DEADLINE_MS;
  const wait = overrides.wait ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const lookup =
    overrides.lookup ??
    new DynamoLicenseRepository(
      overrides.dynamo ?? createDynamoDbClient({ region: config.region }),
      config.licensesTable,
    );
  const validator = new LicenseValidator(licenseKeysFor(config, overrides.signingKeys, overrides.secrets), lookup);

  return async (event) => {
    const startedAt = clock.now().getTime();
    const licenseKey = parseRequest(event);
    if (typeof licenseKey !== 'string') return licenseKey;

    let result: Awaited<ReturnType<LicenseValidator['validate']>>;
    try {
      result = await validator.validate(licenseKey);
    } catch (error) {
      logger.error('license validation failed', error instanceof Error ? error : new Error(String(error)));
      return json(500, { error: 'InternalError', message: 'The license could not be checked; retry later.' });
    }
    // The reason stays in the log (it helps support); the caller learns only valid or not.
    logger.info('license validation', { valid: result.valid, ...(result.valid ? {} : { reason: result.reason }) });
    const body: ValidateLicenseResponse = result.valid
      ? { valid: true, status: 'active', plan: result.plan ?? null }
      : { valid: false };

    const remaining = untilDeadline(clock.now().getTime() - startedAt, deadlineMs);
    if (remaining > 0) await wait(remaining);
    return json(200, body);
  };
}

/** Deployed reads take 5–30 ms and a cold signing-key read about 100 ms; 150 ms covers both with room for load. */
export const DEFAULT_RESPONSE_DEADLINE_MS = 150;

/** How long to wait so that an answer after `elapsedMs` of work leaves at the next multiple of `deadlineMs`. */
export function untilDeadline(elapsedMs: number, deadlineMs: number): number {
  if (deadlineMs <= 0) return 0;
  const buckets = Math.max(1, Math.ceil(elapsedMs / deadlineMs));
  return buckets * deadlineMs - elapsedMs;
}

/** The key, or the 400 response explaining what to send. */
function parseRequest(event: APIGatewayProxyEvent): string | APIGatewayProxyResult {
  const raw = event.body ?? '';
  const body = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(body) > MAX_BODY_BYTES) return badRequest('The request body is too large.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return badRequest('The request body must be JSON: {"licenseKey": "XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX"}.');
  }
  const request = requestSchema.safeParse(parsed);
  if (!request.success) {
    return badRequest('The request body must have a string "licenseKey": {"licenseKey": "XXXXX-XXXXX-…"}.');
  }
  return request.data.licenseKey;
}

function badRequest(message: string): APIGatewayProxyResult {
  return json(400, { error: 'BadRequest', message });
}

function json(statusCode: number, body: unknown): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
    body: JSON.stringify(body),
  };
}

let lambdaHandler: ValidateLicenseHandler | undefined;
const lambdaLogger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'license-validation' });

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(injectLambdaContext(lambdaLogger, { resetKeys: true }))
  .handler((event) => {
    lambdaHandler ??= createValidateLicenseHandler(configFromEnv(), { logger: lambdaLogger });
    return lambdaHandler(event);
  });
