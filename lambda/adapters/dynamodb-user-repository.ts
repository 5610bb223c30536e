import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod';
import { KeyFormats, keyFits } from '../contract/keys';
import { IndexNames } from '../contract/tables';
import { legacyFoldCase } from '../domain/case-fold';
import { UniquenessError, VersionConflictError } from '../domain/errors';
import { isMembershipRemoval } from '../domain/groups';
import { compareText, type ListOrder } from '../domain/list-order';
import {
  foldCase,
  type LinkedWrite,
  type ListPage,
  matchesCriteria,
  type ScanPage,
  type UserCriteria,
  type UserRecord,
  type UserRepository,
} from '../domain/users';
import { batchGet, queryAll, readItem } from './dynamodb-operations';
import {
  lacksNameOrder,
  listIndexAttributes,
  markWithoutNameOrder,
  nameIndexAttributes,
  OrgList,
} from './dynamodb-org-list';
import { TransactionCancelledError, transactWrite } from './dynamodb-transactions';
import { requireKeyFits } from './key-limits';

/** Turns writes that other parts of the domain link to a user change into items of the same transaction. */
export type LinkedWriteTranslator = (write: LinkedWrite) => TransactWriteItem[];

/**
 * Users in DynamoDB. Items (all keys start with the organization id):
 * - user `<org>#USER#<id>` / `USER`, with index keys for listing (`gsi1pk`/`gsi1sk` = id; `gsi2pk`/`gsi2sk` = the
 *   folded userName, on the `lookup` index), userName, externalId, email;
 * - userName claim `<org>#USERNAME#<fold(userName)>` / `UNIQUE`, written with `attribute_not_exists` in the same
 *   transaction as the user, which makes uniqueness hold under concurrency;
 * - one email item per distinct address `<org>#EMAIL#<fold(address)>` / `<userId>`, written, replaced and deleted in
 *   the user's own transactions, so every address of every user is found with one strongly consistent query;
 * - the user count and remembered list positions of `OrgList` (kind `USER`): `totalResults` in one read and
 *   O(N) `startIndex` paging.
 */
