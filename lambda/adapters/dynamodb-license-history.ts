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

/** SES feedback written back to a license item (see dynamodb-email-feedback.ts). */
interface EmailFeedbackOnLicense {
  readonly status: 'bounced' | 'complained';
  readonly email: string;
  readonly at?: string;
}

function feedbackOf(item: Record<string, unknown>): EmailFeedbackOnLicense | undefined {
  const status = item.emailStatus;
  if ((status !== 'bounced' && status !== 'complained') || typeof item.emailFeedbackOn !== 'string') return undefined;
  return {
    status,
    email: item.emailFeedbackOn,
    ...(typeof item.emailStatusAt === 'string' ? { at: item.emailStatusAt } : {}),
  };
}

/** Every license of a user, oldest first, with the state of its issue and revocation emails (admin `license show`). */
export class DynamoLicenseHistory implements LicenseHistory {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async ofUser(orgId: string, userId: string): Promise<LicenseHistoryEntry[]> {
    const licenses: LicenseRecord[] = [];
    const feedback = new Map<string, EmailFeedbackOnLicense>();
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
      for (const raw of page.Items ?? []) {
        const item = unmarshall(raw);
        const license = licenseFromItem(item);
        licenses.push(license);
        const reported = feedbackOf(item);
        if (reported) feedback.set(license.licenseId, reported);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    const eventIds = licenses.flatMap((license) => [`${license.licenseId}.issued`, `${license.licenseId}.revoked`]);
    const emails = await this.outboxItems(orgId, eventIds);
    return licenses.map((license) => ({
      license,
      emails: [`${license.licenseId}.issued`, `${license.licenseId}.revoked`]
        .map((eventId) => emails.get(eventId))
        .filter((email): email is LicenseEmailStatus => email !== undefined)
        .map((email) => withFeedback(email, feedback.get(license.licenseId))),
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

/** The provider's later word on a sent email wins over "sent". */
function withFeedback(email: LicenseEmailStatus, feedback: EmailFeedbackOnLicense | undefined): LicenseEmailStatus {
  if (!feedback || feedback.email !== email.type) return email;
  return { ...email, status: feedback.status, ...(feedback.at !== undefined ? { feedbackAt: feedback.at } : {}) };
}
