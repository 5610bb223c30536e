import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { IndexNames } from '../contract/tables';
import type { ListPage, ScanPage } from '../domain/users';

/** How long a remembered list position lives: long enough for an Okta import to page through, then it expires. */
const POSITION_TTL_SECONDS = 15 * 60;

/** Items read per query while skipping to a `startIndex` that no earlier page remembered. */
const SKIP_PAGE = 500;

/** The `byOrg` index attributes every resource item of a listed kind carries. */
export function listIndexAttributes(kind: string, orgId: string, id: string): { gsi1pk: string; gsi1sk: string } {
  return { gsi1pk: `${orgId}#${kind}`, gsi1sk: id };
}

export interface OrgListLayout<T> {
  /** Resource kind in keys, e.g. `USER`: list partition `<org>#USER`, count `<org>#USERS`. */
  readonly kind: string;
  /** The resource item's table key. */
  readonly itemKey: (orgId: string, id: string) => Record<string, AttributeValue>;
  readonly fromItem: (item: Record<string, AttributeValue>) => T;
  readonly idOf: (resource: T) => string;
}

/**
 * All resources of one kind in an organization, in a stable order, with `totalResults` in one read. Items:
 * - each resource carries `gsi1pk` `<org>#<KIND>` and `gsi1sk` its id (time-ordered), listed through the `byOrg` index;
 * - a count `<org>#<KIND>S` / `COUNT`, changed in the same transactions as the resources (`countChange`);
 * - list positions `<org>#CURSOR#<kind>s#<startIndex>` / `CURSOR`, remembered for a few minutes when a page ends, so
 *   the next `startIndex` page starts where the last one stopped instead of re-reading from the top: an import of N
 *   resources reads O(N) items, not O(N²).
 */
export class OrgList<T> {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly layout: OrgListLayout<T>,
  ) {}

  countChange(orgId: string, delta: number): TransactWriteItem {
    return {
      Update: {
        TableName: this.tableName,
        Key: this.countKey(orgId),
        UpdateExpression: 'ADD #total :delta',
        ExpressionAttributeNames: { '#total': 'total' },
        ExpressionAttributeValues: { ':delta': { N: String(delta) } },
      },
    };
  }

  /** A page by 1-based `startIndex`, or after an RFC 9865 `cursor` (the last id of the previous page). */
  async list(orgId: string, page: { startIndex: number; count: number; cursor?: string }): Promise<ListPage<T>> {
    const totalResults = await this.count(orgId);
    // Past the end there is nothing to read: answer without skipping through every item.
    if (page.count <= 0 || (page.cursor === undefined && page.startIndex > totalResults)) {
      return { totalResults, items: [] };
    }

    let afterId: string | undefined;
    let toSkip = 0;
    if (page.cursor !== undefined) {
      afterId = page.cursor === '' ? undefined : page.cursor;
    } else if (page.startIndex > 1) {
      afterId = await this.rememberedPosition(orgId, page.startIndex);
      if (afterId === undefined) toSkip = page.startIndex - 1;
    }

    let startKey = afterId === undefined ? undefined : this.listKey(orgId, afterId);
    while (toSkip > 0) {
      const result = await this.query(orgId, Math.min(toSkip, SKIP_PAGE), startKey, true);
      toSkip -= result.Count ?? 0;
      startKey = result.LastEvaluatedKey;
      if (!startKey) return { totalResults, items: [] };
    }

    // A cursor page reads one item more than it holds, to tell whether another page follows: an exactly full last
    // page then carries no nextCursor (RFC 9865: absent on the last page) instead of one leading to an empty page.
    // An index page knows its position, so totalResults tells the same without the extra item.
    const wanted = page.count + (page.cursor !== undefined ? 1 : 0);
    const items: T[] = [];
    let exhausted = false;
    while (items.length < wanted) {
      const result = await this.query(orgId, wanted - items.length, startKey, false);
      items.push(...(result.Items ?? []).map(this.layout.fromItem));
      startKey = result.LastEvaluatedKey;
      if (!startKey) {
        exhausted = true;
        break;
      }
    }
    const more =
      page.cursor !== undefined
        ? items.length > page.count
        : !exhausted && page.startIndex - 1 + items.length < totalResults;
    items.length = Math.min(items.length, page.count);

    const last = items[items.length - 1];
    if (!more || last === undefined) return { totalResults, items };
    const lastId = this.layout.idOf(last);
    await this.rememberPosition(orgId, page.startIndex + items.length, lastId);
    return { totalResults, items, nextCursor: lastId };
  }

  /** Up to `limit` resources after `afterId` in id order, without counting or remembering positions (filters). */
  async page(orgId: string, afterId: string | undefined, limit: number): Promise<ScanPage<T>> {
    const result = await this.query(
      orgId,
      limit,
      afterId === undefined ? undefined : this.listKey(orgId, afterId),
      false,
    );
    const items = (result.Items ?? []).map(this.layout.fromItem);
    const last = items[items.length - 1];
    return result.LastEvaluatedKey && last !== undefined ? { items, last: this.layout.idOf(last) } : { items };
  }

  private query(orgId: string, limit: number, startKey: Record<string, AttributeValue> | undefined, keysOnly: boolean) {
    return this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: IndexNames.byOrg,
        KeyConditionExpression: 'gsi1pk = :partition',
        ExpressionAttributeValues: { ':partition': { S: this.partition(orgId) } },
        ExclusiveStartKey: startKey,
        Limit: limit,
        ...(keysOnly ? { ProjectionExpression: 'pk, sk, gsi1pk, gsi1sk' } : {}),
      }),
    );
  }

  private async count(orgId: string): Promise<number> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: this.countKey(orgId), ConsistentRead: true }),
    );
    return Number(result.Item?.total?.N ?? 0);
  }

  private async rememberedPosition(orgId: string, startIndex: number): Promise<string | undefined> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: this.positionKey(orgId, startIndex) }),
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
          ...this.positionKey(orgId, startIndex),
          afterId: { S: afterId },
          expiresAt: { N: String(Math.floor(Date.now() / 1000) + POSITION_TTL_SECONDS) },
        },
      }),
    );
  }

  private partition(orgId: string): string {
    return listIndexAttributes(this.layout.kind, orgId, '').gsi1pk;
  }

  private countKey(orgId: string): Record<string, AttributeValue> {
    return { pk: { S: `${orgId}#${this.layout.kind}S` }, sk: { S: 'COUNT' } };
  }

  private positionKey(orgId: string, startIndex: number): Record<string, AttributeValue> {
    return { pk: { S: `${orgId}#CURSOR#${this.layout.kind.toLowerCase()}s#${startIndex}` }, sk: { S: 'CURSOR' } };
  }

  private listKey(orgId: string, afterId: string): Record<string, AttributeValue> {
    return { ...this.layout.itemKey(orgId, afterId), gsi1pk: { S: this.partition(orgId) }, gsi1sk: { S: afterId } };
  }
}
