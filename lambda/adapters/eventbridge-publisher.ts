import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import { LICENSE_EVENT_SOURCE } from '../contract/license-events';
import type { LicenseEvent, LicenseEventPublisher } from '../domain/license-events';

/**
 * License events to an EventBridge bus with PutEvents (JSON 1.1 protocol, SigV4-signed). Written against HTTPS
 * directly because @aws-sdk/client-eventbridge is not among the installed packages; the port keeps the swap to that
 * client a change of this file only.
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
  /** @default the Lambda environment's credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) */
  readonly credentials?: () => Promise<AwsCredentialIdentity>;
  /** @default https://events.<region>.amazonaws.com */
  readonly endpoint?: string;
  /** Per PutEvents call. @default 5000 */
  readonly timeoutMs?: number;
}

/** The entries of a refused PutEvents call, by error code; no event detail (it may hold a userName). */
export class PublishFailedError extends Error {}

export class EventBridgePublisher implements LicenseEventPublisher {
  private readonly signer: SignatureV4;
  private readonly url: URL;

  constructor(private readonly options: EventBridgePublisherOptions) {
    this.url = new URL(options.endpoint ?? `https://events.${options.region}.amazonaws.com/`);
    this.signer = new SignatureV4({
      service: 'events',
      region: options.region,
      credentials: options.credentials ?? environmentCredentials,
      sha256: NodeSha256,
    });
  }

  async publish(events: readonly LicenseEvent[]): Promise<void> {
    for (let start = 0; start < events.length; start += MAX_ENTRIES) {
      await this.putEvents(events.slice(start, start + MAX_ENTRIES));
    }
  }

  private async putEvents(events: readonly LicenseEvent[]): Promise<void> {
    const body = JSON.stringify({
      Entries: events.map((event) => ({
        EventBusName: this.options.eventBusName,
        Source: LICENSE_EVENT_SOURCE,
        DetailType: event.detailType,
        Detail: JSON.stringify(event.detail),
        ...(typeof event.detail.occurredAt === 'string' ? { Time: Date.parse(event.detail.occurredAt) / 1000 } : {}),
      })),
    });
    const signed = await this.signer.sign({
      method: 'POST',
      protocol: this.url.protocol,
      hostname: this.url.hostname,
      ...(this.url.port ? { port: Number(this.url.port) } : {}),
      path: this.url.pathname,
      query: {},
      headers: {
        host: this.url.host,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSEvents.PutEvents',
      },
      body,
    });
    const response = await fetch(this.url, {
      method: 'POST',
      headers: signed.headers as Record<string, string>,
      body,
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new PublishFailedError(`PutEvents answered ${response.status}: ${errorType(text)}`);
    }
    const result = JSON.parse(text) as { FailedEntryCount?: number; Entries?: { ErrorCode?: string }[] };
    if ((result.FailedEntryCount ?? 0) > 0) {
      const codes = (result.Entries ?? []).flatMap((entry) => (entry.ErrorCode ? [entry.ErrorCode] : []));
      throw new PublishFailedError(
        `PutEvents refused ${result.FailedEntryCount} of ${events.length} events: ${[...new Set(codes)].join(', ')}`,
      );
    }
  }
}

function errorType(body: string): string {
  try {
    const parsed = JSON.parse(body) as { __type?: string };
    return parsed.__type ?? 'unknown error';
  } catch {
    return 'unknown error';
  }
}

async function environmentCredentials(): Promise<AwsCredentialIdentity> {
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) throw new PublishFailedError('no AWS credentials in the environment');
  const sessionToken = process.env.AWS_SESSION_TOKEN;
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

/** SHA-256 and HMAC-SHA256 from node:crypto, in the shape the signer takes. */
class NodeSha256 {
  private readonly hash: Hash | Hmac;

  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash =
      secret === undefined
        ? createHash('sha256')
        : createHmac('sha256', typeof secret === 'string' ? secret : Buffer.from(secret as ArrayBuffer));
  }

  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : Buffer.from(data as ArrayBuffer));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}
