import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { IndexNames } from '../../lib/table-schema';
import { UniquenessError, VersionConflictError } from '../domain/errors';
import {
  foldCase,
  type LinkedWrite,
  type ListPage,
  matchesCriteria,
  type UserCriteria,
  type UserRecord,
  type UserRepository,
} from '../domain/users';
import { TransactionCancelledError, transactWrite } from './dynamodb-transactions';

/** Turns writes that other parts of the domain link to a user change into items of the same transaction. */
export type LinkedWriteTranslator = (write: LinkedWrite) => TransactWriteItem[];

/** How long a remembered list position lives: long enough for an Okta import to page through, then it expires. */
const CURSOR_TTL_SECONDS = 15 * 60;

/** Items read per query while skipping to a `startIndex` that no earlier page remembered. */
const SKIP_PAGE = 500;

/**
 * Users in DynamoDB. Items (all keys start with the organization id):
 * - user `<org>#USER#<id>` / `USER`, with index keys for listing (`gsi1pk`/`gsi1sk` = id), userName, externalId, email;
 * - userName claim `<org>#USERNAME#<lower(userName)>` / `UNIQUE`, written with `attribute_not_exists` in the same
 *   transaction as the user, which makes uniqueness hold under concurrency;
 * - user count `<org>#USERS` / `COUNT`, changed in the same transactions, so `totalResults` is one read;
 * - list positions `<org>#CURSOR#users#<startIndex>` / `CURSOR`, remembered for a few minutes when a page ends so the
 *   next `startIndex` page starts where the last one stopped instead of re-reading from the top.
 */
export class DynamoUserRepository implements UserRepository {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly translateLinked: LinkedWriteTranslator = noLinkedWrites,
  ) {}

  async create(user: UserRecord, linked: readonly LinkedWrite[]): Promise<void> {
    const items: TransactWriteItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: userItem(user),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      this.claimUserName(user),
      this.countChange(user.orgId, 1),
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
      ...(renamed ? [this.claimUserName(after), this.releaseUserName(before)] : []),
      ...linked.flatMap(this.translateLinked),
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
      this.releaseUserName(user),
      this.countChange(user.orgId, -1),
      ...linked.flatMap(this.translateLinked),
    ];
    try {
      await transactWrite(this.client, items);
    } catch (error) {
      if (error instanceof TransactionCancelledError && error.conditionFailedAt(0)) {
        throw new VersionConflictError(`user ${user.id} changed`, { cause: error });
      }
      throw error;
    }
  }

  async find(orgId: string, criteria: UserCriteria): Promise<UserRecord[]> {
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
      return this.getByUserNameClaim(orgId, criteria.userName);
    }
    if (criteria.externalId !== undefined) {
      return this.queryIndex(IndexNames.byExternalId, 'externalIdKey', `${orgId}#${criteria.externalId}`);
    }
    if (criteria.email !== undefined) {
      return this.queryIndex(IndexNames.byEmail, 'emailKey', `${orgId}#${foldCase(criteria.email.value)}`);
    }
    throw new Error('find needs at least one criterion');
  }

  private async getByUserNameClaim(orgId: string, userName: string): Promise<UserRecord[]> {
    const claim = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: userNameKey(orgId, userName), ConsistentRead: true }),
    );
    const userId = claim.Item?.userId?.S;
    if (!userId) return [];
    const user = await this.get(orgId, userId);
    return user ? [user] : [];
  }

  private async queryIndex(indexName: string, attribute: string, value: string): Promise<UserRecord[]> {
    const users: UserRecord[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: indexName,
          KeyConditionExpression: '#k = :v',
          ExpressionAttributeNames: { '#k': attribute },
          ExpressionAttributeValues: { ':v': { S: value } },
          ExclusiveStartKey: startKey,
        }),
      );
      users.push(...(result.Items ?? []).map(fromItem));
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return users;
  }

  async list(
    orgId: string,
    page: { startIndex: number; count: number; cursor?: string },
  ): Promise<ListPage<UserRecord>> {
    const totalResults = await this.count(orgId);
    if (page.count <= 0) return { totalResults, items: [] };

    let afterId: string | undefined;
    let toSkip = 0;
    if (page.cursor !== undefined) {
      afterId = page.cursor === '' ? undefined : page.cursor;
    } else if (page.startIndex > 1) {
      afterId = await this.rememberedPosition(orgId, page.startIndex);
      if (afterId === undefined) toSkip = page.startIndex - 1;
    }

    let startKey = afterId === undefined ? undefined : listKey(orgId, afterId);
    while (toSkip > 0) {
      const result = await this.queryList(orgId, Math.min(toSkip, SKIP_PAGE), startKey, true);
      toSkip -= result.Count ?? 0;
      startKey = result.LastEvaluatedKey;
      if (!startKey) return { totalResults, items: [] };
    }

    const items: UserRecord[] = [];
    let exhausted = false;
    while (items.length < page.count) {
      const result = await this.queryList(orgId, page.count - items.length, startKey, false);
      items.push(...(result.Items ?? []).map(fromItem));
      startKey = result.LastEvaluatedKey;
      if (!startKey) {
        exhausted = true;
        break;
      }
    }

    const last = items[items.length - 1];
    if (exhausted || !last) return { totalResults, items };
    await this.rememberPosition(orgId, page.startIndex + items.length, last.id);
    return { totalResults, items, nextCursor: last.id };
  }

  private queryList(
    orgId: string,
    limit: number,
    startKey: Record<string, AttributeValue> | undefined,
    keysOnly: boolean,
  ) {
    return this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: IndexNames.byOrg,
        KeyConditionExpression: 'gsi1pk = :org',
        ExpressionAttributeValues: { ':org': { S: listPartition(orgId) } },
        ExclusiveStartKey: startKey,
        Limit: limit,
        ...(keysOnly ? { ProjectionExpression: 'pk, sk, gsi1pk, gsi1sk' } : {}),
      }),
    );
  }

  private async count(orgId: string): Promise<number> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: countKey(orgId), ConsistentRead: true }),
    );
    return Number(result.Item?.total?.N ?? 0);
  }

  private async rememberedPosition(orgId: string, startIndex: number): Promise<string | undefined> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: positionKey(orgId, startIndex) }),
    );
    const expiresAt = Number(result.Item?.expiresAt?.N ?? 0);
    // TTL deletion is lazy, so an expired position may still be there.
    if (expiresAt * 1000 < Date.now()) return undefined;
    return result.Item?.afterId?.S;
  }

  private async rememberPosition(orgId: string, startIndex: number, afterId: string): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          ...positionKey(orgId, startIndex),
          afterId: { S: afterId },
          expiresAt: { N: String(Math.floor(Date.now() / 1000) + CURSOR_TTL_SECONDS) },
        },
      }),
    );
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

  private releaseUserName(user: UserRecord): TransactWriteItem {
    return {
      Delete: {
        TableName: this.tableName,
        Key: userNameKey(user.orgId, user.userName),
        ConditionExpression: 'userId = :id',
        ExpressionAttributeValues: { ':id': { S: user.id } },
      },
    };
  }

  private countChange(orgId: string, delta: number): TransactWriteItem {
    return {
      Update: {
        TableName: this.tableName,
        Key: countKey(orgId),
        UpdateExpression: 'ADD #total :delta',
        ExpressionAttributeNames: { '#total': 'total' },
        ExpressionAttributeValues: { ':delta': { N: String(delta) } },
      },
    };
  }
}

