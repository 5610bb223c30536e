import { ScimError } from '../../../lambda/scim/errors';
import {
  applyPatch,
  PATCH_OP_SCHEMA,
  type PatchOperation,
  type PatchOptions,
  parsePatchRequest,
} from '../../../lambda/scim/patch';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const USER_OPTIONS: PatchOptions = {
  coreSchema: USER_SCHEMA,
  extensionSchemas: [ENTERPRISE],
  readOnly: ['id', 'meta', 'groups'],
  booleanAttributes: ['active'],
};

const GROUP_OPTIONS: PatchOptions = {
  coreSchema: GROUP_SCHEMA,
  extensionSchemas: [],
  readOnly: ['id', 'meta'],
  booleanAttributes: [],
};

function aUser(): Record<string, unknown> {
  return {
    schemas: [USER_SCHEMA],
    id: 'u-1',
    userName: 'Barbara.Jensen@example.com',
    name: { givenName: 'Barbara', familyName: 'Jensen' },
    displayName: 'Babs Jensen',
    active: true,
    emails: [{ value: 'barbara@example.com', type: 'work', primary: true }],
    meta: { resourceType: 'User', version: 'W/"3"' },
  };
}

function aGroup(): Record<string, unknown> {
  return {
    schemas: [GROUP_SCHEMA],
    id: 'g-1',
    displayName: 'Engineering',
    members: [
      { value: 'u-1', display: 'Barbara' },
      { value: 'u-2', display: 'Kim' },
    ],
  };
}

function patchUser(doc: Record<string, unknown>, ...operations: PatchOperation[]): Record<string, unknown> {
  return applyPatch(doc, operations, USER_OPTIONS);
}

function scimErrorFrom(action: () => unknown): ScimError {
  try {
    action();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError, but nothing was thrown');
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

describe('parsePatchRequest', () => {
  it('parses Okta’s deactivation body, which has no path', () => {
    const body = {
      schemas: [PATCH_OP_SCHEMA],
      Operations: [{ op: 'replace', value: { active: false } }],
    };

    const operations = parsePatchRequest(body);

    expect(operations).toEqual([{ op: 'replace', value: { active: false } }]);
  });

  it('lower-cases Entra’s capitalised op names', () => {
    const body = {
      schemas: [PATCH_OP_SCHEMA],
      Operations: [
        { op: 'Replace', path: 'active', value: 'False' },
        { op: 'Add', path: 'title', value: 'Boss' },
        { op: 'REMOVE', path: 'nickName' },
      ],
    };

    const operations = parsePatchRequest(body);

    expect(operations).toEqual([
      { op: 'replace', path: 'active', value: 'False' },
      { op: 'add', path: 'title', value: 'Boss' },
      { op: 'remove', path: 'nickName' },
    ]);
  });

  it('accepts a body without schemas', () => {
    const body = { Operations: [{ op: 'add', path: 'title', value: 'Boss' }] };

    const operations = parsePatchRequest(body);

    expect(operations).toEqual([{ op: 'add', path: 'title', value: 'Boss' }]);
  });

  it('matches member names case-insensitively', () => {
    const body = { Schemas: [PATCH_OP_SCHEMA], operations: [{ Op: 'add', Path: 'title', Value: 'Boss' }] };

    const operations = parsePatchRequest(body);

    expect(operations).toEqual([{ op: 'add', path: 'title', value: 'Boss' }]);
  });

  it('keeps the value of a remove, as Entra sends it to remove members', () => {
    const body = {
      schemas: [PATCH_OP_SCHEMA],
      Operations: [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: 'u-1' }] }],
    };

    const operations = parsePatchRequest(body);

    expect(operations).toEqual([{ op: 'remove', path: 'members', value: [{ $ref: null, value: 'u-1' }] }]);
  });

  it('treats an empty or null path as no path', () => {
    const body = {
      Operations: [
        { op: 'replace', path: '', value: { active: true } },
        { op: 'replace', path: null, value: { active: false } },
      ],
    };

    const operations = parsePatchRequest(body);

    expect(operations).toEqual([
      { op: 'replace', value: { active: true } },
      { op: 'replace', value: { active: false } },
    ]);
  });

  it('keeps a null value, which means remove', () => {
    const body = { Operations: [{ op: 'replace', path: 'title', value: null }] };

    const operations = parsePatchRequest(body);

    expect(operations).toEqual([{ op: 'replace', path: 'title', value: null }]);
  });

  it.each([
    ['null', null],
    ['an array', [{ op: 'add' }]],
    ['a string', 'Operations'],
  ])('rejects %s as the body with invalidSyntax', (_label, body) => {
    const error = scimErrorFrom(() => parsePatchRequest(body));

    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidSyntax');
    expect(error.detail).toContain('Invalid PATCH request');
  });

  it('rejects a body without Operations', () => {
    const error = scimErrorFrom(() => parsePatchRequest({ schemas: [PATCH_OP_SCHEMA] }));

    expect(error.scimType).toBe('invalidSyntax');
    expect(error.detail).toContain('Operations');
  });

  it('rejects an empty Operations array', () => {
    const error = scimErrorFrom(() => parsePatchRequest({ schemas: [PATCH_OP_SCHEMA], Operations: [] }));

    expect(error.scimType).toBe('invalidSyntax');
    expect(error.detail).toContain('at least one operation');
  });

  it('rejects schemas that do not name the PatchOp message', () => {
    const body = { schemas: [USER_SCHEMA], Operations: [{ op: 'add', path: 'title', value: 'x' }] };

    const error = scimErrorFrom(() => parsePatchRequest(body));

    expect(error.scimType).toBe('invalidSyntax');
    expect(error.detail).toContain(PATCH_OP_SCHEMA);
  });

  it('rejects an unknown op, saying which ops exist and where', () => {
    const body = {
      Operations: [
        { op: 'add', path: 'title', value: 'x' },
        { op: 'move', path: 'title' },
      ],
    };

    const error = scimErrorFrom(() => parsePatchRequest(body));

    expect(error.scimType).toBe('invalidSyntax');
    expect(error.detail).toBe('Invalid PATCH request: Operations.1.op: op must be "add", "replace" or "remove".');
  });

  it('rejects an operation without op', () => {
    const error = scimErrorFrom(() => parsePatchRequest({ Operations: [{ path: 'title', value: 'x' }] }));

    expect(error.scimType).toBe('invalidSyntax');
    expect(error.detail).toContain('Operations.0.op');
  });

  it('rejects a path that is not a string', () => {
    const error = scimErrorFrom(() => parsePatchRequest({ Operations: [{ op: 'add', path: 42, value: 'x' }] }));

    expect(error.scimType).toBe('invalidSyntax');
    expect(error.detail).toContain('path must be a string');
  });
});

