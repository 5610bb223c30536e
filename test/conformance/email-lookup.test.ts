import { type LocalApi, startLocalApi } from '../support/local-api';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

describe('Every email address of every user is found by an email filter', () => {
  let api: LocalApi;
  let userId: string;

  const filter = async (text: string) => api.request('GET', `/Users?filter=${encodeURIComponent(text)}`);
  const idsOf = (response: { body: { Resources: { id: string }[] } }) => response.body.Resources.map((r) => r.id);

  beforeAll(async () => {
    api = await startLocalApi({ label: 'email-lookup' });
    const created = await api.request('POST', '/Users', {
      body: {
        schemas: [USER],
        userName: 'jane.email',
        active: false,
        emails: [
          { value: 'jane.home@example.org', type: 'home', primary: true },
          { value: 'Jane.Work@Acme.example', type: 'work' },
          { value: 'jane.other@acme.example', type: 'other' },
        ],
      },
    });
    userId = created.body.id;
  });

  afterAll(async () => {
    await api.close();
  });

  it('finds the user by a secondary work address, without regard to case', async () => {
    const response = await filter('emails.value eq "jane.work@ACME.example"');

    expect(response.status).toBe(200);
    expect(response.body.totalResults).toBe(1);
    expect(response.body.Resources[0]).toMatchObject({ id: userId, userName: 'jane.email' });
  });

  it('finds the user by emails[type eq "work"].value when the work address is not the primary one', async () => {
    const response = await filter('emails[type eq "work"].value eq "jane.work@acme.example"');

    expect(idsOf(response)).toEqual([userId]);
  });

  it('does not match an address of another type through a typed filter', async () => {
    const response = await filter('emails[type eq "work"].value eq "jane.other@acme.example"');

    expect(response.body).toMatchObject({ totalResults: 0, Resources: [] });
  });

  it('finds every address, primary or not', async () => {
    for (const address of ['jane.home@example.org', 'jane.other@acme.example']) {
      expect(idsOf(await filter(`emails.value eq "${address}"`))).toEqual([userId]);
    }
  });

  it('forgets an address the user no longer has and learns a new one', async () => {
    const created = await api.request('POST', '/Users', {
      body: {
        schemas: [USER],
        userName: 'moving.email',
        active: false,
        emails: [
          { value: 'moving.primary@example.org', primary: true },
          { value: 'moving.old@example.org', type: 'work' },
        ],
      },
    });
    await api.request('PATCH', `/Users/${created.body.id}`, {
      body: {
        schemas: [PATCH],
        Operations: [
          {
            op: 'replace',
            path: 'emails',
            value: [
              { value: 'moving.primary@example.org', primary: true },
              { value: 'moving.new@example.org', type: 'work' },
            ],
          },
        ],
      },
    });

    expect(idsOf(await filter('emails.value eq "moving.old@example.org"'))).toEqual([]);
    expect(idsOf(await filter('emails.value eq "moving.new@example.org"'))).toEqual([created.body.id]);
    expect(idsOf(await filter('emails.value eq "moving.primary@example.org"'))).toEqual([created.body.id]);
  });

  it('finds nobody by the addresses of a deleted user', async () => {
    const created = await api.request('POST', '/Users', {
      body: {
        schemas: [USER],
        userName: 'gone.email',
        active: false,
        emails: [{ value: 'gone.primary@example.org', primary: true }, { value: 'gone.second@example.org' }],
      },
    });
    await api.request('DELETE', `/Users/${created.body.id}`);

    expect(idsOf(await filter('emails.value eq "gone.second@example.org"'))).toEqual([]);
    expect(idsOf(await filter('emails.value eq "gone.primary@example.org"'))).toEqual([]);
  });

  it('finds every user sharing an address', async () => {
    const first = await api.request('POST', '/Users', {
      body: {
        schemas: [USER],
        userName: 'shared.a',
        active: false,
        emails: [{ value: 'a@shared.example' }, { value: 'team@shared.example' }],
      },
    });
    const second = await api.request('POST', '/Users', {
      body: {
        schemas: [USER],
        userName: 'shared.b',
        active: false,
        emails: [{ value: 'b@shared.example' }, { value: 'TEAM@shared.example' }],
      },
    });

    expect(idsOf(await filter('emails.value eq "team@shared.example"'))).toEqual([first.body.id, second.body.id]);
  });

  it('refuses more emails than fit in one transaction with the user', async () => {
    const emails = Array.from({ length: 41 }, (_, index) => ({ value: `many.${index}@example.org` }));

    const response = await api.request('POST', '/Users', {
      body: { schemas: [USER], userName: 'many.emails', active: false, emails },
    });

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ scimType: 'invalidValue', detail: expect.stringContaining('emails') });
  });

  it('replaces forty addresses by forty others in one change', async () => {
    const emails = (tag: string) =>
      Array.from({ length: 40 }, (_, index) => ({ value: `${tag}.${index}@example.org` }));
    const created = await api.request('POST', '/Users', {
      body: { schemas: [USER], userName: 'forty.emails', active: false, emails: emails('before') },
    });

    const replaced = await api.request('PUT', `/Users/${created.body.id}`, {
      body: { schemas: [USER], userName: 'forty.emails', active: false, emails: emails('after') },
    });

    expect(replaced.status).toBe(200);
    expect(idsOf(await filter('emails.value eq "after.39@example.org"'))).toEqual([created.body.id]);
    expect(idsOf(await filter('emails.value eq "before.0@example.org"'))).toEqual([]);
  });
});
