import { type LocalApi, startLocalApi } from '../support/local-api';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

describe('Case-insensitive uniqueness and lookups use one Unicode case folding', () => {
  let api: LocalApi;

  beforeAll(async () => {
    api = await startLocalApi({ label: 'case-folding' });
  });

  afterAll(async () => {
    await api.close();
  });

  const createUser = (userName: string) =>
    api.request('POST', '/Users', { body: { schemas: [USER], userName, active: false } });

  it.each([
    ['STRASSE-x', 'straße-x'],
    ['οδος-x', 'ΟΔΟΣ-x'],
    ['οδος-y', 'οδοσ-y'],
    ['kelvin-x', 'Kelvin-x'.replace('K', '\u212a')],
  ])('refuses %s and %s as the same userName', async (first, second) => {
    const created = await createUser(first);
    const duplicate = await createUser(second);

    expect(created.status).toBe(201);
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toMatchObject({ status: '409', scimType: 'uniqueness' });
  });

  it('finds a userName by its folded form', async () => {
    const created = await createUser('Müllerstraße-find');

    const found = await api.request('GET', `/Users?filter=${encodeURIComponent('userName eq "MÜLLERSTRASSE-FIND"')}`);

    expect(found.body.totalResults).toBe(1);
    expect(found.body.Resources[0]).toMatchObject({ id: created.body.id, userName: 'Müllerstraße-find' });
  });

  it('frees the folded userName when the user is renamed, and keeps it taken until then', async () => {
    const created = await createUser('Großhandel-rename');
    const taken = await createUser('GROSSHANDEL-RENAME');
    await api.request('PATCH', `/Users/${created.body.id}`, {
      body: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'userName', value: 'renamed-away' }],
      },
    });
    const free = await createUser('GROSSHANDEL-RENAME');

    expect(taken.status).toBe(409);
    expect(free.status).toBe(201);
    expect(free.body.userName).toBe('GROSSHANDEL-RENAME');
  });

  it('refuses group displayNames that differ only by ß or final sigma, and finds them by either form', async () => {
    const created = await api.request('POST', '/Groups', { body: { schemas: [GROUP], displayName: 'Straße Team' } });
    const duplicate = await api.request('POST', '/Groups', { body: { schemas: [GROUP], displayName: 'STRASSE TEAM' } });
    const sigma = await api.request('POST', '/Groups', { body: { schemas: [GROUP], displayName: 'ΟΜΑΔΑ ΟΔΟΣ' } });
    const sigmaDuplicate = await api.request('POST', '/Groups', {
      body: { schemas: [GROUP], displayName: 'ομαδα οδοσ' },
    });
    const found = await api.request('GET', `/Groups?filter=${encodeURIComponent('displayName eq "strasse team"')}`);

    expect(created.status).toBe(201);
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toMatchObject({ scimType: 'uniqueness' });
    expect(sigma.status).toBe(201);
    expect(sigmaDuplicate.status).toBe(409);
    expect(found.body.Resources.map((group: { id: string }) => group.id)).toEqual([created.body.id]);
  });
});