const noLinkedWrites: LinkedWriteTranslator = (write) => {
  throw new Error(`no translator for linked write ${write.kind}`);
};

const USER_SK = 'USER';

export function userKey(orgId: string, id: string): Record<string, AttributeValue> {
  return { pk: { S: `${orgId}#USER#${id}` }, sk: { S: USER_SK } };
}

function userNameKey(orgId: string, userName: string): Record<string, AttributeValue> {
  return { pk: { S: `${orgId}#USERNAME#${foldCase(userName)}` }, sk: { S: 'UNIQUE' } };
}

function countKey(orgId: string): Record<string, AttributeValue> {
  return { pk: { S: `${orgId}#USERS` }, sk: { S: 'COUNT' } };
}

function positionKey(orgId: string, startIndex: number): Record<string, AttributeValue> {
  return { pk: { S: `${orgId}#CURSOR#users#${startIndex}` }, sk: { S: 'CURSOR' } };
}

function listPartition(orgId: string): string {
  return `${orgId}#USER`;
}

function listKey(orgId: string, afterId: string): Record<string, AttributeValue> {
  return { ...userKey(orgId, afterId), gsi1pk: { S: listPartition(orgId) }, gsi1sk: { S: afterId } };
}

/** The stored item of a user, marshalled; also lets tests and benchmarks seed many users in few requests. */
export function userItem(user: UserRecord): Record<string, AttributeValue> {
  return marshall(toItem(user), { removeUndefinedValues: true });
}

function toItem(user: UserRecord): Record<string, unknown> {
  return {
    pk: `${user.orgId}#USER#${user.id}`,
    sk: USER_SK,
    gsi1pk: listPartition(user.orgId),
    gsi1sk: user.id,
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

function fromItem(item: Record<string, AttributeValue>): UserRecord {
  const raw = unmarshall(item);
  return {
    orgId: raw.orgId,
    id: raw.id,
    userName: raw.userName,
    externalId: raw.externalId,
    active: raw.active,
    lookupEmail: raw.lookupEmail,
    emails: JSON.parse(raw.emails),
    document: JSON.parse(raw.document),
    version: Number(raw.version),
    created: raw.created,
    lastModified: raw.lastModified,
  };
}
