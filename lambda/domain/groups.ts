import { type Clock, type IdGenerator, isResourceId, systemClock, uuidV7 } from './clock';
import { InvalidReferenceError, NotFoundError, PreconditionFailedError, VersionConflictError } from './errors';
import { compareText, type ListOrder } from './list-order';
import { foldCase, type LinkedWrite, type ListPage, type PrefetchedReads, type ScanPage } from './users';

/**
 * Groups as Okta's "Push Groups" and Entra's group provisioning use them. A group is a name plus a set of users of the
 * same organization. Groups do not issue or revoke licenses (Okta provisions every member as a user); a group mapped
 * to a license plan changes its members' plans (domain/plans.ts), in the same transaction as each membership.
 */
export interface GroupProfile {
  /** Unique per organization without regard to case; stored exactly as sent. */
  readonly displayName: string;
  readonly externalId?: string;
}

export interface GroupRecord extends GroupProfile {
  readonly orgId: string;
  readonly id: string;
  /** Incremented on every change of the group, membership changes included. Exposed as `meta.version`. */
  readonly version: number;
  readonly created: string;
  readonly lastModified: string;
}

export interface GroupMember {
  readonly userId: string;
  /** The user's displayName (else userName) when the membership was written. */
  readonly display?: string;
}

/** A group a user belongs to, for the user's read-only `groups` attribute. */
export interface GroupRef {
  readonly id: string;
  readonly displayName: string;
}

/** What a change does to the membership, already reduced to its net effect: each user appears at most once. */
export interface MembershipChange {
  readonly add: readonly GroupMember[];
  readonly remove: readonly string[];
  /**
   * Writes that must commit in the same transaction as a member's membership write (its plan change), by user id.
   * A change too big for one transaction is split between members, never between a member and its writes.
   */
  readonly linked?: ReadonlyMap<string, readonly LinkedWrite[]>;
}

/**
 * What a membership change does to other records (the members' plans): asked for every change, with the refusals
 * met so far (`<userId>#<plan>`), so a change refused for lack of a plan seat is planned again without that plan.
 */
export interface MembershipPolicy<Prefetched extends PrefetchedReads = PrefetchedReads> {
  /** Starts the reads `plan` needs that do not depend on the group, so they travel with the group's own read. */
  prefetch?(orgId: string): Prefetched;
  plan(
    group: GroupRef & { readonly orgId: string },
    change: Pick<MembershipChange, 'add' | 'remove'>,
    refused: ReadonlySet<string>,
    prefetched?: Prefetched,
  ): Promise<ReadonlyMap<string, readonly LinkedWrite[]>>;
}

/**
 * The repository found plans' seats all taken while writing a change: planned again without them for those users
 * (the membership is still written; see domain/plans.ts).
 */
export interface SeatRefusal {
  readonly refusals: readonly { readonly userId: string; readonly plan: string }[];
}

function isSeatRefusal(error: unknown): error is Error & SeatRefusal {
  return error instanceof Error && Array.isArray((error as Partial<SeatRefusal>).refusals);
}

/** One step of a change, in request order (a PATCH operation or a part of a PUT). */
export type GroupEdit =
  | { readonly kind: 'setDisplayName'; readonly displayName: string }
  | { readonly kind: 'setExternalId'; readonly externalId: string | undefined }
  | { readonly kind: 'addMembers'; readonly userIds: readonly string[] }
  | { readonly kind: 'removeMembers'; readonly userIds: readonly string[] }
  /** The members become exactly these users (Okta's full push, PUT, and `remove members` without a value). */
  | { readonly kind: 'replaceMembers'; readonly userIds: readonly string[] };

/** Conditions of a lookup; all must hold. */
export interface GroupCriteria {
  readonly id?: string;
  /** Compared without regard to case (RFC 7643 §4.2: displayName is not case-exact). */
  readonly displayName?: string;
  readonly externalId?: string;
}

export interface GroupInput extends GroupProfile {
  readonly memberIds: readonly string[];
}

