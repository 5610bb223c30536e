import {
  type DynamoDBClient,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';

import { VersionConflictError } from '../domain/errors';

/** Why each item of a cancelled transaction failed, in request order ('None' where it did not). */
export type CancellationCodes = readonly string[];

export class TransactionCancelledError extends Error {
  constructor(
    readonly codes: CancellationCodes,
    options?: { cause?: unknown },
  ) {
    super(`transaction cancelled: ${codes.join(',')}`, options);
    this.name = 'TransactionCancelledError';
  }

  /** True when the condition of the item at `index` failed. */
  conditionFailedAt(index: number): boolean {
    return this.codes[index] === 'ConditionalCheckFailed';
  }

  get anyConditionFailed(): boolean {
    return this.codes.includes('ConditionalCheckFailed');
  }
}

const MAX_CONFLICT_RETRIES = 6;

/**
 * Runs one TransactWriteItems request. A transaction that collided with another one on the same item
 * (`TransactionConflict`) is retried with jittered backoff: the other one may have failed, so giving up would turn a
 * race into a spurious error. Failed conditions are reported as TransactionCancelledError with the per-item codes.
 */
export async function transactWrite(client: DynamoDBClient, items: TransactWriteItem[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await client.send(new TransactWriteItemsCommand({ TransactItems: items }));
      return;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
      const conflictOnly = !codes.includes('ConditionalCheckFailed') && codes.includes('TransactionConflict');
      if (conflictOnly && attempt < MAX_CONFLICT_RETRIES) {
        await sleep(Math.random() * 20 * 2 ** attempt);
        continue;
      }
      if (conflictOnly) {
        // Still colliding: the use case re-reads and tries again within its own time budget, as for a version change.
        throw new VersionConflictError('the transaction kept colliding with concurrent ones', { cause: error });
      }
      throw new TransactionCancelledError(codes, { cause: error });
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
