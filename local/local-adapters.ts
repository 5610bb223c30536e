import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { createDynamoDbClient } from '../lambda/adapters/dynamodb-client';
import { createSesClient } from '../lambda/adapters/ses-mailer';
import type { SecretReader } from '../lambda/domain/tokens';
import type { ServiceConfig } from '../lambda/wiring/config';
import { noCounter } from '../lambda/wiring/metrics';
import { LOCAL_CREDENTIALS } from './dynamodb-local';
import { FileSecretReader } from './file-secret-reader';

/**
 * Where a local stack's (or a test's) handlers find their dependencies: DynamoDB Local, secrets as JSON files, the
 * SES emulator. The deployed handlers never see these: they are passed to the handler factories as overrides, so the
 * Lambda bundles hold no local code.
 */
/** DynamoDB Local may pause for seconds under load; a frozen one still answers 503 within about 15 s. */
export const LOCAL_DYNAMODB_REQUEST_TIMEOUT_MS = 5_000;

export interface LocalEndpoints {
  /** Folder of JSON files standing in for Secrets Manager secrets (see local-secrets.ts). */
  readonly localSecretsDir: string;
  /** DynamoDB Local, such as `http://127.0.0.1:8000`. */
  readonly dynamoEndpoint: string;
  /** aws-ses-v2-local, such as `http://127.0.0.1:8005`. @default no mail */
  readonly sesEndpoint?: string;
}

/** The handlers' configuration plus where the local dependencies listen. */
export type LocalServiceConfig = ServiceConfig & LocalEndpoints;

export interface LocalAdapters {
  readonly dynamo: DynamoDBClient;
  readonly secrets: SecretReader;
  readonly ses?: SESv2Client;
  /** No CloudWatch metrics on a developer machine. */
  readonly counter: typeof noCounter;
}

/** The overrides every handler factory accepts, built from the local endpoints. */
export function localAdapters(config: LocalServiceConfig): LocalAdapters {
  return {
    dynamo: createDynamoDbClient({
      endpoint: config.dynamoEndpoint,
      region: config.region,
      requestTimeoutMs: LOCAL_DYNAMODB_REQUEST_TIMEOUT_MS,
      // DynamoDB Local ignores credentials, but the SDK will not sign without some: a developer needs no AWS profile.
      credentials: LOCAL_CREDENTIALS,
    }),
    secrets: new FileSecretReader(config.localSecretsDir),
    ses: config.sesEndpoint ? createSesClient({ endpoint: config.sesEndpoint, region: config.region }) : undefined,
    counter: noCounter,
  };
}
