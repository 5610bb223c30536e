import type { ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** One DynamoDB request as the client sent it: its command, when it started and ended, what it consumed. */
export interface LoggedRequest {
  readonly command: string;
  readonly start: number;
  readonly end: number;
  /** Capacity units DynamoDB reported (only with `consumedCapacity`). */
  readonly capacity?: { readonly read: number; readonly write: number };
}

export interface DynamoRequestLogOptions {
  /**
   * Ask DynamoDB for the capacity each request consumed (`ReturnConsumedCapacity: TOTAL`), for the cost figures.
   * @default false: requests are sent exactly as the handlers build them
   */
  readonly consumedCapacity?: boolean;
}

/** The commands that accept `ReturnConsumedCapacity`. */
const CAPACITY_COMMANDS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
]);

/**
 * Records every request a DynamoDB client sends (a middleware, so the handlers under test run unchanged) and answers
 * how many requests a piece of work made and how many of them had to wait for another: its round trips.
 */
export class DynamoRequestLog {
  private log: LoggedRequest[] = [];

  constructor(private readonly options: DynamoRequestLogOptions = {}) {}

  attach<T extends DynamoDBClient>(client: T): T {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = String(context.commandName).replace(/Command$/, '');
        const input = args.input as Record<string, unknown>;
        if (this.options.consumedCapacity && CAPACITY_COMMANDS.has(command)) input.ReturnConsumedCapacity = 'TOTAL';
        const start = performance.now();
        try {
          const result = await next(args);
          const reported = (result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] })
            .ConsumedCapacity;
          const capacity = this.options.consumedCapacity ? totalCapacity(command, reported) : undefined;
          this.log.push({ command, start, end: performance.now(), ...(capacity ? { capacity } : {}) });
          return result;
        } catch (error) {
          this.log.push({ command, start, end: performance.now() });
          throw error;
        }
      },
      { step: 'initialize', name: 'dynamoRequestLog' },
    );
    return client;
  }

  reset(): void {
    this.log = [];
  }

  get requests(): readonly LoggedRequest[] {
    return this.log;
  }

  /** Requests per command, such as `{ GetItem: 1, Query: 1 }`. */
  byCommand(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const request of this.log) counts[request.command] = (counts[request.command] ?? 0) + 1;
    return counts;
  }

  /**
   * The longest chain of requests each of which started after the previous one had ended: the round trips a caller
   * waits for one after another. Requests sent together overlap and count once. (Greedy by end time finds the largest
   * set of pairwise disjoint intervals, which is exactly such a chain.)
   */
  roundTrips(): number {
    let trips = 0;
    let free = Number.NEGATIVE_INFINITY;
    for (const request of [...this.log].sort((a, b) => a.end - b.end)) {
      if (request.start >= free) {
        trips++;
        free = request.end;
      }
    }
    return trips;
  }

  /** Read and write capacity units consumed by everything logged (needs `consumedCapacity`). */
  capacity(): { read: number; write: number } {
    let read = 0;
    let write = 0;
    for (const request of this.log) {
      read += request.capacity?.read ?? 0;
      write += request.capacity?.write ?? 0;
    }
    return { read, write };
  }
}

const READ_COMMANDS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);

/**
 * DynamoDB reports one entry per table touched, with `CapacityUnits` and, depending on the operation and the service
 * (DynamoDB Local reports fewer fields), read and write units apart: where they are missing, the command says which.
 */
function totalCapacity(
  command: string,
  reported: ConsumedCapacity | ConsumedCapacity[] | undefined,
): { read: number; write: number } | undefined {
  if (reported === undefined) return undefined;
  let read = 0;
  let write = 0;
  for (const entry of Array.isArray(reported) ? reported : [reported]) {
    if (entry.ReadCapacityUnits !== undefined || entry.WriteCapacityUnits !== undefined) {
      read += entry.ReadCapacityUnits ?? 0;
      write += entry.WriteCapacityUnits ?? 0;
    } else if (READ_COMMANDS.has(command)) {
      read += entry.CapacityUnits ?? 0;
    } else {
      write += entry.CapacityUnits ?? 0;
    }
  }
  return { read, write };
}
