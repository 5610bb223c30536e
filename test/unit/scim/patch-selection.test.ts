/**
 * Which values of a multi-valued attribute a PATCH operation touches: value filters (`and`, booleans), Entra's
 * remove-by-value, and when an added value counts as one already present.
 */
import { applyPatch, type PatchOperation, type PatchOptions } from '../../../lambda/scim/patch';

const USER_OPTIONS: PatchOptions = {
  coreSchema: 'urn:ietf:params:scim:schemas:core:2.0:User',
  extensionSchemas: ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
  readOnly: ['id', 'meta', 'groups'],
  booleanAttributes: ['active'],
};

const GROUP_OPTIONS: PatchOptions = {
  coreSchema: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  extensionSchemas: [],
  readOnly: ['id', 'meta'],
  booleanAttributes: [],
};

function aUser(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemas: [USER_OPTIONS.coreSchema],
    id: 'u-1',
    userName: 'ada@example.com',
    ...extra,
  };
}

/** A primary home email and a secondary work email: an `and` filter over type and primary matches neither. */
function homePrimaryWorkSecondary(): Record<string, unknown> {
  return aUser({
    emails: [
      { value: 'ada@home.example', type: 'home', primary: true },
      { value: 'ada@work.example', type: 'work', primary: false },
    ],
  });
}

const patchUser = (doc: Record<string, unknown>, ...operations: PatchOperation[]) =>
  applyPatch(doc, operations, USER_OPTIONS);

describe('value filters with and', () => {
  it('adds a new primary work email when no email is both work and primary, demoting the home one', () => {
    const doc = homePrimaryWorkSecondary();

    const result = patchUser(doc, {
      op: 'replace',
      path: 'emails[type eq "work" and primary eq true].value',
      value: 'ada@new.example',
    });

    expect(result.emails).toEqual([
      { value: 'ada@home.example', type: 'home', primary: false },
      { value: 'ada@work.example', type: 'work', primary: false },
      { type: 'work', primary: true, value: 'ada@new.example' },
    ]);
  });

  it('removes nothing when no email meets every condition', () => {
    const doc = homePrimaryWorkSecondary();

    const result = patchUser(doc, { op: 'remove', path: 'emails[type eq "work" and primary eq true]' });

    expect(result.emails).toEqual(homePrimaryWorkSecondary().emails);
  });

  it('removes only the email that meets every condition', () => {
    const doc = homePrimaryWorkSecondary();

    const result = patchUser(doc, { op: 'remove', path: 'emails[type eq "work" and primary eq false]' });

    expect(result.emails).toEqual([{ value: 'ada@home.example', type: 'home', primary: true }]);
  });
});

describe('value filters comparing with false', () => {
  it('changes only the emails that are not primary', () => {
    const doc = homePrimaryWorkSecondary();

    const result = patchUser(doc, { op: 'replace', path: 'emails[primary eq false].display', value: 'old work' });

    expect(result.emails).toEqual([
      { value: 'ada@home.example', type: 'home', primary: true },
      { value: 'ada@work.example', type: 'work', primary: false, display: 'old work' },
    ]);
  });

  it('reads the boolean in any case', () => {
    const doc = homePrimaryWorkSecondary();

    const result = patchUser(doc, { op: 'remove', path: 'emails[primary eq FALSE]' });

    expect(result.emails).toEqual([{ value: 'ada@home.example', type: 'home', primary: true }]);
  });

  it('does not take the quoted string "false" for the boolean', () => {
    const doc = homePrimaryWorkSecondary();

    const result = patchUser(doc, { op: 'remove', path: 'emails[primary eq "false"]' });

    expect(result.emails).toEqual(homePrimaryWorkSecondary().emails);
  });
});

describe('removing a sub-attribute through a value filter', () => {
  it('removes the sub-attribute from the matching values only', () => {
    const doc = aUser({
      emails: [
        { value: 'ada@work.example', type: 'work', display: 'Work' },
        { value: 'ada@home.example', type: 'home', display: 'Home' },
      ],
    });

    const result = patchUser(doc, { op: 'remove', path: 'emails[type eq "home"].display' });

    expect(result.emails).toEqual([
      { value: 'ada@work.example', type: 'work', display: 'Work' },
      { value: 'ada@home.example', type: 'home' },
    ]);
  });
});

