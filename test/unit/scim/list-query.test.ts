import { nameCursor, nameOrderKey } from '../../../lambda/domain/list-order';
import { ScimError } from '../../../lambda/scim/errors';
import { listResponse, param, parsePageRequest } from '../../../lambda/scim/list-query';

describe('parsePageRequest', () => {
  it('defaults to the first page of the largest size', () => {
    expect(parsePageRequest({})).toEqual({ startIndex: 1, count: 200 });
  });

  it.each([
    [
      { startIndex: '0', count: '-5' },
      { startIndex: 1, count: 0 },
    ],
    [
      { startindex: '101', COUNT: '100' },
      { startIndex: 101, count: 100 },
    ],
    [{ count: '1000' }, { startIndex: 1, count: 200 }],
  ])('reads %j as %j', (query, expected) => {
    expect(parsePageRequest(query)).toEqual(expected);
  });

  it.each([
    ['2^53', '9007199254740992'],
    ['of 400 digits', '1'.repeat(400)],
  ])('rejects a startIndex %s, past what a number holds exactly', (_label, raw) => {
    expect(() => parsePageRequest({ startIndex: raw })).toThrow(
      expect.objectContaining({ scimType: 'invalidValue', detail: 'startIndex must be at most 9007199254740991' }),
    );
  });

  it('keeps the largest exact startIndex and caps a count of any size', () => {
    expect(parsePageRequest({ startIndex: '9007199254740991', count: '9'.repeat(400) })).toEqual({
      startIndex: 9007199254740991,
      count: 200,
    });
  });

  it('rejects a count that is not an integer as invalidValue', () => {
    expect(() => parsePageRequest({ count: 'ten' })).toThrow(expect.objectContaining({ scimType: 'invalidValue' }));
  });

  it('accepts an empty cursor as the first cursor page and an issued id as the next one', () => {
    const id = '0190c0de-0000-7000-8000-000000000001';

    expect(parsePageRequest({ cursor: '' })).toEqual({ startIndex: 1, count: 200, cursor: '' });
    expect(parsePageRequest({ cursor: id, count: '10' })).toEqual({ startIndex: 1, count: 10, cursor: id });
  });

  it('rejects a cursor this server did not issue with invalidCursor', () => {
    const attempt = () => parsePageRequest({ cursor: 'not-a-cursor' });

    expect(attempt).toThrow(ScimError);
    expect(attempt).toThrow(expect.objectContaining({ status: 400, scimType: 'invalidCursor' }));
  });
});

describe('listResponse', () => {
  it('carries nextCursor only on cursor pages and startIndex only on index pages', () => {
    const byIndex = listResponse({ startIndex: 3, count: 2 }, 10, [{}, {}], 'next-id');
    const byCursor = listResponse({ startIndex: 1, count: 2, cursor: '' }, 10, [{}, {}], 'next-id');

    expect(byIndex).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 10,
      startIndex: 3,
      itemsPerPage: 2,
      Resources: [{}, {}],
    });
    expect(byCursor).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 10,
      itemsPerPage: 2,
      nextCursor: 'next-id',
      Resources: [{}, {}],
    });
  });

  it('has no nextCursor key at all on the last cursor page, so serializers that keep undefined show none', () => {
    expect(listResponse({ startIndex: 1, count: 2, cursor: 'u-1' }, 3, [{}])).toStrictEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 3,
      itemsPerPage: 1,
      Resources: [{}],
    });
  });
});

describe('parsePageRequest details', () => {
  const ID = '0190c0de-0000-7000-8000-000000000001';

  it('reads blank values as absent and integers with blanks around them', () => {
    expect(parsePageRequest({ startIndex: ' ', count: '' })).toEqual({ startIndex: 1, count: 200 });
    expect(parsePageRequest({ startIndex: ' 7 ', count: ' 3 ' })).toEqual({ startIndex: 7, count: 3 });
  });

  it.each(['1.5', '1e3', '0x10', '12abc', '--1'])('refuses %j, naming the parameter and the value', (raw) => {
    expect(() => parsePageRequest({ startIndex: raw })).toThrow(
      expect.objectContaining({ scimType: 'invalidValue', detail: `startIndex must be an integer, got "${raw}"` }),
    );
  });

  it('echoes at most 40 characters of a value that is not an integer', () => {
    const raw = 'x'.repeat(100);

    expect(() => parsePageRequest({ count: raw })).toThrow(
      expect.objectContaining({ detail: `count must be an integer, got "${'x'.repeat(40)}"` }),
    );
  });

  it('refuses a cursor together with startIndex', () => {
    expect(() => parsePageRequest({ cursor: '', startIndex: '1' })).toThrow(
      expect.objectContaining({ scimType: 'invalidValue', detail: 'Use either cursor or startIndex, not both' }),
    );
  });

  it('says how to start again after a cursor this server did not issue', () => {
    expect(() => parsePageRequest({ Cursor: 'x' })).toThrow(
      expect.objectContaining({ detail: 'The cursor is not one this server issued: start again with cursor=' }),
    );
  });

  it('accepts the cursor of a list sorted by name', () => {
    const cursor = nameCursor(ID, nameOrderKey('ada'));

    expect(parsePageRequest({ cursor })).toEqual({ startIndex: 1, count: 200, cursor });
  });

  it('refuses a name cursor whose id this server could not have issued', () => {
    const cursor = nameCursor('not-an-id', nameOrderKey('ada'));

    expect(() => parsePageRequest({ cursor })).toThrow(expect.objectContaining({ scimType: 'invalidCursor' }));
  });

  it('keeps a startIndex of 1 and a count of 200 at the bounds', () => {
    expect(parsePageRequest({ startIndex: '1', count: '200' })).toEqual({ startIndex: 1, count: 200 });
    expect(parsePageRequest({ count: '201' }).count).toBe(200);
  });
});

describe('param', () => {
  it('finds a parameter in any case, the first when several match', () => {
    expect(param({ FILTER: 'a', filter: 'b' }, 'filter')).toBe('a');
    expect(param({ other: 'a' }, 'filter')).toBeUndefined();
  });
});
