import { randomUUID } from 'node:crypto';
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  type QueryCommandInput,
  type TransactWriteItem,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { keyFits } from '../contract/keys';
import { IndexNames } from '../contract/tables';
import type { GroupActivity } from '../domain/activity';
import { legacyFoldCase } from '../domain/case-fold';
import { InvalidReferenceError, UniquenessError, VersionConflictError } from '../domain/errors';
import {
  type GroupCriteria,
  type GroupMember,
  type GroupRecord,
  type GroupRef,
  type GroupRepository,
  isMembershipRemoval,
  type LeaveGroupWrite,
  type MembershipChange,
  matchesGroupCriteria,
  type NoNewMembershipsWrite,
} from '../domain/groups';
import { isLicenseWrite, type PlanSeatWrite } from '../domain/licenses';
import type { ListOrder } from '../domain/list-order';
import { type PlanSeatRefusal, PlanSeatRefusedError } from '../domain/plans';
import { foldCase, type LinkedWrite, type ListPage, type ScanPage } from '../domain/users';
import {
  fromItem,
  GROUP_PREFIX,
  groupKey,
  groupPartition,
  JOINS_SK,
  joinsKey,
  type Lease,
  legacyNameClaimKey,
  MEMBER_PREFIX,
  membershipKey,
  mirrorKey,
  mirrorPartition,
  nameClaimKey,
  requireGroupKeysFit,
  toItem,
  userItemKey,
  userPartition,
} from './dynamodb-group-items';
import { batchGet, deleteAll, type Item, queryAll } from './dynamodb-operations';
import { lacksNameOrder, nameIndexAttributes, OrgList } from './dynamodb-org-list';
import { TransactionCancelledError, transactWrite } from './dynamodb-transactions';
import type { LinkedWriteTranslator } from './dynamodb-user-repository';

/** DynamoDB's limit of items per TransactWriteItems request. */
const MAX_TRANSACTION_ITEMS = 100;
/**
 * Groups a user's delete leaves inside its own transaction (three items each, beside the user's own writes and its
 * license's); a user in more groups leaves them after the delete commits.
 */
const MAX_GROUPS_LEFT_IN_DELETE = 25;
/** Batch requests in flight at once while purging memberships. */
const PURGE_CONCURRENCY = 4;
/** Memberships a purge reads per query (each is two deletes: the membership and its mirror). */
const PURGE_PAGE = 500;
/**
 * How long a change too big for one transaction keeps other writers of the group out. Longer than any request can
 * run (API Gateway gives up after 29 s), so a live writer never loses it; a writer that died releases it by expiry.
 */
const WRITE_LEASE_MS = 60_000;

/** The activity record of a group change, as one item of the transaction it describes. */
export type GroupActivityWrite = (change: GroupActivity) => TransactWriteItem;
/**
 * Groups in DynamoDB. Items (every key starts with the organization id):
 * - group `<org>#GROUP#<id>` / `GROUP`: displayName, externalId, `version`; index keys for listing (`gsi1pk` =
 *   `<org>#GROUP`, `gsi1sk` = id, a time-ordered uuidV7) and for externalId (`externalIdKey`);
 * - displayName claim `<org>#GROUPNAME#<lower(displayName)>` / `UNIQUE`, written with `attribute_not_exists` in the
 *   same transaction as the group, so uniqueness holds under concurrency (like the userName claim);
 * - the group count and remembered list positions of `OrgList` (kind `GROUP`), as for users;
 * - one membership per (group, user): `<org>#GROUP#<gid>` / `MEMBER#<uid>` (in the group's partition, so a group's
 *   members are one strongly consistent query), mirrored for the user side by the `lookup` index
 *   (`gsi2pk` = `<org>#USER#<uid>`, `gsi2sk` = `GROUP#<gid>`), so a user's groups are one index query. No list grows
 *   inside an item, so a group of any size stays far from the 400 KB item limit, and adding or removing one member
 *   writes one item whatever the group's size;
 *
 * Atomicity. A change is written as one TransactWriteItems request whenever it fits (the group item, the displayName
 * claims and the membership writes together at most 100 items): then it is applied entirely or not at all. Larger
 * changes (more than 97–99 member additions or removals at once, e.g. a PATCH adding 100 members, or a full push that
 * changes many) are written as a sequence of transactions:
 * 1. everything that can refuse the change was checked before (members exist, operations valid), and the first
 *    transaction holds every write that can still fail on a condition: the group item (conditional on the version
 *    read) and the displayName claims. If it fails, nothing was written;
 * 2. the first transaction also takes a write lease on the group item; other writers' first transactions fail on it
 *    (and retry after a backoff), so two large changes of one group never interleave;
 * 3. the remaining membership writes follow in transactions of up to 99 idempotent puts/deletes, each with a
 *    condition check that the lease is still ours (so nothing is written into a group deleted meanwhile); the last one
 *    releases the lease.
 * The trade-off: between the first and the last transaction, readers can see part of the membership change (the
 * group item already shows the new version), and if the process dies or DynamoDB fails in between, the change stays
 * partly applied (the lease then expires after WRITE_LEASE_MS). Every membership write is idempotent and the change
 * was computed as a net effect, so repeating the same request converges to the intended state; a failure is
 * answered with an error, never with success.
 */
