import { foldCase } from './case-fold';
import { type Clock, type IdGenerator, systemClock, uuidV7 } from './clock';
import { NotFoundError, PreconditionFailedError, VersionConflictError } from './errors';
import type { ListOrder } from './list-order';

/**
 * A user's profile as the protocol layer validated it: the SCIM attributes we keep (without `id`, `meta`, `groups`,
 * `password`), plus the few fields the domain reasons about, extracted once.
 */
export interface UserProfile {
  /** Stored exactly as sent; unique per organization without regard to case. */
  readonly userName: string;
  readonly externalId?: string;
  readonly active: boolean;
  /**
   * The primary email, else the first work email, else the first one: kept in the older `byEmail` index, which finds
   * users stored before every address had its own index item.
   */
  readonly lookupEmail?: string;
  /** Every email value, for filter matching. */
  readonly emails: readonly { readonly value: string; readonly type?: string }[];
  /** The whole SCIM document to store and return (JSON-serialisable). */
  readonly document: Record<string, unknown>;
}

export interface UserRecord extends UserProfile {
  readonly orgId: string;
  readonly id: string;
  /** Incremented on every write; every write is conditional on the version read. Exposed as `meta.version`. */
  readonly version: number;
  readonly created: string;
  readonly lastModified: string;
}

/** A write that must commit in the same transaction as a user change (a license, an outbox email, a seat). */
export interface LinkedWrite {
  readonly kind: string;
}

/**
 * Decides what else changes when a user is created, changed or deleted (licenses, emails). It may refuse the change by
 * throwing a domain error (for example when no seat is free); nothing is written then.
 */
export interface UserChangePolicy {
  plan(change: UserChange): Promise<readonly LinkedWrite[]>;
  /**
   * Starts the reads `plan` may need for a change of this user, before the user is read, so both travel in one round
   * trip; `plan` finds them in `change.prefetched`. `deactivation`: whether the change may make an active user
   * inactive (deletes count as one); `activation`: whether it may make an inactive user active. A policy must still plan correctly from reads that are missing or that ran
   * before a concurrent change committed: those end in a VersionConflictError, and the change is computed again.
   */
  prefetch?(orgId: string, userId: string, intent: PrefetchIntent): PrefetchedReads;
}

/** What a change may do to the user's state, for the reads a policy starts early. */
export interface PrefetchIntent {
  readonly deactivation: boolean;
  readonly activation: boolean;
}

/** Reads a policy started alongside the user's read, by name; only the policy that started them knows their type. */
export type PrefetchedReads = Readonly<Record<string, Promise<unknown>>>;

export interface UserChange {
  readonly orgId: string;
  /** Undefined on create. */
  readonly before?: UserRecord;
  /** Undefined on delete. */
  readonly after?: UserRecord;
  readonly at: Date;
  /** What the policy's `prefetch` started for this attempt. */
  readonly prefetched?: PrefetchedReads;
}

export interface ListPage<T> {
  readonly totalResults: number;
  readonly items: readonly T[];
  /** Opaque cursor for the next page (RFC 9865), absent on the last page. */
  readonly nextCursor?: string;
  /**
   * Set (with no items) when the name order was asked for and its index does not hold every item yet (items written
   * before it existed): the caller sorts the organization within its bound instead.
   */
  readonly orderUnavailable?: true;
}

/** One page of an organization's resources in id order; `last` (the last id) is absent on the last page. */
export interface ScanPage<T> {
  readonly items: readonly T[];
  readonly last?: string;
}

/** Conditions of a lookup; all must hold (a conjunction of `eq`). */
export interface UserCriteria {
  readonly id?: string;
  readonly userName?: string;
  readonly externalId?: string;
  readonly email?: { readonly value: string; readonly type?: string };
}

export interface UserRepository {
  /** Fails with UniquenessError when the userName is taken. One transaction. */
  create(user: UserRecord, linked: readonly LinkedWrite[]): Promise<void>;
  get(orgId: string, id: string): Promise<UserRecord | undefined>;
  /** Conditional on `before.version`: VersionConflictError when it changed; UniquenessError on a taken userName. */
  update(before: UserRecord, after: UserRecord, linked: readonly LinkedWrite[]): Promise<void>;
  /** Conditional on `user.version`. */
  delete(user: UserRecord, linked: readonly LinkedWrite[]): Promise<void>;
  /** Users matching every criterion, each via a key lookup or an index query (never a scan). */
  find(orgId: string, criteria: UserCriteria): Promise<UserRecord[]>;
  /**
   * All users of the organization in a stable order (creation order unless `order` says otherwise; `name` is the
   * userName), 1-based `startIndex`, or from a cursor.
   */
  list(
    orgId: string,
    page: { startIndex: number; count: number; cursor?: string },
    order?: ListOrder,
  ): Promise<ListPage<UserRecord>>;
  /** Up to `limit` users after `afterId`, in id order, for evaluating a filter no index answers. */
  scan(orgId: string, afterId: string | undefined, limit: number): Promise<ScanPage<UserRecord>>;
}

