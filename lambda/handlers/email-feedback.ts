import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import * as z from 'zod';
import { createDynamoDbClient } from '../adapters/dynamodb-client';
import { DynamoEmailFeedbackStore } from '../adapters/dynamodb-email-feedback';
import { DynamoUserRepository } from '../adapters/dynamodb-user-repository';
import { type EmailFeedback, EmailFeedbackRecorder, type FeedbackResult } from '../domain/email-feedback';
import { configFromEnv, type ServiceConfig } from '../wiring/config';

/**
 * SES's bounce and complaint events (the mailer's configuration set publishes them to the account's default
 * EventBridge bus; a rule sends them here) written back to the license the email was about. The mailer tags each
 * email with its organization, license, user and email type, so no address is needed to find the license.
 * A notification of an email this service did not tag (another sender's) is ignored.
 */

const tagValue = z.array(z.string()).min(1);

/** The part of SES's event publishing record used here (the same JSON as its SNS and Firehose destinations). */
export const sesFeedbackSchema = z.object({
  eventType: z.enum(['Bounce', 'Complaint']),
  mail: z.object({
    messageId: z.string(),
    timestamp: z.string().optional(),
    tags: z.object({
      event: tagValue.optional(),
      org: tagValue.optional(),
      license: tagValue.optional(),
      user: tagValue.optional(),
    }),
  }),
  bounce: z.object({ bounceType: z.string().optional(), feedbackId: z.string(), timestamp: z.string() }).optional(),
  complaint: z.object({ feedbackId: z.string(), timestamp: z.string() }).optional(),
});

export interface SesFeedbackEvent {
  readonly source?: string;
  readonly 'detail-type'?: string;
  readonly detail: unknown;
}

export type EmailFeedbackHandler = (event: SesFeedbackEvent) => Promise<{ result: FeedbackResult | 'ignored' }>;

export interface EmailFeedbackOverrides {
  readonly dynamo?: DynamoDBClient;
  readonly logger?: Logger;
}

/** The feedback an SES event reports, or undefined when it is not about a license email of this service. */
export function feedbackOf(detail: unknown): EmailFeedback | undefined {
  const parsed = sesFeedbackSchema.safeParse(detail);
  if (!parsed.success) return undefined;
  const { eventType, mail, bounce, complaint } = parsed.data;
  const orgId = mail.tags.org?.[0];
  const licenseId = mail.tags.license?.[0];
  const userId = mail.tags.user?.[0];
  const email = mail.tags.event?.[0];
  if (!orgId || !licenseId || !userId || (email !== 'license-issued' && email !== 'license-revoked')) return undefined;
  const report = eventType === 'Bounce' ? bounce : complaint;
  if (!report) return undefined;
  const at = new Date(report.timestamp);
  if (Number.isNaN(at.getTime())) return undefined;
  return {
    status: eventType === 'Bounce' ? 'bounced' : 'complained',
    feedbackId: report.feedbackId,
    at: at.toISOString(),
    orgId,
    licenseId,
    userId,
    email,
    ...(eventType === 'Bounce' && bounce?.bounceType ? { bounceType: bounce.bounceType } : {}),
  };
}

export function createEmailFeedbackHandler(
  config: Pick<ServiceConfig, 'licensesTable' | 'usersTable' | 'region' | 'activityRetentionDays'>,
  overrides: EmailFeedbackOverrides = {},
): EmailFeedbackHandler {
  const logger = overrides.logger ?? new Logger({ serviceName: 'email-feedback' });
  const dynamo = overrides.dynamo ?? createDynamoDbClient({ region: config.region });
  const users = new DynamoUserRepository(dynamo, config.usersTable);
  const recorder = new EmailFeedbackRecorder(
    new DynamoEmailFeedbackStore(dynamo, config.licensesTable, { retentionDays: config.activityRetentionDays }),
    { userNameOf: async (orgId, userId) => (await users.get(orgId, userId))?.userName },
  );
  return async (event) => {
    const feedback = feedbackOf(event.detail);
    if (!feedback) {
      logger.info('mail feedback not about a license email; ignored', { detailType: event['detail-type'] });
      return { result: 'ignored' };
    }
    const result = await recorder.record(feedback);
    // Ids only: the feedback's recipient is personal data and not needed to act on it.
    logger.info('license email feedback', {
      orgId: feedback.orgId,
      licenseId: feedback.licenseId,
      status: feedback.status,
      result,
    });
    return { result };
  };
}

let lambdaHandler: EmailFeedbackHandler | undefined;
const lambdaLogger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'email-feedback' });

/** The Lambda entry point for the EventBridge rule on SES's bounce and complaint events. */
export const handler = middy<SesFeedbackEvent, { result: FeedbackResult | 'ignored' }>()
  .use(injectLambdaContext(lambdaLogger, { resetKeys: true }))
  .handler((event) => {
    lambdaHandler ??= createEmailFeedbackHandler(configFromEnv(), { logger: lambdaLogger });
    return lambdaHandler(event);
  });
