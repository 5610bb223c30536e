import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { type ActivityRecord, DEFAULT_ACTIVITY_RETENTION_DAYS } from '../domain/activity';
import type { EmailFeedback, EmailFeedbackStore, FeedbackResult } from '../domain/email-feedback';
import { activityExpiry, activityToItem } from './dynamodb-activity';
import { licenseItemKey } from './dynamodb-license-writes';
import { TransactionCancelledError, transactWrite } from './dynamodb-transactions';

/**
 * Email feedback on the license item (`emailStatus`, `emailStatusAt`, `emailFeedbackId`, `emailFeedbackOn`,
 * `emailBounceType`) and its activity record, in one transaction. The license update is conditional on the license
 * existing and on this feedback not being recorded yet, so a notification delivered twice writes nothing the second
 * time. The changed license item is what the license events publisher turns into a bounce or complaint event.
 */
export class DynamoEmailFeedbackStore implements EmailFeedbackStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly options: { retentionDays?: number } = {},
  ) {}

  async record(feedback: EmailFeedback, activity: ActivityRecord): Promise<FeedbackResult> {
    const key = licenseItemKey(feedback.orgId, feedback.userId, feedback.licenseId);
    try {
      await transactWrite(this.client, [
        {
          Update: {
            TableName: this.tableName,
            Key: key,
            UpdateExpression:
              feedback.bounceType !== undefined
                ? 'SET emailStatus = :status, emailStatusAt = :at, emailFeedbackId = :id, emailFeedbackOn = :email, emailBounceType = :bounceType'
                : 'SET emailStatus = :status, emailStatusAt = :at, emailFeedbackId = :id, emailFeedbackOn = :email REMOVE emailBounceType',
            ConditionExpression:
              'attribute_exists(pk) AND (attribute_not_exists(emailFeedbackId) OR emailFeedbackId <> :id)',
            ExpressionAttributeValues: marshall(
              {
                ':status': feedback.status,
                ':at': feedback.at,
                ':id': feedback.feedbackId,
                ':email': feedback.email,
                ...(feedback.bounceType !== undefined ? { ':bounceType': feedback.bounceType } : {}),
              },
              { removeUndefinedValues: true },
            ),
          },
        },
        {
          Put: {
            TableName: this.tableName,
            Item: marshall(
              activityToItem(
                activity,
                activityExpiry(activity, this.options.retentionDays ?? DEFAULT_ACTIVITY_RETENTION_DAYS),
              ),
              {
                removeUndefinedValues: true,
              },
            ),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ]);
      return 'recorded';
    } catch (error) {
      if (!(error instanceof TransactionCancelledError) || !error.conditionFailedAt(0)) throw error;
      const existing = await this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
      );
      return existing.Item ? 'already-recorded' : 'unknown-license';
    }
  }
}
