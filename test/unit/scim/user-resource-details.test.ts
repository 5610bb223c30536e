/**
 * The details of reading and writing a SCIM User: each refusal a client reads, which email is the lookup address,
 * what is dropped, and the manager's reference. The input schema is built once per module and cached, so each test
 * reads a freshly loaded module: the details are then those of the code as it is now, not of whichever schema an
 * earlier test built.
 */
import type { UserRecord } from '../../../lambda/domain/users';
import type { ScimError } from '../../../lambda/scim/errors';
import type * as UserResource from '../../../lambda/scim/user-resource';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

let users: typeof UserResource;
beforeEach(() => {
  jest.isolateModules(() => {
    users = require('../../../lambda/scim/user-resource');
  });
});

function refusal(body: unknown): ScimError {
  try {
    users.parseUser(body);
  } catch (error) {
    // The freshly loaded module throws its own ScimError class, so the class is told by its name.
    if (error instanceof Error && error.name === 'ScimError') return error as ScimError;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('what a refused User says', () => {
  it.each([null, 'ada', 5])('asks for a JSON object instead of %j', (body) => {
    expect(refusal(body)).toMatchObject({
      status: 400,
      scimType: 'invalidSyntax',
      detail: 'The request body must be a JSON object holding a SCIM User',
    });
  });

  it.each([
    [{}, 'Invalid userName: userName is required'],
    [{ userName: 5 }, 'Invalid userName: userName must be a string'],
    [{ userName: 'x'.repeat(513) }, 'Invalid userName: userName must be at most 512 characters'],
    [{ userName: ' \t ' }, 'Invalid userName: userName must not be empty'],
    [{ userName: 'a', active: 'yes' }, 'Invalid active: must be true or false'],
    [{ userName: 'a', active: 'truex' }, 'Invalid active: must be true or false'],
    [{ userName: 'a', active: 'xfalse' }, 'Invalid active: must be true or false'],
    [{ userName: 'a', active: 'true ' }, 'Invalid active: must be true or false'],
    [{ userName: 'a', active: 1 }, 'Invalid active: must be true or false'],
    [
      { userName: 'a', emails: [{ value: 'a@x.com', primary: 'yes' }] },
      'Invalid emails.0.primary: must be true or false',
    ],
    [
      { userName: 'a', emails: [{ value: 5 }] },
      'Invalid emails.0.value: Invalid input: expected string, received number',
    ],
  ])('refuses %j: %s', (body, detail) => {
    expect(refusal(body)).toMatchObject({ status: 400, scimType: 'invalidValue', detail });
  });

  it('names the attribute that has two primary values', () => {
    const body = {
      userName: 'a',
      phoneNumbers: [
        { value: '1', primary: true },
        { value: '2', primary: 'TRUE' },
      ],
    };

    expect(refusal(body).detail).toBe(
      'Invalid phoneNumbers: at most one value of phoneNumbers may have "primary": true (RFC 7643 §2.4)',
    );
  });

  it('accepts the longest userName, 40 emails and 50 phone numbers, and refuses one more of each', () => {
    const emails = (count: number) => Array.from({ length: count }, (_, n) => ({ value: `a${n}@example.com` }));
    const phones = (count: number) => Array.from({ length: count }, (_, n) => ({ value: `+1${n}` }));

    expect(
      users.parseUser({ userName: 'x'.repeat(512), emails: emails(40), phoneNumbers: phones(50) }).emails,
    ).toHaveLength(40);
    expect(refusal({ userName: 'a', emails: emails(41) }).detail).toMatch(/^Invalid emails: /);
    expect(refusal({ userName: 'a', phoneNumbers: phones(51) }).detail).toMatch(/^Invalid phoneNumbers: /);
  });

  it('accepts a stored document of exactly 64 KB and refuses one byte more with 413', () => {
    /** A user whose stored document is `size` bytes of JSON: addresses of at most 2,040 characters each. */
    const ofSize = (size: number) => {
      const addresses: { streetAddress: string }[] = [];
      const length = () => JSON.stringify({ userName: 'a', addresses }).length;
      while (size - length() > 2040) addresses.push({ streetAddress: 'x'.repeat(2000) });
      const last = { streetAddress: '' };
      addresses.push(last);
      last.streetAddress = 'x'.repeat(size - length());
      return { userName: 'a', addresses };
    };

    expect(() => users.parseUser(ofSize(64 * 1024))).not.toThrow();
    expect(refusal(ofSize(64 * 1024 + 1))).toMatchObject({
      status: 413,
      detail: 'The User resource is larger than 64 KB',
    });
  });
});

describe('reading a User', () => {
  it('reads active given as text in any case', () => {
    expect(users.parseUser({ userName: 'a', active: 'FALSE' }).active).toBe(false);
    expect(users.parseUser({ userName: 'a', active: 'True' }).active).toBe(true);
    expect(users.parseUserInput({ userName: 'a' }).active).toBeUndefined();
    expect(users.parseUser({ userName: 'a' }, false).active).toBe(false);
  });

  it('looks a user up by the primary email, else the work one, else the first', () => {
    const lookup = (emails: unknown[]) => users.parseUser({ userName: 'a', emails }).lookupEmail;

    expect(
      lookup([
        { value: 'home@x.com', type: 'home' },
        { value: 'work@x.com', type: 'Work' },
        { value: 'p@x.com', primary: true },
      ]),
    ).toBe('p@x.com');
    expect(
      lookup([
        { value: 'home@x.com', type: 'home' },
        { value: 'work@x.com', type: 'WORK' },
      ]),
    ).toBe('work@x.com');
    expect(lookup([{ value: 'first@x.com' }, { value: 'second@x.com', type: 'home' }])).toBe('first@x.com');
    expect(lookup([])).toBeUndefined();
  });

  it('lists the emails with their types only, dropping those without an address', () => {
    const profile = users.parseUser({
      userName: 'a',
      emails: [
        { value: 'a@x.com', type: 'work', primary: true },
        { value: '' },
        { type: 'home' },
        { value: 'b@x.com' },
      ],
    });

    expect(profile.emails).toEqual([{ value: 'a@x.com', type: 'work' }, { value: 'b@x.com' }]);
    expect(profile.document.emails).toEqual([{ value: 'a@x.com', type: 'work', primary: true }, { value: 'b@x.com' }]);
  });

  it('stores no key for an attribute left undefined, as a PATCH that removes one can leave it', () => {
    const profile = users.parseUser({
      userName: 'a',
      externalId: undefined,
      name: { givenName: undefined, familyName: 'L' },
    });

    expect(profile.document).toStrictEqual({ userName: 'a', name: { familyName: 'L' } });
  });

  it('drops empty objects from the stored document, however deep, and keeps empty lists and texts', () => {
    const profile = users.parseUser({
      userName: 'a',
      name: {},
      [ENTERPRISE]: { manager: {} },
      nickName: '',
      emails: [],
    });

    expect(profile.document).toEqual({ userName: 'a', nickName: '', emails: [] });
  });

  it('stores the enterprise extension under its canonical URN whatever its case, and drops null values', () => {
    const profile = users.parseUser({
      userName: 'a',
      [ENTERPRISE.toLowerCase()]: { Department: 'R', costCenter: null },
    });

    expect(profile.document[ENTERPRISE]).toEqual({ department: 'R' });
  });

  it('canonicalizes attribute names inside lists, and leaves unknown keys and scalars alone', () => {
    expect(users.canonicalizeKeys([{ VALUE: 'a', Custom: 1 }, 'x', 3])).toEqual([{ value: 'a', Custom: 1 }, 'x', 3]);
    expect(users.canonicalizeKeys(null)).toBeNull();
  });
});

describe('writing a User', () => {
  const stored = (document: Record<string, unknown>, extra: Partial<UserRecord> = {}): UserRecord => ({
    orgId: 'o',
    id: 'u-1',
    userName: 'ada',
    active: true,
    emails: [],
    document: { userName: 'ada', ...document },
    version: 2,
    created: '2026-01-01T00:00:00.000Z',
    lastModified: '2026-01-02T00:00:00.000Z',
    ...extra,
  });
  const BASE = 'https://api.example.com/scim/v2';

  it('writes a user without the extension, groups or externalId as exactly its attributes and meta', () => {
    expect(users.toScimUser(stored({ title: 'T' }), BASE)).toStrictEqual({
      schemas: [USER_SCHEMA],
      id: 'u-1',
      userName: 'ada',
      title: 'T',
      active: true,
      meta: {
        resourceType: 'User',
        created: '2026-01-01T00:00:00.000Z',
        lastModified: '2026-01-02T00:00:00.000Z',
        location: `${BASE}/Users/u-1`,
        version: 'W/"2"',
      },
    });
  });

  it('names the enterprise schema only when the user has the extension', () => {
    expect(users.toScimUser(stored({}), BASE).schemas).toEqual([USER_SCHEMA]);
    expect(users.toScimUser(stored({ [ENTERPRISE]: { department: 'R' } }), BASE).schemas).toEqual([
      USER_SCHEMA,
      ENTERPRISE,
    ]);
  });

  it('shows externalId only when the user has one, from the record', () => {
    expect(users.toScimUser(stored({}), BASE)).not.toHaveProperty('externalId');
    expect(users.toScimUser(stored({ externalId: 'doc' }, { externalId: 'rec' }), BASE).externalId).toBe('rec');
  });

  it('derives the manager reference from its id, encoded, and leaves a manager without an id alone', () => {
    const manager = (value: unknown) =>
      (users.toScimUser(stored({ [ENTERPRISE]: { manager: value } }), BASE)[ENTERPRISE] as { manager: unknown })
        .manager;

    expect(manager({ value: 'a b' })).toEqual({ value: 'a b', $ref: `${BASE}/Users/a%20b` });
    expect(manager({ value: '' })).toEqual({ value: '' });
    expect(manager({ displayName: 'Boss' })).toEqual({ displayName: 'Boss' });
    expect(manager('m-1')).toBe('m-1');
    expect(manager(null)).toBeNull();
  });

  it('writes an extension that is not an object, as a document from elsewhere may hold, as it is', () => {
    expect(users.toScimUser(stored({ [ENTERPRISE]: null }), BASE)[ENTERPRISE]).toBeNull();
    expect(users.toScimUser(stored({ [ENTERPRISE]: 'R' }), BASE)[ENTERPRISE]).toBe('R');
  });

  it('shows a group without display as value, reference and type', () => {
    expect(users.toScimUser(stored({}), BASE, [{ value: 'g-1' }]).groups).toStrictEqual([
      { value: 'g-1', $ref: `${BASE}/Groups/g-1`, type: 'direct' },
    ]);
  });

  it('gives PATCH the stored document with the record userName and active', () => {
    expect(
      users.patchableDocument(stored({ userName: 'old', title: 'T' }, { userName: 'new', active: false })),
    ).toEqual({
      userName: 'new',
      title: 'T',
      active: false,
    });
  });
});