export interface GroupRepository {
  /**
   * Writes the group, its displayName claim and its memberships (with each member's `linked` writes). UniquenessError
   * when the displayName is taken.
   */
  create(
    group: GroupRecord,
    members: readonly GroupMember[],
    linked?: ReadonlyMap<string, readonly LinkedWrite[]>,
  ): Promise<void>;
  get(orgId: string, id: string): Promise<GroupRecord | undefined>;
  /** Members in a stable order (by user id), strongly consistent; at most `limit` of them when given. */
  members(orgId: string, groupId: string, options?: { limit?: number }): Promise<GroupMember[]>;
  /**
   * Writes `after` and the membership change, conditional on `before.version`: VersionConflictError when the group
   * changed (or another large change is still being written), UniquenessError when a new displayName is taken.
   * Nothing is written in either case.
   */
  update(before: GroupRecord, after: GroupRecord, change: MembershipChange): Promise<void>;
  /**
   * Writes a membership change with an increment of the group's version and `modifiedAt` as its lastModified, but
   * without a condition on the version read: membership changes of different users commute, so concurrent ones never
   * conflict, and the group's ETag still changes with its member list. VersionConflictError when the group is gone,
   * a large change holds its write lease, or a new member's user no longer exists.
   */
  changeMembers(group: GroupRecord, change: MembershipChange, modifiedAt: string): Promise<void>;
  /** Which of `userIds` are members of the group now (strongly consistent). */
  membersAmong(orgId: string, groupId: string, userIds: readonly string[]): Promise<Set<string>>;
  /**
   * Deletes the group and its displayName claim, conditional on `group.version`, and records in the same write that
   * its memberships remain to be purged (`deletedGroups`); the memberships are purged separately.
   */
  delete(group: GroupRecord): Promise<void>;
  /**
   * Deletes memberships of the group until all are gone (then forgets the group in `deletedGroups` and answers true)
   * or `deadline` (epoch milliseconds) passes (answers false; a later call continues). Idempotent.
   */
  purgeMembers(orgId: string, groupId: string, options?: { deadline?: number }): Promise<boolean>;
  /** Ids of deleted groups of the organization whose memberships are not purged yet, at most `limit`. */
  deletedGroups(orgId: string, limit: number): Promise<string[]>;
  /** Groups matching every criterion, each via a key lookup or an index query (never a scan). */
  find(orgId: string, criteria: GroupCriteria): Promise<GroupRecord[]>;
  /**
   * All groups of the organization in a stable order (creation order unless `order` says otherwise; `name` is the
   * displayName), 1-based `startIndex`, or from a cursor.
   */
  list(
    orgId: string,
    page: { startIndex: number; count: number; cursor?: string },
    order?: ListOrder,
  ): Promise<ListPage<GroupRecord>>;
  /** Up to `limit` groups after `afterId`, in id order, for evaluating a filter no index answers. */
  scan(orgId: string, afterId: string | undefined, limit: number): Promise<ScanPage<GroupRecord>>;
  /** The groups a user belongs to, from the reverse index: one query, not a scan. */
  groupsOfUser(orgId: string, userId: string): Promise<GroupRef[]>;
  /**
   * Deletes every membership of the user; each group it leaves gets a new version and `modifiedAt` as its
   * lastModified, since its member list changed. Idempotent.
   */
  removeUserFromAllGroups(orgId: string, userId: string, modifiedAt: string): Promise<void>;
  /**
   * Reads the user's memberships and answers the writes that remove them inside the user's delete transaction (each
   * group it leaves gets a new version), with a condition that fails if the user joined a group since this read.
   * Undefined when they would not fit one transaction: `removeUserFromAllGroups` then runs after the delete commits.
   */
  removalsOnUserDelete?(orgId: string, userId: string, modifiedAt: string): Promise<readonly LinkedWrite[] | undefined>;
}

/** Leaving a group inside a user's delete transaction: the membership goes and the group gets a new version. */
export interface LeaveGroupWrite extends LinkedWrite {
  readonly kind: 'membership.leave';
  readonly orgId: string;
  readonly groupId: string;
  readonly userId: string;
  readonly modifiedAt: string;
}

/**
 * Holds a user's delete to the memberships it read: the transaction fails if the user joined a group since, so no
 * membership outlives its user. `joins` is the count of the user's joins that read saw.
 */
export interface NoNewMembershipsWrite extends LinkedWrite {
  readonly kind: 'membership.none-added';
  readonly orgId: string;
  readonly userId: string;
  readonly joins: number;
}

export type MembershipRemovalWrite = LeaveGroupWrite | NoNewMembershipsWrite;

export function isMembershipRemoval(write: LinkedWrite): write is MembershipRemovalWrite {
  return write.kind === 'membership.leave' || write.kind === 'membership.none-added';
}

