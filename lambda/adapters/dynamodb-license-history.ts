import {
  type AttributeValue,
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { LicenseEmailStatus, LicenseHistory, LicenseHistoryEntry } from '../domain/license-history';
import type { LicenseRecord } from '../domain/licenses';
import { LICENSE_SK_PREFIX, licenseFromItem, outboxItemKey, userLicensesPartition } from './dynamodb-license-writes';

/** Every license of a user, oldest first, with the state of its issue and revocation emails (admin `license show`). */
export class DynamoLicenseHistory implements LicenseHistory {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async ofUser(orgId: string, userId: string): Promise<LicenseHistoryEntry[]> {
    const licenses: LicenseRecord[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: {
            ':pk': { S: userLicensesPartition(orgId, userId) },
            ':prefix': { S: LICENSE_SK_PREFIX },
          },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) licenses.push(licenseFromItem(unmarshall(item)));
      start = page.LastEvaluatedKey;
    } while (start);
    const eventIds = licenses.flatMap((license) => [`${license.licenseId}.issued`, `${license.licenseId}.revoked`]);
    const emails = await this.outboxItems(orgId, eventIds);
    return licenses.map((license) => ({
      license,
      emails: [`${license.licenseId}.issued`, `${license.licenseId}.revoked`]
        .map((eventId) => emails.get(eventId))
        .filter((email): email is LicenseEmailStatus => email !== undefined),
    }));
  }

  private async outboxItems(orgId: string, eventIds: readonly string[]): Promise<Map<string, LicenseEmailStatus>> {
    const found = new Map<string, LicenseEmailStatus>();
    for (let index = 0; index < eventIds.length; index += 100) {
      let keys: Record<string, AttributeValue>[] | undefined = eventIds
        .slice(index, index + 100)
        .map((eventId) => outboxItemKey(orgId, eventId));
      while (keys && keys.length > 0) {
        const result: BatchGetItemCommandOutput = await this.client.send(
          new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }),
        );
        for (const raw of result.Responses?.[this.tableName] ?? []) {
          const item = unmarshall(raw);
          const status = item.sentAt ? 'sent' : item.failedAt ? 'failed' : item.leaseUntil ? 'sending' : 'queued';
          found.set(String(item.eventId), {
            eventId: String(item.eventId),
            type: String(item.type),
            status,
            ...(typeof item.createdAt === 'string' ? { createdAt: item.createdAt } : {}),
            ...(typeof item.sentAt === 'string' ? { sentAt: item.sentAt } : {}),
            ...(typeof item.failedAt === 'string' ? { failedAt: item.failedAt } : {}),
            ...(typeof item.failure === 'string' ? { failure: item.failure } : {}),
          });
        }
        keys = result.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return found;
  }
}
