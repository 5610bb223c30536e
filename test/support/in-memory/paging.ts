import {
  afterCursor,
  CREATION_ORDER,
  type ListOrder,
  nameCursor,
  nameOrderKey,
  sortInOrder,
} from '../../../lambda/domain/list-order';
import type { ListPage, ScanPage } from '../../../lambda/domain/users';

/**
 * The list contract of the repositories (`UserRepository.list`, `GroupRepository.list`): every resource of the
 * organization in id order (ids are time-ordered, so this is creation order), a 1-based `startIndex` or an RFC 9865
 * cursor (the last id of the previous page; `''` starts at the top), `totalResults` of the whole list, and a
 * `nextCursor` on every page that stops before the end.
 */
export function pageOf<T extends { readonly id: string }>(
  all: readonly T[],
  page: { startIndex: number; count: number; cursor?: string },
  order: ListOrder = CREATION_ORDER,
  nameOf: (item: T) => string = () => '',
): ListPage<T> {
  const sorted = sortInOrder(all, order, nameOf);
  const totalResults = sorted.length;
  if (page.count <= 0 || (page.cursor === undefined && page.startIndex > totalResults)) {
    return { totalResults, items: [] };
  }
  const rest =
    page.cursor !== undefined
      ? afterCursor(sorted, order, page.cursor, nameOf)
      : sorted.slice(Math.max(0, page.startIndex - 1));
  const items = rest.slice(0, page.count);
  const last = items[items.length - 1];
  if (!(rest.length > items.length && last)) return { totalResults, items };
  const nextCursor = order.by === 'name' ? nameCursor(last.id, nameOrderKey(nameOf(last))) : last.id;
  return { totalResults, items, nextCursor };
}

/** Byte order, as DynamoDB sorts string keys (ids are lower-case ASCII). */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The scan contract (`scan(orgId, afterId, limit)`): up to `limit` items after `afterId` in id order, with `last` (the
 * id to continue after) when the page is full, as DynamoDB answers a LastEvaluatedKey when the limit stops a query.
 */
export function scanPageOf<T extends { readonly id: string }>(
  all: readonly T[],
  afterId: string | undefined,
  limit: number,
): ScanPage<T> {
  const rest = [...all]
    .sort((a, b) => compareIds(a.id, b.id))
    .filter((item) => afterId === undefined || compareIds(item.id, afterId) > 0);
  const items = rest.slice(0, limit);
  const last = items[items.length - 1];
  return items.length === limit && last ? { items, last: last.id } : { items };
}
