import { ScimError } from '../../../lambda/scim/errors';
import { type HttpRequest, type HttpResponse, scimResponse } from '../../../lambda/scim/http';
import { listResponse, parsePageRequest } from '../../../lambda/scim/list-query';
import {
  type ListEndpoint,
  parseSearchRequest,
  SEARCH_REQUEST_SCHEMA,
  searchAcrossTypes,
} from '../../../lambda/scim/search';

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

describe('what a refused SearchRequest says', () => {
  const detailOf = (body: unknown) => {
    try {
      parseSearchRequest(body);
    } catch (error) {
      return (error as ScimError).detail;
    }
    throw new Error('expected a refusal');
  };
  const schemas = [SEARCH_REQUEST_SCHEMA];

  it.each([null, [], 'text'])('asks for a JSON object instead of %j', (body) => {
    expect(detailOf(body)).toBe('The request body must be a JSON object holding a SCIM SearchRequest');
  });

  it('names an unknown member and lists the known ones', () => {
    expect(detailOf({ schemas, Sort: 'x' })).toBe(
      'A SearchRequest has no member "Sort"; use filter, cursor, sortBy, sortOrder, attributes, excludedAttributes, startIndex, count',
    );
  });

  it('echoes at most 60 characters of an unknown member name', () => {
    const name = `x${'y'.repeat(100)}`;

    expect(detailOf({ schemas, [name]: 1 })).toMatch(
      new RegExp(`^A SearchRequest has no member "${name.slice(0, 60)}";`),
    );
  });

  it('asks for the SearchRequest schema', () => {
    expect(detailOf({ schemas: ['urn:other'] })).toBe(`A SearchRequest needs "schemas": ["${SEARCH_REQUEST_SCHEMA}"]`);
  });

  it.each([
    [{ schemas, sortBy: 1 }, 'sortBy must be a string'],
    [{ schemas, attributes: 5 }, 'attributes must be a list of attribute names'],
    [{ schemas, attributes: ['userName', 5] }, 'attributes must be a list of attribute names'],
    [{ schemas, count: true }, 'count must be an integer'],
  ])('names the member of the wrong type in %j', (body, detail) => {
    expect(detailOf(body)).toBe(detail);
  });

  it('accepts an empty list of attributes as no attributes', () => {
    expect(parseSearchRequest({ schemas, attributes: [] })).toEqual({ attributes: '' });
  });
});

describe('searchAcrossTypes', () => {
  const BASE = 'https://api.example.com/scim/v2';
  const request: HttpRequest = {
    method: 'POST',
    path: '/.search',
    query: {},
    headers: {},
    body: undefined,
    baseUrl: BASE,
    orgId: 'acme',
    requestId: 'r',
  };

  /** A list endpoint over `names`, paged by the startIndex and count it is given, recording them. */
  function listOf(names: readonly string[], asked: string[] = []): ListEndpoint {
    return async (listRequest) => {
      const page = parsePageRequest(listRequest.query);
      asked.push(`${listRequest.query.startIndex}+${listRequest.query.count}`);
      const items = names.slice(page.startIndex - 1, page.startIndex - 1 + page.count).map((name) => ({ name }));
      return scimResponse(200, listResponse(page, names.length, items));
    };
  }

  const failing =
    (error: Error): ListEndpoint =>
    async () => {
      throw error;
    };

  // biome-ignore lint/suspicious/noExplicitAny: the tests read the JSON body.
  const bodyOf = (response: HttpResponse): any => JSON.parse(response.body);
  const namesOf = (response: HttpResponse) => bodyOf(response).Resources.map((item: { name: string }) => item.name);

  const users = ['u1', 'u2', 'u3'];
  const groups = ['g1', 'g2'];

  it('answers every type in order, totalResults being the sum', async () => {
    const response = await searchAcrossTypes(request, {}, [listOf(users), listOf(groups)]);

    expect(response.status).toBe(200);
    expect(bodyOf(response)).toMatchObject({ totalResults: 5, startIndex: 1, itemsPerPage: 5 });
    expect(namesOf(response)).toEqual(['u1', 'u2', 'u3', 'g1', 'g2']);
  });

  it('pages across the concatenation, asking each type only for what falls in the window', async () => {
    const askedUsers: string[] = [];
    const askedGroups: string[] = [];

    const response = await searchAcrossTypes(request, { startIndex: '3', count: '2' }, [
      listOf(users, askedUsers),
      listOf(groups, askedGroups),
    ]);

    expect(namesOf(response)).toEqual(['u3', 'g1']);
    expect(bodyOf(response)).toMatchObject({ totalResults: 5, startIndex: 3, itemsPerPage: 2 });
    expect(askedUsers).toEqual(['3+2']);
    expect(askedGroups).toEqual(['1+1']);
  });

  it('starts inside a later type when startIndex is past the earlier ones', async () => {
    const askedGroups: string[] = [];

    const response = await searchAcrossTypes(request, { startIndex: '5', count: '10' }, [
      listOf(users),
      listOf(groups, askedGroups),
    ]);

    expect(namesOf(response)).toEqual(['g2']);
    expect(askedGroups).toEqual(['2+10']);
  });

  it('answers an empty list when there is no resource type to search', async () => {
    const response = await searchAcrossTypes(request, {}, []);

    expect(bodyOf(response)).toMatchObject({ totalResults: 0, Resources: [] });
  });

  it('counts without listing when count is 0', async () => {
    const response = await searchAcrossTypes(request, { count: '0' }, [listOf(users), listOf(groups)]);

    expect(bodyOf(response)).toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] });
  });

  it('lets a type whose attributes the filter does not know match nothing', async () => {
    const response = await searchAcrossTypes(request, {}, [
      failing(ScimError.badRequest('invalidFilter', 'Users have no members')),
      listOf(groups),
    ]);

    expect(namesOf(response)).toEqual(['g1', 'g2']);
    expect(bodyOf(response).totalResults).toBe(2);
  });

  it('refuses the filter when every type refuses it, with the first refusal', async () => {
    const first = ScimError.badRequest('invalidFilter', 'first');

    await expect(
      searchAcrossTypes(request, {}, [failing(first), failing(ScimError.badRequest('invalidFilter', 'second'))]),
    ).rejects.toBe(first);
  });

  it('passes on any other failure of a type', async () => {
    const tooMany = ScimError.badRequest('tooMany', 'too many');
    const broken = new Error('database down');

    await expect(searchAcrossTypes(request, {}, [listOf(users), failing(tooMany)])).rejects.toBe(tooMany);
    await expect(searchAcrossTypes(request, {}, [failing(broken), listOf(groups)])).rejects.toBe(broken);
  });

  it.each(['cursor', 'sortBy', 'sortOrder'])('refuses %s, which belongs to one type order', async (name) => {
    const error = await searchAcrossTypes(request, { [name]: 'x' }, [listOf(users)]).catch((thrown) => thrown);

    expect(error).toBeInstanceOf(ScimError);
    expect(error).toMatchObject({
      status: 400,
      scimType: 'invalidValue',
      detail: `${name} is not supported in a search across resource types; use /Users/.search or /Groups/.search`,
    });
  });
});
