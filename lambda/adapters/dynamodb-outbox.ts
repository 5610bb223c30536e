import { ConditionalCheckFailedException, type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { ClaimResult, OutboxStore } from '../domain/license-mail';
import type { EmailIntent } from '../domain/licenses';
import { outboxItemKey } from './dynamodb-license-writes';

/**
 * The mailer's side of the outbox items (written by the license transaction, see dynamodb-license-writes.ts):
 * a send lease (`leaseUntil`, epoch ms), then `sentAt` + `messageId`, or `failedAt` + `failure`. Every change is a
 * conditional write, so two deliveries of the same stream record cannot both send.
 */
export class DynamoOutboxStore implements OutboxStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async claim(intent: EmailIntent, now: Date, leaseUntil: Date): Promise<ClaimResult> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: outboxItemKey(intent.orgId, intent.eventId),
          UpdateExpression: 'SET leaseUntil = :until, lastAttemptAt = :nowIso ADD attempts :one',
          ConditionExpression:
            'attribute_exists(pk) AND attribute_not_exists(sentAt) AND attribute_not_exists(failedAt) AND ' +
            '(attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
          ExpressionAttributeValues: {
            ':until': { N: String(leaseUntil.getTime()) },
            ':now': { N: String(now.getTime()) },
            ':nowIso': { S: now.toISOString() },
            ':one': { N: '1' },
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'claimed';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const item = error.Item;
      if (!item) return 'gone';
      if (item.sentAt || item.failedAt) return 'already-sent';
      return 'in-progress';
    }
  }

  async markSent(intent: EmailIntent, messageId: string, at: Date): Promise<void> {
    await this.finish(intent, 'SET sentAt = :at, messageId = :detail REMOVE leaseUntil', at, messageId);
  }

  async markFailed(intent: EmailIntent, reason: string, at: Date): Promise<void> {
    await this.finish(intent, 'SET failedAt = :at, failure = :detail REMOVE leaseUntil', at, reason.slice(0, 500));
  }

  async release(intent: EmailIntent): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: outboxItemKey(intent.orgId, intent.eventId),
          UpdateExpression: 'REMOVE leaseUntil',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(sentAt)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  private async finish(intent: EmailIntent, update: string, at: Date, detail: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: outboxItemKey(intent.orgId, intent.eventId),
          UpdateExpression: update,
          ConditionExpression:
            'attribute_exists(pk) AND attribute_not_exists(sentAt) AND attribute_not_exists(failedAt)',
          ExpressionAttributeValues: { ':at': { S: at.toISOString() }, ':detail': { S: detail } },
        }),
      );
    } catch (error) {
      // Already recorded (or expired): the outcome stands, there is nothing left to record.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