export class DynamoUserRepository implements UserRepository {
  private readonly users: OrgList<UserRecord>;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly translateLinked: LinkedWriteTranslator = noLinkedWrites,
  ) {
    this.users = new OrgList(client, tableName, {
      kind: 'USER',
      itemKey: userKey,
      fromItem,
      idOf: (user) => user.id,
      nameOf: (user) => user.userName,
    });
  }

  async create(user: UserRecord, linked: readonly LinkedWrite[]): Promise<void> {
    requireKeysFit(user);
    const items: TransactWriteItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: userItem(user),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      this.claimUserName(user),
      this.users.countChange(user.orgId, 1),
      ...this.emailWrites(undefined, user),
      ...linked.flatMap(this.translateLinked),
    ];
    try {
      await transactWrite(this.client, items);
    } catch (error) {
      if (error instanceof TransactionCancelledError && error.conditionFailedAt(1)) {
        throw new UniquenessError(`userName ${user.userName} is already taken`, { cause: error });
      }
      throw error;
    }
  }

  async get(orgId: string, id: string): Promise<UserRecord | undefined> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: userKey(orgId, id), ConsistentRead: true }),
    );
    return result.Item ? fromItem(result.Item) : undefined;
  }

  async update(before: UserRecord, after: UserRecord, linked: readonly LinkedWrite[]): Promise<void> {
    requireKeysFit(after);
    const renamed = foldCase(before.userName) !== foldCase(after.userName);
    const items: TransactWriteItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: userItem(after),
          ConditionExpression: 'version = :expected',
          ExpressionAttributeValues: { ':expected': { N: String(before.version) } },
        },
      },
      ...(renamed ? [this.claimUserName(after), ...this.releaseUserName(before)] : []),
      ...this.emailWrites(before, after),
      ...linked.flatMap(this.translateLinked),
      // A user stored before the userName order existed enters it with this write.
      ...(lacksNameOrder(before) ? [this.users.countChange(after.orgId, 0, 1)] : []),
    ];
    try {
      await transactWrite(this.client, items);
    } catch (error) {
      if (error instanceof TransactionCancelledError) {
        if (error.conditionFailedAt(0)) throw new VersionConflictError(`user ${before.id} changed`, { cause: error });
        if (renamed && error.conditionFailedAt(1)) {
          throw new UniquenessError(`userName ${after.userName} is already taken`, { cause: error });
        }
      }
      throw error;
    }
  }

  async delete(user: UserRecord, linked: readonly LinkedWrite[]): Promise<void> {
    const items: TransactWriteItem[] = [
      {
        Delete: {
          TableName: this.tableName,
          Key: userKey(user.orgId, user.id),
          ConditionExpression: 'version = :expected',
          ExpressionAttributeValues: { ':expected': { N: String(user.version) } },
        },
      },
      ...this.releaseUserName(user),
      this.users.countChange(user.orgId, -1, lacksNameOrder(user) ? 0 : -1),
      ...this.emailWrites(user, undefined),
    ];
    // The items leaving groups, to tell a group joined (or deleted) since the read from other failures.
    const removals = new Set<number>();
    for (const write of linked) {
      for (const item of this.translateLinked(write)) {
        if (isMembershipRemoval(write)) removals.add(items.length);
        items.push(item);
      }
    }
    try {
      await transactWrite(this.client, items);
    } catch (error) {
      if (error instanceof TransactionCancelledError && error.conditionFailedAt(0)) {
        throw new VersionConflictError(`user ${user.id} changed`, { cause: error });
      }
      if (error instanceof TransactionCancelledError && [...removals].some((index) => error.conditionFailedAt(index))) {
        throw new VersionConflictError(`the group memberships of user ${user.id} changed`, { cause: error });
      }
      throw error;
    }
  }

  async find(orgId: string, criteria: UserCriteria): Promise<UserRecord[]> {
    // A value too long for its key was never stored, so the lookup cannot match (and DynamoDB would refuse it).
    if (!lookupKeysFit(orgId, criteria)) return [];
    const candidates = await this.candidates(orgId, criteria);
    return candidates.filter((user) => matchesCriteria(user, criteria));
  }

  /** Narrows by the most selective criterion with one key lookup or one index query. */
  private async candidates(orgId: string, criteria: UserCriteria): Promise<UserRecord[]> {
    if (criteria.id !== undefined) {
      const user = await this.get(orgId, criteria.id);
      return user ? [user] : [];
    }
    if (criteria.userName !== undefined) {
      const found = await this.queryIndex(
        IndexNames.byUserName,
        'userNameKey',
        `${orgId}#${foldCase(criteria.userName)}`,
      );
      if (found.length > 0) return found;
      // The index is eventually consistent; a miss is confirmed against the claim item, so a user created a moment
      // ago is never reported absent (Okta would then try to create it again).
      const claimed = await this.getByUserNameClaim(orgId, userNameKey(orgId, criteria.userName));
      if (claimed.length > 0 || !hasLegacyKey(criteria.userName)) return claimed;
      return this.getByUserNameClaim(orgId, legacyUserNameKey(orgId, criteria.userName));
    }
    if (criteria.externalId !== undefined) {
      return this.queryIndex(IndexNames.byExternalId, 'externalIdKey', `${orgId}#${criteria.externalId}`);
    }
    if (criteria.email !== undefined) return this.findByEmail(orgId, criteria.email.value);
    throw new Error('find needs at least one criterion');
  }

  /**
   * Every user holding the address: one strongly consistent query of the email items, then the users (one GetItem, or
   * BatchGetItem for several). Users written before email items existed have none until their next write; for them
   * a miss falls back to the `byEmail` index, which holds each user's lookup email (primary, else work, else first).
   */
  private async findByEmail(orgId: string, address: string): Promise<UserRecord[]> {
    const partition = emailPartition(orgId, address);
    if (!keyFits(partition)) return [];
    const userIds: string[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: partition } },
          ProjectionExpression: 'userId',
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of result.Items ?? []) if (item.userId?.S) userIds.push(item.userId.S);
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    if (userIds.length === 0) return this.queryIndex(IndexNames.byEmail, 'emailKey', `${orgId}#${foldCase(address)}`);
    if (userIds.length === 1) {
      const user = await this.get(orgId, userIds[0] as string);
      return user ? [user] : [];
    }
    return this.batchGetUsers(orgId, userIds);
  }

  private async batchGetUsers(orgId: string, ids: readonly string[]): Promise<UserRecord[]> {
    const items = await batchGet(
      this.client,
      this.tableName,
      ids.map((id) => userKey(orgId, id)),
      { ConsistentRead: true },
    );
    const users = items.map(fromItem);
    // Creation order, as lists are.
    return users.sort((a, b) => compareText(a.id, b.id));
  }

  /**
   * The email items that make `after`'s addresses findable and `before`'s no longer: every address of `after` is
   * put (idempotent, and it writes the items of a user stored before email items existed), every address `after`
   * dropped is deleted. At most 2 × MAX_EMAILS items, which keeps the user's transaction under DynamoDB's 100.
   */
  private emailWrites(before: UserRecord | undefined, after: UserRecord | undefined): TransactWriteItem[] {
    const kept = new Set(after ? emailAddresses(after) : []);
    const writes: TransactWriteItem[] = [];
    if (after) {
      for (const folded of kept) {
        writes.push({
          Put: {
            TableName: this.tableName,
            Item: {
              pk: { S: KeyFormats.emailPartition(after.orgId, folded) },
              sk: { S: after.id },
              orgId: { S: after.orgId },
              userId: { S: after.id },
            },
          },
        });
      }
    }
    if (before) {
      for (const folded of emailAddresses(before)) {
        if (kept.has(folded)) continue;
        writes.push({
          Delete: {
            TableName: this.tableName,
            Key: { pk: { S: KeyFormats.emailPartition(before.orgId, folded) }, sk: { S: before.id } },
          },
        });
      }
    }
    return writes;
  }

  private async getByUserNameClaim(orgId: string, key: Record<string, AttributeValue>): Promise<UserRecord[]> {
    const claim = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    const userId = claim.Item?.userId?.S;
    if (!userId) return [];
    const user = await this.get(orgId, userId);
    return user ? [user] : [];
  }

  private async queryIndex(indexName: string, attribute: string, value: string): Promise<UserRecord[]> {
    const items = await queryAll(this.client, {
      TableName: this.tableName,
      IndexName: indexName,
      KeyConditionExpression: '#k = :v',
      ExpressionAttributeNames: { '#k': attribute },
      ExpressionAttributeValues: { ':v': { S: value } },
    });
    return items.map(fromItem);
  }

  list(
    orgId: string,
    page: { startIndex: number; count: number; cursor?: string },
    order?: ListOrder,
  ): Promise<ListPage<UserRecord>> {
    return this.users.list(orgId, page, order);
  }

  scan(orgId: string, afterId: string | undefined, limit: number): Promise<ScanPage<UserRecord>> {
    return this.users.page(orgId, afterId, limit);
  }

  private claimUserName(user: UserRecord): TransactWriteItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...userNameKey(user.orgId, user.userName), orgId: { S: user.orgId }, userId: { S: user.id } },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /**
   * Deletes the user's claim, and the claim under the fold used before `foldCase` when that differs (a user not
   * renamed since still holds it). Either may be absent; neither may belong to another user.
   */
  private releaseUserName(user: UserRecord): TransactWriteItem[] {
    const keys = [userNameKey(user.orgId, user.userName)];
    if (hasLegacyKey(user.userName)) keys.push(legacyUserNameKey(user.orgId, user.userName));
    return keys.map((Key) => ({
      Delete: {
        TableName: this.tableName,
        Key,
        ConditionExpression: 'attribute_not_exists(pk) OR userId = :id',
        ExpressionAttributeValues: { ':id': { S: user.id } },
      },
    }));
  }
}

