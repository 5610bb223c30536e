/**
 * Sorting (RFC 7644 §3.4.2.3): `sortBy` and `sortOrder`, for the orders an index gives without sorting the
 * organization in memory: Users by `userName`, Groups by `displayName` (both through the one case fold, in the byte
 * order DynamoDB keeps the folded names in), and both by `meta.created` (or `id`) through their ids, which are UUIDv7
 * and so sort by creation time.
 */
import {
  afterCursor,
  type ListOrder,
  nameCursor,
  nameOrderKey,
  parseNameCursor,
  sortInOrder,
} from '../domain/list-order';
import { ScimError } from './errors';
import type { FilterResourceType } from './filter-query';
import { MAX_FILTER_SCAN_ITEMS } from './filter-query';
import type { PageRequest } from './list-query';
import { param } from './list-query';
import { Schemas } from './schemas';

export interface SortRequest {
  /** The attribute as the client should read it back in messages: `userName`, `displayName`, `meta.created`, `id`. */
  readonly attribute: string;
  readonly order: ListOrder;
}

const SORTABLE: Readonly<Record<FilterResourceType, readonly { name: string; by: ListOrder['by'] }[]>> = {
  User: [
    { name: 'userName', by: 'name' },
    { name: 'meta.created', by: 'id' },
    { name: 'id', by: 'id' },
  ],
  Group: [
    { name: 'displayName', by: 'name' },
    { name: 'meta.created', by: 'id' },
    { name: 'id', by: 'id' },
  ],
};

/** The attributes `sortBy` may name for a resource type, as listed in error messages and the README. */
export function sortableAttributes(resourceType: FilterResourceType): string[] {
  return SORTABLE[resourceType].map((attribute) => attribute.name);
}

/**
 * Reads `sortBy` and `sortOrder`. Attribute names match without regard to case and may carry the core schema's URN
 * (`urn:ietf:params:scim:schemas:core:2.0:User:userName`). `sortOrder` alone is checked and then has nothing to
 * order (the RFC ties it to `sortBy`), so the list keeps its creation order.
 * @returns undefined when no `sortBy` is given
 * @throws ScimError 400 `invalidValue` naming the sortable attributes, or the two sort orders
 */
export function parseSortRequest(
  query: Readonly<Record<string, string | undefined>>,
  resourceType: FilterResourceType,
): SortRequest | undefined {
  const orderText = param(query, 'sortOrder');
  let descending = false;
  if (orderText !== undefined) {
    const normalized = orderText.trim().toLowerCase();
    if (normalized !== 'ascending' && normalized !== 'descending') {
      throw ScimError.badRequest(
        'invalidValue',
        `sortOrder must be "ascending" or "descending", got "${orderText.slice(0, 40)}"`,
      );
    }
    descending = normalized === 'descending';
  }
  const sortBy = param(query, 'sortBy');
  if (sortBy === undefined) return undefined;
  const name = withoutCoreSchema(sortBy.trim(), resourceType).toLowerCase();
  const sortable = SORTABLE[resourceType].find((attribute) => attribute.name.toLowerCase() === name);
  if (sortable === undefined) {
    throw ScimError.badRequest(
      'invalidValue',
      `${resourceType}s cannot be sorted by "${sortBy.slice(0, 80)}": sortBy can be ${sortableAttributes(
        resourceType,
      ).join(', ')} (other attributes have no stored order, and the organization is not sorted in memory)`,
    );
  }
  return { attribute: sortable.name, order: { by: sortable.by, descending } };
}

function withoutCoreSchema(name: string, resourceType: FilterResourceType): string {
  const core = `${resourceType === 'User' ? Schemas.user : Schemas.group}:`;
  return name.toLowerCase().startsWith(core.toLowerCase()) ? name.slice(core.length) : name;
}

/**
 * A cursor must come from a list in the same order: name-ordered cursors carry the last name's sort key, creation
 * order cursors are a bare id (see `nameCursor`).
 * @throws ScimError 400 `invalidCursor`
 */
export function checkCursorOrder(page: PageRequest, order: ListOrder | undefined): void {
  if (page.cursor === undefined || page.cursor === '') return;
  const named = parseNameCursor(page.cursor) !== undefined;
  if (named !== (order?.by === 'name')) {
    throw ScimError.badRequest(
      'invalidCursor',
      'The cursor belongs to a list in another order: send the same sortBy as the request that returned it, or start again with cursor=',
    );
  }
}

/** A page of a list sorted in memory (the matches of a filter), by `startIndex` or after a cursor. */
export function pageOfSorted<T extends { readonly id: string }>(
  all: readonly T[],
  page: PageRequest,
  order: ListOrder,
  nameOf: (item: T) => string,
): { totalResults: number; items: T[]; nextCursor?: string } {
  const sorted = sortInOrder(all, order, nameOf);
  const rest =
    page.cursor !== undefined ? afterCursor(sorted, order, page.cursor, nameOf) : sorted.slice(page.startIndex - 1);
  const items = rest.slice(0, page.count);
  const last = items[items.length - 1];
  if (rest.length <= items.length || last === undefined) return { totalResults: sorted.length, items };
  const nextCursor = order.by === 'name' ? nameCursor(last.id, nameOrderKey(nameOf(last))) : last.id;
  return { totalResults: sorted.length, items, nextCursor };
}

/** What reading a whole organization for a sort needs (the same reads a filter without an index makes). */
export interface SortSource<T> {
  count(): Promise<number>;
  scan(afterId: string | undefined, limit: number): Promise<{ items: readonly T[]; last?: string }>;
}

const READ_PAGE = 1000;

/**
 * Every item of the organization, for sorting by name while the stored name order does not yet hold items written
 * before it existed (each enters it on its next write). Bounded like a filter without an index: over
 * MAX_FILTER_SCAN_ITEMS items it is 400 `tooMany`, never a partial list.
 */
export async function readAllForSort<T>(
  source: SortSource<T>,
  resourceType: FilterResourceType,
  attribute: string,
): Promise<T[]> {
  const tooMany = () =>
    ScimError.badRequest(
      'tooMany',
      `Sorting by ${attribute} needs every ${resourceType} of this organization in the stored order, and ${resourceType}s ` +
        `written before that order existed enter it on their next change; until then the organization is read whole, ` +
        `which is refused above ${MAX_FILTER_SCAN_ITEMS}. Sort by meta.created, or leave out sortBy.`,
    );
  if ((await source.count()) > MAX_FILTER_SCAN_ITEMS) throw tooMany();
  const items: T[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await source.scan(after, READ_PAGE);
    items.push(...page.items);
    if (items.length > MAX_FILTER_SCAN_ITEMS) throw tooMany();
    if (page.last === undefined) return items;
    after = page.last;
  }
}
