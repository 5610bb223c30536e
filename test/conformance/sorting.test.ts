import { type ApiResponse, type LocalApi, startLocalApi } from '../support/local-api';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

/**
 * Sorting (RFC 7644 §3.4.2.3) over HTTP: by userName and displayName through the case fold, in the byte order of the
 * folded names (not a locale's collation: `é` sorts after `z`), by meta.created through the time-ordered ids, both
 * ways, across pages by startIndex and by cursor, by GET and by POST .search; everything else is a SCIM 400.
 */
describe('sorting Users and Groups', () => {
  let api: LocalApi;
  // Created in this order, which is neither the name order nor its reverse.
  const userNames = [
    'zoë@example.com',
    'Adam@example.com',
    'émile@example.com',
    'bob@example.com',
    'Émilie@example.com',
  ];
  const byName = ['Adam@example.com', 'bob@example.com', 'zoë@example.com', 'émile@example.com', 'Émilie@example.com'];
  const groupNames = ['Sales', 'émile fans', 'admins', 'ZOË'];
  const userIds: string[] = [];
  const groupIds: string[] = [];

  beforeAll(async () => {
    api = await startLocalApi({ label: 'sorting' });
    for (const userName of userNames) {
      const created = await api.request('POST', '/Users', { body: { schemas: [USER], userName, active: false } });
      userIds.push(created.body.id);
    }
    for (const displayName of groupNames) {
      const created = await api.request('POST', '/Groups', { body: { schemas: [GROUP], displayName } });
      groupIds.push(created.body.id);
    }
  });

  afterAll(async () => {
    await api.close();
  });

  const names = (response: ApiResponse) => response.body.Resources.map((user: { userName: string }) => user.userName);
  const ids = (response: ApiResponse) => response.body.Resources.map((resource: { id: string }) => resource.id);

  async function byCursor(query: string, count: number): Promise<ApiResponse[]> {
    const pages: ApiResponse[] = [];
    let cursor = '';
    for (;;) {
      const page = await api.request('GET', `/Users?${query}&count=${count}&cursor=${encodeURIComponent(cursor)}`);
      pages.push(page);
      if (page.body.nextCursor === undefined || pages.length > 10) return pages;
      cursor = page.body.nextCursor;
    }
  }

  it('sorts users by userName without regard to case, ascending by default, across startIndex pages', async () => {
    const pages = [
      await api.request('GET', '/Users?sortBy=userName&startIndex=1&count=2'),
      await api.request('GET', '/Users?sortBy=userName&startIndex=3&count=2'),
      await api.request('GET', '/Users?sortBy=userName&startIndex=5&count=2'),
    ];

    expect(pages.map((page) => page.status)).toEqual([200, 200, 200]);
    expect(pages[0]?.body).toMatchObject({ schemas: [LIST], totalResults: 5, startIndex: 1, itemsPerPage: 2 });
    expect(pages.flatMap(names)).toEqual(byName);
  });

  it('sorts users by userName descending across cursor pages, the last one without a nextCursor', async () => {
    const pages = await byCursor('sortBy=userName&sortOrder=descending', 2);

    expect(pages.flatMap(names)).toEqual([...byName].reverse());
    expect(pages).toHaveLength(3);
    expect(pages[0]?.body).toMatchObject({ totalResults: 5, itemsPerPage: 2 });
    expect(pages[0]?.body).not.toHaveProperty('startIndex');
    expect(pages[2]?.body).not.toHaveProperty('nextCursor');
  });

  it('takes the attribute name in any case and with the User schema URN', async () => {
    const plain = await api.request('GET', '/Users?sortBy=userName&sortOrder=descending');
    const qualified = await api.request(
      'GET',
      `/Users?SORTBY=${encodeURIComponent(`${USER}:UserName`)}&sortorder=Descending`,
    );

    expect(names(qualified)).toEqual([...byName].reverse());
    expect(qualified.body).toEqual(plain.body);
  });

  it('sorts users by meta.created through their ids, both ways, by startIndex and by cursor', async () => {
    const up = await api.request('GET', '/Users?sortBy=meta.created&sortOrder=ascending');
    const down = [
      await api.request('GET', '/Users?sortBy=meta.created&sortOrder=descending&startIndex=1&count=3'),
      await api.request('GET', '/Users?sortBy=meta.created&sortOrder=descending&startIndex=4&count=3'),
    ];
    const downByCursor = await byCursor('sortBy=meta.created&sortOrder=descending', 2);

    expect(ids(up)).toEqual(userIds);
    const created = up.body.Resources.map((user: { meta: { created: string } }) => Date.parse(user.meta.created));
    expect(created).toEqual([...created].sort((a, b) => a - b));
    expect(down.flatMap(ids)).toEqual([...userIds].reverse());
    expect(downByCursor.flatMap(ids)).toEqual([...userIds].reverse());
  });

  it('sorts the matches of a filter, whether an index or the bounded evaluation answers it', async () => {
    const evaluated = await api.request(
      'GET',
      `/Users?filter=${encodeURIComponent('userName sw "É" or userName sw "a"')}&sortBy=userName&sortOrder=descending`,
    );
    const looked = await api.request(
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "ZOË@example.com" or userName eq "adam@EXAMPLE.com"')}&sortBy=userName`,
    );

    expect(evaluated.body).toMatchObject({ totalResults: 3, itemsPerPage: 3 });
    expect(names(evaluated)).toEqual(['Émilie@example.com', 'émile@example.com', 'Adam@example.com']);
    expect(names(looked)).toEqual(['Adam@example.com', 'zoë@example.com']);
  });

  it('answers POST /Users/.search with sortBy and sortOrder as the GET query', async () => {
    const posted = await api.request('POST', '/Users/.search', {
      body: { schemas: [SEARCH], sortBy: 'userName', sortOrder: 'descending', startIndex: 2, count: 3 },
    });
    const got = await api.request('GET', '/Users?sortBy=userName&sortOrder=descending&startIndex=2&count=3');

    expect(posted.status).toBe(200);
    expect(posted.body).toEqual(got.body);
    expect(names(posted)).toEqual([...byName].reverse().slice(1, 4));
  });

  it('sorts groups by displayName without regard to case and by meta.created, both ways', async () => {
    const up = await api.request('GET', '/Groups?sortBy=displayName');
    const down = await api.request('POST', '/Groups/.search', {
      body: { schemas: [SEARCH], sortBy: `${GROUP}:displayName`, sortOrder: 'descending', count: 2 },
    });
    const newest = await api.request('GET', '/Groups?sortBy=meta.created&sortOrder=descending');

    const displayNames = (response: ApiResponse) =>
      response.body.Resources.map((group: { displayName: string }) => group.displayName);
    expect(displayNames(up)).toEqual(['admins', 'Sales', 'ZOË', 'émile fans']);
    expect(down.body).toMatchObject({ totalResults: 4, itemsPerPage: 2 });
    expect(displayNames(down)).toEqual(['émile fans', 'ZOË']);
    expect(ids(newest)).toEqual([...groupIds].reverse());
  });

  it.each([
    [
      '/Users?sortBy=name.familyName',
      'Users cannot be sorted by "name.familyName": sortBy can be userName, meta.created, id',
    ],
    ['/Users?sortBy=displayName', 'Users cannot be sorted by "displayName": sortBy can be userName, meta.created, id'],
    ['/Groups?sortBy=userName', 'Groups cannot be sorted by "userName": sortBy can be displayName, meta.created, id'],
    ['/Users?sortBy=userName&sortOrder=up', 'sortOrder must be "ascending" or "descending", got "up"'],
  ])('answers GET %s with 400 invalidValue and a SCIM error', async (path, detail) => {
    const response = await api.request('GET', path);

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(response.body).toEqual({
      schemas: [ERROR],
      status: '400',
      scimType: 'invalidValue',
      detail: expect.stringContaining(detail),
    });
  });

  it('refuses a sortBy the server cannot order in a .search body, and sorting across resource types', async () => {
    const typed = await api.request('POST', '/Users/.search', {
      body: { schemas: [SEARCH], sortBy: 'emails.value' },
    });
    const root = await api.request('POST', '/.search', { body: { schemas: [SEARCH], sortBy: 'userName' } });

    expect(typed.status).toBe(400);
    expect(typed.body).toMatchObject({ schemas: [ERROR], status: '400', scimType: 'invalidValue' });
    expect(typed.body.detail).toContain('sortBy can be userName, meta.created, id');
    expect(root.status).toBe(400);
    expect(root.body).toMatchObject({ schemas: [ERROR], scimType: 'invalidValue' });
  });

  it('refuses a cursor of one order in a list of another with 400 invalidCursor', async () => {
    const [first] = await byCursor('sortBy=userName', 2);

    const other = await api.request('GET', `/Users?count=2&cursor=${encodeURIComponent(first?.body.nextCursor)}`);

    expect(other.status).toBe(400);
    expect(other.body).toMatchObject({ schemas: [ERROR], status: '400', scimType: 'invalidCursor' });
  });

  it('says sorting is supported in ServiceProviderConfig', async () => {
    const config = await api.request('GET', '/ServiceProviderConfig');

    expect(config.body.sort).toEqual({ supported: true });
  });
});
