import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import * as z from 'zod';
import { createDynamoDbClient } from '../adapters/dynamodb-client';
import { DynamoEmailBudgetStore } from '../adapters/dynamodb-email-budget';
import { DynamoOutboxRedriveStore, DynamoOutboxStore } from '../adapters/dynamodb-outbox';
import { createSesClient, SesMailer } from '../adapters/ses-mailer';
import { type EmailOutcome, METRIC_NAMES, METRIC_SERVICES } from '../contract/metrics';
import { isOutboxDelivery } from '../contract/outbox-stream-filter';
import { type Clock, systemClock } from '../domain/clock';
import type { EmailBudgetLimits } from '../domain/email-budget';
import type { EmailTemplates } from '../domain/email-templates';
import type { SigningKeyProvider } from '../domain/license-keys';
import {
  EmailInProgressError,
  LicenseEmailDispatcher,
  type Mailer,
  SentButNotRecordedError,
} from '../domain/license-mail';
import type { EmailIntent } from '../domain/licenses';
import type { SecretReader } from '../domain/tokens';
import { configFromEnv, type ServiceConfig } from '../wiring/config';
import { emailTemplatesFor } from '../wiring/email-templates';
import { brandingFor, licenseKeysFor } from '../wiring/licensing';
import { type Counter, powertoolsCounter } from '../wiring/metrics';

/** What the mailer reads of the Lambda context: how long the invocation has left. Absent locally (no timeout). */
export type InvocationClock = Pick<Context, 'getRemainingTimeInMillis'>;

/** A stream batch, or the scheduled sweep of held emails (`{"sweep": "held-emails"}`, no records). */
export type MailerEvent = DynamoDBStreamEvent | { readonly sweep: string; readonly Records?: undefined };

export type MailerHandler = (event: MailerEvent, context?: InvocationClock) => Promise<DynamoDBBatchResponse>;

export interface MailerOverrides {
  readonly dynamo?: DynamoDBClient;
  readonly ses?: SESv2Client;
  readonly mailer?: Mailer;
  readonly signingKeys?: SigningKeyProvider;
  /** Where the license signing key is read from. @default Secrets Manager */
  readonly secrets?: SecretReader;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** @default 120000 */
  readonly leaseMs?: number;
  /** @default DEFAULT_EMAIL_BUDGET: 3 emails per recipient and 500 per organization per hour */
  readonly emailBudget?: EmailBudgetLimits;
  /**
   * How long to wait before reporting the n-th consecutive failure, so a mail service outage is retried with backoff
   * rather than as fast as Lambda re-invokes (the local poller backs off itself and passes `() => 0`).
   * @default failureBackoff: 1 s, 2 s, 4 s, … up to 20 s
   */
  readonly failureDelayMs?: (consecutiveFailures: number) => number;
  /**
   * The longest one email can take: the SES client's three attempts with their timeouts, the outbox writes, the
   * failure backoff. A record after the first is started only while this much of the invocation is left.
   * @default RECORD_BUDGET_MS
   */
  readonly recordBudgetMs?: number;
  /**
   * The email bodies, already checked (the local stack reads EMAIL_TEMPLATES_DIR).
   * @default the templates bundled into the function when EMAIL_TEMPLATES_SHA256 names them, else the built-in ones
   */
  readonly emailTemplates?: EmailTemplates;
  /** Counts email outcomes. @default CloudWatch metrics on Lambda, none locally */
  readonly counter?: Counter;
}

/** SES: 3 attempts × (3 s connect + 10 s request), plus the outbox claim and record writes. */
export const RECORD_BUDGET_MS = 45_000;
/** Left unslept after a failure's backoff, to answer Lambda before the function times out. */
const ANSWER_MARGIN_MS = 2_000;

/** 1 s, 2 s, 4 s, … capped at 20 s: with the function's 60 s timeout there is always time left to answer. */
export function failureBackoff(consecutiveFailures: number): number {
  return Math.min(20_000, 1_000 * 2 ** Math.max(0, consecutiveFailures - 1));
}

const intentSchema = z.object({
  eventId: z.string().min(1),
  type: z.enum(['license-issued', 'license-revoked', 'plan-changed']),
  orgId: z.string().min(1),
  licenseId: z.string().min(1),
  userId: z.string().min(1),
  recipient: z.string().min(1),
  keyHint: z.string(),
  displayName: z.string().optional(),
  reason: z.enum(['deactivated', 'deleted']).optional(),
  plan: z.string().optional(),
  createdAt: z.string(),
});

/**
 * Consumes the licenses table's stream (outbox inserts and redrives only) and sends each email once. Records are handled in stream
 * order; the first one that fails for a reason worth retrying ends the batch and is reported as the batch item
 * failure, so Lambda retries from there (the records after it have not been tried; those before it are done).
 * A retried record that was already sent is recognised by the outbox item and skipped.
 */
