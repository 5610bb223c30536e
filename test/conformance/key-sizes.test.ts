import { randomBytes } from 'node:crypto';
import type { LocalApi } from '../support/local-api';
import { startLocalApi } from '../support/local-api';

/**
 * Values within their character limits but over DynamoDB's key limits (2,048 bytes for a partition key, counted in
 * UTF-8 after normalization and with the key's prefix): a write answers 400 invalidValue naming the attribute and the
 * limit, a lookup answers an empty list, and nothing answers 500.
 */

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let api: LocalApi;

beforeAll(async () => {
  api = await startLocalApi({ label: 'key-sizes' });
});

afterAll(async () => {
  await api?.close();
});

const unique = () => randomBytes(4).toString('hex');
const cjk = (count: number) => '漢'.repeat(count);

function aUser(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { schemas: [USER_SCHEMA], userName: `keys.${unique()}@example.com`, ...extra };
}

function expectInvalidValue(response: { status: number; body: unknown }, attribute: RegExp): void {
  expect(response.status).toBe(400);
  expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '400', scimType: 'invalidValue' });
  const detail = (response.body as { detail: string }).detail;
  expect(detail).toMatch(attribute);
  expect(detail).toMatch(/at most \d+ bytes of UTF-8/);
}

describe('User values over the key limits', () => {
  it.each([
    ['a 2,045-byte email', { emails: [{ value: `${'e'.repeat(2036)}@example`, primary: true }] }, /^emails\.value/],
    ['a 2,045-byte externalId', { externalId: 'x'.repeat(2045) }, /^externalId/],
    ['an externalId of 700 CJK characters', { externalId: cjk(700) }, /^externalId/],
    ['an email of 700 CJK characters', { emails: [{ value: `${cjk(700)}@example.com` }] }, /^emails\.value/],
  ])('refuses a create with %s', async (_, extra, attribute) => {
    const response = await api.request('POST', '/Users', { body: aUser(extra) });

    expectInvalidValue(response, attribute);
  });

  it('refuses a userName of 512 × U+FB2C, which NFC turns into 3,072 bytes', async () => {
    const userName = '\uFB2C'.repeat(512);
    expect(userName.length).toBe(512);

    const response = await api.request('POST', '/Users', { body: aUser({ userName }) });

    expectInvalidValue(response, /^userName/);
  });

  it('refuses a PATCH giving an existing user a 2,045-byte externalId, and keeps the user', async () => {
    const created = await api.request('POST', '/Users', { body: aUser({ externalId: 'short' }) });
    expect(created.status).toBe(201);

    const response = await api.request('PATCH', `/Users/${created.body.id}`, {
      body: { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path: 'externalId', value: 'x'.repeat(2045) }] },
    });

    expectInvalidValue(response, /^externalId/);
    expect((await api.request('GET', `/Users/${created.body.id}`)).body.externalId).toBe('short');
  });

  it.each([
    ['userName', `userName eq "${'u'.repeat(2100)}"`],
    ['userName in CJK', `userName eq "${cjk(700)}"`],
    ['externalId', `externalId eq "${'x'.repeat(2100)}"`],
    ['emails.value', `emails.value eq "${'e'.repeat(2100)}@example.com"`],
  ])('answers a %s filter over 2 KB with an empty list', async (_, filter) => {
    const response = await api.request('GET', `/Users?filter=${encodeURIComponent(filter)}`);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      schemas: [LIST_SCHEMA],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });
  });
});

describe('Group values over the key limits', () => {
  it('refuses a group named with 1,024 CJK characters', async () => {
    const response = await api.request('POST', '/Groups', {
      body: { schemas: [GROUP_SCHEMA], displayName: cjk(1024) },
    });

    expectInvalidValue(response, /^displayName/);
  });

  it('refuses a group externalId of 700 CJK characters', async () => {
    const response = await api.request('POST', '/Groups', {
      body: { schemas: [GROUP_SCHEMA], displayName: `Keys ${unique()}`, externalId: cjk(700) },
    });

    expectInvalidValue(response, /^externalId/);
  });

  it.each([
    ['displayName', `displayName eq "${cjk(1024)}"`],
    ['externalId', `externalId eq "${'x'.repeat(2100)}"`],
  ])('answers a %s filter over 2 KB with an empty list', async (_, filter) => {
    const response = await api.request('GET', `/Groups?filter=${encodeURIComponent(filter)}`);

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ schemas: [LIST_SCHEMA], totalResults: 0, Resources: [] });
  });

  describe('a member id of 1,100 characters', () => {
    let groupId: string;
    const longId = 'm'.repeat(1100);

    beforeAll(async () => {
      const created = await api.request('POST', '/Groups', {
        body: { schemas: [GROUP_SCHEMA], displayName: `Members ${unique()}` },
      });
      expect(created.status).toBe(201);
      groupId = created.body.id;
    });

    it('is an unknown user when added', async () => {
      const response = await api.request('PATCH', `/Groups/${groupId}`, {
        body: { schemas: [PATCH_SCHEMA], Operations: [{ op: 'add', path: 'members', value: [{ value: longId }] }] },
      });

      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ scimType: 'invalidValue' });
      expect(response.body.detail).toMatch(/unknown user id/);
    });

    it.each([
      ['by value', { op: 'remove', path: 'members', value: [{ value: longId }] }],
      ['by filter', { op: 'remove', path: `members[value eq "${longId}"]` }],
    ])('is no member, so removing it %s changes nothing', async (_, operation) => {
      const response = await api.request('PATCH', `/Groups/${groupId}`, {
        body: { schemas: [PATCH_SCHEMA], Operations: [operation] },
      });

      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id: groupId, schemas: [GROUP_SCHEMA] });
      expect(response.body.members ?? []).toEqual([]);
    });
  });

  it('answers 404 for a group id path of 3,000 bytes', async () => {
    const response = await api.request('GET', `/Groups/${encodeURIComponent(cjk(1000))}`);

    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '404' });
  });
});