/** The users a group may refer to. */
export interface MemberDirectory {
  /** Which of `userIds` are users of the organization, each with the name a membership shows (`display`). */
  findUsers(orgId: string, userIds: readonly string[]): Promise<ReadonlyMap<string, { readonly display?: string }>>;
}

/** How long a change keeps retrying when a concurrent request changed the group (or is writing it) in between. */
const RETRY_BUDGET_MS = 7000;
/** Attempts at most, whatever the clock says. */
const MAX_ATTEMPTS = 40;

/**
 * How long a DELETE spends purging memberships before it answers. A group of 100,000 members takes longer than the
 * function may run (10 s); what is left is continued by the next group DELETE of the organization (the repeated one,
 * answered 404, too) or by `purgeDeleted`, and is invisible meanwhile (the group item is gone).
 */
export const PURGE_BUDGET_MS = 2000;
/** Deleted groups one call of `purgeDeleted` looks at. */
const PURGE_PENDING_LIMIT = 25;

/** How many unknown member ids an error names before it summarises the rest. */
const MAX_NAMED_UNKNOWN = 10;

export interface GroupServiceOptions {
  readonly clock?: Clock;
  readonly newId?: IdGenerator;
  /** Waits before retry `attempt` (1-based) after a version conflict. @default jittered exponential backoff */
  readonly backoff?: (attempt: number) => Promise<void>;
  /** What membership changes do to the members' plans. @default nothing */
  readonly membership?: MembershipPolicy;
}

/**
 * Use cases on groups. Every change is computed in full and validated (members exist in the organization, operations
 * are valid) before anything is written, so an invalid request changes nothing. How the write itself is made atomic
 * is the repository's business (see the DynamoDB adapter).
 */
export class GroupService {
  private readonly clock: Clock;
  private readonly newId: IdGenerator;
  private readonly backoff: (attempt: number) => Promise<void>;
  private readonly membership: MembershipPolicy | undefined;

  constructor(
    private readonly repository: GroupRepository,
    private readonly directory: MemberDirectory,
    options: GroupServiceOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.newId = options.newId ?? (() => uuidV7(this.clock.now().getTime()));
    this.backoff = options.backoff ?? jitteredBackoff;
    this.membership = options.membership;
  }

  async create(orgId: string, input: GroupInput): Promise<{ group: GroupRecord; members: GroupMember[] }> {
    const memberIds = unique(input.memberIds);
    const prefetched = memberIds.length === 0 ? undefined : this.prefetchMembership(orgId);
    const members = this.membersOf(memberIds, await this.findUsers(orgId, memberIds));
    const timestamp = this.clock.now().toISOString();
    const group: GroupRecord = {
      orgId,
      id: this.newId(),
      displayName: input.displayName,
      // Stryker disable next-line ConditionalExpression: a property set to undefined reads as absent to the adapters and JSON
      ...(input.externalId !== undefined ? { externalId: input.externalId } : {}),
      version: 1,
      created: timestamp,
      lastModified: timestamp,
    };
    const refused = new Set<string>();
    for (;;) {
      const linked = await this.membership?.plan(group, { add: members, remove: [] }, refused, prefetched);
      try {
        await this.repository.create(group, members, linked);
        break;
      } catch (error) {
        if (!isSeatRefusal(error) || !noteRefusals(refused, error)) throw error;
      }
    }
    return { group, members: [...members].sort((a, b) => compareText(a.userId, b.userId)) };
  }

  async get(orgId: string, id: string): Promise<GroupRecord> {
    const group = await this.repository.get(orgId, id);
    if (!group) throw new NotFoundError(`Group ${id} not found`);
    return group;
  }

  members(orgId: string, groupId: string, options: { limit?: number } = {}): Promise<GroupMember[]> {
    return this.repository.members(orgId, groupId, options);
  }

  /**
   * Applies the edits `change` returns for the current group. When another request changed the group in between, the
   * edits are computed again on the fresh copy, so no change is lost and none is applied twice.
   * @throws InvalidReferenceError naming every member id that is not a user of the organization (nothing is written)
   */
  async update(
    orgId: string,
    id: string,
    change: (current: GroupRecord) => readonly GroupEdit[],
    options: { ifMatch?: number } = {},
  ): Promise<GroupRecord> {
    return (await this.apply(orgId, id, change, options)).group;
  }