const noLinkedWrites: UserChangePolicy = { plan: async () => [] };

/**
 * How long a write keeps retrying when concurrent requests changed the user in between: Okta and Entra do not retry a
 * 409, so contention is absorbed here, well inside the SCIM function's 10 s timeout.
 */
const RETRY_BUDGET_MS = 7000;
/** Attempts at most, whatever the clock says (a test clock may stand still). */
const MAX_ATTEMPTS = 40;

export interface UserServiceOptions {
  readonly clock?: Clock;
  readonly newId?: IdGenerator;
  readonly policy?: UserChangePolicy;
  /**
   * Runs after a user's delete committed, for cleanups too big for its transaction (group memberships), and again when
   * a DELETE finds the user already gone, so a retried DELETE finishes a cleanup that failed. Must be idempotent.
   */
  readonly onDeleted?: (orgId: string, userId: string) => Promise<void>;
  /**
   * Read alongside the user on a DELETE: writes that remove what the user belongs to (group memberships) in the
   * delete's own transaction, so the delete waits for one read and one write. Undefined when they would not fit one
   * transaction; `onDeleted` then cleans up after the commit.
   */
  readonly removalsOnDelete?: (orgId: string, userId: string) => Promise<readonly LinkedWrite[] | undefined>;
  /** Waits before retry `attempt` (1-based) after a version conflict. @default jittered exponential backoff */
  readonly backoff?: (attempt: number) => Promise<void>;
}

/** Use cases on users. Every change is one conditional transaction, including whatever the policy links to it. */
export class UserService {
  private readonly clock: Clock;
  private readonly newId: IdGenerator;
  private readonly policy: UserChangePolicy;
  private readonly onDeleted: (orgId: string, userId: string) => Promise<void>;
  private readonly removalsOnDelete: (orgId: string, userId: string) => Promise<readonly LinkedWrite[] | undefined>;
  private readonly backoff: (attempt: number) => Promise<void>;

  constructor(
    private readonly repository: UserRepository,
    options: UserServiceOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.newId = options.newId ?? (() => uuidV7(this.clock.now().getTime()));
    this.policy = options.policy ?? noLinkedWrites;
    this.onDeleted = options.onDeleted ?? (async () => {});
    this.removalsOnDelete = options.removalsOnDelete ?? (async () => undefined);
    this.backoff = options.backoff ?? jitteredBackoff;
  }

  /** Whether another attempt fits: a conflict without If-Match is retried until the budget is spent. */
  private mayRetry(error: unknown, attempt: number, started: number, ifMatch: number | undefined): boolean {
    return (
      error instanceof VersionConflictError &&
      ifMatch === undefined &&
      attempt < MAX_ATTEMPTS &&
      Date.now() - started < RETRY_BUDGET_MS
    );
  }

  async create(orgId: string, profile: UserProfile): Promise<UserRecord> {
    const at = this.clock.now();
    const timestamp = at.toISOString();
    const user: UserRecord = {
      ...profile,
      orgId,
      id: this.newId(),
      version: 1,
      created: timestamp,
      lastModified: timestamp,
    };
    const linked = await this.policy.plan({ orgId, after: user, at });
    await this.repository.create(user, linked);
    return user;
  }

  async get(orgId: string, id: string): Promise<UserRecord> {
    const user = await this.repository.get(orgId, id);
    if (!user) throw new NotFoundError(`User ${id} not found`);
    return user;
  }

