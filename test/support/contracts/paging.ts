import type { ListPage } from '../../../lambda/domain/users';

type Lister<T> = (page: { startIndex: number; count: number; cursor?: string }) => Promise<ListPage<T>>;

/** Follows `nextCursor` from the top until a page has none; fails instead of looping when a cursor repeats. */
export async function followCursors<T extends { id: string }>(list: Lister<T>, count: number): Promise<ListPage<T>[]> {
  const pages: ListPage<T>[] = [];
  let cursor = '';
  const seen = new Set<string>();
  for (;;) {
    const page = await list({ startIndex: 1, count, cursor });
    pages.push(page);
    if (page.nextCursor === undefined) return pages;
    if (seen.has(page.nextCursor)) throw new Error(`cursor ${page.nextCursor} repeated`);
    seen.add(page.nextCursor);
    cursor = page.nextCursor;
  }
}

/** Reads one list every way a client pages it: all at once, by `startIndex`, past the end, by cursor. */
export async function readListWays<T extends { id: string }>(list: Lister<T>, ids: readonly string[]) {
  const all = await list({ startIndex: 1, count: 100 });
  const byStartIndex = [
    await list({ startIndex: 1, count: 2 }),
    await list({ startIndex: 3, count: 2 }),
    await list({ startIndex: 5, count: 2 }),
  ];
  const pastTheEnd = await list({ startIndex: ids.length + 1, count: 2 });
  const none = await list({ startIndex: 1, count: 0 });
  const byCursor = await followCursors(list, 2);

  return {
    all,
    allIds: all.items.map((item) => item.id),
    startIndexIds: byStartIndex.map((page) => page.items.map((item) => item.id)),
    startIndexTotals: byStartIndex.map((page) => page.totalResults),
    pastTheEnd,
    none,
    cursorIds: byCursor.flatMap((page) => page.items.map((item) => item.id)),
    cursorPages: byCursor,
  };
}
