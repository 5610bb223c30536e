import { createHash } from 'node:crypto';
import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  type BudgetDecision,
  type BudgetUsage,
  type EmailBudgetLimits,
  type EmailBudgetStore,
  type HeldEmail,
  windowStart,
} from '../domain/email-budget';
import type { EmailIntent } from '../domain/licenses';
import { unlessConditionFails } from './dynamodb-operations';

const BUDGET_SK = 'MAILBUDGET';
/** One partition lists every held email, so the sweep is one query; emails are held only under abuse. */
const HELD_PARTITION = 'MAILHELD';
/** Budget and held items outlive their window by this much, then TTL removes them. */
const KEEP_SECONDS = 7 * 24 * 3600;

/**
 * Email budgets in the licenses table (next to the outbox; the mailer's stream filter passes none of these items):
 * - per recipient `<org>#MAILBUDGET#<sha256(lower(address)), 32 hex>` / `MAILBUDGET`: `window` (start, epoch ms),
 *   `sent` in it, and the held email (`heldEventId`, `heldCreatedAt`). The address itself is not stored;
 * - per organization `<org>#MAILBUDGET` / `MAILBUDGET`: `window`, `sent`;
 * - held emails `MAILHELD` / `<org>#<hash>`: `orgId`, `eventId`, `dueAt` (the window's end), for the sweep.
 * Counting is one conditional UpdateItem per counter: a new window starts at 1, the current one counts up while below
 * the limit.
 */