describe('removing a sub-attribute without a value filter', () => {
  it('removes the sub-attribute from every value and keeps the values', () => {
    const doc = aUser({
      emails: [
        { value: 'ada@work.example', type: 'work', display: 'Work' },
        { value: 'ada@home.example', type: 'home', display: 'Home' },
      ],
    });

    const result = patchUser(doc, { op: 'remove', path: 'emails.display' });

    expect(result.emails).toEqual([
      { value: 'ada@work.example', type: 'work' },
      { value: 'ada@home.example', type: 'home' },
    ]);
  });

  it('leaves values that are not objects as they are', () => {
    const doc = aUser({ emails: [null, 'ada@old.example', { value: 'ada@work.example', display: 'Work' }] });

    const result = patchUser(doc, { op: 'remove', path: 'emails.display' });

    expect(result.emails).toEqual([null, 'ada@old.example', { value: 'ada@work.example' }]);
  });
});

describe('Entra remove of members by value', () => {
  it('removes every member when the remove carries a null value', () => {
    const group = {
      schemas: [GROUP_OPTIONS.coreSchema],
      id: 'g-1',
      displayName: 'Engineering',
      members: [{ value: 'u-1' }, { value: 'u-2' }],
    };

    const result = applyPatch(group, [{ op: 'remove', path: 'members', value: null }], GROUP_OPTIONS);

    expect(result).not.toHaveProperty('members');
  });

  it('removes every member listed in one operation and keeps the others', () => {
    const group = {
      schemas: [GROUP_OPTIONS.coreSchema],
      id: 'g-1',
      displayName: 'Engineering',
      members: [{ value: 'u-1' }, { value: 'u-2' }, { value: 'u-3' }],
    };

    const result = applyPatch(
      group,
      [{ op: 'remove', path: 'members', value: [{ value: 'u-1' }, { value: 'u-3' }] }],
      GROUP_OPTIONS,
    );

    expect(result.members).toEqual([{ value: 'u-2' }]);
  });

  it('leaves the group without a members attribute when every member is removed', () => {
    const group = {
      schemas: [GROUP_OPTIONS.coreSchema],
      id: 'g-1',
      displayName: 'Engineering',
      members: [{ value: 'u-1' }, { value: 'u-2' }],
    };

    const result = applyPatch(
      group,
      [{ op: 'remove', path: 'members', value: [{ value: 'U-2' }, { value: 'u-1' }] }],
      GROUP_OPTIONS,
    );

    expect(result).not.toHaveProperty('members');
  });
});

