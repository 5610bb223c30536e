import { nameCursor } from '../../../lambda/domain/list-order';
import { ScimError } from '../../../lambda/scim/errors';
import { parsePageRequest } from '../../../lambda/scim/list-query';
import {
  checkCursorOrder,
  pageOfSorted,
  parseSortRequest,
  readAllForSort,
  sortableAttributes,
} from '../../../lambda/scim/sort';

const USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ID = '01900000-0000-7000-8000-000000000001';

describe('parseSortRequest', () => {
  it('has nothing to sort without sortBy', () => {
    expect(parseSortRequest({}, 'User')).toBeUndefined();
    expect(parseSortRequest({ sortOrder: 'descending' }, 'User')).toBeUndefined();
  });

  it.each([
    [{ sortBy: 'userName' }, 'User', 'userName', { by: 'name', descending: false }],
    [{ SORTBY: 'USERNAME', sortorder: 'Descending' }, 'User', 'userName', { by: 'name', descending: true }],
    [{ sortBy: `${USER_URN}:userName` }, 'User', 'userName', { by: 'name', descending: false }],
    [{ sortBy: `${USER_URN.toUpperCase()}:UserName` }, 'User', 'userName', { by: 'name', descending: false }],
    [{ sortBy: 'meta.created', sortOrder: 'ascending' }, 'User', 'meta.created', { by: 'id', descending: false }],
    [{ sortBy: 'Meta.Created', sortOrder: 'descending' }, 'Group', 'meta.created', { by: 'id', descending: true }],
    [{ sortBy: `${GROUP_URN}:displayName` }, 'Group', 'displayName', { by: 'name', descending: false }],
    [{ sortBy: ' id ' }, 'Group', 'id', { by: 'id', descending: false }],
  ] as const)('reads %j of %s as %s in order %j', (query, type, attribute, order) => {
    expect(parseSortRequest(query, type)).toEqual({ attribute, order });
  });

  it.each([
    [
      { sortBy: 'displayName' },
      'User',
      'Users cannot be sorted by "displayName": sortBy can be userName, meta.created, id',
    ],
    [
      { sortBy: 'userName' },
      'Group',
      'Groups cannot be sorted by "userName": sortBy can be displayName, meta.created, id',
    ],
    [{ sortBy: 'name.familyName' }, 'User', 'Users cannot be sorted by "name.familyName"'],
    [{ sortBy: 'meta.lastModified' }, 'User', 'Users cannot be sorted by "meta.lastModified"'],
    [{ sortBy: `${GROUP_URN}:userName` }, 'User', 'cannot be sorted by'],
    [{ sortBy: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber' }, 'User', 'sortBy can be'],
    [{ sortBy: '' }, 'User', 'Users cannot be sorted by ""'],
  ] as const)('refuses %j on %s with 400 invalidValue naming the sortable attributes', (query, type, detail) => {
    const attempt = () => parseSortRequest(query, type);

    expect(attempt).toThrow(ScimError);
    expect(attempt).toThrow(expect.objectContaining({ status: 400, scimType: 'invalidValue' }));
    expect(attempt).toThrow(detail);
  });

  it.each(['up', 'asc', 'desc', ''])('refuses sortOrder "%s", with or without sortBy', (sortOrder) => {
    for (const query of [{ sortOrder }, { sortBy: 'userName', sortOrder }]) {
      expect(() => parseSortRequest(query, 'User')).toThrow(
        expect.objectContaining({
          scimType: 'invalidValue',
          detail: `sortOrder must be "ascending" or "descending", got "${sortOrder}"`,
        }),
      );
    }
  });

  it('lists the sortable attributes of each resource type', () => {
    expect(sortableAttributes('User')).toEqual(['userName', 'meta.created', 'id']);
    expect(sortableAttributes('Group')).toEqual(['displayName', 'meta.created', 'id']);
  });
});

describe('checkCursorOrder', () => {
  const byName = { by: 'name', descending: false } as const;
  const byId = { by: 'id', descending: true } as const;

  it('accepts a cursor of the same order, and the first page of any', () => {
    expect(() => checkCursorOrder(parsePageRequest({ cursor: nameCursor(ID, 'adam') }), byName)).not.toThrow();
    expect(() => checkCursorOrder(parsePageRequest({ cursor: ID }), byId)).not.toThrow();
    expect(() => checkCursorOrder(parsePageRequest({ cursor: ID }), undefined)).not.toThrow();
    expect(() => checkCursorOrder(parsePageRequest({ cursor: '' }), byName)).not.toThrow();
  });

  it.each([
    [nameCursor(ID, 'adam'), undefined],
    [nameCursor(ID, 'adam'), byId],
    [ID, byName],
  ] as const)('refuses cursor %s in order %j with 400 invalidCursor', (cursor, order) => {
    expect(() => checkCursorOrder(parsePageRequest({ cursor }), order)).toThrow(
      expect.objectContaining({ status: 400, scimType: 'invalidCursor' }),
    );
  });

  it.each([
    ['with an empty key', `${ID}.`],
    ['with a key that is not base64url', `${ID}.!!`],
    ['without an id', `not-an-id.${Buffer.from('adam').toString('base64url')}`],
    ['with a key longer than a stored one', `${ID}.${'QUFB'.repeat(400)}`],
  ])('refuses a cursor this server could not have issued: %s', (_label, cursor) => {
    expect(() => parsePageRequest({ cursor })).toThrow(expect.objectContaining({ scimType: 'invalidCursor' }));
  });
});

describe('pageOfSorted', () => {
  const people = [
    { id: '01900000-0000-7000-8000-000000000003', name: 'zoë' },
    { id: '01900000-0000-7000-8000-000000000001', name: 'Émile' },
    { id: '01900000-0000-7000-8000-000000000002', name: 'Adam' },
    { id: '01900000-0000-7000-8000-000000000004', name: 'bob' },
  ];
  const nameOf = (person: { name: string }) => person.name;

  it('orders names by their fold in byte order, as the stored keys sort, both ways', () => {
    const up = pageOfSorted(people, { startIndex: 1, count: 10 }, { by: 'name', descending: false }, nameOf);
    const down = pageOfSorted(people, { startIndex: 1, count: 10 }, { by: 'name', descending: true }, nameOf);

    expect(up.items.map(nameOf)).toEqual(['Adam', 'bob', 'zoë', 'Émile']);
    expect(down.items.map(nameOf)).toEqual(['Émile', 'zoë', 'bob', 'Adam']);
    expect(up.totalResults).toBe(4);
  });

  it('pages by startIndex and continues after a cursor where the last page stopped', () => {
    const order = { by: 'name', descending: true } as const;

    const first = pageOfSorted(people, { startIndex: 1, count: 3, cursor: '' }, order, nameOf);
    const second = pageOfSorted(people, { startIndex: 1, count: 3, cursor: first.nextCursor }, order, nameOf);
    const byIndex = pageOfSorted(people, { startIndex: 3, count: 3 }, order, nameOf);

    expect(first.items.map(nameOf)).toEqual(['Émile', 'zoë', 'bob']);
    expect(first.nextCursor).toBe(nameCursor('01900000-0000-7000-8000-000000000004', 'bob'));
    expect(second.items.map(nameOf)).toEqual(['Adam']);
    expect(second.nextCursor).toBeUndefined();
    expect(byIndex.items.map(nameOf)).toEqual(['bob', 'Adam']);
  });

  it('orders by id for meta.created, with bare id cursors', () => {
    const order = { by: 'id', descending: true } as const;

    const first = pageOfSorted(people, { startIndex: 1, count: 2, cursor: '' }, order, nameOf);
    const second = pageOfSorted(people, { startIndex: 1, count: 2, cursor: first.nextCursor }, order, nameOf);

    expect(first.items.map(nameOf)).toEqual(['bob', 'zoë']);
    expect(first.nextCursor).toBe('01900000-0000-7000-8000-000000000003');
    expect(second.items.map(nameOf)).toEqual(['Adam', 'Émile']);
  });
});

describe('readAllForSort', () => {
  it('reads the organization page by page', async () => {
    const pages = [{ items: [1, 2], last: 'b' }, { items: [3] }];
    const scan = jest.fn(async () => pages.shift() ?? { items: [] });

    const all = await readAllForSort({ count: async () => 3, scan }, 'User', 'userName');

    expect(all).toEqual([1, 2, 3]);
    expect(scan).toHaveBeenNthCalledWith(2, 'b', 1000);
  });

  it('refuses an organization over the bound with 400 tooMany before reading it', async () => {
    const scan = jest.fn();

    const attempt = readAllForSort({ count: async () => 10_001, scan }, 'Group', 'displayName');

    await expect(attempt).rejects.toMatchObject({ status: 400, scimType: 'tooMany' });
    await expect(attempt).rejects.toThrow('Sorting by displayName needs every Group');
    expect(scan).not.toHaveBeenCalled();
  });
});

describe('sorting details', () => {
  it('says how to continue when a cursor belongs to another order', () => {
    expect(() => checkCursorOrder(parsePageRequest({ cursor: ID }), { by: 'name', descending: false })).toThrow(
      expect.objectContaining({
        detail:
          'The cursor belongs to a list in another order: send the same sortBy as the request that returned it, or start again with cursor=',
      }),
    );
  });

  it('accepts any order without a cursor', () => {
    expect(() => checkCursorOrder({ startIndex: 1, count: 10 }, { by: 'name', descending: false })).not.toThrow();
  });

  it('gives no cursor for a page that ends the list exactly', () => {
    const items = [{ id: ID }];

    const page = pageOfSorted(
      items,
      { startIndex: 1, count: 1, cursor: '' },
      { by: 'id', descending: false },
      () => '',
    );

    expect(page).toEqual({ totalResults: 1, items });
  });

  it('echoes at most 80 characters of an attribute it cannot sort by, and 40 of a sort order', () => {
    const long = 'x'.repeat(200);

    expect(() => parseSortRequest({ sortBy: long }, 'User')).toThrow(
      expect.objectContaining({ detail: expect.stringContaining(`by "${'x'.repeat(80)}": sortBy can be`) }),
    );
    expect(() => parseSortRequest({ sortOrder: long }, 'User')).toThrow(
      expect.objectContaining({ detail: `sortOrder must be "ascending" or "descending", got "${'x'.repeat(40)}"` }),
    );
  });

  it('accepts a sort order with blanks around it', () => {
    expect(parseSortRequest({ sortBy: 'id', sortOrder: ' descending ' }, 'User')?.order.descending).toBe(true);
  });

  it('reads an organization of exactly the bound, and says why a larger one is refused', async () => {
    const scan = jest.fn(async () => ({ items: [1] }));

    await expect(readAllForSort({ count: async () => 10_000, scan }, 'User', 'userName')).resolves.toEqual([1]);
    await expect(readAllForSort({ count: async () => 10_001, scan }, 'User', 'userName')).rejects.toMatchObject({
      detail:
        'Sorting by userName needs every User of this organization in the stored order, and Users written before that ' +
        'order existed enter it on their next change; until then the organization is read whole, which is refused ' +
        'above 10000. Sort by meta.created, or leave out sortBy.',
    });
  });

  it('refuses when the pages hold more than the bound although the count said less', async () => {
    const full = Array.from({ length: 1000 }, (_, n) => n);
    let pages = 0;
    const scan = jest.fn(async () => {
      pages++;
      return pages <= 10 ? { items: full, last: String(pages) } : { items: [0] };
    });

    await expect(readAllForSort({ count: async () => 5, scan }, 'Group', 'displayName')).rejects.toMatchObject({
      scimType: 'tooMany',
    });
    expect(scan).toHaveBeenCalledTimes(11);
  });

  it('reads exactly the bound over several pages', async () => {
    const full = Array.from({ length: 1000 }, (_, n) => n);
    let pages = 0;
    const scan = jest.fn(async () => {
      pages++;
      return pages < 10 ? { items: full, last: String(pages) } : { items: full };
    });

    expect(await readAllForSort({ count: async () => 5, scan }, 'Group', 'displayName')).toHaveLength(10_000);
    expect(scan).toHaveBeenNthCalledWith(1, undefined, 1000);
  });
});
