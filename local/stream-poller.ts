import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type AttributeValue as StreamAttributeValue,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import type {
  AttributeValue,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  StreamRecord,
} from 'aws-lambda';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './dynamodb-local';

/**
 * The local stand-in for Lambda's DynamoDB Streams event source mapping: reads a table's stream on DynamoDB Local
 * and invokes a handler with the event Lambda would pass (same record shape, `eventSourceARN`, epoch-seconds
 * `ApproximateCreationDateTime`, base64 binaries), with the mapping's semantics:
 * - filter criteria: records that do not match are dropped before the handler sees them;
 * - ReportBatchItemFailures: the handler's first failed sequence number and everything after it are retried, the
 *   records before it are done; a thrown error (or an unknown identifier) fails the whole batch;
 * - retries with exponential backoff, and bisection: a failing batch is retried in halves down to single records.
 * Unlike Lambda it retries without limit (there is no dead-letter queue locally): an outage delays mail, no more.
 */

export type StreamHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>;

export interface StreamPollerOptions {
  readonly endpoint: string;
  readonly tableName: string;
  readonly handler: StreamHandler;
  /** The event source mapping's filter. @default every record */
  readonly filter?: (record: DynamoDBRecord) => boolean;
  /** @default 10 */
  readonly batchSize?: number;
  /** Pause between polls of a shard that had nothing new. @default 250 */
  readonly pollIntervalMs?: number;
  /** First retry delay; doubles per failure up to `maxRetryDelayMs`. @default 200 */
  readonly retryDelayMs?: number;
  /** @default 5000 */
  readonly maxRetryDelayMs?: number;
  /** Failures and retries. @default silent */
  readonly log?: (line: string) => void;
}

export interface StreamPoller {
  /** Resolves once every record written so far has been handled successfully (or `timeoutMs` passed: rejects). */
  waitUntilIdle(timeoutMs?: number): Promise<void>;
  /** Handler invocations so far, failed ones included. */
  readonly invocations: number;
  stop(): Promise<void>;
}

interface ShardState {
  readonly shardId: string;
  readonly parentShardId?: string;
  iterator?: string;
  /** The last record read, to resume after an expired iterator. */
  lastSequenceNumber?: string;
  /** Matching records read from the stream but not yet handled successfully. */
  pending: DynamoDBRecord[];
  done: boolean;
}