  /**
   * Computes the new profile from the current user and writes it conditionally. When another request changed the
   * user in between, the change is computed again on the fresh copy, so no update is lost and none is applied twice.
   */
  async update(
    orgId: string,
    id: string,
    change: (current: UserRecord) => UserProfile,
    options: {
      ifMatch?: number;
      /**
       * Whether the change may make the user inactive: the policy then reads what deactivation needs (the active
       * license) together with the user. A wrong `false` costs a second read round trip, never a wrong change.
       * @default true
       */
      mayDeactivate?: boolean;
      /**
       * Whether the change may make an inactive user active: the policy then reads what a new license needs (the
       * plan of the user's groups) together with the user. A wrong `false` costs a second read round trip.
       * @default false
       */
      mayActivate?: boolean;
    } = {},
  ): Promise<UserRecord> {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      const prefetched = this.prefetch(orgId, id, {
        deactivation: options.mayDeactivate ?? true,
        activation: options.mayActivate ?? false,
      });
      const current = await this.get(orgId, id);
      if (options.ifMatch !== undefined && options.ifMatch !== current.version) {
        throw new PreconditionFailedError(`User ${id} is at version ${current.version}, not ${options.ifMatch}`);
      }
      const profile = change(current);
      const at = this.clock.now();
      const next: UserRecord = {
        ...profile,
        orgId,
        id,
        version: current.version + 1,
        created: current.created,
        lastModified: at.toISOString(),
      };
      try {
        const linked = await this.policy.plan({ orgId, before: current, after: next, at, prefetched });
        await this.repository.update(current, next, linked);
        return next;
      } catch (error) {
        if (!this.mayRetry(error, attempt, started, options.ifMatch)) throw error;
        await this.backoff(attempt);
      }
    }
  }

  /** With `ifMatch`, deletes only that version (RFC 7644 §3.14), as update does; a concurrent change is not retried. */
  async delete(orgId: string, id: string, options: { ifMatch?: number } = {}): Promise<void> {
    const started = Date.now();
    // Stryker disable next-line BooleanLiteral: set before the loop's only way out that reaches its use
    let removedInTransaction = false;
    for (let attempt = 1; ; attempt++) {
      const prefetched = this.prefetch(orgId, id, { deactivation: true, activation: false });
      // Only the first attempt removes memberships in its transaction: a conflict may come from one of them (a group
      // joined or deleted since the read), and a cleanup that follows the commit cannot miss a membership.
      const removals = attempt === 1 ? this.removalsOnDelete(orgId, id) : undefined;
      removals?.catch(() => {});
      const current = await this.repository.get(orgId, id);
      if (!current) {
        await this.onDeleted(orgId, id);
        throw new NotFoundError(`User ${id} not found`);
      }
      if (options.ifMatch !== undefined && options.ifMatch !== current.version) {
        throw new PreconditionFailedError(`User ${id} is at version ${current.version}, not ${options.ifMatch}`);
      }
      try {
        const linked = await this.policy.plan({ orgId, before: current, at: this.clock.now(), prefetched });
        const removing = await removals;
        await this.repository.delete(current, removing ? [...linked, ...removing] : linked);
        removedInTransaction = removing !== undefined;
        break;
      } catch (error) {
        if (!this.mayRetry(error, attempt, started, options.ifMatch)) throw error;
        await this.backoff(attempt);
      }
    }
    if (!removedInTransaction) await this.onDeleted(orgId, id);
  }

  /** The policy's reads for a change of this user, started now; a failure surfaces only if `plan` awaits it. */
  private prefetch(orgId: string, id: string, intent: PrefetchIntent): PrefetchedReads | undefined {
    const reads = this.policy.prefetch?.(orgId, id, intent);
    for (const read of Object.values(reads ?? {})) read.catch(() => {});
    return reads;
  }

  find(orgId: string, criteria: UserCriteria): Promise<UserRecord[]> {
    return this.repository.find(orgId, criteria);
  }

  list(
    orgId: string,
    page: { startIndex: number; count: number; cursor?: string },
    order?: ListOrder,
  ): Promise<ListPage<UserRecord>> {
    return this.repository.list(orgId, page, order);
  }

  scan(orgId: string, afterId: string | undefined, limit: number): Promise<ScanPage<UserRecord>> {
    return this.repository.scan(orgId, afterId, limit);
  }
}

export { foldCase } from './case-fold';

/** Full jitter, capped: spreads concurrent writers of one user apart instead of letting them collide again. */
function jitteredBackoff(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(400, 20 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True when the user satisfies every criterion (userName and email without regard to case, externalId exactly). */
export function matchesCriteria(user: UserRecord, criteria: UserCriteria): boolean {
  if (criteria.id !== undefined && user.id !== criteria.id) return false;
  if (criteria.userName !== undefined && foldCase(user.userName) !== foldCase(criteria.userName)) return false;
  if (criteria.externalId !== undefined && user.externalId !== criteria.externalId) return false;
  const email = criteria.email;
  if (email !== undefined) {
    const wanted = foldCase(email.value);
    const type = email.type === undefined ? undefined : foldCase(email.type);
    const found = user.emails.some(
      (candidate) =>
        foldCase(candidate.value) === wanted &&
        (type === undefined || (candidate.type !== undefined && foldCase(candidate.type) === type)),
    );
    if (!found) return false;
  }
  return true;
}
