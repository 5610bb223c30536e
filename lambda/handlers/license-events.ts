import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher';
import { isLicenseEventRecord } from '../contract/license-events';
import {
  type ItemChange,
  type LicenseEvent,
  type LicenseEventPublisher,
  licenseEventsOf,
} from '../domain/license-events';
import { configFromEnv, type ServiceConfig } from '../wiring/config';

/**
 * The licenses table's stream (filtered to license items and deprovisioning or refused activity records, see
 * LICENSE_EVENT_STREAM_PATTERNS) → license events on the bus. A batch is published whole or not at all: a failure
 * fails the batch, which Lambda retries (bisecting it); events published before the failure go out again with the
 * same eventId.
 */

export type LicenseEventsHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

export interface LicenseEventsOverrides {
  /** Where the events go. @default EventBridge, the bus named by config.eventBusName */
  readonly publisher?: LicenseEventPublisher;
  readonly logger?: Logger;
}

export function createLicenseEventsHandler(
  config: Pick<ServiceConfig, 'eventBusName' | 'region'>,
  overrides: LicenseEventsOverrides = {},
): LicenseEventsHandler {
  const logger = overrides.logger ?? new Logger({ serviceName: 'license-events' });
  const publisher = overrides.publisher ?? eventBridge(config);
  return async (event) => {
    const records = event.Records ?? [];
    const events = records.filter(isLicenseEventRecord).flatMap((record) => licenseEventsOf(changeOf(record)));
    if (events.length === 0) return { batchItemFailures: [] };
    try {
      await publisher.publish(events);
    } catch (error) {
      logger.warn('license events not published; the batch is retried', {
        events: events.length,
        error: error instanceof Error ? `${error.name}: ${error.message}` : 'unknown',
      });
      return { batchItemFailures: [{ itemIdentifier: records[0]?.dynamodb?.SequenceNumber ?? '' }] };
    }
    logger.info('license events published', { events: summary(events) });
    return { batchItemFailures: [] };
  };
}

function eventBridge(config: Pick<ServiceConfig, 'eventBusName' | 'region'>): LicenseEventPublisher {
  if (!config.eventBusName || !config.region) {
    throw new Error('the license events publisher needs LICENSE_EVENT_BUS_NAME and AWS_REGION');
  }
  return new EventBridgePublisher({ eventBusName: config.eventBusName, region: config.region });
}

function changeOf(record: DynamoDBRecord): ItemChange {
  const image = (value: unknown) => (value ? unmarshall(value as Record<string, AttributeValue>) : undefined);
  const oldItem = image(record.dynamodb?.OldImage);
  const newItem = image(record.dynamodb?.NewImage);
  return {
    change: record.eventName === 'INSERT' ? 'INSERT' : record.eventName === 'MODIFY' ? 'MODIFY' : 'REMOVE',
    ...(oldItem ? { oldItem } : {}),
    ...(newItem ? { newItem } : {}),
  };
}

/** Ids and types only: an event's detail may hold a userName. */
function summary(events: readonly LicenseEvent[]): { type: string; eventId: string }[] {
  return events.map((event) => ({ type: event.detailType, eventId: event.detail.eventId }));
}

let lambdaHandler: LicenseEventsHandler | undefined;
const lambdaLogger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'license-events' });

/** The Lambda entry point for the DynamoDB Streams event source (ReportBatchItemFailures enabled). */
export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(lambdaLogger, { resetKeys: true }))
  .handler((event) => {
    lambdaHandler ??= createLicenseEventsHandler(configFromEnv(), { logger: lambdaLogger });
    return lambdaHandler(event);
  });
