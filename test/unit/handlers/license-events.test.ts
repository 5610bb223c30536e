import { Logger } from '@aws-lambda-powertools/logger';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { LICENSE_EVENT_TYPES } from '../../../lambda/contract/license-events';
import type { LicenseEvent } from '../../../lambda/domain/license-events';
import { createLicenseEventsHandler } from '../../../lambda/handlers/license-events';

const license = {
  pk: 'acme#USER#user-1',
  sk: 'LICENSE#lic-1',
  kind: 'license',
  orgId: 'acme',
  licenseId: 'lic-1',
  userId: 'user-1',
  status: 'active',
  issuedAt: '2026-11-29T10:00:00.000Z',
  keyHint: 'AB12',
};

function record(sequence: string, eventName: 'INSERT' | 'MODIFY', item: Record<string, unknown>): DynamoDBRecord {
  return {
    eventName,
    dynamodb: {
      SequenceNumber: sequence,
      NewImage: marshall(item) as Record<string, AttributeValue>,
    },
  };
}

const silent = new Logger({ serviceName: 'test', logLevel: 'SILENT' });

describe('license events stream handler', () => {
  it('publishes the events of the batch and skips records the stream filter would not pass', async () => {
    const published: LicenseEvent[] = [];
    const handler = createLicenseEventsHandler(
      {},
      { publisher: { publish: async (events) => void published.push(...events) }, logger: silent },
    );

    const response = await handler({
      Records: [record('1', 'INSERT', license), record('2', 'INSERT', { ...license, kind: 'outbox' })],
    });

    expect(response).toEqual({ batchItemFailures: [] });
    expect(published.map((event) => [event.detailType, event.detail.eventId])).toEqual([
      [LICENSE_EVENT_TYPES.licenseIssued, 'acme/lic-1/issued'],
    ]);
  });

  it('fails the batch from its first record when publishing fails, so Lambda retries it', async () => {
    const handler = createLicenseEventsHandler(
      {},
      {
        publisher: {
          publish: async () => {
            throw new Error('EventBridge unavailable');
          },
        },
        logger: silent,
      },
    );

    const response = await handler({ Records: [record('7', 'INSERT', license), record('8', 'INSERT', license)] });

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '7' }] });
  });
});
