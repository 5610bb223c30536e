import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isLicenseEventRecord, LICENSE_EVENT_SOURCE } from '../lambda/contract/license-events';
import type { LicenseEvent, LicenseEventPublisher } from '../lambda/domain/license-events';
import { createLicenseEventsHandler } from '../lambda/handlers/license-events';
import type { ExtraRoute } from './api-gateway-adapter';
import { LOCAL_ACCOUNT_ID } from './api-gateway-events';
import { LOCAL_REGION } from './dynamodb-local';
import type { LocalServiceConfig } from './local-adapters';
import { type StreamPoller, startStreamPoller } from './stream-poller';

/**
 * The local stand-in for the stack's EventBridge bus: it records every license event, in the envelope EventBridge
 * delivers to a rule's target, one JSON line each in `DATA_DIR/license-events.jsonl`, and lists them at
 * `GET /local/events` on the SCIM API port. The events come from the same handler as on Lambda, fed by the stream
 * poller with the same filter as the deployed event source mapping; only the publisher differs.
 */

export const LOCAL_EVENTS_PATH = '/local/events';
export const LOCAL_EVENT_BUS_NAME = 'license-events-local';
const EVENTS_FILE = 'license-events.jsonl';

/** An event as EventBridge hands it to a target. */
export interface RecordedEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Record<string, unknown>;
}

export class LocalEventBus implements LicenseEventPublisher {
  readonly file: string;

  constructor(dataDir: string) {
    this.file = join(dataDir, EVENTS_FILE);
  }

  async publish(events: readonly LicenseEvent[]): Promise<void> {
    const lines = events.map((event) => {
      const recorded: RecordedEvent = {
        version: '0',
        // EventBridge gives every delivery its own id; consumers deduplicate on detail.eventId.
        id: randomUUID(),
        'detail-type': event.detailType,
        source: LICENSE_EVENT_SOURCE,
        account: LOCAL_ACCOUNT_ID,
        time: typeof event.detail.occurredAt === 'string' ? event.detail.occurredAt : new Date().toISOString(),
        region: LOCAL_REGION,
        resources: [],
        detail: { ...event.detail },
      };
      return `${JSON.stringify(recorded)}\n`;
    });
    if (lines.length > 0) appendFileSync(this.file, lines.join(''), { mode: 0o600 });
  }

  read(): RecordedEvent[] {
    if (!existsSync(this.file)) return [];
    return readFileSync(this.file, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as RecordedEvent);
  }

  /** `GET /local/events[?detail-type=…]`: `{"events": [...]}`, oldest first. */
  route(): ExtraRoute {
    return {
      method: 'GET',
      path: LOCAL_EVENTS_PATH,
      handler: async (event) => {
        const type = event.queryStringParameters?.['detail-type'];
        const events = this.read().filter((recorded) => !type || recorded['detail-type'] === type);
        return {
          statusCode: 200,
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ events }),
        };
      },
    };
  }
}

export interface LocalLicenseEvents {
  readonly bus: LocalEventBus;
  readonly poller: StreamPoller;
  stop(): Promise<void>;
}

/** Feeds the licenses table's stream to the license events handler, publishing to the local bus. */
export async function startLocalLicenseEvents(options: {
  readonly config: LocalServiceConfig;
  readonly dataDir: string;
  readonly log?: (line: string) => void;
}): Promise<LocalLicenseEvents> {
  const bus = new LocalEventBus(options.dataDir);
  const poller = await startStreamPoller({
    endpoint: options.config.dynamoEndpoint,
    tableName: options.config.licensesTable,
    handler: createLicenseEventsHandler(options.config, { publisher: bus }),
    filter: isLicenseEventRecord,
    log: options.log,
  });
  return { bus, poller, stop: () => poller.stop() };
}
