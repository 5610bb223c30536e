import type { Clock } from './clock';

/**
 * Redriving license emails whose stream record was given up (the mailer's dead-letter queue, after an SES outage
 * longer than its retries): the outbox item is still in the table, unsent, but nothing would ever send it.
 * A redrive marks such an item (a conditional write: not sent, no live send lease), the mark reaches the mailer as a
 * stream record of its own, and the mailer sends it through the usual claim, so the send-once guarantee is the
 * mailer's, whatever the number of redrives or retries in flight.
 */

/** An outbox item not marked sent, as listed (the list may lag; the redrive's condition decides). */
export interface UnsentEmail {
  readonly orgId: string;
  readonly eventId: string;
  readonly type: string;
  readonly createdAt: string;
  /** Set when the mail service refused the message for good. */
  readonly failedAt?: string;
}

/**
 * - `requested`: marked; the mailer sends it shortly.
 * - `sent`: sent meanwhile; `failed`: refused for good (redriven only with includeFailed);
 *   `in-progress`: a worker holds its send lease right now; `gone`: expired.
 */
export type RedriveOutcome = 'requested' | 'sent' | 'failed' | 'in-progress' | 'gone';

export interface OutboxRedriveStore {
  /** The organization's outbox items without `sentAt`. */
  listUnsent(orgId: string): Promise<UnsentEmail[]>;
  /** Marks the item for the mailer unless it is sent, leased, or (without includeFailed) failed. */
  requestRedrive(email: UnsentEmail, now: Date, includeFailed: boolean): Promise<RedriveOutcome>;
}

export interface RedriveOptions {
  /** @default every organization */
  readonly orgId?: string;
  /** Also redrive emails the mail service refused, clearing `failedAt` (e.g. after leaving the SES sandbox). */
  readonly includeFailed?: boolean;
}

export interface RedrivenEmail extends UnsentEmail {
  readonly outcome: RedriveOutcome;
}

export class OutboxRedrive {
  constructor(
    private readonly options: {
      readonly store: OutboxRedriveStore;
      /** Every organization id, the default one included. */
      readonly organizations: () => Promise<readonly string[]>;
      readonly clock: Clock;
    },
  ) {}

  async redrive(options: RedriveOptions = {}): Promise<RedrivenEmail[]> {
    const { store, clock } = this.options;
    const includeFailed = options.includeFailed ?? false;
    const orgIds = options.orgId === undefined ? await this.options.organizations() : [options.orgId];
    const results: RedrivenEmail[] = [];
    for (const orgId of orgIds) {
      for (const email of await store.listUnsent(orgId)) {
        const outcome: RedriveOutcome =
          email.failedAt && !includeFailed ? 'failed' : await store.requestRedrive(email, clock.now(), includeFailed);
        results.push({ ...email, outcome });
      }
    }
    return results;
  }
}
