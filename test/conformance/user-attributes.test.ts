import { type LocalApi, startLocalApi } from '../support/local-api';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

describe('Users: attributes the schema characterises', () => {
  let api: LocalApi;

  beforeAll(async () => {
    api = await startLocalApi({ label: 'user-attributes' });
  });

  afterAll(async () => {
    await api.close();
  });

  async function createUser(userName: string, extra: Record<string, unknown> = {}) {
    const response = await api.request('POST', '/Users', { body: { schemas: [USER], userName, ...extra } });
    expect(response.status).toBe(201);
    return response.body;
  }

  describe('manager.$ref', () => {
    it('is derived from manager.value, and a $ref sent by the client is dropped without error', async () => {
      const manager = await createUser('boss@example.com');

      const response = await api.request('POST', '/Users', {
        body: {
          schemas: [USER, ENTERPRISE],
          userName: 'report@example.com',
          [ENTERPRISE]: {
            department: 'Sales',
            manager: { value: manager.id, $ref: 'https://elsewhere.example.com/Users/x', displayName: 'Boss' },
          },
        },
      });
      const read = await api.request('GET', `/Users/${response.body.id}`);

      expect(response.status).toBe(201);
      const expected = {
        department: 'Sales',
        manager: { value: manager.id, $ref: `${api.baseUrl}/Users/${manager.id}`, displayName: 'Boss' },
      };
      expect(response.body[ENTERPRISE]).toEqual(expected);
      expect(read.body[ENTERPRISE]).toEqual(expected);
      expect(read.body[ENTERPRISE].manager.$ref).toBe(manager.meta.location);
    });

    it('follows a manager set by PATCH as Entra sends it', async () => {
      const user = await createUser('patched-report@example.com');

      const response = await api.request('PATCH', `/Users/${user.id}`, {
        body: {
          schemas: [PATCH_OP],
          Operations: [{ op: 'Add', path: `${ENTERPRISE}:manager`, value: 'mgr-42' }],
        },
      });

      expect(response.status).toBe(200);
      expect(response.body[ENTERPRISE].manager).toEqual({ value: 'mgr-42', $ref: `${api.baseUrl}/Users/mgr-42` });
    });
  });

  describe('booleans', () => {
    it.each([
      ['active', { active: 'yes' }],
      ['emails.0.primary', { emails: [{ value: 'flag@example.com', primary: 'TRUE!' }] }],
    ])('refuses %s that is not true or false, in a detail that says so', async (where, extra) => {
      const response = await api.request('POST', '/Users', {
        body: { schemas: [USER], userName: 'not-a-boolean@example.com', ...extra },
      });

      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({
        scimType: 'invalidValue',
        detail: `Invalid ${where}: must be true or false`,
      });
    });
  });

  describe('primary values', () => {
    const twoPrimaries = [
      { value: 'one@example.com', type: 'work', primary: true },
      { value: 'two@example.com', type: 'home', primary: true },
    ];

    it('refuses a create with two primary emails as invalidValue naming emails', async () => {
      const response = await api.request('POST', '/Users', {
        body: { schemas: [USER], userName: 'two-primaries@example.com', emails: twoPrimaries },
      });

      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ status: '400', scimType: 'invalidValue' });
      expect(response.body.detail).toContain('emails');
      expect(response.body.detail).toContain('primary');
    });

    it('refuses a PATCH that leaves two primary emails, and changes nothing', async () => {
      const user = await createUser('one-primary@example.com', { emails: [twoPrimaries[0]] });

      const response = await api.request('PATCH', `/Users/${user.id}`, {
        body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'emails', value: twoPrimaries }] },
      });
      const read = await api.request('GET', `/Users/${user.id}`);

      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ scimType: 'invalidValue', detail: expect.stringContaining('emails') });
      expect(read.body.emails).toEqual([twoPrimaries[0]]);
      expect(read.body.meta.version).toBe(user.meta.version);
    });

    it('still accepts a PATCH adding a new primary email, which takes primary from the old one', async () => {
      const user = await createUser('moves-primary@example.com', { emails: [twoPrimaries[0]] });

      const response = await api.request('PATCH', `/Users/${user.id}`, {
        body: { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'emails', value: [twoPrimaries[1]] }] },
      });

      expect(response.status).toBe(200);
      expect(response.body.emails).toEqual([{ ...twoPrimaries[0], primary: false }, twoPrimaries[1]]);
    });

    it('takes primary from the old email when the new one is primary as Entra writes it, "True" in text', async () => {
      const user = await createUser('moves-text-primary@example.com', { emails: [twoPrimaries[0]] });

      const response = await api.request('PATCH', `/Users/${user.id}`, {
        body: {
          schemas: [PATCH_OP],
          Operations: [{ op: 'Add', path: 'emails', value: [{ ...twoPrimaries[1], primary: 'True' }] }],
        },
      });
      const read = await api.request('GET', `/Users/${user.id}`);

      expect(response.status).toBe(200);
      expect(response.body.emails).toEqual([{ ...twoPrimaries[0], primary: false }, twoPrimaries[1]]);
      expect(read.body.emails).toEqual(response.body.emails);
    });

    it('takes primary from a value made primary earlier in the same PATCH in text, and keeps the last one', async () => {
      const user = await createUser('moves-primary-twice@example.com', { emails: [twoPrimaries[0]] });

      const response = await api.request('PATCH', `/Users/${user.id}`, {
        body: {
          schemas: [PATCH_OP],
          Operations: [
            { op: 'add', path: 'emails', value: [{ value: 'text@example.com', type: 'other', primary: 'TRUE' }] },
            { op: 'add', path: 'emails', value: [{ ...twoPrimaries[1], primary: true }] },
          ],
        },
      });

      expect(response.status).toBe(200);
      expect(response.body.emails).toEqual([
        { ...twoPrimaries[0], primary: false },
        { value: 'text@example.com', type: 'other', primary: false },
        twoPrimaries[1],
      ]);
    });

    it('leaves primary where it is when an added value says "False"', async () => {
      const user = await createUser('keeps-primary@example.com', { emails: [twoPrimaries[0]] });

      const response = await api.request('PATCH', `/Users/${user.id}`, {
        body: {
          schemas: [PATCH_OP],
          Operations: [{ op: 'add', path: 'emails', value: [{ ...twoPrimaries[1], primary: 'False' }] }],
        },
      });

      expect(response.status).toBe(200);
      expect(response.body.emails).toEqual([twoPrimaries[0], { ...twoPrimaries[1], primary: false }]);
    });
  });
});
