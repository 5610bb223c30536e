import type { UserRecord } from '../../../lambda/domain/users';
import { ScimError } from '../../../lambda/scim/errors';
import { parseUser, parseUserInput, toScimUser } from '../../../lambda/scim/user-resource';

const oktaCreateBody = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName: 'Jane.Doe@Example.com',
  name: { givenName: 'Jane', familyName: 'Doe' },
  emails: [{ primary: true, value: 'jane.doe@example.com', type: 'work' }],
  displayName: 'Jane Doe',
  locale: 'en-US',
  externalId: '00u1abcd',
  groups: [],
  password: 'placeholder-Password1',
  active: true,
};

function record(overrides: Partial<UserRecord> = {}): UserRecord {
  const profile = parseUser(oktaCreateBody);
  return {
    ...profile,
    orgId: 'default',
    id: '0190c0de-0000-7000-8000-000000000001',
    version: 3,
    created: '2026-11-28T10:00:00.000Z',
    lastModified: '2026-11-28T11:00:00.000Z',
    ...overrides,
  };
}

describe('parseUser', () => {
  it('keeps userName exactly as sent and drops password, groups and schemas', () => {
    const profile = parseUser(oktaCreateBody);

    expect(profile.userName).toBe('Jane.Doe@Example.com');
    expect(profile.document).not.toHaveProperty('password');
    expect(profile.document).not.toHaveProperty('groups');
    expect(profile.document).not.toHaveProperty('schemas');
    expect(profile.document.locale).toBe('en-US');
    expect(profile.externalId).toBe('00u1abcd');
  });

  it('uses the primary email for lookups and lists every email for matching', () => {
    const profile = parseUser({
      userName: 'a',
      emails: [
        { value: 'home@example.com', type: 'home' },
        { value: 'Work@Example.com', type: 'work', primary: 'True' },
      ],
    });

    expect(profile.lookupEmail).toBe('Work@Example.com');
    expect(profile.emails).toEqual([
      { value: 'home@example.com', type: 'home' },
      { value: 'Work@Example.com', type: 'work' },
    ]);
  });

  it('leaves the meaning of a missing active to the caller: active on create unless told otherwise', () => {
    const { active: _left, ...withoutActive } = oktaCreateBody;

    const input = parseUserInput(withoutActive);

    expect(input.active).toBeUndefined();
    expect(parseUser(withoutActive).active).toBe(true);
    expect(parseUser(withoutActive, false).active).toBe(false);
    expect(parseUser(oktaCreateBody, false).active).toBe(true);
  });

  it('matches attribute names without regard to case, as Entra may send them', () => {
    const profile = parseUser({ UserName: 'entra@example.com', Active: 'False', NAME: { GivenName: 'Ann' } });

    expect(profile.userName).toBe('entra@example.com');
    expect(profile.active).toBe(false);
    expect(profile.document.name).toEqual({ givenName: 'Ann' });
  });

  it('defaults active to true and ignores null values', () => {
    const profile = parseUser({ userName: 'x@example.com', title: null, roles: [] });

    expect(profile.active).toBe(true);
    expect(profile.document).not.toHaveProperty('title');
  });

  it('drops values without a value sub-attribute from emails and phone numbers, keeping addresses', () => {
    const body = {
      userName: 'x@example.com',
      emails: [
        { type: 'work', primary: true },
        { value: 'home@example.com', type: 'home' },
        { value: ' ', type: 'other' },
      ],
      phoneNumbers: [{ type: 'fax' }],
      addresses: [{ type: 'work', locality: 'Berlin' }],
    };

    const profile = parseUser(body);

    expect(profile.document.emails).toEqual([{ value: 'home@example.com', type: 'home' }]);
    expect(profile.document.phoneNumbers).toEqual([]);
    expect(profile.document.addresses).toEqual([{ type: 'work', locality: 'Berlin' }]);
    expect(profile.lookupEmail).toBe('home@example.com');
  });

  it('keeps the enterprise extension under its URN', () => {
    const urn = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

    const profile = parseUser({ userName: 'x', [urn.toUpperCase()]: { Department: 'Sales' } });

    expect(profile.document[urn]).toEqual({ department: 'Sales' });
  });

  it.each([
    [{}, 'userName'],
    [{ userName: '   ' }, 'userName'],
    [{ userName: 'x', active: 'yes' }, 'active'],
    [{ userName: 'x', emails: 'x@example.com' }, 'emails'],
  ])('rejects %j as invalidValue naming %s', (body, attribute) => {
    const attempt = () => parseUser(body);

    expect(attempt).toThrow(ScimError);
    try {
      attempt();
    } catch (error) {
      expect((error as ScimError).status).toBe(400);
      expect((error as ScimError).scimType).toBe('invalidValue');
      expect((error as ScimError).detail).toContain(attribute);
    }
  });

  it.each([
    [{}, 'Invalid userName: userName is required'],
    [{ userName: 42 }, 'Invalid userName: userName must be a string'],
    [{ userName: ['x@example.com'] }, 'Invalid userName: userName must be a string'],
  ])('tells a missing userName from one of the wrong type in %j', (body, detail) => {
    const attempt = () => parseUser(body);

    expect(attempt).toThrow(expect.objectContaining({ status: 400, scimType: 'invalidValue', detail }));
  });

  it('refuses two primary values of one attribute, naming the attribute', () => {
    const emails = [
      { value: 'a@example.com', primary: true },
      { value: 'b@example.com', primary: 'True' },
    ];

    expect(() => parseUser({ userName: 'x', emails })).toThrow(
      expect.objectContaining({
        status: 400,
        scimType: 'invalidValue',
        detail: expect.stringMatching(/^Invalid emails: .*primary/),
      }),
    );
    expect(() => parseUser({ userName: 'x', addresses: [{ primary: true }, { primary: true }] })).toThrow(
      expect.objectContaining({ detail: expect.stringContaining('addresses') }),
    );
    expect(
      parseUser({ userName: 'x', emails: [emails[0], { value: 'c@example.com', primary: false }] }).lookupEmail,
    ).toBe('a@example.com');
  });

  it('rejects a body that is not an object as invalidSyntax', () => {
    expect(() => parseUser([oktaCreateBody])).toThrow(expect.objectContaining({ scimType: 'invalidSyntax' }));
  });
});

