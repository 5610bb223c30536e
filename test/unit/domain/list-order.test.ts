import {
  afterCursor,
  CREATION_ORDER,
  compareKeys,
  compareText,
  type ListOrder,
  nameCursor,
  nameOrderKey,
  parseNameCursor,
  sortInOrder,
} from '../../../lambda/domain/list-order';

const byName: ListOrder = { by: 'name', descending: false };
const byNameDescending: ListOrder = { by: 'name', descending: true };
const byIdDescending: ListOrder = { by: 'id', descending: true };

interface Item {
  readonly id: string;
  readonly name: string;
}
const nameOf = (item: Item) => item.name;
const ids = (items: readonly Item[]) => items.map((item) => item.id);

describe('nameOrderKey', () => {
  it('is the case fold of a name that fits a sort key', () => {
    expect(nameOrderKey('Straße')).toBe('strasse');
    expect(nameOrderKey('A'.repeat(400))).toBe('a'.repeat(400));
  });

  it('cuts a long name at a character boundary to at most 1,024 UTF-8 bytes', () => {
    expect(nameOrderKey('É'.repeat(600))).toBe('é'.repeat(512));
    expect(nameOrderKey('😀'.repeat(300))).toBe('😀'.repeat(256));
    // 1 + 255 × 4 = 1,021 bytes: the next emoji would make 1,025.
    expect(nameOrderKey(`a${'😀'.repeat(300)}`)).toBe(`a${'😀'.repeat(255)}`);
    expect(nameOrderKey(`abc${'😀'.repeat(300)}`)).toBe(`abc${'😀'.repeat(255)}`);
  });

  it('keeps a name of exactly 1,024 bytes whole', () => {
    expect(nameOrderKey('😀'.repeat(256))).toBe('😀'.repeat(256));
    expect(nameOrderKey(`${'é'.repeat(511)}ab`)).toBe(`${'é'.repeat(511)}ab`);
    expect(nameOrderKey(`${'é'.repeat(511)}abc`)).toBe(`${'é'.repeat(511)}ab`);
  });
});

describe('compareText', () => {
  it('answers -1, 1 or 0 by UTF-16 code units, whatever the locale would say', () => {
    expect([compareText('a', 'b'), compareText('b', 'a'), compareText('a', 'a')]).toEqual([-1, 1, 0]);
    expect([compareText('B', 'a'), compareText('a', 'B'), compareText('', 'a')]).toEqual([-1, 1, -1]);
    expect(['u-2', 'u-10', 'u-1'].sort(compareText)).toEqual(['u-1', 'u-10', 'u-2']);
  });
});

describe('compareKeys', () => {
  it('orders by UTF-8 bytes as DynamoDB does, not by UTF-16 units', () => {
    expect(compareKeys('\uffff', '😀')).toBeLessThan(0);
    expect(compareKeys('😀', '\uffff')).toBeGreaterThan(0);
    expect(compareKeys('abc', 'abc')).toBe(0);
    expect(compareKeys('ab', 'abc')).toBeLessThan(0);
  });
});

describe('name cursors', () => {
  it('carry the id and the sort key, and read back', () => {
    const cursor = nameCursor('id-1', 'ada lovelace 😀');

    expect(cursor).toBe(`id-1.${Buffer.from('ada lovelace 😀').toString('base64url')}`);
    expect(parseNameCursor(cursor)).toEqual({ id: 'id-1', key: 'ada lovelace 😀' });
    expect(parseNameCursor(nameCursor('id-1', '😀'.repeat(256)))).toEqual({ id: 'id-1', key: '😀'.repeat(256) });
  });

  it.each([
    ['a bare id', 'id-1'],
    ['an empty key', 'id-1.'],
    ['an empty id', `.${Buffer.from('ada').toString('base64url')}`],
    ['a key longer than any stored one', nameCursor('id-1', 'a'.repeat(1025))],
    ['a character outside base64url', 'id-1.YWRh+'],
    ['a second dot', 'id-1.YWRh.YWRh'],
    ['text before the cursor', `x id-1.YWRh\n`],
  ])('refuse %s', (_, cursor) => {
    expect(parseNameCursor(cursor)).toBeUndefined();
  });
});

describe('sortInOrder and afterCursor', () => {
  const items: Item[] = [
    { id: '3', name: 'bob' },
    { id: '1', name: 'Carol' },
    { id: '4', name: 'alice' },
    { id: '2', name: 'BOB' },
  ];

  it('sort by name through the fold, ties by id, and descending is the exact reverse', () => {
    expect(ids(sortInOrder(items, byName, nameOf))).toEqual(['4', '2', '3', '1']);
    expect(ids(sortInOrder(items, byNameDescending, nameOf))).toEqual(['1', '3', '2', '4']);
  });

  it('sort by id, ignoring names', () => {
    expect(ids(sortInOrder(items, CREATION_ORDER, nameOf))).toEqual(['1', '2', '3', '4']);
    expect(ids(sortInOrder(items, byIdDescending, nameOf))).toEqual(['4', '3', '2', '1']);
  });

  it('continue right after the cursor, by id or by name, in either direction', () => {
    const ascending = sortInOrder(items, byName, nameOf);
    const descending = sortInOrder(items, byNameDescending, nameOf);

    expect(ids(afterCursor(ascending, byName, '', nameOf))).toEqual(['4', '2', '3', '1']);
    expect(ids(afterCursor(ascending, byName, nameCursor('2', 'bob'), nameOf))).toEqual(['3', '1']);
    expect(ids(afterCursor(descending, byNameDescending, nameCursor('3', 'bob'), nameOf))).toEqual(['2', '4']);
    expect(ids(afterCursor(sortInOrder(items, CREATION_ORDER, nameOf), CREATION_ORDER, '2', nameOf))).toEqual([
      '3',
      '4',
    ]);
    expect(ids(afterCursor(sortInOrder(items, byIdDescending, nameOf), byIdDescending, '3', nameOf))).toEqual([
      '2',
      '1',
    ]);
  });

  it('continue after a renamed or deleted item from where its cursor says it was', () => {
    const sorted = sortInOrder(items, byName, nameOf);

    expect(ids(afterCursor(sorted, byName, nameCursor('9', 'b'), nameOf))).toEqual(['2', '3', '1']);
  });

  it('answer nothing after a cursor that cannot be read', () => {
    expect(afterCursor(sortInOrder(items, byName, nameOf), byName, 'not-a-cursor', nameOf)).toEqual([]);
  });
});
