import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DependencyUnavailableError } from '../domain/errors';

/**
 * Time limits of one DynamoDB call, chosen so that its retries fit inside the SCIM function's 10 s timeout: at most
 * 3 attempts of 0.5 s to connect plus 1.5 s to answer, and the SDK's backoff between them, about 6.5 s in all. Without
 * them a frozen DynamoDB holds a request until API Gateway gives up (29 s, a 504 without a SCIM body).
 */
export const DYNAMODB_CONNECTION_TIMEOUT_MS = 500;
export const DYNAMODB_REQUEST_TIMEOUT_MS = 1500;
export const DYNAMODB_MAX_ATTEMPTS = 3;

/** Error names (and Node.js socket codes) that say DynamoDB is overloaded or out of reach, not that the input is bad. */
const UNAVAILABLE = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
]);

export interface DynamoDbClientOptions {
  readonly endpoint?: string;
  readonly region?: string;
  /**
   * Longest wait for one answer. DynamoDB Local on a busy developer machine or CI runner pauses for seconds at times
   * (JVM collections), so the local stack allows more than the deployed functions do.
   * @default DYNAMODB_REQUEST_TIMEOUT_MS
   */
  readonly requestTimeoutMs?: number;
  /** @default the SDK's credential chain (the function's role on Lambda) */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/**
 * The DynamoDB client of the Lambda handlers: bounded in time, and reporting throttling or an unreachable DynamoDB as
 * DependencyUnavailableError (answered 503 with Retry-After) once the SDK's own retries are spent.
 */
export function createDynamoDbClient(options: DynamoDbClientOptions = {}): DynamoDBClient {
  const client = new DynamoDBClient({
    endpoint: options.endpoint,
    region: options.region,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: DYNAMODB_MAX_ATTEMPTS,
    requestHandler: {
      connectionTimeout: DYNAMODB_CONNECTION_TIMEOUT_MS,
      requestTimeout: options.requestTimeoutMs ?? DYNAMODB_REQUEST_TIMEOUT_MS,
      // Without it the SDK only logs a warning when the timeout passes, and keeps waiting.
      throwOnRequestTimeout: true,
    },
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (isUnavailable(error)) {
          throw new DependencyUnavailableError('DynamoDB is throttling or out of reach', { cause: error });
        }
        throw error;
      }
    },
    { step: 'initialize', name: 'reportUnavailableDynamoDb' },
  );
  return client;
}

const SOCKET_ERROR = /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH)\b/;

function isUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 3) return false;
  const { name, code, message, cause, $metadata } = error as {
    name?: string;
    code?: string;
    message?: string;
    cause?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  return (
    (name !== undefined && UNAVAILABLE.has(name)) ||
    (code !== undefined && UNAVAILABLE.has(code)) ||
    $metadata?.httpStatusCode === 503 ||
    $metadata?.httpStatusCode === 500 ||
    // Errors from another realm (a test sandbox) reach us wrapped, with only the message to tell the cause.
    (typeof message === 'string' && SOCKET_ERROR.test(message)) ||
    isUnavailable(cause, depth + 1)
  );
}
