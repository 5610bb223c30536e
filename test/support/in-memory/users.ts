import { UniquenessError, VersionConflictError } from '../../../lambda/domain/errors';
import type { MemberDirectory } from '../../../lambda/domain/groups';
import type { ListOrder } from '../../../lambda/domain/list-order';
import {
  foldCase,
  type LinkedWrite,
  type ListPage,
  matchesCriteria,
  type ScanPage,
  type UserCriteria,
  type UserRecord,
  type UserRepository,
} from '../../../lambda/domain/users';
import { Interleaving } from './interleaving';
import type { LinkedWriteStore } from './licenses';
import { pageOf, scanPageOf } from './paging';

/** Refuses every linked write, as the DynamoDB user repository does when no translator is wired. */
const noLinkedWrites: LinkedWriteStore = {
  check: (writes) => (writes[0] ? new Error(`no translator for linked write ${writes[0].kind}`) : undefined),
  apply: () => {},
};

/**
 * `UserRepository` in memory, with the DynamoDB adapter's observable behaviour:
 * - one claim per organization and case-folded userName: a create or rename onto a taken name is a UniquenessError;
 * - update and delete are conditional on the version read: a changed or deleted user is a VersionConflictError
 *   (checked before uniqueness, as the adapter maps the cancelled transaction);
 * - the linked writes commit with the user or not at all (see LinkedWriteStore), a refused seat being SeatLimitError;
 * - lookups by userName (any case), externalId (exact) and email (the user's lookup email, any case);
 * - lists in id order with the paging of `pageOf`.
 * Records are copied in and out, so a caller mutating what it got cannot change the store behind the repository's back.
 */
export class InMemoryUserRepository implements UserRepository {
  private readonly users = new Map<string, UserRecord>();
  private readonly claims = new Map<string, string>();

  constructor(
    private readonly linked: LinkedWriteStore = noLinkedWrites,
    /** Concurrent requests a test puts before the next writes. */
    readonly interleaving: Interleaving = new Interleaving(),
  ) {}

  async create(user: UserRecord, linked: readonly LinkedWrite[]): Promise<void> {
    await this.interleaving.beforeWrite();
    const claim = claimKey(user.orgId, user.userName);
    if (this.claims.has(claim)) throw new UniquenessError(`userName ${user.userName} is already taken`);
    if (this.users.has(userKey(user.orgId, user.id))) throw new Error(`user ${user.id} exists`);
    const failure = this.linked.check(linked);
    if (failure) throw failure;

    this.users.set(userKey(user.orgId, user.id), copy(user));
    this.claims.set(claim, user.id);
    this.linked.apply(linked);
  }

  async get(orgId: string, id: string): Promise<UserRecord | undefined> {
    const user = this.users.get(userKey(orgId, id));
    return user && copy(user);
  }

  async update(before: UserRecord, after: UserRecord, linked: readonly LinkedWrite[]): Promise<void> {
    await this.interleaving.beforeWrite();
    const stored = this.users.get(userKey(before.orgId, before.id));
    if (stored?.version !== before.version) throw new VersionConflictError(`user ${before.id} changed`);
    const renamed = foldCase(before.userName) !== foldCase(after.userName);
    if (renamed && this.claims.has(claimKey(after.orgId, after.userName))) {
      throw new UniquenessError(`userName ${after.userName} is already taken`);
    }
    const failure = this.linked.check(linked);
    if (failure) throw failure;

    this.users.set(userKey(after.orgId, after.id), copy(after));
    if (renamed) {
      this.claims.delete(claimKey(before.orgId, before.userName));
      this.claims.set(claimKey(after.orgId, after.userName), after.id);
    }
    this.linked.apply(linked);
  }

  async delete(user: UserRecord, linked: readonly LinkedWrite[]): Promise<void> {
    await this.interleaving.beforeWrite();
    const stored = this.users.get(userKey(user.orgId, user.id));
    if (stored?.version !== user.version) throw new VersionConflictError(`user ${user.id} changed`);
    const failure = this.linked.check(linked);
    if (failure) throw failure;

    this.users.delete(userKey(user.orgId, user.id));
    this.claims.delete(claimKey(user.orgId, user.userName));
    this.linked.apply(linked);
  }

  async find(orgId: string, criteria: UserCriteria): Promise<UserRecord[]> {
    return this.candidates(orgId, criteria)
      .filter((user) => matchesCriteria(user, criteria))
      .map(copy);
  }

  /** The users the adapter's key lookup or index query would return for the most selective criterion. */
  private candidates(orgId: string, criteria: UserCriteria): UserRecord[] {
    if (criteria.id !== undefined) {
      const user = this.users.get(userKey(orgId, criteria.id));
      return user ? [user] : [];
    }
    const all = this.usersOf(orgId);
    if (criteria.userName !== undefined) {
      const wanted = foldCase(criteria.userName);
      return all.filter((user) => foldCase(user.userName) === wanted);
    }
    if (criteria.externalId !== undefined) return all.filter((user) => user.externalId === criteria.externalId);
    if (criteria.email !== undefined) {
      const wanted = foldCase(criteria.email.value);
      return all.filter((user) => user.emails.some((email) => foldCase(email.value) === wanted));
    }
    throw new Error('find needs at least one criterion');
  }

  async scan(orgId: string, afterId: string | undefined, limit: number): Promise<ScanPage<UserRecord>> {
    const page = scanPageOf(this.usersOf(orgId), afterId, limit);
    return { ...page, items: page.items.map((item) => ({ ...item })) };
  }

  async list(
    orgId: string,
    page: { startIndex: number; count: number; cursor?: string },
    order?: ListOrder,
  ): Promise<ListPage<UserRecord>> {
    const result = pageOf(this.usersOf(orgId), page, order, (item) => item.userName);
    return { ...result, items: result.items.map(copy) };
  }

  private usersOf(orgId: string): UserRecord[] {
    return [...this.users.values()].filter((user) => user.orgId === orgId);
  }
}

/**
 * `MemberDirectory` over the in-memory users: which ids are users of the organization, each shown by its
 * displayName, else its userName, as the DynamoDB directory reads them from the user items.
 */
export class InMemoryMemberDirectory implements MemberDirectory {
  constructor(private readonly users: Pick<UserRepository, 'get'>) {}

  async findUsers(orgId: string, userIds: readonly string[]): Promise<ReadonlyMap<string, { display?: string }>> {
    const found = new Map<string, { display?: string }>();
    for (const id of new Set(userIds)) {
      const user = await this.users.get(orgId, id);
      if (!user) continue;
      const displayName = user.document.displayName;
      const display = typeof displayName === 'string' && displayName.trim() !== '' ? displayName : user.userName;
      found.set(id, { display });
    }
    return found;
  }
}

function userKey(orgId: string, id: string): string {
  return `${orgId}#${id}`;
}

function claimKey(orgId: string, userName: string): string {
  return `${orgId}#${foldCase(userName)}`;
}

function copy(user: UserRecord): UserRecord {
  return structuredClone(user);
}