describe('toScimUser', () => {
  it('returns the stored attributes with id, schemas and meta', () => {
    const user = record();

    const resource = toScimUser(user, 'https://api.example.com/v1/scim/v2');

    expect(resource).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      id: user.id,
      userName: 'Jane.Doe@Example.com',
      externalId: '00u1abcd',
      active: true,
      name: { givenName: 'Jane', familyName: 'Doe' },
      emails: [{ value: 'jane.doe@example.com', type: 'work', primary: true }],
      meta: {
        resourceType: 'User',
        created: '2026-11-28T10:00:00.000Z',
        lastModified: '2026-11-28T11:00:00.000Z',
        location: `https://api.example.com/v1/scim/v2/Users/${user.id}`,
        version: 'W/"3"',
      },
    });
  });

  it('shows a deactivated user with active false', () => {
    const resource = toScimUser(record({ active: false }), 'https://x/scim/v2');

    expect(resource.active).toBe(false);
  });

  it('lists groups with references when they are given', () => {
    const resource = toScimUser(record(), 'https://x/scim/v2', [{ value: 'g1', display: 'Sales' }]);

    expect(resource.groups).toEqual([
      { value: 'g1', display: 'Sales', $ref: 'https://x/scim/v2/Groups/g1', type: 'direct' },
    ]);
  });

  it('derives manager.$ref from manager.value, ignoring a $ref the client sent', () => {
    const urn = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
    const profile = parseUser({ userName: 'x', [urn]: { manager: { value: 'm-1', $ref: 'https://elsewhere/m' } } });

    const resource = toScimUser(record({ document: profile.document }), 'https://x/scim/v2');

    expect(profile.document[urn]).toEqual({ manager: { value: 'm-1' } });
    expect(resource[urn]).toEqual({ manager: { value: 'm-1', $ref: 'https://x/scim/v2/Users/m-1' } });
  });
});
