import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { REDRIVE_ATTRIBUTE } from '../contract/outbox-stream-filter';
import { IndexNames } from '../contract/tables';
import type { ClaimResult, OutboxStore } from '../domain/license-mail';
import type { EmailIntent } from '../domain/licenses';
import type { OutboxRedriveStore, RedriveOutcome, UnsentEmail } from '../domain/outbox-redrive';
import { outboxItemKey, outboxPartition } from './dynamodb-license-writes';
import { unlessConditionFails } from './dynamodb-operations';

/**
 * The mailer's side of the outbox items (written by the license transaction, see dynamodb-license-writes.ts):
 * a send lease (`leaseUntil`, epoch ms), then `sentAt` + `messageId`, or `failedAt` + `failure`. Every change is a
 * conditional write, so two deliveries of the same stream record cannot both send. The claim also removes a redrive
 * mark (`redriveRequestedAt`, see DynamoOutboxRedriveStore), so none of the mailer's own writes matches the stream
 * filter's redrive pattern.
 */
export class DynamoOutboxStore implements OutboxStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async claim(intent: EmailIntent, now: Date, leaseUntil: Date): Promise<ClaimResult> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: outboxItemKey(intent.orgId, intent.eventId),
          UpdateExpression: `SET leaseUntil = :until, lastAttemptAt = :nowIso ADD attempts :one REMOVE ${REDRIVE_ATTRIBUTE}`,
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
          // A lease left behind (finished sends and failed ones remove it) means an attempt stopped mid-send.
          ReturnValues: 'UPDATED_OLD',
        }),
      );
      return Attributes?.leaseUntil ? 'reclaimed' : 'claimed';
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

  async markHeld(intent: EmailIntent, at: Date): Promise<void> {
    await this.finish(intent, 'SET heldAt = :at, heldReason = :detail REMOVE leaseUntil', at, 'email budget');
  }

  async release(intent: EmailIntent): Promise<void> {
    await unlessConditionFails(
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: outboxItemKey(intent.orgId, intent.eventId),
          UpdateExpression: 'REMOVE leaseUntil',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(sentAt)',
        }),
      ),
    );
  }

  private async finish(intent: EmailIntent, update: string, at: Date, detail: string): Promise<void> {
    // Already recorded (or expired): the outcome stands, there is nothing left to record.
    await unlessConditionFails(
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: outboxItemKey(intent.orgId, intent.eventId),
          UpdateExpression: update,
          ConditionExpression:
            'attribute_exists(pk) AND attribute_not_exists(sentAt) AND attribute_not_exists(failedAt)',
          ExpressionAttributeValues: { ':at': { S: at.toISOString() }, ':detail': { S: detail } },
        }),
      ),
    );
  }
}

/**
 * `mail redrive` on the outbox items: lists an organization's unsent items through the `byOrg` index (`gsi1pk`
 * `<org>#OUTBOX`) and marks each with `redriveRequestedAt`, conditionally: not sent, no live send lease, and not
 * failed unless failures are included (then `failedAt` and `failure` are cleared). The mark is a MODIFY record on the
 * stream that the mailer's filter passes; the mailer's claim decides who sends, as for any retry.
 */
export class DynamoOutboxRedriveStore implements OutboxRedriveStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async listUnsent(orgId: string): Promise<UnsentEmail[]> {
    const emails: UnsentEmail[] = [];
    let exclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: IndexNames.byOrg,
          KeyConditionExpression: 'gsi1pk = :partition',
          FilterExpression: 'attribute_not_exists(sentAt)',
          ProjectionExpression: 'orgId, eventId, #type, createdAt, failedAt',
          ExpressionAttributeNames: { '#type': 'type' },
          ExpressionAttributeValues: { ':partition': { S: outboxPartition(orgId) } },
          ExclusiveStartKey: exclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) {
        if (!item.eventId?.S || !item.orgId?.S) continue;
        emails.push({
          orgId: item.orgId.S,
          eventId: item.eventId.S,
          type: item.type?.S ?? '',
          createdAt: item.createdAt?.S ?? '',
          ...(item.failedAt?.S ? { failedAt: item.failedAt.S } : {}),
        });
      }
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return emails;
  }

  async requestRedrive(email: UnsentEmail, now: Date, includeFailed: boolean): Promise<RedriveOutcome> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: outboxItemKey(email.orgId, email.eventId),
          UpdateExpression: `SET ${REDRIVE_ATTRIBUTE} = :nowIso${includeFailed ? ' REMOVE failedAt, failure' : ''}`,
          ConditionExpression:
            'attribute_exists(pk) AND attribute_not_exists(sentAt) AND ' +
            `${includeFailed ? '' : 'attribute_not_exists(failedAt) AND '}` +
            '(attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
          ExpressionAttributeValues: { ':nowIso': { S: now.toISOString() }, ':now': { N: String(now.getTime()) } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'requested';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const item = error.Item;
      if (!item) return 'gone';
      if (item.sentAt) return 'sent';
      if (item.failedAt && !includeFailed) return 'failed';
      return 'in-progress';
    }
  }
}
