import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  IDEMPOTENCY_LEASE_MS,
  IDEMPOTENCY_TTL_SECONDS,
  type IdempotencyClaim,
  type IdempotencyStore,
  type StoredAnswer,
} from '../domain/idempotency';
import { unlessConditionFails } from './dynamodb-operations';

/**
 * Idempotency records in the licenses table: `IDEMPOTENCY#<scoped key>` / `IDEMPOTENCY`, with the request's
 * fingerprint, a lease while the request runs, then the answer; `expiresAt` (the table's TTL attribute) removes it
 * after a day. TTL deletes lazily, so every condition also treats an expired record as absent.
 */
export class DynamoIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async claim(key: string, fingerprint: string, now: Date): Promise<IdempotencyClaim> {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: pk(key) },
            sk: { S: SK },
            fingerprint: { S: fingerprint },
            leaseUntil: { N: String(now.getTime() + IDEMPOTENCY_LEASE_MS) },
            expiresAt: { N: String(nowSeconds + IDEMPOTENCY_TTL_SECONDS) },
          },
          // Free, expired, or held by a request of the same fingerprint whose lease ran out (a crashed invocation).
          ConditionExpression:
            'attribute_not_exists(pk) OR expiresAt < :now OR ' +
            '(fingerprint = :fingerprint AND attribute_not_exists(answerStatus) AND leaseUntil < :nowMs)',
          ExpressionAttributeValues: {
            ':now': { N: String(nowSeconds) },
            ':nowMs': { N: String(now.getTime()) },
            ':fingerprint': { S: fingerprint },
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { state: 'claimed' };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException) || !error.Item) throw error;
      const held = unmarshall(error.Item);
      if (held.fingerprint !== fingerprint) return { state: 'mismatch' };
      if (typeof held.answerStatus === 'number' && typeof held.answerBody === 'string') {
        return { state: 'completed', answer: { status: held.answerStatus, body: held.answerBody } };
      }
      return { state: 'in-progress' };
    }
  }

  async complete(key: string, fingerprint: string, answer: StoredAnswer): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: pk(key) }, sk: { S: SK } },
        UpdateExpression: 'SET answerStatus = :status, answerBody = :body REMOVE leaseUntil',
        ConditionExpression: 'fingerprint = :fingerprint',
        ExpressionAttributeValues: {
          ':status': { N: String(answer.status) },
          ':body': { S: answer.body },
          ':fingerprint': { S: fingerprint },
        },
      }),
    );
  }

  async release(key: string, fingerprint: string): Promise<void> {
    await unlessConditionFails(
      this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: pk(key) }, sk: { S: SK } },
          ConditionExpression: 'fingerprint = :fingerprint AND attribute_not_exists(answerStatus)',
          ExpressionAttributeValues: { ':fingerprint': { S: fingerprint } },
        }),
      ),
    );
  }
}

const SK = 'IDEMPOTENCY';

function pk(key: string): string {
  return `IDEMPOTENCY#${key}`;
}