  /**
   * As `update`, and the group's members (at most `limit`) for the answer: read after the change commits, alongside
   * the group's fresh copy, so the answer waits for one round trip after the write.
   */
  async updateWithMembers(
    orgId: string,
    id: string,
    change: (current: GroupRecord) => readonly GroupEdit[],
    limit: number,
    options: { ifMatch?: number } = {},
  ): Promise<{ group: GroupRecord; members: GroupMember[] }> {
    const { group, members } = await this.apply(orgId, id, change, options, () =>
      this.repository.members(orgId, id, { limit }),
    );
    return { group, members: members ?? [] };
  }

  private async apply(
    orgId: string,
    id: string,
    change: (current: GroupRecord) => readonly GroupEdit[],
    options: { ifMatch?: number },
    readMembers?: () => Promise<GroupMember[]>,
  ): Promise<{ group: GroupRecord; members?: GroupMember[] }> {
    const started = Date.now();
    const refused = new Set<string>();
    for (let attempt = 1; ; attempt++) {
      const prefetched = this.prefetchMembership(orgId);
      const current = await this.get(orgId, id);
      if (options.ifMatch !== undefined && options.ifMatch !== current.version) {
        throw new PreconditionFailedError(`Group ${id} is at version ${current.version}, not ${options.ifMatch}`);
      }
      const planned = await this.plan(current, change(current));
      if (planned === 'unchanged') return { group: current, members: await readMembers?.() };
      const linked = await this.membership?.plan(planned.after, planned.membership, refused, prefetched);
      // Stryker disable next-line ConditionalExpression,EqualityOperator: an empty map of linked writes writes nothing, as no map does
      const membership = linked && linked.size > 0 ? { ...planned.membership, linked } : planned.membership;
      try {
        if (planned.membershipOnly && options.ifMatch === undefined) {
          await this.repository.changeMembers(current, membership, planned.after.lastModified);
          // Concurrent changes may have counted the version up too: read what the group is now.
          const [fresh, members] = await Promise.all([this.repository.get(orgId, id), readMembers?.()]);
          return { group: fresh ?? planned.after, members };
        }
        await this.repository.update(current, planned.after, membership);
        return { group: planned.after, members: await readMembers?.() };
      } catch (error) {
        // A refused plan seat is no conflict: the membership is written again at once, with a plan that has a seat.
        if (isSeatRefusal(error) && noteRefusals(refused, error)) continue;
        const spent = attempt >= MAX_ATTEMPTS || Date.now() - started >= RETRY_BUDGET_MS;
        if (!(error instanceof VersionConflictError) || spent || options.ifMatch !== undefined) throw error;
        await this.backoff(attempt);
      }
    }
  }

  /** PUT: the group becomes exactly `input`, members included. */
  replace(orgId: string, id: string, input: GroupInput, options: { ifMatch?: number } = {}): Promise<GroupRecord> {
    return this.update(
      orgId,
      id,
      () => [
        { kind: 'setDisplayName', displayName: input.displayName },
        { kind: 'setExternalId', externalId: input.externalId },
        { kind: 'replaceMembers', userIds: input.memberIds },
      ],
      options,
    );
  }

