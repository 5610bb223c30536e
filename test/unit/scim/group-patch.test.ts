import type { GroupEdit } from '../../../lambda/domain/groups';
import { ScimError } from '../../../lambda/scim/errors';
import { toGroupEdits } from '../../../lambda/scim/group-patch';
import { parsePatchRequest } from '../../../lambda/scim/patch';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ALICE = '0190a1b2-0000-7000-8000-000000000001';
const BOB = '0190a1b2-0000-7000-8000-000000000002';
const GROUP_ID = '0190a1b2-0000-7000-8000-0000000000aa';

/** Edits for a PATCH body exactly as a client sends it. */
function editsFor(...operations: unknown[]): GroupEdit[] {
  return toGroupEdits(parsePatchRequest({ schemas: [PATCH_OP], Operations: operations }));
}

function scimErrorFrom(action: () => unknown): ScimError {
  try {
    action();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError');
}

describe('toGroupEdits: the forms Okta sends', () => {
  it('adds the listed members, ignoring display', () => {
    const operation = {
      op: 'add',
      path: 'members',
      value: [
        { value: ALICE, display: 'alice@example.com' },
        { value: BOB, display: 'bob@example.com' },
      ],
    };

    const edits = editsFor(operation);

    expect(edits).toEqual([{ kind: 'addMembers', userIds: [ALICE, BOB] }]);
  });

  it('removes one member selected by a value filter path', () => {
    const operation = { op: 'remove', path: `members[value eq "${ALICE}"]` };

    const edits = editsFor(operation);

    expect(edits).toEqual([{ kind: 'removeMembers', userIds: [ALICE] }]);
  });

  it('replaces every member on a full push', () => {
    const operation = { op: 'replace', path: 'members', value: [{ value: BOB }] };

    const edits = editsFor(operation);

    expect(edits).toEqual([{ kind: 'replaceMembers', userIds: [BOB] }]);
  });

  it('renames from a path-less replace and ignores the id inside its value', () => {
    const operation = { op: 'replace', value: { id: GROUP_ID, displayName: 'Engineering (all)' } };

    const edits = editsFor(operation);

    expect(edits).toEqual([{ kind: 'setDisplayName', displayName: 'Engineering (all)' }]);
  });

  it('keeps several operations of one request in order', () => {
    const operations = [
      { op: 'replace', value: { id: GROUP_ID, displayName: 'Sales' } },
      { op: 'remove', path: `members[value eq "${ALICE}"]` },
      { op: 'add', path: 'members', value: [{ value: ALICE }] },
    ];

    const edits = editsFor(...operations);

    expect(edits).toEqual([
      { kind: 'setDisplayName', displayName: 'Sales' },
      { kind: 'removeMembers', userIds: [ALICE] },
      { kind: 'addMembers', userIds: [ALICE] },
    ]);
  });
});

describe('toGroupEdits: the forms Entra ID sends', () => {
  it('removes members listed in the value of a capitalised Remove, ignoring a null $ref', () => {
    const operation = { op: 'Remove', path: 'members', value: [{ $ref: null, value: ALICE }] };

    const edits = editsFor(operation);

    expect(edits).toEqual([{ kind: 'removeMembers', userIds: [ALICE] }]);
  });

  it('adds members with a capitalised Add', () => {
    const operation = { op: 'Add', path: 'members', value: [{ $ref: null, value: BOB }] };

    const edits = editsFor(operation);

    expect(edits).toEqual([{ kind: 'addMembers', userIds: [BOB] }]);
  });

  it('renames and sets externalId by path', () => {
    const operations = [
      { op: 'Replace', path: 'displayName', value: 'Support' },
      { op: 'Replace', path: 'externalId', value: 'entra-42' },
    ];

    const edits = editsFor(...operations);

    expect(edits).toEqual([
      { kind: 'setDisplayName', displayName: 'Support' },
      { kind: 'setExternalId', externalId: 'entra-42' },
    ]);
  });
});

describe('toGroupEdits: other valid forms', () => {
  it('accepts a path qualified with the Group schema URN', () => {
    const operation = { op: 'replace', path: `${GROUP_SCHEMA}:displayName`, value: 'Qualified' };

    const edits = editsFor(operation);

    expect(edits).toEqual([{ kind: 'setDisplayName', displayName: 'Qualified' }]);
  });

  it('treats remove of members without a value as removing every member', () => {
    const operation = { op: 'remove', path: 'members' };

    const edits = editsFor(operation);

    expect(edits).toEqual([{ kind: 'replaceMembers', userIds: [] }]);
  });

  it('adds members given in a path-less add, with attribute names in any case', () => {
    const operation = { op: 'add', value: { Members: [{ Value: ALICE }], DISPLAYNAME: 'Mixed' } };

    const edits = editsFor(operation);

    expect(edits).toEqual([
      { kind: 'addMembers', userIds: [ALICE] },
      { kind: 'setDisplayName', displayName: 'Mixed' },
    ]);
  });

  it('clears externalId on remove', () => {
    const operation = { op: 'remove', path: 'externalId' };

    const edits = editsFor(operation);

    expect(edits).toEqual([{ kind: 'setExternalId', externalId: undefined }]);
  });

  it('lists a member once when it is repeated in one value', () => {
    const operation = { op: 'add', path: 'members', value: [{ value: ALICE }, { value: ALICE }] };

    const edits = editsFor(operation);

    expect(edits).toEqual([{ kind: 'addMembers', userIds: [ALICE] }]);
  });

  it('ignores a path into a schema groups do not have, like its key in a path-less value', () => {
    const operations = [
      { op: 'add', path: 'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:Group:site', value: 'x' },
      { op: 'replace', value: { 'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:Group:site': 'y' } },
      { op: 'replace', path: 'displayName', value: 'Renamed' },
    ];

    const edits = editsFor(...operations);

    expect(edits).toEqual([{ kind: 'setDisplayName', displayName: 'Renamed' }]);
  });

  it('ignores read-only and unknown attributes', () => {
    const operations = [
      { op: 'replace', path: 'id', value: GROUP_ID },
      { op: 'replace', value: { meta: { version: 'W/"1"' }, description: 'not a Group attribute' } },
    ];

    const edits = editsFor(...operations);

    expect(edits).toEqual([]);
  });
});

describe('toGroupEdits: refusals', () => {
  it('refuses a remove without path with noTarget', () => {
    const error = scimErrorFrom(() => editsFor({ op: 'remove', value: { members: [{ value: ALICE }] } }));

    expect(error.status).toBe(400);
    expect(error.scimType).toBe('noTarget');
    expect(error.detail).toMatch(/needs a "path"/);
  });

  it('refuses removing displayName with mutability', () => {
    const error = scimErrorFrom(() => editsFor({ op: 'remove', path: 'displayName' }));

    expect(error.scimType).toBe('mutability');
    expect(error.detail).toMatch(/displayName is required/);
  });

  it('refuses an empty displayName with invalidValue', () => {
    const error = scimErrorFrom(() => editsFor({ op: 'replace', path: 'displayName', value: '  ' }));

    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toMatch(/must not be empty/);
  });

  it('refuses a member without value with invalidValue', () => {
    const error = scimErrorFrom(() => editsFor({ op: 'add', path: 'members', value: [{ display: 'Alice' }] }));

    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toMatch(/needs "value"/);
  });

  it('refuses a nested group as a member', () => {
    const error = scimErrorFrom(() =>
      editsFor({ op: 'add', path: 'members', value: [{ value: GROUP_ID, type: 'Group' }] }),
    );

    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toMatch(/Only users can be group members/);
  });

  it('refuses an add targeting a value filter path with invalidPath', () => {
    const error = scimErrorFrom(() =>
      editsFor({ op: 'add', path: `members[value eq "${ALICE}"]`, value: [{ value: ALICE }] }),
    );

    expect(error.scimType).toBe('invalidPath');
    expect(error.detail).toMatch(/use "add" on members/);
  });

  it('refuses a member sub-attribute path with invalidPath', () => {
    const error = scimErrorFrom(() => editsFor({ op: 'replace', path: 'members.display', value: 'x' }));

    expect(error.scimType).toBe('invalidPath');
    expect(error.detail).toMatch(/added or removed as a whole/);
  });

  it('refuses a value filter that does not select by value', () => {
    const error = scimErrorFrom(() => editsFor({ op: 'remove', path: 'members[display eq "Alice"]' }));

    expect(error.scimType).toBe('invalidPath');
    expect(error.detail).toMatch(/members\[value eq "<user id>"\]/);
  });

  it('refuses a path-less replace whose value is not an object', () => {
    const error = scimErrorFrom(() => editsFor({ op: 'replace', value: 'Sales' }));

    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toMatch(/needs an object "value"/);
  });

  it('names the failing operation when a request has several', () => {
    const operations = [
      { op: 'add', path: 'members', value: [{ value: ALICE }] },
      { op: 'remove', path: 'displayName' },
    ];

    const error = scimErrorFrom(() => editsFor(...operations));

    expect(error.scimType).toBe('mutability');
    expect(error.detail).toMatch(/^Operation 2 \(remove\): displayName is required/);
  });
});

describe('toGroupEdits: what each refusal says', () => {
  const HELP =
    'Group paths: displayName, externalId, members, and members[value eq "<user id>"] (for remove), optionally ' +
    `prefixed with ${GROUP_SCHEMA}:.`;

  it.each([
    [
      { op: 'remove', path: `members[value eq "${ALICE}"].display` },
      `members[value eq "${ALICE}"].display addresses a sub-attribute of a member; members are added or removed as a whole`,
    ],
    [
      { op: 'replace', path: `members[value eq "${ALICE}"]`, value: [{ value: BOB }] },
      `"replace" cannot target members[value eq "${ALICE}"]; use "add" on members, or "remove" on this path`,
    ],
    [
      { op: 'replace', path: 'displayName[value eq "x"]', value: 'A' },
      'displayName is not multi-valued, so it cannot take a value filter',
    ],
    [
      { op: 'remove', path: 'members.value' },
      'members.value addresses a sub-attribute of the members; members are added or removed as a whole',
    ],
    [{ op: 'replace', path: 'displayName.first', value: 'A' }, 'displayName has no sub-attributes'],
    [
      { op: 'remove', path: 'members[display eq "Alice"]' },
      'members[display eq "Alice"] must select one member by its id, as in members[value eq "<user id>"]',
    ],
  ])('refuses %j with invalidPath, naming the paths groups have', (operation, detail) => {
    const error = scimErrorFrom(() => editsFor(operation));

    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidPath');
    expect(error.detail).toBe(`Invalid PATCH path: ${detail}. ${HELP}`);
  });

  it.each([
    `members[value eq "${ALICE}" and value eq "${BOB}"]`,
    `members[value eq "${ALICE}" and type eq "Group"]`,
    `members[value eq "${ALICE}" and display eq "Alice"]`,
  ])('refuses %s, which does not select one user by id', (path) => {
    expect(scimErrorFrom(() => editsFor({ op: 'remove', path })).detail).toContain('must select one member by its id');
  });

  it('refuses a member filter whose other condition is not on the type', () => {
    expect(
      scimErrorFrom(() => editsFor({ op: 'remove', path: `members[value eq "${ALICE}" and display eq "user"]` }))
        .detail,
    ).toContain('must select one member by its id');
  });

  it('names where a wrong member is, in a value or in members', () => {
    expect(scimErrorFrom(() => editsFor({ op: 'remove', path: 'members', value: ['x'] })).detail).toBe(
      'Each entry of the value must be an object such as {"value": "<user id>"}',
    );
    expect(scimErrorFrom(() => editsFor({ op: 'add', path: 'members', value: [{}] })).detail).toBe(
      'Each entry of members needs "value", the id of a user',
    );
  });

  it('ignores a sub-attribute of schemas, which clients may not change', () => {
    expect(editsFor({ op: 'replace', path: 'schemas.x', value: 'y' })).toEqual([]);
  });

  it('accepts a member filter that also says the member is a user, in any case', () => {
    expect(editsFor({ op: 'remove', path: `members[type eq "user" and value eq "${ALICE}"]` })).toEqual([
      { kind: 'removeMembers', userIds: [ALICE] },
    ]);
  });

  it('says which operation needs a value', () => {
    const error = scimErrorFrom(() => editsFor({ op: 'add', path: 'displayName' }));

    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toBe('The "add" operation on displayName needs a "value"');
  });

  it('says what a remove without a path and a path-less add without an object need', () => {
    expect(scimErrorFrom(() => editsFor({ op: 'remove' })).detail).toBe(
      'A "remove" operation needs a "path", such as members[value eq "<user id>"]',
    );
    expect(scimErrorFrom(() => editsFor({ op: 'add', value: 'Admins' })).detail).toBe(
      'An "add" without "path" needs an object "value", such as {"displayName": "…"}',
    );
  });

  it('does not prefix the refusal of a request with one operation, and keeps the status of a later one', () => {
    const single = scimErrorFrom(() => editsFor({ op: 'remove', path: 'displayName' }));
    const second = scimErrorFrom(() =>
      editsFor({ op: 'add', path: 'externalId', value: 'e' }, { op: 'remove', path: 'displayName' }),
    );

    expect(single.detail).toBe('displayName is required and cannot be removed; replace it instead');
    expect(second).toMatchObject({
      status: 400,
      scimType: 'mutability',
      detail: 'Operation 2 (remove): displayName is required and cannot be removed; replace it instead',
    });
    expect(second.cause).toBeInstanceOf(ScimError);
  });

  it('passes on an error that is not a refusal as it is', () => {
    const broken = new Error('broken');
    const operations = [
      { op: 'add' as const, path: 'displayName', value: 'A' },
      {
        op: 'add' as const,
        get path(): string {
          throw broken;
        },
      },
    ];

    expect(() => toGroupEdits(operations)).toThrow(broken);
  });
});

describe('toGroupEdits: paths and keys', () => {
  it('ignores a sub-attribute of a read-only attribute', () => {
    expect(editsFor({ op: 'replace', path: 'meta.lastModified', value: 'x' })).toEqual([]);
  });

  it('reads keys of a path-less value qualified with the Group schema, and ignores other schemas', () => {
    expect(
      editsFor({
        op: 'replace',
        value: {
          [`${GROUP_SCHEMA}:displayName`]: 'Owners',
          'urn:example:custom:1.0:Group:badge': 'x',
          externalId: 'ext',
        },
      }),
    ).toEqual([
      { kind: 'setDisplayName', displayName: 'Owners' },
      { kind: 'setExternalId', externalId: 'ext' },
    ]);
  });

  it('ignores a remove of an attribute groups do not have', () => {
    expect(editsFor({ op: 'remove', path: 'nickName' })).toEqual([]);
  });

  it('reads a path-less replace of members as the new member list, and an add as members to add', () => {
    expect(editsFor({ op: 'replace', value: { members: [{ value: ALICE }] } })).toEqual([
      { kind: 'replaceMembers', userIds: [ALICE] },
    ]);
    expect(editsFor({ op: 'add', value: { members: [{ value: BOB }] } })).toEqual([
      { kind: 'addMembers', userIds: [BOB] },
    ]);
  });

  it('clears externalId given null', () => {
    expect(editsFor({ op: 'replace', path: 'externalId', value: null })).toEqual([
      { kind: 'setExternalId', externalId: undefined },
    ]);
  });

  it('removes every member for a remove of members with a null value', () => {
    expect(editsFor({ op: 'remove', path: 'members', value: null })).toEqual([{ kind: 'replaceMembers', userIds: [] }]);
  });
});
