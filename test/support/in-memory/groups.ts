import { UniquenessError, VersionConflictError } from '../../../lambda/domain/errors';
import {
  type GroupCriteria,
  type GroupMember,
  type GroupRecord,
  type GroupRef,
  type GroupRepository,
  type MembershipChange,
  matchesGroupCriteria,
} from '../../../lambda/domain/groups';
import type { ListOrder } from '../../../lambda/domain/list-order';
import { foldCase, type LinkedWrite, type ListPage, type ScanPage } from '../../../lambda/domain/users';
import { Interleaving } from './interleaving';
import type { LinkedWriteStore } from './licenses';
import { compareIds, pageOf, scanPageOf } from './paging';

/**
 * `GroupRepository` in memory, with the DynamoDB adapter's observable behaviour:
 * - one claim per organization and case-folded displayName (UniquenessError on create or rename onto a taken name);
 * - update and delete conditional on the version read (VersionConflictError, checked before uniqueness; a deleted
 *   group is a conflict too); an update writes the group and its membership change together or not at all;
 * - memberships are their own records: adding a member again replaces it (its `display` too), removing a non-member
 *   does nothing; a deleted group's memberships stay until `purgeMembers`, but `groupsOfUser` no longer lists it;
 * - members in user id order, groups of a user in group id order with the group's current displayName;
 * - lists in id order with the paging of `pageOf`.
 */
export class InMemoryGroupRepository implements GroupRepository {
  private readonly groups = new Map<string, GroupRecord>();
  private readonly claims = new Map<string, string>();
  /** Memberships per group (`<org>#<groupId>`), by user id. */
  private readonly memberships = new Map<string, Map<string, GroupMember>>();
  /** Deleted groups (`<org>#<groupId>`) whose memberships are not purged yet. */
  private readonly pendingPurges = new Set<string>();
  /** Memberships one `purgeMembers` call deletes at most before it reports being out of time (a test's stand-in). */
  purgeStep = Number.POSITIVE_INFINITY;

  constructor(
    /** Concurrent requests a test puts before the next create, update or delete of a group. */
    readonly interleaving: Interleaving = new Interleaving(),
    /**
     * Where the members' linked writes (plan changes) go. Each member's membership and writes are applied together,
     * in order, as the DynamoDB adapter's transactions do; the first failure stops the change there and is thrown
     * (members before it stay written, as earlier transactions of a split change stay committed).
     */
    private readonly linked?: LinkedWriteStore,
  ) {}

  /** Applies each member's membership with its linked writes, stopping at the first refused one. */
  private applyMembers(
    orgId: string,
    groupId: string,
    change: Pick<MembershipChange, 'add' | 'remove' | 'linked'>,
  ): void {
    const memberships = this.membershipsOf(orgId, groupId);
    const units = [
      ...change.add.map((member) => ({
        userId: member.userId,
        write: () => memberships.set(member.userId, { ...member }),
      })),
      ...change.remove.map((userId) => ({ userId, write: () => memberships.delete(userId) })),
    ];
    for (const unit of units) {
      const writes = change.linked?.get(unit.userId) ?? [];
      if (writes.length > 0 && this.linked) {
        const failure = this.linked.check(writes);
        if (failure) throw failure;
        this.linked.apply(writes);
      }
      unit.write();
    }
  }

  async create(
    group: GroupRecord,
    members: readonly GroupMember[],
    linked?: ReadonlyMap<string, readonly LinkedWrite[]>,
  ): Promise<void> {
    await this.interleaving.beforeWrite();
    const claim = claimKey(group.orgId, group.displayName);
    if (this.claims.has(claim)) throw new UniquenessError(`displayName ${group.displayName} is already taken`);
    if (this.groups.has(groupKey(group.orgId, group.id))) throw new Error(`group ${group.id} exists`);

    this.groups.set(groupKey(group.orgId, group.id), { ...group });
    this.claims.set(claim, group.id);
    this.applyMembers(group.orgId, group.id, { add: members, remove: [], ...(linked ? { linked } : {}) });
  }

  async get(orgId: string, id: string): Promise<GroupRecord | undefined> {
    const group = this.groups.get(groupKey(orgId, id));
    return group && { ...group };
  }

  async members(orgId: string, groupId: string, options: { limit?: number } = {}): Promise<GroupMember[]> {
    const members = [...(this.memberships.get(groupKey(orgId, groupId))?.values() ?? [])]
      .sort((a, b) => compareIds(a.userId, b.userId))
      .map((member) => ({ ...member }));
    return options.limit === undefined ? members : members.slice(0, options.limit);
  }

  async update(before: GroupRecord, after: GroupRecord, change: MembershipChange): Promise<void> {
    await this.interleaving.beforeWrite();
    const stored = this.groups.get(groupKey(before.orgId, before.id));
    if (stored?.version !== before.version) throw new VersionConflictError(`group ${before.id} changed`);
    const renamed = foldCase(before.displayName) !== foldCase(after.displayName);
    if (renamed && this.claims.has(claimKey(after.orgId, after.displayName))) {
      throw new UniquenessError(`displayName ${after.displayName} is already taken`);
    }

    this.groups.set(groupKey(after.orgId, after.id), { ...after });
    if (renamed) {
      this.claims.delete(claimKey(before.orgId, before.displayName));
      this.claims.set(claimKey(after.orgId, after.displayName), after.id);
    }
    this.applyMembers(after.orgId, after.id, change);
  }