  /**
   * Deletes the group, then purges its memberships for at most PURGE_BUDGET_MS, so the answer never waits for a big
   * group's purge. The group's own delete records the pending purge in the same write: what this request leaves is
   * continued by the next group DELETE of the organization (a repeated DELETE, answered 404, included) or a sweep
   * calling `purgeDeleted`. Meanwhile nothing shows the group: its item is gone, and the user side skips memberships
   * of missing groups.
   */
  async delete(orgId: string, id: string, options: { ifMatch?: number } = {}): Promise<void> {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      const current = await this.repository.get(orgId, id);
      if (!current) {
        await this.purgeDeleted(orgId, Date.now() + PURGE_BUDGET_MS, id);
        throw new NotFoundError(`Group ${id} not found`);
      }
      if (options.ifMatch !== undefined && options.ifMatch !== current.version) {
        throw new PreconditionFailedError(`Group ${id} is at version ${current.version}, not ${options.ifMatch}`);
      }
      try {
        await this.repository.delete(current);
        break;
      } catch (error) {
        const spent = attempt >= MAX_ATTEMPTS || Date.now() - started >= RETRY_BUDGET_MS;
        if (!(error instanceof VersionConflictError) || spent || options.ifMatch !== undefined) throw error;
        await this.backoff(attempt);
      }
    }
    await this.purgeDeleted(orgId, Date.now() + PURGE_BUDGET_MS, id);
  }

  /**
   * Purges memberships of deleted groups of the organization (`first` before the others) until `deadline` (epoch
   * milliseconds). Answers true when none is left. For a sweep, and called by every group DELETE.
   */
  async purgeDeleted(orgId: string, deadline: number, first?: string): Promise<boolean> {
    const pending = await this.repository.deletedGroups(orgId, PURGE_PENDING_LIMIT);
    const order = first === undefined ? pending : [first, ...pending.filter((groupId) => groupId !== first)];
    for (const groupId of order) {
      if (Date.now() >= deadline) return false;
      if (!(await this.repository.purgeMembers(orgId, groupId, { deadline }))) return false;
    }
    return pending.length < PURGE_PENDING_LIMIT;
  }

  find(orgId: string, criteria: GroupCriteria): Promise<GroupRecord[]> {
    return this.repository.find(orgId, criteria);
  }

  list(
    orgId: string,
    page: { startIndex: number; count: number; cursor?: string },
    order?: ListOrder,
  ): Promise<ListPage<GroupRecord>> {
    return this.repository.list(orgId, page, order);
  }

  scan(orgId: string, afterId: string | undefined, limit: number): Promise<ScanPage<GroupRecord>> {
    return this.repository.scan(orgId, afterId, limit);
  }

  groupsOfUser(orgId: string, userId: string): Promise<GroupRef[]> {
    return this.repository.groupsOfUser(orgId, userId);
  }

  /** The membership policy's reads that do not depend on the group, started now; a failure surfaces only in `plan`. */
  private prefetchMembership(orgId: string): PrefetchedReads | undefined {
    const prefetched = this.membership?.prefetch?.(orgId);
    for (const read of Object.values(prefetched ?? {})) read.catch(() => {});
    return prefetched;
  }

  /** What a user's delete transaction also writes to leave its groups, when the repository can say (see the port). */
  removalsOnUserDelete(orgId: string, userId: string): Promise<readonly LinkedWrite[] | undefined> {
    return (
      this.repository.removalsOnUserDelete?.(orgId, userId, this.clock.now().toISOString()) ??
      Promise.resolve(undefined)
    );
  }

  /** Called after a user was deleted. Idempotent. */
  removeUserFromAllGroups(orgId: string, userId: string): Promise<void> {
    return this.repository.removeUserFromAllGroups(orgId, userId, this.clock.now().toISOString());
  }

  /** Folds the edits, in order, into the group's next state and the net membership change, and validates both. */
  private async plan(
    current: GroupRecord,
    edits: readonly GroupEdit[],
  ): Promise<{ after: GroupRecord; membership: MembershipChange; membershipOnly: boolean } | 'unchanged'> {
    let displayName = current.displayName;
    let externalId = current.externalId;
    /** Whether the edits start from an empty membership (a replace) rather than the current one. */
    let fromEmpty = false;
    /** Net wish per user: true = member, false = not a member; users not in the map keep their state. */
    const wanted = new Map<string, boolean>();
    for (const edit of edits) {
      switch (edit.kind) {
        case 'setDisplayName':
          displayName = edit.displayName;
          break;
        case 'setExternalId':
          externalId = edit.externalId;
          break;
        case 'addMembers':
          for (const userId of edit.userIds) wanted.set(userId, true);
          break;
        case 'removeMembers':
          for (const userId of edit.userIds) wanted.set(userId, false);
          break;
        case 'replaceMembers':
          fromEmpty = true;
          wanted.clear();
          for (const userId of edit.userIds) wanted.set(userId, true);
          break;
      }
    }

    let toAdd: string[];
    let toRemove: string[];
    let users: Promise<ReadonlyMap<string, { readonly display?: string }>> | undefined;
    if (fromEmpty) {
      // Only the difference is written, so Okta's full push of an unchanged big group costs reads, not writes.
      const existing = new Set((await this.repository.members(current.orgId, current.id)).map((m) => m.userId));
      toAdd = [...wanted].filter(([userId, member]) => member && !existing.has(userId)).map(([userId]) => userId);
      toRemove = [...existing].filter((userId) => wanted.get(userId) !== true);
    } else {
      // Only these users' memberships are read (one batch read per 100), so adding existing members or removing
      // non-members writes nothing, and repeating a big add costs reads, not a rewrite of every membership.
      // An id this service could not have issued is no member, and no key is built from it.
      const named = [...wanted.keys()].filter(isResourceId);
      // The users to add are read alongside their memberships, one round trip instead of two; those already members
      // cost a read they would not have needed.
      users = this.findUsers(
        current.orgId,
        // Stryker disable next-line MethodExpression: reading the users named for removal too only costs reads
        named.filter((userId) => wanted.get(userId)),
      );
      users.catch(() => {});
      const existing =
        named.length === 0 ? new Set<string>() : await this.repository.membersAmong(current.orgId, current.id, named);
      toAdd = [...wanted].filter(([userId, member]) => member && !existing.has(userId)).map(([userId]) => userId);
      toRemove = [...wanted].filter(([userId, member]) => !member && existing.has(userId)).map(([userId]) => userId);
    }
    const added = this.membersOf(
      toAdd,
      // Stryker disable next-line ConditionalExpression: with no one to add, the users read find no one missing either
      toAdd.length === 0 ? new Map() : await (users ?? this.findUsers(current.orgId, toAdd)),
    );

    const renamed = displayName !== current.displayName;
    if (!renamed && externalId === current.externalId && added.length === 0 && toRemove.length === 0) {
      return 'unchanged';
    }
    const after: GroupRecord = {
      orgId: current.orgId,
      id: current.id,
      displayName,
      // Stryker disable next-line ConditionalExpression: a property set to undefined reads as absent to the adapters and JSON
      ...(externalId !== undefined ? { externalId } : {}),
      version: current.version + 1,
      created: current.created,
      lastModified: this.clock.now().toISOString(),
    };
    // Adds and removes of named users commute with any other such change; a replace depends on the members it read.
    const membershipOnly = !renamed && externalId === current.externalId && !fromEmpty;
    return { after, membership: { add: added, remove: toRemove }, membershipOnly };
  }

  /** The users of the organization among `userIds`, with the name a membership shows. */
  private findUsers(
    orgId: string,
    userIds: readonly string[],
  ): Promise<ReadonlyMap<string, { readonly display?: string }>> {
    // An id this service could not have issued is no user, and no key is built from it.
    const candidates = userIds.filter(isResourceId);
    // Stryker disable next-line ConditionalExpression: asking the directory for no ids finds none, as the shortcut does; it only saves a call
    return candidates.length === 0 ? Promise.resolve(new Map()) : this.directory.findUsers(orgId, candidates);
  }

  /** Every id must be a user of the organization; otherwise nothing is written and the error names the unknown ones. */
  private membersOf(
    userIds: readonly string[],
    found: ReadonlyMap<string, { readonly display?: string }>,
  ): GroupMember[] {
    const unknown = userIds.filter((userId) => !found.has(userId));
    if (unknown.length > 0) throw new InvalidReferenceError(unknownMembersMessage(unknown));
    return userIds.map((userId) => {
      // Stryker disable next-line OptionalChaining: every id is found here, the unknown ones were refused just above
      const display = found.get(userId)?.display;
      // Stryker disable next-line ConditionalExpression: a display set to undefined reads as absent to the adapters and JSON
      return display === undefined ? { userId } : { userId, display };
    });
  }
}

