import {
  type AttributeValue,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  QueryCommand,
  type QueryCommandInput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type * as z from 'zod';

/**
 * The DynamoDB operations every repository repeats: a query read to its end, batch reads and writes that retry their
 * unprocessed part with backoff, and reading an item into a validated record. Transactions are in
 * dynamodb-transactions.ts.
 */

export type Item = Record<string, AttributeValue>;

/** DynamoDB's limits per request. */
export const MAX_BATCH_GET = 100;
export const MAX_BATCH_WRITE = 25;
/** Retries of unprocessed batch items (throttling) before giving up. */
const MAX_BATCH_ATTEMPTS = 8;

/**
 * The result of a conditional write, or `undefined` when its condition did not hold: for the writes whose failed
 * condition means "someone else already did it" rather than an error.
 */
export async function unlessConditionFails<T>(write: Promise<T>): Promise<T | undefined> {
  try {
    return await write;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

/** Every item a query matches, following LastEvaluatedKey page by page. */
export async function queryAll(
  client: DynamoDBClient,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey'>,
): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const result = await client.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    items.push(...(result.Items ?? []));
    startKey = result.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** The items of `keys` that exist (in no particular order), 100 keys per request, the requests in parallel. */
export async function batchGet(
  client: DynamoDBClient,
  tableName: string,
  keys: readonly Item[],
  options: {
    ProjectionExpression?: string;
    ExpressionAttributeNames?: Record<string, string>;
    ConsistentRead: boolean;
  },
): Promise<Item[]> {
  const results = await Promise.all(
    chunks(keys, MAX_BATCH_GET).map(async (chunk) => {
      const items: Item[] = [];
      let pending: Item[] = chunk;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= MAX_BATCH_ATTEMPTS) throw new Error(`BatchGetItem on ${tableName} left keys unprocessed`);
        if (attempt > 0) await sleep(backoffMs(attempt));
        const result = await client.send(
          new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: pending, ...options } } }),
        );
        items.push(...(result.Responses?.[tableName] ?? []));
        pending = result.UnprocessedKeys?.[tableName]?.Keys ?? [];
      }
      return items;
    }),
  );
  return results.flat();
}

/** One BatchWriteItem of at most 25 requests, repeated for what DynamoDB left unprocessed. */
export async function batchWrite(client: DynamoDBClient, tableName: string, requests: WriteRequest[]): Promise<void> {
  let pending = requests;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt >= MAX_BATCH_ATTEMPTS) throw new Error(`BatchWriteItem on ${tableName} left items unprocessed`);
    if (attempt > 0) await sleep(backoffMs(attempt));
    const result = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }));
    pending = result.UnprocessedItems?.[tableName] ?? [];
  }
}

/** Idempotent deletes in BatchWriteItem requests (one write unit per item), `concurrency` requests at a time. */
export async function deleteAll(
  client: DynamoDBClient,
  tableName: string,
  keys: readonly Item[],
  concurrency: number,
): Promise<void> {
  const batches = chunks(
    keys.map((Key): WriteRequest => ({ DeleteRequest: { Key } })),
    MAX_BATCH_WRITE,
  );
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++];
      if (batch) await batchWrite(client, tableName, batch);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
}

/** An item whose stored shape is not what this code writes: named by its key, never half read. */
export class MalformedItemError extends Error {
  constructor(
    readonly key: string,
    detail: string,
  ) {
    super(`malformed item ${key}: ${detail}`);
  }
}

/**
 * Unmarshalls an item and validates it against `schema`, so a record is either whole or a MalformedItemError that
 * names the item's key (`pk`/`sk`) and the first field that is wrong.
 */
export function readItem<T>(item: Item, schema: z.ZodType<T>): T {
  const raw = unmarshall(item);
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.length ? issue.path.join('.') : 'item';
  throw new MalformedItemError(`${String(raw.pk)} / ${String(raw.sk)}`, `${field}: ${issue?.message ?? 'invalid'}`);
}

function chunks<T>(values: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < values.length; start += size) result.push(values.slice(start, start + size));
  return result;
}

function backoffMs(attempt: number): number {
  return Math.random() * 25 * 2 ** attempt;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
