import { ScimError } from '../../../lambda/scim/errors';
import { parseSearchRequest, SEARCH_REQUEST_SCHEMA } from '../../../lambda/scim/search';

describe('parseSearchRequest', () => {
  it('turns every SearchRequest member into the query parameter a GET would carry', () => {
    const query = parseSearchRequest({
      schemas: [SEARCH_REQUEST_SCHEMA],
      filter: 'userName eq "a+b@example.com"',
      attributes: ['userName', 'name.givenName'],
      excludedAttributes: 'emails',
      startIndex: 3,
      count: '10',
      sortBy: 'userName',
      sortOrder: 'descending',
    });

    expect(query).toEqual({
      filter: 'userName eq "a+b@example.com"',
      attributes: 'userName,name.givenName',
      excludedAttributes: 'emails',
      startIndex: '3',
      count: '10',
      sortBy: 'userName',
      sortOrder: 'descending',
    });
  });

  it('matches member names without regard to case and treats null as absent', () => {
    const query = parseSearchRequest({ SCHEMAS: [SEARCH_REQUEST_SCHEMA], StartIndex: 2, Cursor: null });

    expect(query).toEqual({ startIndex: '2' });
  });

  it.each([
    [{ schemas: [SEARCH_REQUEST_SCHEMA], sort: 'userName' }, 'invalidSyntax'],
    [{ filter: 'userName eq "x"' }, 'invalidSyntax'],
    [{ schemas: SEARCH_REQUEST_SCHEMA }, 'invalidSyntax'],
    [{ schemas: [SEARCH_REQUEST_SCHEMA], filter: ['userName eq "x"'] }, 'invalidValue'],
    [{ schemas: [SEARCH_REQUEST_SCHEMA], excludedAttributes: [{}] }, 'invalidValue'],
    [{ schemas: [SEARCH_REQUEST_SCHEMA], startIndex: {} }, 'invalidValue'],
    ['{}', 'invalidSyntax'],
  ])('refuses %j with 400 %s', (body, scimType) => {
    const parse = () => parseSearchRequest(body);

    expect(parse).toThrow(ScimError);
    expect(parse).toThrow(expect.objectContaining({ status: 400, scimType }));
  });
});