  async changeMembers(group: GroupRecord, change: MembershipChange, modifiedAt: string): Promise<void> {
    await this.interleaving.beforeWrite();
    const stored = this.groups.get(groupKey(group.orgId, group.id));
    if (!stored) throw new VersionConflictError(`group ${group.id} changed`);
    this.groups.set(groupKey(group.orgId, group.id), {
      ...stored,
      version: stored.version + 1,
      lastModified: modifiedAt,
    });
    this.applyMembers(group.orgId, group.id, change);
  }

  async delete(group: GroupRecord): Promise<void> {
    await this.interleaving.beforeWrite();
    const stored = this.groups.get(groupKey(group.orgId, group.id));
    if (stored?.version !== group.version) throw new VersionConflictError(`group ${group.id} changed`);

    this.groups.delete(groupKey(group.orgId, group.id));
    this.claims.delete(claimKey(group.orgId, group.displayName));
    this.pendingPurges.add(groupKey(group.orgId, group.id));
  }

  async membersAmong(orgId: string, groupId: string, userIds: readonly string[]): Promise<Set<string>> {
    const members = this.memberships.get(groupKey(orgId, groupId));
    return new Set(userIds.filter((userId) => members?.has(userId)));
  }

  async purgeMembers(orgId: string, groupId: string, options: { deadline?: number } = {}): Promise<boolean> {
    if (options.deadline !== undefined && Date.now() >= options.deadline) return false;
    const members = this.memberships.get(groupKey(orgId, groupId));
    let deleted = 0;
    for (const userId of [...(members?.keys() ?? [])]) {
      if (deleted >= this.purgeStep) return false;
      members?.delete(userId);
      deleted++;
    }
    this.memberships.delete(groupKey(orgId, groupId));
    this.pendingPurges.delete(groupKey(orgId, groupId));
    return true;
  }

  async deletedGroups(orgId: string, limit: number): Promise<string[]> {
    return [...this.pendingPurges]
      .filter((key) => key.startsWith(`${orgId}#`))
      .map((key) => key.slice(orgId.length + 1))
      .sort(compareIds)
      .slice(0, limit);
  }

  async find(orgId: string, criteria: GroupCriteria): Promise<GroupRecord[]> {
    return this.candidates(orgId, criteria)
      .filter((group) => matchesGroupCriteria(group, criteria))
      .map((group) => ({ ...group }));
  }

  private candidates(orgId: string, criteria: GroupCriteria): GroupRecord[] {
    if (criteria.id !== undefined) {
      const group = this.groups.get(groupKey(orgId, criteria.id));
      return group ? [group] : [];
    }
    if (criteria.displayName !== undefined) {
      const id = this.claims.get(claimKey(orgId, criteria.displayName));
      const group = id === undefined ? undefined : this.groups.get(groupKey(orgId, id));
      return group ? [group] : [];
    }
    if (criteria.externalId !== undefined) {
      return this.groupsOf(orgId).filter((group) => group.externalId === criteria.externalId);
    }
    throw new Error('find needs at least one criterion');
  }

  async scan(orgId: string, afterId: string | undefined, limit: number): Promise<ScanPage<GroupRecord>> {
    const page = scanPageOf(this.groupsOf(orgId), afterId, limit);
    return { ...page, items: page.items.map((item) => ({ ...item })) };
  }

  async list(
    orgId: string,
    page: { startIndex: number; count: number; cursor?: string },
    order?: ListOrder,
  ): Promise<ListPage<GroupRecord>> {
    const result = pageOf(this.groupsOf(orgId), page, order, (item) => item.displayName);
    return { ...result, items: result.items.map((group) => ({ ...group })) };
  }

  async groupsOfUser(orgId: string, userId: string): Promise<GroupRef[]> {
    const refs: GroupRef[] = [];
    for (const [key, members] of this.memberships) {
      if (!members.has(userId)) continue;
      const group = this.groups.get(key);
      // A group deleted while its memberships are still being purged is not listed.
      if (group?.orgId === orgId) refs.push({ id: group.id, displayName: group.displayName });
    }
    return refs.sort((a, b) => compareIds(a.id, b.id));
  }

  /** Each group the user leaves gets a new version and lastModified, as its representation changed. */
  async removeUserFromAllGroups(orgId: string, userId: string, modifiedAt: string): Promise<void> {
    for (const [key, members] of this.memberships) {
      if (!key.startsWith(`${orgId}#`) || !members.delete(userId)) continue;
      const group = this.groups.get(key);
      if (group) this.groups.set(key, { ...group, version: group.version + 1, lastModified: modifiedAt });
    }
  }

  private groupsOf(orgId: string): GroupRecord[] {
    return [...this.groups.values()].filter((group) => group.orgId === orgId);
  }

  private membershipsOf(orgId: string, groupId: string): Map<string, GroupMember> {
    const key = groupKey(orgId, groupId);
    let members = this.memberships.get(key);
    if (!members) {
      members = new Map();
      this.memberships.set(key, members);
    }
    return members;
  }
}

function groupKey(orgId: string, id: string): string {
  return `${orgId}#${id}`;
}

function claimKey(orgId: string, displayName: string): string {
  return `${orgId}#${foldCase(displayName)}`;
}
