import { foldCase } from './case-fold';

/**
 * The orders a list can be read in without sorting the organization in memory: `id` (ids are UUIDv7, so this is
 * creation order) and `name` (userName or displayName through the one case fold, as DynamoDB sorts a string key:
 * by UTF-8 bytes, not a locale's collation).
 */
export interface ListOrder {
  readonly by: 'id' | 'name';
  readonly descending: boolean;
}

export const CREATION_ORDER: ListOrder = { by: 'id', descending: false };

/** Largest sort key DynamoDB accepts, in UTF-8 bytes. */
const MAX_ORDER_KEY_BYTES = 1024;

/**
 * The stored sort key of a name: its fold, cut at a character boundary to fit a sort key. Names whose folds share
 * their first 1,024 bytes (only names of more than 341 characters can) keep an arbitrary but stable order.
 */
export function nameOrderKey(name: string): string {
  const folded = foldCase(name);
  let bytes = 0;
  let end = 0;
  for (const character of folded) {
    bytes += Buffer.byteLength(character, 'utf8');
    if (bytes > MAX_ORDER_KEY_BYTES) break;
    end += character.length;
  }
  return folded.slice(0, end);
}

/**
 * JavaScript's order of texts, by UTF-16 code units: the same on every runtime and locale, unlike `localeCompare`.
 * For tie-breaks of lists held in memory; keys DynamoDB sorts are compared with `compareKeys`.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** DynamoDB's order of string keys: UTF-8 bytes (JavaScript's `<` compares UTF-16 units, which differs above U+FFFF). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * A cursor of a name-ordered list: the last item's id and its sort key, so the next page starts right after it even
 * when that item was renamed or deleted since. `<id>.<base64url(key)>`; id-ordered cursors are the bare id.
 */
export function nameCursor(id: string, key: string): string {
  return `${id}.${Buffer.from(key, 'utf8').toString('base64url')}`;
}

export function parseNameCursor(cursor: string): { id: string; key: string } | undefined {
  const match = /^([^.]+)\.([A-Za-z0-9_-]*)$/.exec(cursor);
  if (!match) return undefined;
  const key = Buffer.from(match[2] as string, 'base64url').toString('utf8');
  // Only keys a stored name could have: a start key DynamoDB refuses would otherwise surface as a server error.
  if (key === '' || Buffer.byteLength(key, 'utf8') > MAX_ORDER_KEY_BYTES) return undefined;
  return { id: match[1] as string, key };
}

/**
 * Sorts a small set already in memory (the matches of a filter) in the order the indexes give: by the name's sort key,
 * ties by id; or by id. The order of a descending list is the exact reverse.
 */
export function sortInOrder<T extends { readonly id: string }>(
  items: readonly T[],
  order: ListOrder,
  nameOf: (item: T) => string,
): T[] {
  // Stryker disable next-line StringLiteral: in id order every item gets the same key, whatever it is, so ids decide
  const keyed = items.map((item) => ({ item, key: order.by === 'name' ? nameOrderKey(nameOf(item)) : '' }));
  keyed.sort((a, b) => compareKeys(a.key, b.key) || compareKeys(a.item.id, b.item.id));
  if (order.descending) keyed.reverse();
  return keyed.map(({ item }) => item);
}

/** The items after a cursor (`''`: from the top) of a list sorted by `sortInOrder`, as the index would continue. */
export function afterCursor<T extends { readonly id: string }>(
  sorted: readonly T[],
  order: ListOrder,
  cursor: string,
  nameOf: (item: T) => string,
): T[] {
  if (cursor === '') return [...sorted];
  const position = order.by === 'name' ? parseNameCursor(cursor) : { id: cursor, key: '' };
  if (position === undefined) return [];
  const direction = order.descending ? -1 : 1;
  return sorted.filter((item) => {
    const key = order.by === 'name' ? nameOrderKey(nameOf(item)) : '';
    return direction * (compareKeys(key, position.key) || compareKeys(item.id, position.id)) > 0;
  });
}