describe('adding a value that may already be there', () => {
  it('merges an address equal to one already held instead of listing it twice', () => {
    const doc = aUser({ addresses: [{ type: 'work', locality: 'Paris' }] });

    const result = patchUser(doc, { op: 'add', path: 'addresses', value: [{ type: 'work', locality: 'Paris' }] });

    expect(result.addresses).toEqual([{ type: 'work', locality: 'Paris' }]);
  });

  it('appends an address that differs from every one held, even of the same type', () => {
    const doc = aUser({ addresses: [{ type: 'work', locality: 'Paris' }] });

    const result = patchUser(doc, { op: 'add', path: 'addresses', value: [{ type: 'work', locality: 'Lyon' }] });

    expect(result.addresses).toEqual([
      { type: 'work', locality: 'Paris' },
      { type: 'work', locality: 'Lyon' },
    ]);
  });

  it('appends an address when the held value has a value and the new one has none', () => {
    const doc = aUser({ addresses: [{ value: 'a-1', type: 'work', locality: 'Paris' }] });

    const result = patchUser(doc, { op: 'add', path: 'addresses', value: { type: 'work', locality: 'Paris' } });

    expect(result.addresses).toEqual([
      { value: 'a-1', type: 'work', locality: 'Paris' },
      { type: 'work', locality: 'Paris' },
    ]);
  });

  it('appends an email with the same address but another type', () => {
    const doc = aUser({ emails: [{ value: 'ada@example.com', type: 'work' }] });

    const result = patchUser(doc, { op: 'add', path: 'emails', value: [{ value: 'ada@example.com', type: 'home' }] });

    expect(result.emails).toEqual([
      { value: 'ada@example.com', type: 'work' },
      { value: 'ada@example.com', type: 'home' },
    ]);
  });

  it.each([
    [
      'the new email has no type (the address as sent wins)',
      { value: 'ADA@example.com', display: 'Ada' },
      { value: 'ADA@example.com', type: 'work', display: 'Ada' },
    ],
    [
      'the new email has a null type (which clears the type)',
      { value: 'ada@example.com', type: null, display: 'Ada' },
      { value: 'ada@example.com', display: 'Ada' },
    ],
  ])('merges into the email with the same address when %s', (_name, added, merged) => {
    const doc = aUser({ emails: [{ value: 'ada@example.com', type: 'work' }] });

    const result = patchUser(doc, { op: 'add', path: 'emails', value: [added] });

    expect(result.emails).toEqual([merged]);
  });

  it.each([
    ['has no type', { value: 'ada@example.com' }],
    ['has a null type', { value: 'ada@example.com', type: null }],
  ])('merges a typed email into a held one with the same address that %s', (_name, held) => {
    const doc = aUser({ emails: [held] });

    const result = patchUser(doc, { op: 'add', path: 'emails', value: [{ value: 'ada@example.com', type: 'work' }] });

    expect(result.emails).toEqual([{ value: 'ada@example.com', type: 'work' }]);
  });

  it('merges into the email whose type matches in another case', () => {
    const doc = aUser({ emails: [{ value: 'ada@example.com', type: 'Work' }] });

    const result = patchUser(doc, {
      op: 'add',
      path: 'emails',
      value: [{ value: 'ada@example.com', type: 'work', primary: true }],
    });

    expect(result.emails).toEqual([{ value: 'ada@example.com', type: 'work', primary: true }]);
  });
});

describe('multi-valued attributes the user does not hold yet', () => {
  it.each([
    ['emails', { value: 'ada@example.com', type: 'work' }],
    ['phoneNumbers', { value: '+1 555 0100', type: 'work' }],
    ['addresses', { type: 'work', locality: 'Paris' }],
    ['photos', { value: 'https://example.com/ada.jpg', type: 'photo' }],
    ['ims', { value: 'ada', type: 'xmpp' }],
    ['entitlements', { value: 'analytics' }],
    ['roles', { value: 'admin' }],
    ['x509Certificates', { value: 'MIIB' }],
  ])('stores a single %s value added to a user without any as a one-value list', (attribute, value) => {
    const doc = aUser();

    const result = patchUser(doc, { op: 'add', path: attribute, value });

    expect(result[attribute]).toEqual([value]);
  });

  it.each([
    ['emails', 'value'],
    ['addresses', 'locality'],
    ['photos', 'value'],
    ['ims', 'value'],
    ['entitlements', 'value'],
    ['roles', 'value'],
    ['x509Certificates', 'value'],
  ])('stores a sub-attribute of absent %s as a one-value list', (attribute, subAttribute) => {
    const doc = aUser();

    const result = patchUser(doc, { op: 'replace', path: `${attribute}.${subAttribute}`, value: 'x' });

    expect(result[attribute]).toEqual([{ [subAttribute]: 'x' }]);
  });

  it('stores a single member added to a group without members as a one-member list', () => {
    const group = { schemas: [GROUP_OPTIONS.coreSchema], id: 'g-1', displayName: 'Engineering' };

    const result = applyPatch(group, [{ op: 'add', path: 'members', value: { value: 'u-1' } }], GROUP_OPTIONS);

    expect(result.members).toEqual([{ value: 'u-1' }]);
  });
});
