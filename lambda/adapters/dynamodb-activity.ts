import {
  type AttributeValue,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { keyFits } from '../contract/keys';
import { IndexNames } from '../contract/tables';
import {
  type ActivityReader,
  type ActivityRecord,
  type ActivityRecorder,
  DEFAULT_ACTIVITY_RETENTION_DAYS,
  isActivityWrite,
  LICENSE_EFFECTS,
  type LicenseEffect,
} from '../domain/activity';
import { foldCase } from '../domain/case-fold';
import type { LinkedWrite } from '../domain/users';
import type { LinkedWriteTranslator } from './dynamodb-user-repository';

/**
 * Activity records in the licenses table (beside the licenses and the outbox they describe, so a change's record
 * joins its transaction without a new table):
 * - `<org>#ACTIVITY` / `<at>#<activityId>`: one partition per organization, sorted by time, so "what happened since"
 *   is one Query;
 * - `gsi2pk` `<org>#ACTIVITY#USER#<fold(userName)>` + `gsi2sk` (= sk) on the `lookup` index: one user's history, by the
 *   name an admin knows, in one Query. Left out when the key would exceed DynamoDB's limit (the record is still in
 *   the organization's partition).
 * - `expiresAt`: TTL after the retention period (90 days by default).
 *
 * The stream consumer of the mailer ignores these items (it takes outbox items only).
 */

export const ACTIVITY_KIND = 'activity';

export function activityPartition(orgId: string): string {
  return `${orgId}#ACTIVITY`;
}

export function activityUserPartition(orgId: string, userName: string): string {
  return `${orgId}#ACTIVITY#USER#${foldCase(userName)}`;
}

export function activitySortKey(record: Pick<ActivityRecord, 'at' | 'activityId'>): string {
  return `${record.at}#${record.activityId}`;
}

export function activityToItem(record: ActivityRecord, expiresAt: number): Record<string, unknown> {
  const userIndex =
    record.resourceType === 'User' && record.name !== undefined
      ? activityUserPartition(record.orgId, record.name)
      : undefined;
  const sk = activitySortKey(record);
  return {
    ...record,
    pk: activityPartition(record.orgId),
    sk,
    ...(userIndex !== undefined && keyFits(userIndex) ? { gsi2pk: userIndex, gsi2sk: sk } : {}),
    kind: ACTIVITY_KIND,
    expiresAt,
  };
}

const EFFECTS: ReadonlySet<string> = new Set(LICENSE_EFFECTS);

export function activityFromItem(item: Record<string, unknown>): ActivityRecord {
  const text = (name: string) => (typeof item[name] === 'string' ? { [name]: item[name] as string } : {});
  const number = (name: string) => (typeof item[name] === 'number' ? { [name]: item[name] as number } : {});
  const effects = Array.isArray(item.licenseEffects)
    ? (item.licenseEffects.filter((effect) => typeof effect === 'string' && EFFECTS.has(effect)) as LicenseEffect[])
    : [];
  return {
    orgId: String(item.orgId),
    activityId: String(item.activityId),
    at: String(item.at),
    operation: String(item.operation) as ActivityRecord['operation'],
    resourceType: item.resourceType === 'Group' ? 'Group' : 'User',
    result: item.result === 'refused' ? 'refused' : 'ok',
    licenseEffects: effects,
    ...text('method'),
    ...text('resourceId'),
    ...text('name'),
    ...text('client'),
    ...text('scimType'),
    ...text('detail'),
    ...text('licenseId'),
    ...number('status'),
    ...number('seatDelta'),
    ...number('membersAdded'),
    ...number('membersRemoved'),
    ...planSeatsRefusedOf(item.planSeatsRefused),
  };
}

function planSeatsRefusedOf(value: unknown): Pick<ActivityRecord, 'planSeatsRefused'> {
  if (!Array.isArray(value)) return {};
  const refusals = value.flatMap((entry) =>
    typeof entry?.userId === 'string' && typeof entry?.plan === 'string'
      ? [{ userId: entry.userId as string, plan: entry.plan as string }]
      : [],
  );
  return refusals.length > 0 ? { planSeatsRefused: refusals } : {};
}

export interface ActivityWriteOptions {
  readonly tableName: string;
  /** @default DEFAULT_ACTIVITY_RETENTION_DAYS */
  readonly retentionDays?: number;
}

export function activityExpiry(record: Pick<ActivityRecord, 'at'>, retentionDays: number): number {
  return Math.floor(Date.parse(record.at) / 1000) + Math.round(retentionDays * 24 * 3600);
}

/** The Put of a change's record: a new item (its key is unique), in the change's transaction. */
export function createActivityWriteTranslator(options: ActivityWriteOptions): LinkedWriteTranslator {
  const retention = options.retentionDays ?? DEFAULT_ACTIVITY_RETENTION_DAYS;
  return (write: LinkedWrite): TransactWriteItem[] => {
    if (!isActivityWrite(write)) throw new Error(`no translator for linked write ${write.kind}`);
    return [
      {
        Put: {
          TableName: options.tableName,
          Item: marshall(activityToItem(write.record, activityExpiry(write.record, retention)), {
            removeUndefinedValues: true,
          }),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ];
  };
}

/** Activity records through `activity`, every other linked write through `others` (the license writes). */
export function withActivityWrites(
  activity: LinkedWriteTranslator,
  others?: LinkedWriteTranslator,
): LinkedWriteTranslator {
  return (write) => {
    if (isActivityWrite(write)) return activity(write);
    if (others) return others(write);
    throw new Error(`no translator for linked write ${write.kind}`);
  };
}

/** Reads the log for the admin CLI and writes the records of refused requests. */
export class DynamoActivityLog implements ActivityReader, ActivityRecorder {
  private readonly retentionDays: number;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    options: { retentionDays?: number } = {},
  ) {
    this.retentionDays = options.retentionDays ?? DEFAULT_ACTIVITY_RETENTION_DAYS;
  }

  async record(record: ActivityRecord): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall(activityToItem(record, activityExpiry(record, this.retentionDays)), {
          removeUndefinedValues: true,
        }),
      }),
    );
  }

  since(orgId: string, since: Date): Promise<ActivityRecord[]> {
    return this.query({
      KeyConditionExpression: 'pk = :pk AND sk >= :since',
      ExpressionAttributeValues: { ':pk': { S: activityPartition(orgId) }, ':since': { S: since.toISOString() } },
      ConsistentRead: true,
    });
  }

  ofUser(orgId: string, userName: string, since: Date): Promise<ActivityRecord[]> {
    const partition = activityUserPartition(orgId, userName);
    if (!keyFits(partition)) return Promise.resolve([]);
    return this.query({
      IndexName: IndexNames.lookup,
      KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk >= :since',
      ExpressionAttributeValues: { ':pk': { S: partition }, ':since': { S: since.toISOString() } },
    });
  }

  private async query(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): Promise<ActivityRecord[]> {
    const records: ActivityRecord[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({ ...input, TableName: this.tableName, ...(start ? { ExclusiveStartKey: start } : {}) }),
      );
      for (const item of page.Items ?? []) records.push(activityFromItem(unmarshall(item)));
      start = page.LastEvaluatedKey;
    } while (start);
    return records;
  }
}