function emailPartition(orgId: string, address: string): string {
  return KeyFormats.emailPartition(orgId, foldCase(address));
}

/** The user's distinct addresses, folded: `A@x.com` and `a@X.com` are one item. */
function emailAddresses(user: UserRecord): Set<string> {
  return new Set(user.emails.map((email) => foldCase(email.value)));
}

/** Every key the user's items carry is within DynamoDB's limits, or ValueTooLongError names the attribute. */
function requireKeysFit(user: UserRecord): void {
  const item = toItem(user);
  requireKeyFits('userName', userNameKey(user.orgId, user.userName).pk?.S, foldCase(user.userName));
  requireKeyFits('userName', item.userNameKey as string, foldCase(user.userName));
  if (user.externalId !== undefined) requireKeyFits('externalId', item.externalIdKey as string, user.externalId);
  if (user.lookupEmail !== undefined) {
    requireKeyFits('emails.value', item.emailKey as string, foldCase(user.lookupEmail));
  }
  for (const address of emailAddresses(user)) {
    requireKeyFits('emails.value', emailPartition(user.orgId, address), address);
  }
}

function lookupKeysFit(orgId: string, criteria: UserCriteria): boolean {
  const keys = [
    criteria.id === undefined ? undefined : userKey(orgId, criteria.id).pk?.S,
    criteria.userName === undefined ? undefined : userNameKey(orgId, criteria.userName).pk?.S,
    criteria.externalId === undefined ? undefined : `${orgId}#${criteria.externalId}`,
    criteria.email === undefined ? undefined : `${orgId}#${foldCase(criteria.email.value)}`,
  ];
  return keys.every((key) => key === undefined || keyFits(key));
}

