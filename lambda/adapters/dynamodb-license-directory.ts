import {
  type AttributeValue,
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  GetItemCommand,
  type KeysAndAttributes,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { IndexNames } from '../contract/tables';
import {
  type EmailStatus,
  InvalidCursorError,
  type LicenseDirectory,
  type LicensePage,
  type LicenseSummary,
} from '../domain/license-listing';
import type { LicenseRecord } from '../domain/licenses';
import { licenseFromItem, orgItemKey, outboxItemKey } from './dynamodb-license-writes';
import { userKey } from './dynamodb-user-repository';

/** BatchGetItem takes at most 100 keys: a page's users and outbox items must fit together. */
export const MAX_LICENSE_PAGE = 50;

/**
 * Lists an organization's licenses through the `byOrg` index (`<org>#LICENSE`, in issue order), then reads the page's
 * users (for userName) and outbox items (for the email's state) in one BatchGetItem, and the organization's plan.
 * A page costs one Query, one GetItem and one BatchGetItem whatever the organization's size.
 */
export class DynamoLicenseDirectory implements LicenseDirectory {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tables: { readonly usersTable: string; readonly licensesTable: string },
  ) {}

  async listLicenses(orgId: string, page: { limit: number; cursor?: string }): Promise<LicensePage> {
    const limit = Math.min(Math.max(1, Math.floor(page.limit)), MAX_LICENSE_PAGE);
    const partition = `${orgId}#LICENSE`;
    const startKey = page.cursor === undefined ? undefined : decodeCursor(page.cursor, orgId, partition);
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tables.licensesTable,
        IndexName: IndexNames.byOrg,
        KeyConditionExpression: 'gsi1pk = :partition',
        ExpressionAttributeValues: { ':partition': { S: partition } },
        Limit: limit,
        ExclusiveStartKey: startKey,
      }),
    );
    const licenses = (result.Items ?? []).map((item) => licenseFromItem(unmarshall(item)));
    const [plan, related] = await Promise.all([this.plan(orgId), this.related(orgId, licenses)]);
    return {
      licenses: licenses.map((license) => summary(license, plan, related)),
      ...(result.LastEvaluatedKey ? { nextCursor: encodeCursor(result.LastEvaluatedKey) } : {}),
    };
  }

  private async plan(orgId: string): Promise<string | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.tables.licensesTable,
        Key: orgItemKey(orgId),
        ProjectionExpression: '#plan',
        ExpressionAttributeNames: { '#plan': 'plan' },
      }),
    );
    return Item?.plan?.S;
  }

  /** The users' names and the emails' states, by user id and by outbox event id. */
  private async related(orgId: string, licenses: readonly LicenseRecord[]): Promise<Related> {
    const userNames = new Map<string, string>();
    const emails = new Map<string, { status: EmailStatus; at?: string }>();
    if (licenses.length === 0) return { userNames, emails };
    const userIds = [...new Set(licenses.map((license) => license.userId))];
    let requests: Record<string, KeysAndAttributes> | undefined = {
      [this.tables.usersTable]: {
        Keys: userIds.map((id) => userKey(orgId, id)),
        ProjectionExpression: 'id, userName',
      },
      [this.tables.licensesTable]: {
        Keys: licenses.map((license) => outboxItemKey(orgId, emailEventId(license))),
        ProjectionExpression: 'eventId, sentAt, failedAt',
      },
    };
    for (let attempt = 0; requests && Object.keys(requests).length > 0; attempt += 1) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
      if (attempt > 6) throw new Error('BatchGetItem left keys unprocessed after retries');
      const result: BatchGetItemCommandOutput = await this.client.send(
        new BatchGetItemCommand({ RequestItems: requests }),
      );
      for (const item of result.Responses?.[this.tables.usersTable] ?? []) {
        const user = unmarshall(item);
        if (typeof user.id === 'string' && typeof user.userName === 'string') userNames.set(user.id, user.userName);
      }
      for (const item of result.Responses?.[this.tables.licensesTable] ?? []) {
        const outbox = unmarshall(item);
        if (typeof outbox.eventId !== 'string') continue;
        emails.set(
          outbox.eventId,
          typeof outbox.sentAt === 'string'
            ? { status: 'sent', at: outbox.sentAt }
            : typeof outbox.failedAt === 'string'
              ? { status: 'failed', at: outbox.failedAt }
              : { status: 'pending' },
        );
      }
      requests = result.UnprocessedKeys;
    }
    return { userNames, emails };
  }
}

interface Related {
  readonly userNames: ReadonlyMap<string, string>;
  readonly emails: ReadonlyMap<string, { status: EmailStatus; at?: string }>;
}

/** The outbox event of the license's latest email (license.ts names them `<licenseId>.issued` / `.revoked`). */
function emailEventId(license: LicenseRecord): string {
  return `${license.licenseId}.${license.status === 'active' ? 'issued' : 'revoked'}`;
}

function summary(license: LicenseRecord, plan: string | undefined, related: Related): LicenseSummary {
  const userName = related.userNames.get(license.userId);
  const email = related.emails.get(emailEventId(license));
  return {
    licenseId: license.licenseId,
    userId: license.userId,
    ...(userName !== undefined ? { userName } : {}),
    status: license.status,
    ...((license.plan ?? plan) !== undefined ? { plan: license.plan ?? plan } : {}),
    ...(license.planSeatRefused !== undefined ? { planSeatRefused: license.planSeatRefused } : {}),
    keyHint: license.keyHint,
    issuedAt: license.issuedAt,
    ...(license.revokedAt !== undefined ? { revokedAt: license.revokedAt } : {}),
    ...(license.revocationReason !== undefined ? { revocationReason: license.revocationReason } : {}),
    ...(email ? { email } : {}),
  };
}

function encodeCursor(key: Record<string, AttributeValue>): string {
  return Buffer.from(JSON.stringify(unmarshall(key)), 'utf8').toString('base64url');
}

/** Only a key of this organization's license index: a cursor cannot reach another organization's items. */
function decodeCursor(cursor: string, orgId: string, partition: string): Record<string, AttributeValue> {
  const invalid = () => new InvalidCursorError('the cursor is not one this API issued for this organization');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (error) {
    throw new InvalidCursorError('the cursor is not one this API issued for this organization', { cause: error });
  }
  if (!value || typeof value !== 'object') throw invalid();
  const { pk, sk, gsi1pk, gsi1sk } = value as Record<string, unknown>;
  const strings = [pk, sk, gsi1pk, gsi1sk].every((part) => typeof part === 'string' && part.length <= 512);
  if (!strings || gsi1pk !== partition || !(pk as string).startsWith(`${orgId}#USER#`)) throw invalid();
  return {
    pk: { S: pk as string },
    sk: { S: sk as string },
    gsi1pk: { S: gsi1pk as string },
    gsi1sk: { S: gsi1sk as string },
  };
}
