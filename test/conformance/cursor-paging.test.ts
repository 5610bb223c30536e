import { type LocalApi, startLocalApi } from '../support/local-api';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

/** RFC 9865 cursor paging: `nextCursor` is absent on the last page, also when that page is exactly full. */
describe('cursor paging of Users', () => {
  let api: LocalApi;
  const ids: string[] = [];

  beforeAll(async () => {
    api = await startLocalApi({ label: 'cursor-paging' });
    for (const n of [1, 2, 3, 4]) {
      const created = await api.request('POST', '/Users', {
        body: { schemas: [USER], userName: `cursor-${n}@example.com`, active: false },
      });
      ids.push(created.body.id);
    }
  });

  afterAll(async () => {
    await api.close();
  });

  it('pages four users by two and ends the exactly full last page without a nextCursor', async () => {
    const first = await api.request('GET', '/Users?count=2&cursor=');
    const second = await api.request('GET', `/Users?count=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);

    expect(first.body).toMatchObject({ schemas: [LIST], totalResults: 4, itemsPerPage: 2 });
    expect(first.body.Resources.map((user: { id: string }) => user.id)).toEqual(ids.slice(0, 2));
    expect(typeof first.body.nextCursor).toBe('string');
    expect(second.body).toMatchObject({ schemas: [LIST], totalResults: 4, itemsPerPage: 2 });
    expect(second.body.Resources.map((user: { id: string }) => user.id)).toEqual(ids.slice(2));
    expect(second.body).not.toHaveProperty('nextCursor');
  });

  it('answers a page holding everything without a nextCursor', async () => {
    const whole = await api.request('GET', '/Users?count=4&cursor=');

    expect(whole.body.Resources).toHaveLength(4);
    expect(whole.body).not.toHaveProperty('nextCursor');
  });
});