const noLinkedWrites: LinkedWriteTranslator = (write) => {
  throw new Error(`no translator for linked write ${write.kind}`);
};

export function userKey(orgId: string, id: string): Record<string, AttributeValue> {
  return { pk: { S: KeyFormats.userPartition(orgId, id) }, sk: { S: KeyFormats.userSortKey } };
}

function userNameKey(orgId: string, userName: string): Record<string, AttributeValue> {
  return { pk: { S: `${orgId}#USERNAME#${foldCase(userName)}` }, sk: { S: 'UNIQUE' } };
}

/** The claim a user written before `foldCase` holds, until a rename writes the claim under `foldCase`. */
function legacyUserNameKey(orgId: string, userName: string): Record<string, AttributeValue> {
  return { pk: { S: `${orgId}#USERNAME#${legacyFoldCase(userName)}` }, sk: { S: 'UNIQUE' } };
}

function hasLegacyKey(text: string): boolean {
  return legacyFoldCase(text) !== foldCase(text);
}

/** The stored item of a user, marshalled; also lets tests and benchmarks seed many users in few requests. */
export function userItem(user: UserRecord): Record<string, AttributeValue> {
  return marshall(toItem(user), { removeUndefinedValues: true });
}

function toItem(user: UserRecord): Record<string, unknown> {
  return {
    pk: KeyFormats.userPartition(user.orgId, user.id),
    sk: KeyFormats.userSortKey,
    ...listIndexAttributes('USER', user.orgId, user.id),
    ...nameIndexAttributes('USER', user.orgId, user.userName),
    userNameKey: `${user.orgId}#${foldCase(user.userName)}`,
    externalIdKey: user.externalId === undefined ? undefined : `${user.orgId}#${user.externalId}`,
    emailKey: user.lookupEmail === undefined ? undefined : `${user.orgId}#${foldCase(user.lookupEmail)}`,
    orgId: user.orgId,
    id: user.id,
    userName: user.userName,
    externalId: user.externalId,
    active: user.active,
    lookupEmail: user.lookupEmail,
    emails: JSON.stringify(user.emails),
    document: JSON.stringify(user.document),
    version: user.version,
    created: user.created,
    lastModified: user.lastModified,
  };
}

/** JSON text holding `T`, as the user item stores its emails and its SCIM document. */
function jsonText<T extends z.ZodType>(schema: T) {
  return z.string().transform((text, context): z.output<T> => {
    try {
      const parsed = schema.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data;
      context.addIssue({ code: 'custom', message: parsed.error.issues[0]?.message ?? 'invalid JSON content' });
    } catch {
      context.addIssue({ code: 'custom', message: 'not JSON' });
    }
    return z.NEVER;
  });
}

/** Built on first use, so module load (Lambda INIT) builds no zod schema; the first read of a user builds it once. */
let userItemSchemaCache: ReturnType<typeof buildUserItemSchema> | undefined;
function userItemSchema() {
  userItemSchemaCache ??= buildUserItemSchema();
  return userItemSchemaCache;
}

function buildUserItemSchema() {
  return z.object({
    orgId: z.string().min(1),
    id: z.string().min(1),
    userName: z.string().min(1),
    externalId: z.string().optional(),
    active: z.boolean(),
    lookupEmail: z.string().optional(),
    emails: jsonText(z.array(z.object({ value: z.string(), type: z.string().optional() }))),
    document: jsonText(z.record(z.string(), z.unknown())),
    version: z.number().int().nonnegative(),
    created: z.string(),
    lastModified: z.string(),
  });
}

/** A user item read back, validated: a malformed item is a MalformedItemError naming its key. */
function fromItem(item: Record<string, AttributeValue>): UserRecord {
  return markWithoutNameOrder(readItem(item, userItemSchema()), item);
}
