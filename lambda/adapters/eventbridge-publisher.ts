import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { LICENSE_EVENT_SOURCE } from '../contract/license-events';
import type { LicenseEvent, LicenseEventPublisher } from '../domain/license-events';

/**
 * License events to an EventBridge bus with PutEvents.
 *
 * PutEvents takes at most 10 entries per call and may accept some entries and refuse others: any refused entry fails
 * the whole publish, so the stream batch is retried and the accepted events go out again with the same `eventId`
 * (consumers deduplicate on it).
 */

/** PutEvents' limit of entries per call. */
const MAX_ENTRIES = 10;

export interface EventBridgePublisherOptions {
  readonly eventBusName: string;
  readonly region: string;
  /** @default the SDK's credential chain (the function's role on Lambda) */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** @default EventBridge's regional endpoint */
  readonly endpoint?: string;
  /** Per PutEvents attempt. @default 5000 */
  readonly timeoutMs?: number;
}

/** A refused PutEvents call, by error code; no event detail (it may hold a userName). */
export class PublishFailedError extends Error {}

export class EventBridgePublisher implements LicenseEventPublisher {
  private readonly client: EventBridgeClient;

  constructor(private readonly options: EventBridgePublisherOptions) {
    this.client = new EventBridgeClient({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      requestHandler: { requestTimeout: options.timeoutMs ?? 5_000, throwOnRequestTimeout: true },
    });
  }

  async publish(events: readonly LicenseEvent[]): Promise<void> {
    for (let start = 0; start < events.length; start += MAX_ENTRIES) {
      await this.putEvents(events.slice(start, start + MAX_ENTRIES));
    }
  }

  private async putEvents(events: readonly LicenseEvent[]): Promise<void> {
    let result: { FailedEntryCount?: number; Entries?: { ErrorCode?: string }[] };
    try {
      result = await this.client.send(
        new PutEventsCommand({
          Entries: events.map((event) => ({
            EventBusName: this.options.eventBusName,
            Source: LICENSE_EVENT_SOURCE,
            DetailType: event.detailType,
            Detail: JSON.stringify(event.detail),
            ...(typeof event.detail.occurredAt === 'string' ? { Time: new Date(event.detail.occurredAt) } : {}),
          })),
        }),
      );
    } catch (error) {
      const name = error instanceof Error ? error.name : 'unknown error';
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      throw new PublishFailedError(`PutEvents failed${status ? ` (${status})` : ''}: ${name}`, { cause: error });
    }
    if ((result.FailedEntryCount ?? 0) > 0) {
      const codes = (result.Entries ?? []).flatMap((entry) => (entry.ErrorCode ? [entry.ErrorCode] : []));
      throw new PublishFailedError(
        `PutEvents refused ${result.FailedEntryCount} of ${events.length} events: ${[...new Set(codes)].join(', ')}`,
      );
    }
  }
}