/** Starts polling at the oldest record still in the stream (TRIM_HORIZON): nothing written before the start is missed. */
export async function startStreamPoller(options: StreamPollerOptions): Promise<StreamPoller> {
  const clientConfig = { endpoint: options.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const dynamo = new DynamoDBClient(clientConfig);
  const streams = new DynamoDBStreamsClient(clientConfig);
  const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: options.tableName }));
  dynamo.destroy();
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${options.tableName} has no stream`);

  const batchSize = options.batchSize ?? 10;
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const retryDelayMs = options.retryDelayMs ?? 200;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 5_000;
  const filter = options.filter ?? (() => true);
  const log = options.log ?? (() => {});
  const shards = new Map<string, ShardState>();
  let stopped = false;
  let invocations = 0;
  /** A full pass over every shard found nothing new and nothing pending. */
  let idlePasses = 0;
  let wake: (() => void) | undefined;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  const discoverShards = async () => {
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStartShardId }),
      );
      for (const shard of StreamDescription?.Shards ?? []) {
        if (!shard.ShardId || shards.has(shard.ShardId)) continue;
        shards.set(shard.ShardId, {
          shardId: shard.ShardId,
          parentShardId: shard.ParentShardId,
          pending: [],
          done: false,
        });
      }
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
  };

  /** Children wait for their parent, so a key's changes reach the handler in order. */
  const ready = (shard: ShardState) => {
    const parent = shard.parentShardId ? shards.get(shard.parentShardId) : undefined;
    return !shard.done && (!parent || parent.done);
  };

  const fetch = async (shard: ShardState): Promise<boolean> => {
    shard.iterator ??= (
      await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.shardId,
          ...(shard.lastSequenceNumber
            ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: shard.lastSequenceNumber }
            : { ShardIteratorType: 'TRIM_HORIZON' }),
        }),
      )
    ).ShardIterator;
    if (!shard.iterator) {
      shard.done = true;
      return false;
    }
    try {
      const result = await streams.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: 100 }));
      shard.iterator = result.NextShardIterator;
      if (!shard.iterator) shard.done = true;
      const records = (result.Records ?? []).map((record) => toLambdaRecord(record, streamArn));
      const last = records[records.length - 1]?.dynamodb?.SequenceNumber;
      if (last) shard.lastSequenceNumber = last;
      shard.pending.push(...records.filter(filter));
      return records.length > 0;
    } catch (error) {
      // DynamoDB Local sometimes refuses the first TRIM_HORIZON iterator of a new table as trimmed; a new one works.
      if (error instanceof ExpiredIteratorException || error instanceof TrimmedDataAccessException) {
        shard.iterator = undefined;
        return false;
      }
      throw error;
    }
  };

  /** Hands pending records to the handler until they are all done or one batch fails. True when all were done. */
  const deliver = async (shard: ShardState): Promise<boolean> => {
    let size = batchSize;
    let failures = 0;
    while (shard.pending.length > 0 && !stopped) {
      const batch = shard.pending.slice(0, size);
      invocations++;
      let failedAt = -1;
      try {
        const response = await options.handler({ Records: structuredClone(batch) });
        const identifiers = (response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier);
        if (identifiers.length > 0) {
          const positions = identifiers.map((id) =>
            batch.findIndex((record) => record.dynamodb?.SequenceNumber === id),
          );
          failedAt = positions.some((position) => position < 0) ? 0 : Math.min(...positions);
        }
      } catch (error) {
        log(`mailer invocation failed: ${error instanceof Error ? error.message : String(error)}`);
        failedAt = 0;
      }
      if (failedAt < 0) {
        shard.pending.splice(0, batch.length);
        size = batchSize;
        failures = 0;
        continue;
      }
      shard.pending.splice(0, failedAt);
      // Bisect a batch that failed as a whole; a partial failure already moved the start to the failed record.
      if (failedAt === 0) size = Math.max(1, Math.floor(batch.length / 2));
      failures++;
      const delay = Math.min(maxRetryDelayMs, retryDelayMs * 2 ** (failures - 1));
      log(`stream batch failed at ${batch[failedAt]?.dynamodb?.SequenceNumber}; retrying in ${delay} ms`);
      await sleep(delay);
    }
    return shard.pending.length === 0;
  };

  const loop = async () => {
    while (!stopped) {
      let busy = false;
      try {
        await discoverShards();
        for (const shard of [...shards.values()].filter(ready)) {
          if (stopped) break;
          if (shard.pending.length === 0 && (await fetch(shard))) busy = true;
          if (shard.pending.length > 0) {
            busy = true;
            await deliver(shard);
          }
        }
      } catch (error) {
        // DynamoDB Local restarting or briefly unreachable: try again on the next pass.
        busy = true;
        log(`stream poll failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
      }
      idlePasses = busy ? 0 : idlePasses + 1;
      if (!stopped) await sleep(busy ? 0 : pollIntervalMs);
    }
  };
  const running = loop();

  return {
    get invocations() {
      return invocations;
    },
    async waitUntilIdle(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      // Idle passes that started after this call: the pass running now may have begun before the caller's last write.
      const start = idlePasses;
      let target = start + 2;
      while (idlePasses < target) {
        if (Date.now() > deadline) throw new Error(`the stream poller was still busy after ${timeoutMs} ms`);
        // A busy pass resets the count; wait for two idle ones after it.
        if (idlePasses < start) target = 2;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop() {
      stopped = true;
      wake?.();
      await running;
      streams.destroy();
    },
  };
}

/** A stream record as Lambda delivers it to a function. */
function toLambdaRecord(record: _Record, eventSourceARN: string): DynamoDBRecord {
  const source = record.dynamodb;
  const dynamodb: StreamRecord = {
    ...(source?.ApproximateCreationDateTime
      ? { ApproximateCreationDateTime: Math.floor(source.ApproximateCreationDateTime.getTime() / 1000) }
      : {}),
    ...(source?.Keys ? { Keys: toLambdaImage(source.Keys) } : {}),
    ...(source?.NewImage ? { NewImage: toLambdaImage(source.NewImage) } : {}),
    ...(source?.OldImage ? { OldImage: toLambdaImage(source.OldImage) } : {}),
    SequenceNumber: source?.SequenceNumber,
    SizeBytes: source?.SizeBytes,
    StreamViewType: source?.StreamViewType,
  };
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: record.eventSource ?? 'aws:dynamodb',
    awsRegion: record.awsRegion ?? LOCAL_REGION,
    dynamodb,
    eventSourceARN,
  };
}

function toLambdaImage(image: Record<string, StreamAttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toLambdaValue(value)]));
}

function toLambdaValue(value: StreamAttributeValue): AttributeValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((item) => Buffer.from(item).toString('base64')) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaValue) };
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  return { NULL: true };
}