/** Adds the refusals to `refused`; false when none is new (planning again would not change anything). */
function noteRefusals(refused: Set<string>, error: SeatRefusal): boolean {
  const before = refused.size;
  for (const refusal of error.refusals) refused.add(`${refusal.userId}#${refusal.plan}`);
  return refused.size > before;
}

/** True when the group satisfies every criterion. */
export function matchesGroupCriteria(group: GroupRecord, criteria: GroupCriteria): boolean {
  if (criteria.id !== undefined && group.id !== criteria.id) return false;
  if (criteria.displayName !== undefined && foldCase(group.displayName) !== foldCase(criteria.displayName)) {
    return false;
  }
  if (criteria.externalId !== undefined && group.externalId !== criteria.externalId) return false;
  return true;
}

function unknownMembersMessage(unknown: readonly string[]): string {
  const named = unknown
    .slice(0, MAX_NAMED_UNKNOWN)
    .map((id) => id.slice(0, 80))
    .join(', ');
  const more = unknown.length > MAX_NAMED_UNKNOWN ? ` and ${unknown.length - MAX_NAMED_UNKNOWN} more` : '';
  return (
    `Group members must be users of this organization; unknown user id(s): ${named}${more}. ` +
    'Provision these users first (or push the group again), then retry; nothing was changed'
  );
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function jitteredBackoff(attempt: number): Promise<void> {
  const ms = Math.random() * 25 * 2 ** attempt;
  return new Promise((resolve) => setTimeout(resolve, ms));
}
