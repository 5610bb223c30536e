import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { IndexNames } from '../contract/tables';
import { CREATION_ORDER, type ListOrder, nameCursor, nameOrderKey, parseNameCursor } from '../domain/list-order';
import type { ListPage, ScanPage } from '../domain/users';

/** How long a remembered list position lives: long enough for an Okta import to page through, then it expires. */
const POSITION_TTL_SECONDS = 15 * 60;

/** Items read per query while skipping to a `startIndex` that no earlier page remembered. */
const SKIP_PAGE = 500;

/** The `byOrg` index attributes every resource item of a listed kind carries. */
export function listIndexAttributes(kind: string, orgId: string, id: string): { gsi1pk: string; gsi1sk: string } {
  return { gsi1pk: `${orgId}#${kind}`, gsi1sk: id };
}

/** The `lookup` index attributes that list a resource by name (userName, displayName), in its own partition. */
export function nameIndexAttributes(kind: string, orgId: string, name: string): { gsi2pk: string; gsi2sk: string } {
  return { gsi2pk: nameOrderPartition(kind, orgId), gsi2sk: nameOrderKey(name) };
}

function nameOrderPartition(kind: string, orgId: string): string {
  return `${orgId}#${kind}#BYNAME`;
}

/**
 * Resources read from items written before items carried the name order attributes. Such an item is counted into the
 * name order (`named` on the count item) by the write that adds them; remembering which records lack them keeps that
 * knowledge in the adapter. A record missing here is taken to have them, which can only leave `named` short: the
 * name order is then answered the slower way, never with a user missing.
 */
const withoutNameOrder = new WeakSet<object>();

export function markWithoutNameOrder<T extends object>(resource: T, item: Record<string, AttributeValue>): T {
  if (item.gsi2pk === undefined) withoutNameOrder.add(resource);
  return resource;
}

export function lacksNameOrder(resource: object): boolean {
  return withoutNameOrder.has(resource);
}

export interface OrgListLayout<T> {
  /** Resource kind in keys, e.g. `USER`: list partition `<org>#USER`, count `<org>#USERS`. */
  readonly kind: string;
  /** The resource item's table key. */
  readonly itemKey: (orgId: string, id: string) => Record<string, AttributeValue>;
  readonly fromItem: (item: Record<string, AttributeValue>) => T;
  readonly idOf: (resource: T) => string;
  /** The name the `name` order sorts by. */
  readonly nameOf: (resource: T) => string;
}

/**
 * All resources of one kind in an organization, in a stable order, with `totalResults` in one read. Items:
 * - each resource carries `gsi1pk` `<org>#<KIND>` and `gsi1sk` its id (time-ordered), listed through the `byOrg` index;
 * - and `gsi2pk` `<org>#<KIND>#BYNAME` and `gsi2sk` its folded name (`nameOrderKey`), listed through the `lookup` index;
 * - a count `<org>#<KIND>S` / `COUNT`, changed in the same transactions as the resources (`countChange`): `total`,
 *   and `named`, the resources carrying the name order attributes (all of them once every item written before those
 *   attributes existed has been written again);
 * - list positions `<org>#CURSOR#<kind>s#<startIndex>` / `CURSOR` (creation order; other orders add their name),
 *   remembered for a few minutes when a page ends, so the next `startIndex` page starts where the last one stopped
 *   instead of re-reading from the top: an import of N resources reads O(N) items, not O(N²).
 */