export function createMailerHandler(config: ServiceConfig, overrides: MailerOverrides = {}): MailerHandler {
  const logger = overrides.logger ?? new Logger({ serviceName: 'license-mailer' });
  const dynamo = overrides.dynamo ?? createDynamoDbClient({ region: config.region });
  const mailer =
    overrides.mailer ??
    new SesMailer(overrides.ses ?? createSesClient({ region: config.region }), {
      senderEmail: required(config.senderEmail, 'SENDER_EMAIL'),
      configurationSetName: config.sesConfigurationSet,
    });
  const dispatcher = new LicenseEmailDispatcher({
    outbox: new DynamoOutboxStore(dynamo, config.licensesTable),
    mailer,
    keys: licenseKeysFor(config, overrides.signingKeys, overrides.secrets),
    branding: brandingFor(config, overrides.emailTemplates ?? emailTemplatesFor(config)),
    clock: overrides.clock ?? systemClock,
    leaseMs: overrides.leaseMs,
    budget: { store: new DynamoEmailBudgetStore(dynamo, config.licensesTable), limits: overrides.emailBudget },
  });
  const redrive = new DynamoOutboxRedriveStore(dynamo, config.licensesTable);
  const clock = overrides.clock ?? systemClock;
  /** Held emails whose window reopened get a redrive mark; the stream brings them back to this function. */
  const releaseHeld = async () => {
    try {
      const released = await dispatcher.releaseDue((held) =>
        redrive.requestRedrive({ ...held, type: '', createdAt: '' }, clock.now(), false),
      );
      if (released > 0) logger.info('held license emails released', { released });
    } catch (error) {
      // The next sweep retries; the stream batch's outcome does not depend on it.
      logger.warn('held license emails not released', { error: error instanceof Error ? error.name : 'unknown' });
    }
  };

  const counter = overrides.counter ?? powertoolsCounter(METRIC_SERVICES.mailer);
  const countEmail = (outcome: EmailOutcome) => counter.count(METRIC_NAMES.licenseEmails, { outcome });
  const failureDelayMs = overrides.failureDelayMs ?? failureBackoff;
  const recordBudgetMs = overrides.recordBudgetMs ?? RECORD_BUDGET_MS;
  // Per container: Lambda invokes one batch per shard at a time, so this counts the retries of a stuck shard.
  let consecutiveFailures = 0;

  return async (event, invocation) => {
    if (event.Records === undefined) {
      await releaseHeld();
      return { batchItemFailures: [] };
    }
    let started = 0;
    for (const record of event.Records) {
      if (!isOutboxDelivery(record)) continue;
      // A batch of slow sends can outlast the function's timeout. Timing out mid-send would leave the outbox lease
      // held, and if SES had accepted the message the retry after the lease would send it a second time. So stop
      // while there is time to answer: this record and the ones after it are retried in the next invocation.
      if (started > 0 && invocation && invocation.getRemainingTimeInMillis() < recordBudgetMs) {
        logger.info('license emails left for the next invocation: not enough time left for another send', {
          sequenceNumber: sequenceOf(record),
        });
        return { batchItemFailures: [{ itemIdentifier: sequenceOf(record) }] };
      }
      started++;
      const intent = parseIntent(record);
      if (!intent) {
        // A malformed outbox item is a bug no retry can fix; it must not block the emails behind it.
        logger.error('outbox record is not an email intent; skipped', { sequenceNumber: sequenceOf(record) });
        continue;
      }
      const context = { eventId: intent.eventId, type: intent.type, orgId: intent.orgId };
      try {
        const outcome = await dispatcher.dispatch(intent);
        consecutiveFailures = 0;
        countEmail(
          outcome === 'sent' || outcome === 'sent-again'
            ? 'sent'
            : outcome === 'rejected'
              ? 'refused'
              : outcome === 'held'
                ? 'held'
                : 'duplicate',
        );
        if (outcome === 'rejected') logger.warn('license email refused by the mail service', context);
        else if (outcome === 'sent-again') {
          logger.warn(
            'license email sent again after an earlier attempt stopped mid-send; it may arrive twice',
            context,
          );
        } else if (outcome === 'held') logger.warn('license email held by the email budget', context);
        else logger.info('license email', { ...context, outcome });
      } catch (error) {
        logDispatchFailure(logger, error, context);
        // An email the provider accepted counts as sent even though its record failed; the retry is a duplicate.
        countEmail(error instanceof SentButNotRecordedError ? 'sent' : 'failed');
        consecutiveFailures++;
        const left = invocation ? invocation.getRemainingTimeInMillis() - ANSWER_MARGIN_MS : Number.POSITIVE_INFINITY;
        await sleep(Math.min(failureDelayMs(consecutiveFailures), left));
        return { batchItemFailures: [{ itemIdentifier: sequenceOf(record) }] };
      }
    }
    return { batchItemFailures: [] };
  };
}

function logDispatchFailure(logger: Logger, error: unknown, context: Record<string, string>): void {
  if (error instanceof SentButNotRecordedError) {
    logger.error('license email sent but not marked sent; the retry will send it again', {
      ...context,
      messageId: error.messageId,
    });
  } else if (error instanceof EmailInProgressError) {
    logger.info('license email held by another attempt; retried once its lease ends', context);
  } else {
    // Only the error's name: SES messages can quote the recipient's address.
    logger.warn('license email not sent; will be retried', {
      ...context,
      error: error instanceof Error ? error.name : 'unknown',
    });
  }
}

function parseIntent(record: DynamoDBRecord): EmailIntent | undefined {
  const image = record.dynamodb?.NewImage;
  if (!image) return undefined;
  const parsed = intentSchema.safeParse(unmarshall(image as Record<string, AttributeValue>));
  return parsed.success ? parsed.data : undefined;
}

function sequenceOf(record: DynamoDBRecord): string {
  return record.dynamodb?.SequenceNumber ?? '';
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

function required(value: string | undefined, name: string): string {
  if (!value) throw new Error(`the mailer needs ${name}: the verified SES sender address`);
  return value;
}

let lambdaHandler: MailerHandler | undefined;
const lambdaLogger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'license-mailer' });

/** The Lambda entry point for the DynamoDB Streams event source (ReportBatchItemFailures enabled). */
export const handler = middy<MailerEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(lambdaLogger, { resetKeys: true }))
  .handler((event, context) => {
    lambdaHandler ??= createMailerHandler(configFromEnv(), { logger: lambdaLogger });
    return lambdaHandler(event, context);
  });