export class DynamoEmailBudgetStore implements EmailBudgetStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async take(intent: EmailIntent, now: Date, limits: EmailBudgetLimits): Promise<BudgetDecision> {
    const window = windowStart(now, limits.windowMs);
    const hash = recipientHash(intent.recipient);
    const recipientKey = budgetKey(`${intent.orgId}#MAILBUDGET#${hash}`);
    const recipient = await this.count(recipientKey, window, limits.perRecipient, now);
    const granted =
      recipient !== undefined &&
      (await this.count(budgetKey(`${intent.orgId}#MAILBUDGET`), window, limits.perOrganization, now)) !== undefined;
    if (granted) {
      const heldCreatedAt = recipient.heldCreatedAt?.S;
      if (heldCreatedAt !== undefined && heldCreatedAt <= intent.createdAt) {
        await this.clearHeld(recipientKey, intent.orgId, hash, heldCreatedAt);
      }
      return 'granted';
    }
    await this.hold(recipientKey, intent, hash, window + limits.windowMs, now);
    return 'held';
  }

  async refund(intent: EmailIntent, now: Date, limits: EmailBudgetLimits): Promise<void> {
    const window = windowStart(now, limits.windowMs);
    const keys = [
      budgetKey(`${intent.orgId}#MAILBUDGET#${recipientHash(intent.recipient)}`),
      budgetKey(`${intent.orgId}#MAILBUDGET`),
    ];
    for (const key of keys) {
      // When the condition fails a new window began meanwhile: nothing of this one to give back.
      await unlessConditionFails(
        this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: 'ADD sent :minus',
            ConditionExpression: '#window = :window AND sent > :zero',
            ExpressionAttributeNames: { '#window': 'window' },
            ExpressionAttributeValues: { ':minus': { N: '-1' }, ':window': { N: String(window) }, ':zero': { N: '0' } },
          }),
        ),
      );
    }
  }

  async due(now: Date, limit: number): Promise<HeldEmail[]> {
    const due: HeldEmail[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          FilterExpression: 'dueAt <= :now',
          ExpressionAttributeValues: { ':pk': { S: HELD_PARTITION }, ':now': { N: String(now.getTime()) } },
          ProjectionExpression: 'orgId, eventId',
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        if (item.orgId?.S && item.eventId?.S) due.push({ orgId: item.orgId.S, eventId: item.eventId.S });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey && due.length < limit);
    return due.slice(0, limit);
  }

  async usage(orgId: string, now: Date, limits: EmailBudgetLimits): Promise<BudgetUsage> {
    const [counter, held] = await Promise.all([
      this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: budgetKey(`${orgId}#MAILBUDGET`), ConsistentRead: true }),
      ),
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :org)',
          ExpressionAttributeValues: { ':pk': { S: HELD_PARTITION }, ':org': { S: `${orgId}#` } },
          Select: 'COUNT',
        }),
      ),
    ]);
    const current = Number(counter.Item?.window?.N) === windowStart(now, limits.windowMs);
    return { limits, sentThisWindow: current ? Number(counter.Item?.sent?.N ?? 0) : 0, held: held.Count ?? 0 };
  }

  /** Counts one email in the window; undefined when its limit is reached. Answers the counter item as written. */
  private async count(
    key: Record<string, AttributeValue>,
    window: number,
    limit: number,
    now: Date,
  ): Promise<Record<string, AttributeValue> | undefined> {
    const expiresAt = { N: String(Math.floor(now.getTime() / 1000) + KEEP_SECONDS) };
    const attempts = [
      {
        UpdateExpression: 'SET #window = :window, sent = :one, expiresAt = :expires',
        ConditionExpression: 'attribute_not_exists(#window) OR #window < :window',
      },
      {
        UpdateExpression: 'SET expiresAt = :expires ADD sent :one',
        ConditionExpression: '#window = :window AND sent < :limit',
      },
    ];
    for (const attempt of attempts) {
      const result = await unlessConditionFails(
        this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: key,
            ...attempt,
            ExpressionAttributeNames: { '#window': 'window' },
            ExpressionAttributeValues: {
              ':window': { N: String(window) },
              ':one': { N: '1' },
              ':expires': expiresAt,
              ...(attempt.ConditionExpression.includes(':limit') ? { ':limit': { N: String(limit) } } : {}),
            },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      if (result) return result.Attributes ?? {};
    }
    return undefined;
  }

  /** Makes the intent the recipient's held email, unless a later one is held: coalescing keeps only the latest. */
  private async hold(
    recipientKey: Record<string, AttributeValue>,
    intent: EmailIntent,
    hash: string,
    dueAt: number,
    now: Date,
  ): Promise<void> {
    const held = await unlessConditionFails(
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: recipientKey,
          UpdateExpression: 'SET heldEventId = :event, heldCreatedAt = :created',
          ConditionExpression: 'attribute_not_exists(heldCreatedAt) OR heldCreatedAt <= :created',
          ExpressionAttributeValues: { ':event': { S: intent.eventId }, ':created': { S: intent.createdAt } },
        }),
      ),
    );
    if (!held) return;
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          pk: { S: HELD_PARTITION },
          sk: { S: `${intent.orgId}#${hash}` },
          orgId: { S: intent.orgId },
          eventId: { S: intent.eventId },
          dueAt: { N: String(dueAt) },
          expiresAt: { N: String(Math.floor(now.getTime() / 1000) + KEEP_SECONDS) },
        },
      }),
    );
  }

  private async clearHeld(
    recipientKey: Record<string, AttributeValue>,
    orgId: string,
    hash: string,
    heldCreatedAt: string,
  ): Promise<void> {
    const cleared = await unlessConditionFails(
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: recipientKey,
          UpdateExpression: 'REMOVE heldEventId, heldCreatedAt',
          ConditionExpression: 'heldCreatedAt = :seen',
          ExpressionAttributeValues: { ':seen': { S: heldCreatedAt } },
        }),
      ),
    );
    // A later email was held meanwhile: it stays held.
    if (!cleared) return;
    await this.client.send(
      new DeleteItemCommand({ TableName: this.tableName, Key: budgetKey(HELD_PARTITION, `${orgId}#${hash}`) }),
    );
  }
}

function recipientHash(address: string): string {
  return createHash('sha256').update(address.trim().toLowerCase()).digest('hex').slice(0, 32);
}

function budgetKey(pk: string, sk = BUDGET_SK): Record<string, AttributeValue> {
  return { pk: { S: pk }, sk: { S: sk } };
}