export class OrgList<T> {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly layout: OrgListLayout<T>,
  ) {}

  /** `named`: how many of the resources carry the name order attributes (`delta` unless told otherwise). */
  countChange(orgId: string, delta: number, named: number = delta): TransactWriteItem {
    return {
      Update: {
        TableName: this.tableName,
        Key: this.countKey(orgId),
        UpdateExpression: named === 0 ? 'ADD #total :delta' : 'ADD #total :delta, #named :named',
        ExpressionAttributeNames: { '#total': 'total', ...(named === 0 ? {} : { '#named': 'named' }) },
        ExpressionAttributeValues: {
          ':delta': { N: String(delta) },
          ...(named === 0 ? {} : { ':named': { N: String(named) } }),
        },
      },
    };
  }

  /**
   * A page by 1-based `startIndex`, or after an RFC 9865 `cursor` (the last id of the previous page; in name order
   * with its sort key, see `nameCursor`), in `order`. In name order before every item carries its name order
   * attributes, `orderUnavailable` and no items.
   */
  async list(
    orgId: string,
    page: { startIndex: number; count: number; cursor?: string },
    order: ListOrder = CREATION_ORDER,
  ): Promise<ListPage<T>> {
    const { total: totalResults, named } = await this.count(orgId);
    if (order.by === 'name' && named < totalResults) return { totalResults, items: [], orderUnavailable: true };
    // Past the end there is nothing to read: answer without skipping through every item.
    if (page.count <= 0 || (page.cursor === undefined && page.startIndex > totalResults)) {
      return { totalResults, items: [] };
    }

    let startKey: Record<string, AttributeValue> | undefined;
    let toSkip = 0;
    if (page.cursor !== undefined) {
      startKey = page.cursor === '' ? undefined : this.cursorKey(orgId, page.cursor, order);
    } else if (page.startIndex > 1) {
      startKey = await this.rememberedPosition(orgId, page.startIndex, order);
      if (startKey === undefined) toSkip = page.startIndex - 1;
    }

    while (toSkip > 0) {
      const result = await this.query(orgId, Math.min(toSkip, SKIP_PAGE), startKey, true, order);
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
      const result = await this.query(orgId, wanted - items.length, startKey, false, order);
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
    const lastKey = order.by === 'name' ? nameOrderKey(this.layout.nameOf(last)) : undefined;
    await this.rememberPosition(orgId, page.startIndex + items.length, order, lastId, lastKey);
    return { totalResults, items, nextCursor: lastKey === undefined ? lastId : nameCursor(lastId, lastKey) };
  }

  /** Up to `limit` resources after `afterId` in id order, without counting or remembering positions (filters). */
  async page(orgId: string, afterId: string | undefined, limit: number): Promise<ScanPage<T>> {
    const result = await this.query(
      orgId,
      limit,
      afterId === undefined ? undefined : this.listKey(orgId, afterId),
      false,
      CREATION_ORDER,
    );
    const items = (result.Items ?? []).map(this.layout.fromItem);
    const last = items[items.length - 1];
    return result.LastEvaluatedKey && last !== undefined ? { items, last: this.layout.idOf(last) } : { items };
  }

  private query(
    orgId: string,
    limit: number,
    startKey: Record<string, AttributeValue> | undefined,
    keysOnly: boolean,
    order: ListOrder,
  ) {
    const byName = order.by === 'name';
    return this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: byName ? IndexNames.lookup : IndexNames.byOrg,
        KeyConditionExpression: byName ? 'gsi2pk = :partition' : 'gsi1pk = :partition',
        ExpressionAttributeValues: {
          ':partition': { S: byName ? nameOrderPartition(this.layout.kind, orgId) : this.partition(orgId) },
        },
        ExclusiveStartKey: startKey,
        ScanIndexForward: !order.descending,
        Limit: limit,
        ...(keysOnly ? { ProjectionExpression: byName ? 'pk, sk, gsi2pk, gsi2sk' : 'pk, sk, gsi1pk, gsi1sk' } : {}),
      }),
    );
  }

  private async count(orgId: string): Promise<{ total: number; named: number }> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: this.countKey(orgId), ConsistentRead: true }),
    );
    return { total: Number(result.Item?.total?.N ?? 0), named: Number(result.Item?.named?.N ?? 0) };
  }

  private async rememberedPosition(
    orgId: string,
    startIndex: number,
    order: ListOrder,
  ): Promise<Record<string, AttributeValue> | undefined> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: this.positionKey(orgId, startIndex, order) }),
    );
    const expiresAt = Number(result.Item?.expiresAt?.N ?? 0);
    // TTL deletion is lazy, so an expired position may still be there.
    if (expiresAt * 1000 < Date.now()) return undefined;
    const afterId = result.Item?.afterId?.S;
    if (afterId === undefined) return undefined;
    if (order.by === 'id') return this.listKey(orgId, afterId);
    const afterKey = result.Item?.afterKey?.S;
    return afterKey === undefined ? undefined : this.nameListKey(orgId, afterId, afterKey);
  }

  private async rememberPosition(
    orgId: string,
    startIndex: number,
    order: ListOrder,
    afterId: string,
    afterKey: string | undefined,
  ): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          ...this.positionKey(orgId, startIndex, order),
          afterId: { S: afterId },
          ...(afterKey === undefined ? {} : { afterKey: { S: afterKey } }),
          expiresAt: { N: String(Math.floor(Date.now() / 1000) + POSITION_TTL_SECONDS) },
        },
      }),
    );
  }

  /** The start key of a cursor issued for `order`; the protocol layer checked that its form fits the order. */
  private cursorKey(orgId: string, cursor: string, order: ListOrder): Record<string, AttributeValue> {
    if (order.by === 'id') return this.listKey(orgId, cursor);
    const position = parseNameCursor(cursor);
    if (position === undefined) throw new Error('a name order cursor without its key');
    return this.nameListKey(orgId, position.id, position.key);
  }

  private partition(orgId: string): string {
    return listIndexAttributes(this.layout.kind, orgId, '').gsi1pk;
  }

  private countKey(orgId: string): Record<string, AttributeValue> {
    return { pk: { S: `${orgId}#${this.layout.kind}S` }, sk: { S: 'COUNT' } };
  }

  private positionKey(orgId: string, startIndex: number, order: ListOrder): Record<string, AttributeValue> {
    // Creation order keeps the key it had before other orders existed, so positions remembered then stay valid.
    const name = `${this.layout.kind.toLowerCase()}s${order.by === 'name' ? '-name' : ''}${order.descending ? '-desc' : ''}`;
    return { pk: { S: `${orgId}#CURSOR#${name}#${startIndex}` }, sk: { S: 'CURSOR' } };
  }

  private nameListKey(orgId: string, id: string, key: string): Record<string, AttributeValue> {
    return {
      ...this.layout.itemKey(orgId, id),
      gsi2pk: { S: nameOrderPartition(this.layout.kind, orgId) },
      gsi2sk: { S: key },
    };
  }

  private listKey(orgId: string, afterId: string): Record<string, AttributeValue> {
    return { ...this.layout.itemKey(orgId, afterId), gsi1pk: { S: this.partition(orgId) }, gsi1sk: { S: afterId } };
  }
}