describe('applyPatch', () => {
  describe('simple paths', () => {
    it('replaces active', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'replace', path: 'active', value: false });

      expect(result.active).toBe(false);
    });

    it('replaces displayName and leaves other attributes alone', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'replace', path: 'displayName', value: 'Barbara J.' });

      expect(result).toEqual({ ...aUser(), displayName: 'Barbara J.' });
    });

    it('replaces a sub-attribute and keeps its siblings', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'replace', path: 'name.givenName', value: 'Barb' });

      expect(result.name).toEqual({ givenName: 'Barb', familyName: 'Jensen' });
    });

    it('creates the parent object when setting a sub-attribute of a missing complex attribute', () => {
      const doc = { ...aUser(), name: undefined };
      delete doc.name;

      const result = patchUser(doc, { op: 'add', path: 'name.familyName', value: 'Jensen' });

      expect(result.name).toEqual({ familyName: 'Jensen' });
    });

    it('adds an attribute the document does not have', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'add', path: 'title', value: 'Tour Guide' });

      expect(result.title).toBe('Tour Guide');
    });

    it('addresses a core attribute through its URN-qualified path', () => {
      const doc = aUser();

      const result = patchUser(doc, {
        op: 'replace',
        path: 'urn:ietf:params:scim:schemas:core:2.0:User:name.givenName',
        value: 'Barb',
      });

      expect(result.name).toEqual({ givenName: 'Barb', familyName: 'Jensen' });
    });

    it('sets a complex attribute given as an object by merging its sub-attributes', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'replace', path: 'name', value: { givenName: 'Barb', middleName: 'J' } });

      expect(result.name).toEqual({ givenName: 'Barb', familyName: 'Jensen', middleName: 'J' });
    });

    it('applies operations in order', () => {
      const doc = aUser();

      const result = patchUser(
        doc,
        { op: 'replace', path: 'title', value: 'First' },
        { op: 'replace', path: 'title', value: 'Second' },
        { op: 'add', path: 'nickName', value: 'Babs' },
        { op: 'remove', path: 'nickName' },
      );

      expect(result.title).toBe('Second');
      expect(result).not.toHaveProperty('nickName');
    });
  });

  describe('attribute name casing', () => {
    it('matches a path to an existing key case-insensitively and keeps the key’s casing', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'replace', path: 'DISPLAYNAME', value: 'New' });

      expect(result.displayName).toBe('New');
      expect(result).not.toHaveProperty('DISPLAYNAME');
    });

    it('matches sub-attributes case-insensitively', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'replace', path: 'Name.GivenName', value: 'Barb' });

      expect(result.name).toEqual({ givenName: 'Barb', familyName: 'Jensen' });
    });

    it('keeps the casing an existing key already has, even if not canonical', () => {
      const doc = { ...aUser(), NickName: 'Old' };

      const result = patchUser(doc, { op: 'replace', path: 'nickname', value: 'Babs' });

      expect(result.NickName).toBe('Babs');
      expect(result).not.toHaveProperty('nickName');
    });

    it('gives a new well-known attribute its canonical casing', () => {
      const doc = aUser();

      const result = patchUser(
        doc,
        { op: 'add', path: 'USERTYPE', value: 'Employee' },
        { op: 'add', path: 'preferredlanguage', value: 'en' },
        { op: 'add', path: 'name.HonorificPrefix', value: 'Ms.' },
      );

      expect(result.userType).toBe('Employee');
      expect(result.preferredLanguage).toBe('en');
      expect(result.name).toEqual({ givenName: 'Barbara', familyName: 'Jensen', honorificPrefix: 'Ms.' });
    });

    it('keeps the path’s casing for an attribute it does not know', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'add', path: 'favouriteColour', value: 'teal' });

      expect(result.favouriteColour).toBe('teal');
    });
  });

  describe('enterprise extension', () => {
    it('sets a URN-qualified extension attribute under the extension object and declares the schema', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'add', path: `${ENTERPRISE}:department`, value: 'Sales' });

      expect(result[ENTERPRISE]).toEqual({ department: 'Sales' });
      expect(result.schemas).toEqual([USER_SCHEMA, ENTERPRISE]);
    });

    it('keeps other extension attributes and does not list the schema twice', () => {
      const doc = { ...aUser(), schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: { costCenter: '42' } };

      const result = patchUser(doc, { op: 'replace', path: `${ENTERPRISE}:department`, value: 'Sales' });

      expect(result[ENTERPRISE]).toEqual({ costCenter: '42', department: 'Sales' });
      expect(result.schemas).toEqual([USER_SCHEMA, ENTERPRISE]);
    });

    it('matches the extension URN case-insensitively and canonicalises the attribute name', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'add', path: `${ENTERPRISE.toLowerCase()}:EmployeeNumber`, value: '701984' });

      expect(result[ENTERPRISE]).toEqual({ employeeNumber: '701984' });
    });

    it('sets the manager from a complex value', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'add', path: `${ENTERPRISE}:manager.value`, value: 'u-9' });

      expect(result[ENTERPRISE]).toEqual({ manager: { value: 'u-9' } });
    });

    it('wraps a manager given as a bare id, as Entra sends it', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'add', path: `${ENTERPRISE}:manager`, value: 'u-9' });

      expect(result[ENTERPRISE]).toEqual({ manager: { value: 'u-9' } });
    });

    it('merges an object addressed to the whole extension', () => {
      const doc = { ...aUser(), schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: { costCenter: '42' } };

      const result = patchUser(doc, { op: 'replace', path: ENTERPRISE, value: { department: 'Sales' } });

      expect(result[ENTERPRISE]).toEqual({ costCenter: '42', department: 'Sales' });
    });

    it('drops the extension and its schema when its last attribute is removed', () => {
      const doc = { ...aUser(), schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: { department: 'Sales' } };

      const result = patchUser(doc, { op: 'remove', path: `${ENTERPRISE}:department` });

      expect(result).not.toHaveProperty([ENTERPRISE]);
      expect(result.schemas).toEqual([USER_SCHEMA]);
    });

    it('keeps the extension when other attributes remain after a remove', () => {
      const doc = {
        ...aUser(),
        schemas: [USER_SCHEMA, ENTERPRISE],
        [ENTERPRISE]: { department: 'Sales', division: 'EU' },
      };

      const result = patchUser(doc, { op: 'remove', path: `${ENTERPRISE}:department` });

      expect(result[ENTERPRISE]).toEqual({ division: 'EU' });
      expect(result.schemas).toEqual([USER_SCHEMA, ENTERPRISE]);
    });

    it('removes the whole extension when its URN is the path', () => {
      const doc = { ...aUser(), schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: { department: 'Sales' } };

      const result = patchUser(doc, { op: 'remove', path: ENTERPRISE });

      expect(result).not.toHaveProperty([ENTERPRISE]);
      expect(result.schemas).toEqual([USER_SCHEMA]);
    });

    it('ignores a path into an unknown extension, as POST and PUT ignore its attributes', () => {
      const doc = aUser();

      const result = patchUser(
        doc,
        { op: 'add', path: 'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:badge', value: '7' },
        { op: 'remove', path: 'urn:example:params:scim:schemas:extension:acme:1.0:User:badge' },
        { op: 'replace', path: 'active', value: 'False' },
      );

      expect(result).toEqual({ ...aUser(), active: false });
    });

    it('ignores an unknown extension URN key in a path-less value and applies the other keys', () => {
      const doc = aUser();

      const result = patchUser(doc, {
        op: 'add',
        value: { 'urn:example:extension:acme:1.0:User:badge': '7', title: 'Engineer' },
      });

      expect(result).toEqual({ ...aUser(), title: 'Engineer' });
    });

    it('still rejects a malformed path after a known schema URN with invalidPath', () => {
      const doc = aUser();

      const error = scimErrorFrom(() => patchUser(doc, { op: 'add', path: `${ENTERPRISE}:manager[`, value: '7' }));

      expect(error.scimType).toBe('invalidPath');
    });
  });

  describe('value-filtered paths', () => {
    it('replaces the value of the matching element only', () => {
      const doc = {
        ...aUser(),
        emails: [
          { value: 'home@example.com', type: 'home' },
          { value: 'old@example.com', type: 'work', primary: true },
        ],
      };

      const result = patchUser(doc, { op: 'replace', path: 'emails[type eq "work"].value', value: 'new@example.com' });

      expect(result.emails).toEqual([
        { value: 'home@example.com', type: 'home' },
        { value: 'new@example.com', type: 'work', primary: true },
      ]);
    });

    it('adds a work email when Entra replaces one that does not exist', () => {
      const doc = { ...aUser(), emails: [{ value: 'home@example.com', type: 'home' }] };

      const result = patchUser(doc, { op: 'replace', path: 'emails[type eq "work"].value', value: 'new@x.com' });

      expect(result.emails).toEqual([
        { value: 'home@example.com', type: 'home' },
        { type: 'work', value: 'new@x.com' },
      ]);
    });

    it('creates the list when replacing a filtered value on a user without emails', () => {
      const doc = aUser();
      delete doc.emails;

      const result = patchUser(doc, { op: 'replace', path: 'emails[type eq "work"].value', value: 'new@x.com' });

      expect(result.emails).toEqual([{ type: 'work', value: 'new@x.com' }]);
    });

    it('adds a new element for an add with no matching element', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'add', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555 0100' });

      expect(result.phoneNumbers).toEqual([{ type: 'mobile', value: '+1 555 0100' }]);
    });

    it('sets a sub-attribute other than value on the matching address', () => {
      const doc = {
        ...aUser(),
        addresses: [{ type: 'work', streetAddress: '1 Old Road', locality: 'Hollywood' }],
      };

      const result = patchUser(doc, {
        op: 'replace',
        path: 'addresses[type eq "work"].streetAddress',
        value: '911 Universal City Plaza',
      });

      expect(result.addresses).toEqual([
        { type: 'work', streetAddress: '911 Universal City Plaza', locality: 'Hollywood' },
      ]);
    });

    it('matches the filter value case-insensitively', () => {
      const doc = { ...aUser(), emails: [{ value: 'old@example.com', type: 'Work' }] };

      const result = patchUser(doc, { op: 'replace', path: 'emails[TYPE EQ "work"].VALUE', value: 'new@example.com' });

      expect(result.emails).toEqual([{ value: 'new@example.com', type: 'Work' }]);
    });

    it('merges an object into the matching element when the path selects whole elements', () => {
      const doc = aUser();

      const result = patchUser(doc, {
        op: 'replace',
        path: 'emails[type eq "work"]',
        value: { value: 'new@example.com', display: 'Work mail' },
      });

      expect(result.emails).toEqual([{ value: 'new@example.com', type: 'work', primary: true, display: 'Work mail' }]);
    });

    it('selects an element by its value', () => {
      const doc = aUser();

      const result = patchUser(doc, {
        op: 'add',
        path: 'emails[value eq "BARBARA@example.com"]',
        value: { display: 'Barbara at work' },
      });

      expect(result.emails).toEqual([
        { value: 'barbara@example.com', type: 'work', primary: true, display: 'Barbara at work' },
      ]);
    });

    it('builds a new element from every condition of an "and" filter', () => {
      const doc = aUser();

      const result = patchUser(doc, {
        op: 'add',
        path: 'phoneNumbers[type eq "work" and primary eq true].value',
        value: '+1 555 0199',
      });

      expect(result.phoneNumbers).toEqual([{ type: 'work', primary: true, value: '+1 555 0199' }]);
    });

    it('sets the sub-attribute on every matching element', () => {
      const doc = {
        ...aUser(),
        phoneNumbers: [
          { type: 'work', value: '1' },
          { type: 'mobile', value: '2' },
          { type: 'work', value: '3' },
        ],
      };

      const result = patchUser(doc, { op: 'replace', path: 'phoneNumbers[type eq "work"].display', value: 'desk' });

      expect(result.phoneNumbers).toEqual([
        { type: 'work', value: '1', display: 'desk' },
        { type: 'mobile', value: '2' },
        { type: 'work', value: '3', display: 'desk' },
      ]);
    });

    it('removes the matching elements', () => {
      const doc = {
        ...aUser(),
        emails: [
          { value: 'home@example.com', type: 'home' },
          { value: 'work@example.com', type: 'work' },
        ],
      };

      const result = patchUser(doc, { op: 'remove', path: 'emails[type eq "work"]' });

      expect(result.emails).toEqual([{ value: 'home@example.com', type: 'home' }]);
    });

    it('leaves the document unchanged when a filtered remove matches nothing', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'remove', path: 'emails[type eq "home"]' });

      expect(result).toEqual(aUser());
    });

    it('unassigns a multi-valued attribute when its last element is removed', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'remove', path: 'emails[type eq "work"]' });

      expect(result).not.toHaveProperty('emails');
    });

    it('removes only the sub-attribute from matching elements', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'remove', path: 'emails[type eq "work"].primary' });

      expect(result.emails).toEqual([{ value: 'barbara@example.com', type: 'work' }]);
    });

    it('rejects a value filter on an attribute that is not multi-valued', () => {
      const doc = aUser();

      const error = scimErrorFrom(() =>
        patchUser(doc, { op: 'replace', path: 'name[givenName eq "x"].familyName', value: 'y' }),
      );

      expect(error.scimType).toBe('invalidPath');
      expect(error.detail).toContain('name is not multi-valued');
    });

    it('rejects a non-object value for a path selecting whole elements', () => {
      const doc = aUser();

      const error = scimErrorFrom(() =>
        patchUser(doc, { op: 'replace', path: 'emails[type eq "work"]', value: 'x@y.z' }),
      );

      expect(error.scimType).toBe('invalidValue');
    });

    it.each([
      'emails[type co "work"].value',
      'emails[type eq "work" or type eq "home"].value',
      'emails[not (type eq "work")].value',
      'emails[type ne "work"]',
      'emails[type eq work].value',
      'emails[type eq "work"',
      'emails[type eq "work"]value',
      'emails[type eq "work"].value.x',
      'emails[]',
    ])('rejects the unsupported or malformed filter path %s with invalidPath', (path) => {
      const doc = aUser();

      const error = scimErrorFrom(() => patchUser(doc, { op: 'replace', path, value: 'x' }));

      expect(error.status).toBe(400);
      expect(error.scimType).toBe('invalidPath');
    });
  });

  describe('multi-valued attributes', () => {
    it('appends the elements of an add and skips exact duplicates', () => {
      const doc = aUser();

      const result = patchUser(doc, {
        op: 'add',
        path: 'emails',
        value: [
          { value: 'barbara@example.com', type: 'work', primary: true },
          { value: 'home@example.com', type: 'home' },
        ],
      });

      expect(result.emails).toEqual([
        { value: 'barbara@example.com', type: 'work', primary: true },
        { value: 'home@example.com', type: 'home' },
      ]);
    });

    it('merges an added element into an existing one with the same value and type instead of duplicating it', () => {
      const doc = aGroup();

      const result = applyPatch(
        doc,
        [{ op: 'add', path: 'members', value: [{ value: 'u-2', display: 'Kim Lee' }] }],
        GROUP_OPTIONS,
      );

      expect(result.members).toEqual([
        { value: 'u-1', display: 'Barbara' },
        { value: 'u-2', display: 'Kim Lee' },
      ]);
    });

    it('replaces the whole list', () => {
      const doc = aUser();

      const result = patchUser(doc, {
        op: 'replace',
        path: 'emails',
        value: [{ value: 'only@example.com', type: 'home' }],
      });

      expect(result.emails).toEqual([{ value: 'only@example.com', type: 'home' }]);
    });

    it('wraps a single object given for a multi-valued attribute', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'add', path: 'phoneNumbers', value: { value: '+1 555 0100', type: 'work' } });

      expect(result.phoneNumbers).toEqual([{ value: '+1 555 0100', type: 'work' }]);
    });

    it('treats an attribute already holding an array as multi-valued even if unknown', () => {
      const doc = { ...aUser(), badges: ['a'] };

      const result = patchUser(doc, { op: 'add', path: 'badges', value: ['b', 'a'] });

      expect(result.badges).toEqual(['a', 'b']);
    });

    it('gives the keys of added elements their canonical casing', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'add', path: 'phoneNumbers', value: [{ Value: '1', Type: 'work' }] });

      expect(result.phoneNumbers).toEqual([{ value: '1', type: 'work' }]);
    });

    it('resets primary on the other elements when a new primary element is added', () => {
      const doc = aUser();

      const result = patchUser(doc, {
        op: 'add',
        path: 'emails',
        value: [{ value: 'new@example.com', type: 'home', primary: true }],
      });

      expect(result.emails).toEqual([
        { value: 'barbara@example.com', type: 'work', primary: false },
        { value: 'new@example.com', type: 'home', primary: true },
      ]);
    });

    it('sets a sub-attribute on every element when the path has no filter', () => {
      const doc = {
        ...aUser(),
        emails: [
          { value: 'a@example.com', type: 'work' },
          { value: 'b@example.com', type: 'home' },
        ],
      };

      const result = patchUser(doc, { op: 'replace', path: 'emails.display', value: 'mail' });

      expect(result.emails).toEqual([
        { value: 'a@example.com', type: 'work', display: 'mail' },
        { value: 'b@example.com', type: 'home', display: 'mail' },
      ]);
    });

    it('creates an element when setting a sub-attribute of an absent multi-valued attribute', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'add', path: 'phoneNumbers.value', value: '+1 555 0100' });

      expect(result.phoneNumbers).toEqual([{ value: '+1 555 0100' }]);
    });
  });

  describe('operations without a path', () => {
    it('deactivates with Okta’s exact body', () => {
      const doc = aUser();
      const operations = parsePatchRequest({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', value: { active: false } }],
      });

      const result = applyPatch(doc, operations, USER_OPTIONS);

      expect(result).toEqual({ ...aUser(), active: false });
    });

    it('reactivates with Okta’s exact body', () => {
      const doc = { ...aUser(), active: false };
      const operations = parsePatchRequest({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', value: { active: true } }],
      });

      const result = applyPatch(doc, operations, USER_OPTIONS);

      expect(result.active).toBe(true);
    });

    it('applies Entra’s map of dotted and URN-qualified keys', () => {
      const doc = aUser();
      const operations = parsePatchRequest({
        schemas: [PATCH_OP_SCHEMA],
        Operations: [
          {
            op: 'Replace',
            value: {
              'name.givenName': 'Barb',
              'name.familyName': 'Jensen-Smith',
              [`${ENTERPRISE}:department`]: 'Tour Operations',
              title: 'Guide',
              active: 'False',
            },
          },
        ],
      });

      const result = applyPatch(doc, operations, USER_OPTIONS);

      expect(result.name).toEqual({ givenName: 'Barb', familyName: 'Jensen-Smith' });
      expect(result[ENTERPRISE]).toEqual({ department: 'Tour Operations' });
      expect(result.schemas).toEqual([USER_SCHEMA, ENTERPRISE]);
      expect(result.title).toBe('Guide');
      expect(result.active).toBe(false);
    });

    it('merges an extension object given under the extension URN key', () => {
      const doc = { ...aUser(), schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: { costCenter: '42' } };

      const result = patchUser(doc, { op: 'replace', value: { [ENTERPRISE]: { department: 'x' } } });

      expect(result[ENTERPRISE]).toEqual({ costCenter: '42', department: 'x' });
    });

    it('applies attributes nested under the core schema URN key', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'replace', value: { [USER_SCHEMA]: { displayName: 'Barb' } } });

      expect(result.displayName).toBe('Barb');
    });

    it('merges a complex value with add', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'add', value: { name: { middleName: 'Jane' } } });

      expect(result.name).toEqual({ givenName: 'Barbara', familyName: 'Jensen', middleName: 'Jane' });
    });

    it('merges a complex value with replace, keeping the sub-attributes not given', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'replace', value: { name: { givenName: 'Barb' } } });

      expect(result.name).toEqual({ givenName: 'Barb', familyName: 'Jensen' });
    });

    it('appends to multi-valued attributes with add and replaces them with replace', () => {
      const doc = aUser();
      const home = { value: 'home@example.com', type: 'home' };

      const added = patchUser(doc, { op: 'add', value: { emails: [home] } });
      const replaced = patchUser(doc, { op: 'replace', value: { emails: [home] } });

      expect(added.emails).toEqual([{ value: 'barbara@example.com', type: 'work', primary: true }, home]);
      expect(replaced.emails).toEqual([home]);
    });

    it('applies a value-filtered key', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'replace', value: { 'emails[type eq "work"].value': 'new@example.com' } });

      expect(result.emails).toEqual([{ value: 'new@example.com', type: 'work', primary: true }]);
    });

    it('ignores read-only attributes in the value, such as the id Okta sends on a group rename', () => {
      const doc = aGroup();
      const operations = parsePatchRequest({
        schemas: [PATCH_OP_SCHEMA],
        Operations: [{ op: 'replace', value: { id: 'g-1', displayName: 'Platform Engineering' } }],
      });

      const result = applyPatch(doc, operations, GROUP_OPTIONS);

      expect(result).toEqual({ ...aGroup(), displayName: 'Platform Engineering' });
    });

    it('ignores meta, groups and schemas in the value', () => {
      const doc = aUser();

      const result = patchUser(doc, {
        op: 'replace',
        value: { ID: 'other', meta: { version: 'x' }, groups: [{ value: 'g' }], schemas: ['x'], nickName: 'Babs' },
      });

      expect(result).toEqual({ ...aUser(), nickName: 'Babs' });
    });

    it('removes an attribute whose value is null', () => {
      const doc = { ...aUser(), title: 'Guide' };

      const result = patchUser(doc, { op: 'replace', value: { title: null } });

      expect(result).not.toHaveProperty('title');
    });

    it.each([
      ['a string', 'active'],
      ['an array', [{ active: false }]],
      ['null', null],
      ['nothing', undefined],
    ])('rejects %s as the value of an operation without a path', (_label, value) => {
      const doc = aUser();

      const error = scimErrorFrom(() => patchUser(doc, { op: 'replace', value }));

      expect(error.scimType).toBe('invalidValue');
    });
  });

  describe('remove', () => {
    it('removes an attribute', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'remove', path: 'displayName' });

      expect(result).not.toHaveProperty('displayName');
      expect(result.userName).toBe('Barbara.Jensen@example.com');
    });

    it('removes a sub-attribute', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'remove', path: 'name.givenName' });

      expect(result.name).toEqual({ familyName: 'Jensen' });
    });

    it('removes active without choosing a default', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'remove', path: 'active' });

      expect(result).not.toHaveProperty('active');
    });

    it('does nothing when the attribute is absent', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'remove', path: 'nickName' });

      expect(result).toEqual(aUser());
    });

    it('requires a path', () => {
      const doc = aUser();

      const error = scimErrorFrom(() => patchUser(doc, { op: 'remove' }));

      expect(error.status).toBe(400);
      expect(error.scimType).toBe('noTarget');
    });

    it('refuses to remove userName', () => {
      const doc = aUser();

      const error = scimErrorFrom(() => patchUser(doc, { op: 'remove', path: 'UserName' }));

      expect(error.scimType).toBe('mutability');
      expect(error.detail).toBe('userName is required and cannot be removed.');
    });

    it('refuses to clear userName with a null value', () => {
      const doc = aUser();

      const error = scimErrorFrom(() => patchUser(doc, { op: 'replace', value: { userName: null } }));

      expect(error.scimType).toBe('mutability');
    });

    it('refuses to remove a group’s displayName', () => {
      const doc = aGroup();

      const error = scimErrorFrom(() => applyPatch(doc, [{ op: 'remove', path: 'displayName' }], GROUP_OPTIONS));

      expect(error.scimType).toBe('mutability');
    });

    it('uses the required attributes given in the options', () => {
      const doc = aUser();
      const options = { ...USER_OPTIONS, required: ['userName', 'externalId'] };

      const error = scimErrorFrom(() => applyPatch(doc, [{ op: 'remove', path: 'externalId' }], options));

      expect(error.scimType).toBe('mutability');
    });

    it('silently ignores removing a read-only attribute', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'remove', path: 'id' }, { op: 'remove', path: 'meta.version' });

      expect(result).toEqual(aUser());
    });

    it('removes an attribute set to null through a path', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'replace', path: 'displayName', value: null });

      expect(result).not.toHaveProperty('displayName');
    });

    it('removes the filtered sub-attribute when it is set to null', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'add', path: 'emails[type eq "work"].primary', value: null });

      expect(result.emails).toEqual([{ value: 'barbara@example.com', type: 'work' }]);
    });
  });

  describe('group membership as Okta and Entra send it', () => {
    it('adds members with Okta’s body', () => {
      const doc = aGroup();
      const operations = parsePatchRequest({
        schemas: [PATCH_OP_SCHEMA],
        Operations: [{ op: 'add', path: 'members', value: [{ value: 'u-3', display: 'Lee' }] }],
      });

      const result = applyPatch(doc, operations, GROUP_OPTIONS);

      expect(result.members).toEqual([
        { value: 'u-1', display: 'Barbara' },
        { value: 'u-2', display: 'Kim' },
        { value: 'u-3', display: 'Lee' },
      ]);
    });

    it('removes a member with Okta’s filtered path', () => {
      const doc = aGroup();
      const operations = parsePatchRequest({
        schemas: [PATCH_OP_SCHEMA],
        Operations: [{ op: 'remove', path: 'members[value eq "u-1"]' }],
      });

      const result = applyPatch(doc, operations, GROUP_OPTIONS);

      expect(result.members).toEqual([{ value: 'u-2', display: 'Kim' }]);
    });

    it('removes members listed in the value of Entra’s remove', () => {
      const doc = aGroup();
      const operations = parsePatchRequest({
        schemas: [PATCH_OP_SCHEMA],
        Operations: [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: 'u-2' }] }],
      });

      const result = applyPatch(doc, operations, GROUP_OPTIONS);

      expect(result.members).toEqual([{ value: 'u-1', display: 'Barbara' }]);
    });

    it('removes all members when remove has no value', () => {
      const doc = aGroup();

      const result = applyPatch(doc, [{ op: 'remove', path: 'members' }], GROUP_OPTIONS);

      expect(result).not.toHaveProperty('members');
    });

    it('replaces the member list with Okta’s full push', () => {
      const doc = aGroup();

      const result = applyPatch(
        doc,
        [{ op: 'replace', path: 'members', value: [{ value: 'u-9', display: 'New' }] }],
        GROUP_OPTIONS,
      );

      expect(result.members).toEqual([{ value: 'u-9', display: 'New' }]);
    });

    it('applies several membership operations of one request in order', () => {
      const doc = aGroup();
      const operations = parsePatchRequest({
        schemas: [PATCH_OP_SCHEMA],
        Operations: [
          { op: 'replace', value: { id: 'g-1', displayName: 'Engineering' } },
          { op: 'remove', path: 'members[value eq "u-1"]' },
          { op: 'add', path: 'members', value: [{ value: 'u-3', display: 'Lee' }] },
        ],
      });

      const result = applyPatch(doc, operations, GROUP_OPTIONS);

      expect(result.members).toEqual([
        { value: 'u-2', display: 'Kim' },
        { value: 'u-3', display: 'Lee' },
      ]);
    });
  });

  describe('boolean attributes', () => {
    it.each([
      ['False', false],
      ['false', false],
      ['FALSE', false],
      ['True', true],
      ['true', true],
    ])('coerces the string %s', (value, expected) => {
      const doc = { ...aUser(), active: !expected };

      const result = patchUser(doc, { op: 'replace', path: 'active', value });

      expect(result.active).toBe(expected);
    });

    it('disables with Entra’s exact operation', () => {
      const doc = aUser();
      const operations = parsePatchRequest({
        schemas: [PATCH_OP_SCHEMA],
        Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
      });

      const result = applyPatch(doc, operations, USER_OPTIONS);

      expect(result.active).toBe(false);
    });

    it('coerces through a URN-qualified path', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'replace', path: `${USER_SCHEMA}:active`, value: 'False' });

      expect(result.active).toBe(false);
    });

    it.each([['yes'], [1], [0], [''], [{ value: true }]])('rejects %j with invalidValue', (value) => {
      const doc = aUser();

      const error = scimErrorFrom(() => patchUser(doc, { op: 'replace', path: 'active', value }));

      expect(error.scimType).toBe('invalidValue');
      expect(error.detail).toBe('active must be true or false');
    });

    it('leaves strings of other attributes as they are', () => {
      const doc = aUser();

      const result = patchUser(doc, { op: 'replace', path: 'title', value: 'False' });

      expect(result.title).toBe('False');
    });
  });

  describe('invalid paths and values', () => {
    it.each([
      'name..givenName',
      'name.givenName.first',
      'name givenName',
      '.name',
      'na me',
      'name.',
      '1name',
      '"name"',
      'name)',
    ])('rejects %j with invalidPath', (path) => {
      const doc = aUser();

      const error = scimErrorFrom(() => patchUser(doc, { op: 'replace', path, value: 'x' }));

      expect(error.status).toBe(400);
      expect(error.scimType).toBe('invalidPath');
      expect(error.detail).toContain('Supported paths');
    });

    it('rejects a sub-attribute of a simple attribute', () => {
      const doc = aUser();

      const error = scimErrorFrom(() => patchUser(doc, { op: 'replace', path: 'displayName.first', value: 'x' }));

      expect(error.scimType).toBe('invalidPath');
      expect(error.detail).toContain('displayName is not a complex attribute');
    });

    it('rejects an add with a path but no value', () => {
      const doc = aUser();

      const error = scimErrorFrom(() => patchUser(doc, { op: 'add', path: 'title' }));

      expect(error.scimType).toBe('invalidValue');
    });

    it('rejects removing the whole resource by its core schema URN', () => {
      const doc = aUser();

      const error = scimErrorFrom(() => patchUser(doc, { op: 'remove', path: USER_SCHEMA }));

      expect(error.scimType).toBe('invalidPath');
    });
  });

  describe('immutability and atomicity', () => {
    it('never mutates the input document', () => {
      const doc = deepFreeze({ ...aUser(), [ENTERPRISE]: { department: 'A' }, schemas: [USER_SCHEMA, ENTERPRISE] });

      const result = patchUser(
        doc,
        { op: 'replace', path: 'name.givenName', value: 'Barb' },
        { op: 'add', path: 'emails', value: [{ value: 'x@example.com', type: 'home', primary: true }] },
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'w@example.com' },
        { op: 'remove', path: `${ENTERPRISE}:department` },
        { op: 'replace', value: { active: 'False' } },
      );

      expect(doc).toEqual({ ...aUser(), [ENTERPRISE]: { department: 'A' }, schemas: [USER_SCHEMA, ENTERPRISE] });
      expect(result).not.toBe(doc);
      expect(result.name).toEqual({ givenName: 'Barb', familyName: 'Jensen' });
      expect(result.active).toBe(false);
    });

    it('does not share objects between the result and the operation values', () => {
      const doc = aUser();
      const value = [{ value: 'x@example.com', type: 'home' }];

      const result = patchUser(doc, { op: 'replace', path: 'emails', value });
      (result.emails as { value: string }[])[0]!.value = 'changed@example.com';

      expect(value[0]!.value).toBe('x@example.com');
    });

    it('throws without a partial result when a later operation fails, leaving the input intact', () => {
      const doc = aUser();
      const operations: PatchOperation[] = [
        { op: 'replace', path: 'displayName', value: 'Applied first' },
        { op: 'replace', path: 'active', value: 'maybe' },
      ];

      const error = scimErrorFrom(() => patchUser(doc, ...operations));

      expect(error.scimType).toBe('invalidValue');
      expect(doc).toEqual(aUser());
    });
  });
});