export class DynamoGroupRepository implements GroupRepository {
  private readonly groups: OrgList<GroupRecord>;

  /** Items of plan seat takes, to name the user and plan when one's condition fails. */
  private readonly seatTakes = new WeakMap<TransactWriteItem, PlanSeatRefusal>();
  /** The plan item each plan seat write changes, so no transaction changes one item twice. */
  private readonly seatItems = new WeakMap<TransactWriteItem, string>();
  /** Items of license plan writes that record a refused plan seat: the transaction's activity record names them. */
  private readonly refusedSeats = new WeakMap<TransactWriteItem, PlanSeatRefusal>();

  /**
   * @param usersTableName where member users live: each membership write checks, in its transaction, that the user
   * still exists, so a member add racing the user's delete cannot leave the deleted user in the group.
   * @param translateLinked turns the members' linked writes (plan changes, domain/plans.ts) into items of the
   * membership's transaction.
   */
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly usersTableName?: string,
    private readonly translateLinked?: LinkedWriteTranslator,
    /** Records each successful change in its own transaction(s). @default no records */
    private readonly activity?: GroupActivityWrite,
  ) {
    this.groups = new OrgList(client, tableName, {
      kind: 'GROUP',
      itemKey: groupKey,
      fromItem,
      idOf: (group) => group.id,
      nameOf: (group) => group.displayName,
    });
  }

  async create(
    group: GroupRecord,
    members: readonly GroupMember[],
    linked?: ReadonlyMap<string, readonly LinkedWrite[]>,
  ): Promise<void> {
    requireGroupKeysFit(group);
    const head = (lease?: Lease): TransactWriteItem[] => [
      {
        Put: {
          TableName: this.tableName,
          Item: marshall(toItem(group, lease), { removeUndefinedValues: true }),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      this.claimName(group),
      this.groups.countChange(group.orgId, 1),
    ];
    const writes = members.map((member) => this.addMember(group, member, linked?.get(member.userId)));
    await this.commit(group, 'create', head, writes, (error) => {
      if (error.conditionFailedAt(1)) {
        return new UniquenessError(`displayName ${group.displayName} is already taken`, { cause: error });
      }
      if (error.anyConditionFailed) {
        return new InvalidReferenceError(
          'A member was deleted while the group was being created; nothing was changed',
          {
            cause: error,
          },
        );
      }
      return undefined;
    });
  }

  async get(orgId: string, id: string): Promise<GroupRecord | undefined> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: groupKey(orgId, id), ConsistentRead: true }),
    );
    return result.Item ? fromItem(result.Item) : undefined;
  }

  async members(orgId: string, groupId: string, options: { limit?: number } = {}): Promise<GroupMember[]> {
    const members: GroupMember[] = [];
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const remaining = limit - members.length;
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :member)',
          ExpressionAttributeValues: { ':pk': { S: groupPartition(orgId, groupId) }, ':member': { S: MEMBER_PREFIX } },
          ProjectionExpression: 'userId, display',
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
          ...(Number.isFinite(remaining) ? { Limit: remaining } : {}),
        }),
      );
      for (const item of result.Items ?? []) {
        const userId = item.userId?.S;
        if (userId === undefined) continue;
        const display = item.display?.S;
        members.push(display === undefined ? { userId } : { userId, display });
      }
      startKey = result.LastEvaluatedKey;
    } while (startKey && members.length < limit);
    return members;
  }

  async update(before: GroupRecord, after: GroupRecord, change: MembershipChange): Promise<void> {
    requireGroupKeysFit(after);
    const renamed = foldCase(before.displayName) !== foldCase(after.displayName);
    const head = (lease?: Lease): TransactWriteItem[] => [
      {
        Put: {
          TableName: this.tableName,
          Item: marshall(toItem(after, lease), { removeUndefinedValues: true }),
          // A lease left by a writer that died expires; a live one makes this change wait and retry.
          ConditionExpression: 'version = :expected AND (attribute_not_exists(leaseId) OR leaseUntil < :now)',
          ExpressionAttributeValues: {
            ':expected': { N: String(before.version) },
            ':now': { N: String(Date.now()) },
          },
        },
      },
      ...(renamed ? [this.claimName(after), ...this.releaseName(before)] : []),
      // A group stored before the displayName order existed enters it with this write.
      ...(lacksNameOrder(before) ? [this.groups.countChange(after.orgId, 0, 1)] : []),
    ];
    const writes = [
      ...change.add.map((member) => this.addMember(after, member, change.linked?.get(member.userId))),
      ...change.remove.map((userId) => this.removeMember(after.orgId, after.id, userId, change.linked?.get(userId))),
    ];
    await this.commit(after, 'update', head, writes, (error) => {
      if (error.conditionFailedAt(0)) return new VersionConflictError(`group ${before.id} changed`, { cause: error });
      if (renamed && error.conditionFailedAt(1)) {
        return new UniquenessError(`displayName ${after.displayName} is already taken`, { cause: error });
      }
      return undefined;
    });
  }

  async changeMembers(group: GroupRecord, change: MembershipChange, modifiedAt: string): Promise<void> {
    // A group stored before the displayName order existed enters it with this write. The condition that it still
    // lacks the order keys makes a concurrent change that added them first retry instead of counting it twice.
    const joinsNameOrder = lacksNameOrder(group);
    const writes: MemberWrite[] = [
      [
        this.bumpVersion(group, modifiedAt, joinsNameOrder),
        ...(joinsNameOrder ? [this.groups.countChange(group.orgId, 0, 1)] : []),
      ],
      ...change.add.map((member) => this.addMember(group, member, change.linked?.get(member.userId))),
      ...change.remove.map((userId) => this.removeMember(group.orgId, group.id, userId, change.linked?.get(userId))),
    ];
    const size = MAX_TRANSACTION_ITEMS - this.activitySlots();
    for (const chunk of chunkUnits(writes, size, size, this.seatItemsOf)) {
      if (chunk.length === 0) continue;
      try {
        await transactWrite(this.client, [...chunk, ...this.activityOf('members', group, chunk)]);
      } catch (error) {
        this.throwSeatRefusal(error, chunk);
        if (error instanceof TransactionCancelledError && error.anyConditionFailed) {
          // The group was deleted or a large change holds its lease, or a member's user was deleted since it was
          // looked up: the change is planned again (and then answered 404, retried, or refused).
          throw new VersionConflictError(`group ${group.id} or a new member changed`, { cause: error });
        }
        throw error;
      }
    }
  }

  async delete(group: GroupRecord): Promise<void> {
    // No lease check: a large change still being written then fails its next lease check and stops, and the purge
    // that follows this delete removes what it wrote.
    const items: TransactWriteItem[] = [
      {
        Delete: {
          TableName: this.tableName,
          Key: groupKey(group.orgId, group.id),
          ConditionExpression: 'version = :expected',
          ExpressionAttributeValues: { ':expected': { N: String(group.version) } },
        },
      },
      ...this.releaseName(group),
      this.groups.countChange(group.orgId, -1, lacksNameOrder(group) ? 0 : -1),
      {
        Put: {
          TableName: this.tableName,
          Item: { ...purgeKey(group.orgId, group.id), orgId: { S: group.orgId }, groupId: { S: group.id } },
        },
      },
      ...this.activityOf('delete', group, []),
    ];
    try {
      await transactWrite(this.client, items);
    } catch (error) {
      if (error instanceof TransactionCancelledError && error.conditionFailedAt(0)) {
        throw new VersionConflictError(`group ${group.id} changed`, { cause: error });
      }
      throw error;
    }
  }

  async membersAmong(orgId: string, groupId: string, userIds: readonly string[]): Promise<Set<string>> {
    const items = await batchGet(
      this.client,
      this.tableName,
      [...new Set(userIds)].map((userId) => membershipKey(orgId, groupId, userId)),
      { ProjectionExpression: 'userId', ConsistentRead: true },
    );
    return new Set(items.flatMap((item) => (item.userId?.S ? [item.userId.S] : [])));
  }

  /** One page of memberships at a time, so a deadline is checked every PURGE_PAGE memberships. */
  async purgeMembers(orgId: string, groupId: string, options: { deadline?: number } = {}): Promise<boolean> {
    let startKey: Item | undefined;
    do {
      if (options.deadline !== undefined && Date.now() >= options.deadline) return false;
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :member)',
          ExpressionAttributeValues: { ':pk': { S: groupPartition(orgId, groupId) }, ':member': { S: MEMBER_PREFIX } },
          ProjectionExpression: 'userId',
          ConsistentRead: true,
          Limit: PURGE_PAGE,
          ExclusiveStartKey: startKey,
        }),
      );
      await this.deleteAll(
        (result.Items ?? []).flatMap((item) => {
          const userId = item.userId?.S;
          return userId === undefined ? [] : [membershipKey(orgId, groupId, userId), mirrorKey(orgId, userId, groupId)];
        }),
      );
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    await this.deleteAll([purgeKey(orgId, groupId)]);
    return true;
  }

  async deletedGroups(orgId: string, limit: number): Promise<string[]> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: purgePartition(orgId) } },
        ProjectionExpression: 'groupId',
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    return (result.Items ?? []).flatMap((item) => (item.groupId?.S ? [item.groupId.S] : []));
  }

  /**
   * Each membership leaves in one transaction with an increment of its group's version, so a group never shows a
   * changed member list under its old ETag. The increment is unconditional on the version (it cannot lose a concurrent
   * change, and makes that change's conditional write retry on the new version) and leaves a write lease alone: a
   * large change still being written checks only its lease.
   *
   */
  async removeUserFromAllGroups(orgId: string, userId: string, modifiedAt: string): Promise<void> {
    const { groupIds } = await this.membershipsOfUser(orgId, userId);
    let next = 0;
    const worker = async () => {
      while (next < groupIds.length) {
        const groupId = groupIds[next++];
        if (groupId) await this.leaveGroup(orgId, groupId, userId, modifiedAt);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PURGE_CONCURRENCY, groupIds.length) }, worker));
    // The user is gone, so no group can be joined any more: its joins count has nothing left to guard.
    await this.deleteAll([joinsKey(orgId, userId)]);
  }

  /**
   * The same memberships as writes of the user's delete transaction: three per group (membership, mirror, group
   * version) and the check that no group was joined since this read.
   */
  async removalsOnUserDelete(
    orgId: string,
    userId: string,
    modifiedAt: string,
  ): Promise<readonly LinkedWrite[] | undefined> {
    const { groupIds, joins } = await this.membershipsOfUser(orgId, userId);
    if (groupIds.length > MAX_GROUPS_LEFT_IN_DELETE) return undefined;
    const leaves: LeaveGroupWrite[] = groupIds.map((groupId) => ({
      kind: 'membership.leave',
      orgId,
      groupId,
      userId,
      modifiedAt,
    }));
    const noneAdded: NoNewMembershipsWrite = { kind: 'membership.none-added', orgId, userId, joins };
    return [...leaves, noneAdded];
  }

  /**
   * The groups of a user from its mirrors, read strongly consistently with the joins count of the same partition, so
   * a membership written just before the user's delete committed is never missed; the eventually consistent index
   * adds memberships written before mirrors existed.
   */
  private async membershipsOfUser(orgId: string, userId: string): Promise<{ groupIds: string[]; joins: number }> {
    const [partition, indexed] = await Promise.all([
      this.queryItems({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: mirrorPartition(orgId, userId) } },
        ProjectionExpression: 'sk, groupId, joins',
        ConsistentRead: true,
      }),
      this.queryItems({
        TableName: this.tableName,
        IndexName: IndexNames.lookup,
        KeyConditionExpression: 'gsi2pk = :user AND begins_with(gsi2sk, :group)',
        ExpressionAttributeValues: { ':user': { S: userPartition(orgId, userId) }, ':group': { S: GROUP_PREFIX } },
        ProjectionExpression: 'groupId',
      }),
    ]);
    const joins = Number(partition.find((item) => item.sk?.S === JOINS_SK)?.joins?.N ?? 0);
    const groupIds = [
      ...new Set([...partition, ...indexed].flatMap((item) => (item.groupId?.S ? [item.groupId.S] : []))),
    ];
    return { groupIds, joins };
  }

  private async leaveGroup(orgId: string, groupId: string, userId: string, modifiedAt: string): Promise<void> {
    const membership = membershipKey(orgId, groupId, userId);
    const mirror = mirrorKey(orgId, userId, groupId);
    try {
      await transactWrite(this.client, leaveGroupItems(this.tableName, orgId, groupId, userId, modifiedAt));
    } catch (error) {
      if (!(error instanceof TransactionCancelledError && error.conditionFailedAt(2))) throw error;
      // The group was deleted and its memberships are being purged: no version left to change.
      await this.deleteAll([membership, mirror]);
    }
  }

  async groupsOfUser(orgId: string, userId: string): Promise<GroupRef[]> {
    const memberships = await queryAll(this.client, {
      TableName: this.tableName,
      IndexName: IndexNames.lookup,
      KeyConditionExpression: 'gsi2pk = :user AND begins_with(gsi2sk, :group)',
      ExpressionAttributeValues: { ':user': { S: userPartition(orgId, userId) }, ':group': { S: GROUP_PREFIX } },
      ProjectionExpression: 'groupId',
    });
    const groupIds = memberships.flatMap((item) => (item.groupId?.S ? [item.groupId.S] : []));
    if (groupIds.length === 0) return [];

    // Names come from the group items, not copies on the memberships, so renaming a big group rewrites one item.
    // A group missing here was deleted and its memberships are still being purged: it is not listed.
    const items = await batchGet(
      this.client,
      this.tableName,
      groupIds.map((id) => groupKey(orgId, id)),
      { ProjectionExpression: 'id, displayName', ConsistentRead: true },
    );
    const names = new Map(items.map((item) => [item.id?.S ?? '', item.displayName?.S ?? '']));
    return groupIds.filter((id) => names.has(id)).map((id) => ({ id, displayName: names.get(id) ?? '' }));
  }

  async find(orgId: string, criteria: GroupCriteria): Promise<GroupRecord[]> {
    // A value too long for its key was never stored, so the lookup cannot match (and DynamoDB would refuse it).
    const keys = [
      criteria.id === undefined ? undefined : groupPartition(orgId, criteria.id),
      criteria.displayName === undefined ? undefined : nameClaimKey(orgId, criteria.displayName).pk?.S,
      criteria.externalId === undefined ? undefined : `${orgId}#${criteria.externalId}`,
    ];
    if (!keys.every((key) => key === undefined || keyFits(key))) return [];
    const candidates = await this.candidates(orgId, criteria);
    return candidates.filter((group) => matchesGroupCriteria(group, criteria));
  }

  /** Narrows by the most selective criterion with one key lookup or one index query. */
  private async candidates(orgId: string, criteria: GroupCriteria): Promise<GroupRecord[]> {
    if (criteria.id !== undefined) {
      const group = await this.get(orgId, criteria.id);
      return group ? [group] : [];
    }
    if (criteria.displayName !== undefined) {
      // The claim is read strongly consistently: a group created a moment ago is never reported absent, which would
      // make Okta create it again.
      const claimKeys = [nameClaimKey(orgId, criteria.displayName)];
      if (legacyFoldCase(criteria.displayName) !== foldCase(criteria.displayName)) {
        claimKeys.push(legacyNameClaimKey(orgId, criteria.displayName));
      }
      let groupId: string | undefined;
      for (const Key of claimKeys) {
        const claim = await this.client.send(
          new GetItemCommand({ TableName: this.tableName, Key, ConsistentRead: true }),
        );
        groupId = claim.Item?.groupId?.S;
        if (groupId) break;
      }
      if (!groupId) return [];
      const group = await this.get(orgId, groupId);
      return group ? [group] : [];
    }
    if (criteria.externalId !== undefined) {
      const items = await queryAll(this.client, {
        TableName: this.tableName,
        IndexName: IndexNames.byExternalId,
        KeyConditionExpression: 'externalIdKey = :v',
        ExpressionAttributeValues: { ':v': { S: `${orgId}#${criteria.externalId}` } },
      });
      return items.map(fromItem);
    }
    throw new Error('find needs at least one criterion');
  }

  list(
    orgId: string,
    page: { startIndex: number; count: number; cursor?: string },
    order?: ListOrder,
  ): Promise<ListPage<GroupRecord>> {
    return this.groups.list(orgId, page, order);
  }

  scan(orgId: string, afterId: string | undefined, limit: number): Promise<ScanPage<GroupRecord>> {
    return this.groups.page(orgId, afterId, limit);
  }

  /**
   * Writes `head(lease?)` and `writes` atomically when they fit in one transaction, else as described in the class
   * comment. `mapHeadError` turns a failed condition of the first transaction into a domain error.
   */
  private async commit(
    group: GroupRecord,
    kind: GroupActivity['kind'],
    head: (lease?: Lease) => TransactWriteItem[],
    writes: readonly MemberWrite[],
    mapHeadError: (error: TransactionCancelledError) => Error | undefined,
  ): Promise<void> {
    const plain = head();
    const slots = this.activitySlots();
    // A plan's seat item takes one write per transaction, so plan changes may split a change that would fit in one.
    const unleased = chunkUnits(
      writes,
      MAX_TRANSACTION_ITEMS - plain.length - slots,
      MAX_TRANSACTION_ITEMS - 1 - slots,
      this.seatItemsOf,
    );
    const lease: Lease | undefined =
      unleased.length <= 1 ? undefined : { id: randomUUID(), until: Date.now() + WRITE_LEASE_MS };
    const first = lease ? head(lease) : plain;
    const [firstWrites, ...rest] = lease
      ? chunkUnits(
          writes,
          MAX_TRANSACTION_ITEMS - first.length - slots,
          MAX_TRANSACTION_ITEMS - 1 - slots,
          this.seatItemsOf,
        )
      : unleased;
    const firstChunk = [...first, ...(firstWrites ?? []), ...this.activityOf(kind, group, firstWrites ?? [])];
    try {
      await transactWrite(this.client, firstChunk);
    } catch (error) {
      this.throwSeatRefusal(error, firstChunk);
      if (error instanceof TransactionCancelledError) {
        const mapped = mapHeadError(error);
        if (mapped) throw mapped;
        if (error.anyConditionFailed) {
          // A member's user was deleted since it was looked up: the change is planned again, and then refused.
          throw new VersionConflictError(`a member of group ${group.id} no longer exists`, { cause: error });
        }
      }
      throw error;
    }
    if (!lease) return;

    try {
      for (const [index, chunk] of rest.entries()) {
        const last = index === rest.length - 1;
        const items = [
          ...chunk,
          last ? this.releaseLease(group, lease) : this.checkLease(group, lease),
          ...this.activityOf(kind, group, chunk),
        ];
        try {
          await transactWrite(this.client, items);
        } catch (error) {
          this.throwSeatRefusal(error, items);
          throw error;
        }
      }
      if (rest.length === 0) {
        await this.client.send(new UpdateItemCommand(this.releaseLease(group, lease).Update));
      }
    } catch (error) {
      await this.client
        .send(new UpdateItemCommand(this.releaseLease(group, lease).Update))
        .catch(() => undefined /* the lease expires by itself */);
      if (error instanceof TransactionCancelledError && error.anyConditionFailed) {
        // The lease was lost (the group was deleted, or this request outlived the lease): the caller re-reads the
        // group and recomputes the change, which the idempotent writes make safe.
        throw new VersionConflictError(`group ${group.id} changed while a large change was being written`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  private activitySlots(): number {
    return this.activity ? 1 : 0;
  }

  /** The record of one transaction of a change, counting the memberships that transaction puts and deletes. */
  private activityOf(
    kind: GroupActivity['kind'],
    group: GroupRecord,
    items: readonly TransactWriteItem[],
  ): TransactWriteItem[] {
    if (!this.activity) return [];
    const isMembership = (sk: AttributeValue | undefined) => sk?.S?.startsWith(MEMBER_PREFIX) === true;
    const membersAdded = items.filter((item) => isMembership(item.Put?.Item?.sk)).length;
    const membersRemoved = items.filter((item) => isMembership(item.Delete?.Key?.sk)).length;
    const planSeatsRefused = items.flatMap((item) => {
      const refusal = this.refusedSeats.get(item);
      return refusal ? [refusal] : [];
    });
    return [
      this.activity({
        kind,
        group,
        membersAdded,
        membersRemoved,
        ...(planSeatsRefused.length > 0 ? { planSeatsRefused } : {}),
      }),
    ];
  }

  /** The plan seat items a unit writes (chunkUnits keeps each in one write per transaction). */
  private readonly seatItemsOf = (unit: MemberWrite): string[] =>
    unit.flatMap((item) => {
      const key = this.seatItems.get(item);
      return key === undefined ? [] : [key];
    });

  /** A transaction cancelled because plan seats were all taken: PlanSeatRefusedError naming the users and plans. */
  private throwSeatRefusal(error: unknown, items: readonly TransactWriteItem[]): void {
    if (!(error instanceof TransactionCancelledError)) return;
    const refusals = items.flatMap((item, index) => {
      const refusal = error.conditionFailedAt(index) ? this.seatTakes.get(item) : undefined;
      return refusal ? [refusal] : [];
    });
    if (refusals.length > 0) throw new PlanSeatRefusedError(refusals, { cause: error });
  }

  /** A member's linked writes as items of its membership's transaction. */
  private linkedItems(linked: readonly LinkedWrite[] | undefined): TransactWriteItem[] {
    if (!linked || linked.length === 0) return [];
    if (!this.translateLinked) throw new Error('linked writes of a membership need a translator');
    const translate = this.translateLinked;
    return linked.flatMap((write) => {
      const items = translate(write);
      if (isLicenseWrite(write) && write.kind === 'plan.seat') {
        const seat: PlanSeatWrite = write;
        for (const item of items) {
          this.seatItems.set(item, `${seat.orgId}#${seat.plan}`);
          if (seat.delta > 0) this.seatTakes.set(item, { userId: seat.userId, plan: seat.plan });
        }
      }
      if (isLicenseWrite(write) && write.kind === 'license.plan' && write.seatRefused !== undefined) {
        for (const item of items) this.refusedSeats.set(item, { userId: write.userId, plan: write.seatRefused });
      }
      return items;
    });
  }

  private checkLease(group: GroupRecord, lease: Lease): TransactWriteItem {
    return {
      ConditionCheck: {
        TableName: this.tableName,
        Key: groupKey(group.orgId, group.id),
        ConditionExpression: 'leaseId = :lease',
        ExpressionAttributeValues: { ':lease': { S: lease.id } },
      },
    };
  }

  private releaseLease(group: GroupRecord, lease: Lease): Required<Pick<TransactWriteItem, 'Update'>> {
    return {
      Update: {
        TableName: this.tableName,
        Key: groupKey(group.orgId, group.id),
        UpdateExpression: 'REMOVE leaseId, leaseUntil',
        ConditionExpression: 'leaseId = :lease',
        ExpressionAttributeValues: { ':lease': { S: lease.id } },
      },
    };
  }

  /**
   * Adding a member writes the membership, its strongly consistent mirror under the user (what the user's delete
   * cleans up from), checks in the same transaction that the user still exists, and counts the join, which a delete
   * of the user that read the memberships before this add commits finds changed.
   */
  private addMember(group: GroupRecord, member: GroupMember, linked?: readonly LinkedWrite[]): MemberWrite {
    const writes: TransactWriteItem[] = membershipItems(group.orgId, group.id, member).map((Item) => ({
      Put: { TableName: this.tableName, Item },
    }));
    writes.push(...this.linkedItems(linked));
    if (this.usersTableName !== undefined) {
      writes.push(
        {
          ConditionCheck: {
            TableName: this.usersTableName,
            Key: userItemKey(group.orgId, member.userId),
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
        {
          Update: {
            TableName: this.tableName,
            Key: joinsKey(group.orgId, member.userId),
            UpdateExpression: 'ADD joins :one',
            ExpressionAttributeValues: { ':one': { N: '1' } },
          },
        },
      );
    }
    return writes;
  }

  /**
   * A new version for a membership change: unconditional on the version read, so changes of different members
   * commute (neither can lose the other, and neither fails because of the other), yet the group's ETag and
   * lastModified change with its member list. A large change still being written under its lease is waited for.
   */
  private bumpVersion(group: GroupRecord, modifiedAt: string, joinNameOrder = false): TransactWriteItem {
    const nameOrder = nameIndexAttributes('GROUP', group.orgId, group.displayName);
    return {
      Update: {
        TableName: this.tableName,
        Key: groupKey(group.orgId, group.id),
        UpdateExpression: joinNameOrder
          ? 'SET version = version + :one, lastModified = :at, gsi2pk = :namePk, gsi2sk = :nameSk'
          : 'SET version = version + :one, lastModified = :at',
        ConditionExpression: joinNameOrder
          ? 'attribute_exists(pk) AND attribute_not_exists(gsi2pk) AND (attribute_not_exists(leaseId) OR leaseUntil < :now)'
          : 'attribute_exists(pk) AND (attribute_not_exists(leaseId) OR leaseUntil < :now)',
        ExpressionAttributeValues: {
          ':one': { N: '1' },
          ':at': { S: modifiedAt },
          ':now': { N: String(Date.now()) },
          ...(joinNameOrder ? { ':namePk': { S: nameOrder.gsi2pk }, ':nameSk': { S: nameOrder.gsi2sk } } : {}),
        },
      },
    };
  }

  private removeMember(orgId: string, groupId: string, userId: string, linked?: readonly LinkedWrite[]): MemberWrite {
    return [
      this.deleteMembership(orgId, groupId, userId),
      { Delete: { TableName: this.tableName, Key: mirrorKey(orgId, userId, groupId) } },
      ...this.linkedItems(linked),
    ];
  }

  private deleteMembership(orgId: string, groupId: string, userId: string): TransactWriteItem {
    return { Delete: { TableName: this.tableName, Key: membershipKey(orgId, groupId, userId) } };
  }

  private claimName(group: GroupRecord): TransactWriteItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          ...nameClaimKey(group.orgId, group.displayName),
          orgId: { S: group.orgId },
          groupId: { S: group.id },
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /**
   * Deletes the group's displayName claim, and the claim under the fold used before `foldCase` when that differs (a
   * group not renamed since still holds it). Either may be absent; neither may belong to another group.
   */
  private releaseName(group: GroupRecord): TransactWriteItem[] {
    const keys = [nameClaimKey(group.orgId, group.displayName)];
    if (legacyFoldCase(group.displayName) !== foldCase(group.displayName)) {
      keys.push(legacyNameClaimKey(group.orgId, group.displayName));
    }
    return keys.map((Key) => ({
      Delete: {
        TableName: this.tableName,
        Key,
        ConditionExpression: 'attribute_not_exists(pk) OR groupId = :id',
        ExpressionAttributeValues: { ':id': { S: group.id } },
      },
    }));
  }

  private queryItems(input: Omit<QueryCommandInput, 'ExclusiveStartKey'>): Promise<Item[]> {
    return queryAll(this.client, input);
  }

  /** Idempotent deletes in BatchWriteItem requests (one write unit per item, half a transaction's cost). */
  private deleteAll(keys: readonly Item[]): Promise<void> {
    return deleteAll(this.client, this.tableName, keys, PURGE_CONCURRENCY);
  }
}

/** The items of one membership change, always written in the same transaction. */
type MemberWrite = readonly TransactWriteItem[];

/**
 * The items of one membership: the membership in the group's partition (with the user-side index keys) and its
 * strongly consistent mirror under the user. Exported for seeding large groups in tests and benchmarks.
 */
export function membershipItems(orgId: string, groupId: string, member: GroupMember): Item[] {
  return [
    marshall(
      {
        pk: groupPartition(orgId, groupId),
        sk: `${MEMBER_PREFIX}${member.userId}`,
        gsi2pk: userPartition(orgId, member.userId),
        gsi2sk: `${GROUP_PREFIX}${groupId}`,
        orgId,
        groupId,
        userId: member.userId,
        display: member.display,
      },
      { removeUndefinedValues: true },
    ),
    marshall({ ...unmarshall(mirrorKey(orgId, member.userId, groupId)), orgId, groupId, userId: member.userId }),
  ];
}

/**
 * Deleted groups whose memberships are not purged yet: `<org>#GROUPPURGE` / `<gid>`, written with the group's delete
 * and removed when its purge finishes, so a purge cut short by its time budget is found and continued.
 */
function purgePartition(orgId: string): string {
  return `${orgId}#GROUPPURGE`;
}

function purgeKey(orgId: string, groupId: string): Item {
  return { pk: { S: purgePartition(orgId) }, sk: { S: groupId } };
}

/**
 * Groups units into transactions: the first holds at most `firstSize` items, the others `size`; no unit is split, and
 * no two units writing the same exclusive item (`exclusiveOf`: a plan's seat counter) share a transaction, which
 * DynamoDB refuses.
 */
function chunkUnits(
  units: readonly MemberWrite[],
  firstSize: number,
  size: number,
  exclusiveOf: (unit: MemberWrite) => readonly string[] = () => [],
): TransactWriteItem[][] {
  const chunks: TransactWriteItem[][] = [];
  let current: TransactWriteItem[] = [];
  let taken = new Set<string>();
  let limit = firstSize;
  for (const unit of units) {
    const exclusive = exclusiveOf(unit);
    if (current.length + unit.length > limit || exclusive.some((key) => taken.has(key))) {
      chunks.push(current);
      current = [];
      taken = new Set();
      limit = size;
    }
    current.push(...unit);
    for (const key of exclusive) taken.add(key);
  }
  chunks.push(current);
  return chunks;
}

/**
 * A user's delete leaving its groups in its own transaction: each group loses the membership and its mirror and gets
 * a new version (conditional on the group still existing: a deleted group's memberships are its purge's to remove),
 * and the joins count must still be the one read, else a group joined meanwhile would keep a member that is gone.
 */
export function createMembershipRemovalTranslator(options: { readonly tableName: string }): LinkedWriteTranslator {
  const { tableName } = options;
  return (write) => {
    if (!isMembershipRemoval(write)) throw new Error(`no translator for linked write ${write.kind}`);
    if (write.kind === 'membership.none-added') {
      return [
        {
          Delete: {
            TableName: tableName,
            Key: joinsKey(write.orgId, write.userId),
            ...(write.joins === 0
              ? { ConditionExpression: 'attribute_not_exists(joins)' }
              : {
                  ConditionExpression: 'joins = :joins',
                  ExpressionAttributeValues: { ':joins': { N: String(write.joins) } },
                }),
          },
        },
      ];
    }
    return leaveGroupItems(tableName, write.orgId, write.groupId, write.userId, write.modifiedAt);
  };
}

/**
 * A user leaving one group: the membership and its mirror go, and the group gets a new version, conditional on the
 * group still existing (the third item: a deleted group's memberships are its purge's to remove).
 */
function leaveGroupItems(
  tableName: string,
  orgId: string,
  groupId: string,
  userId: string,
  modifiedAt: string,
): TransactWriteItem[] {
  return [
    { Delete: { TableName: tableName, Key: membershipKey(orgId, groupId, userId) } },
    { Delete: { TableName: tableName, Key: mirrorKey(orgId, userId, groupId) } },
    {
      Update: {
        TableName: tableName,
        Key: groupKey(orgId, groupId),
        UpdateExpression: 'SET version = version + :one, lastModified = :at',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':one': { N: '1' }, ':at': { S: modifiedAt } },
      },
    },
  ];
}

/** Membership removals through `removals`, every other linked write through `others`. */
export function withMembershipRemovals(
  removals: LinkedWriteTranslator,
  others: LinkedWriteTranslator,
): LinkedWriteTranslator {
  return (write) => (isMembershipRemoval(write) ? removals(write) : others(write));
}
