/**
 * Reading a SCIM Group from POST, PUT and PATCH values, and writing a stored group back: what is accepted, what each
 * refusal says, and which attributes a client reads.
 */
import type { GroupRecord } from '../../../lambda/domain/groups';
import type { ScimError } from '../../../lambda/scim/errors';
import type * as GroupResource from '../../../lambda/scim/group-resource';

/**
 * The input schemas are built once per module and cached, so each test reads a freshly loaded module: the details are
 * then those of the code as it is now, not of whichever schema an earlier test built.
 */
let groupResource: typeof GroupResource;
beforeEach(() => {
  jest.isolateModules(() => {
    groupResource = require('../../../lambda/scim/group-resource');
  });
});
const parseGroup = (body: unknown) => groupResource.parseGroup(body);
const parseDisplayName = (value: unknown) => groupResource.parseDisplayName(value);
const parseExternalId = (value: unknown) => groupResource.parseExternalId(value);
const parseMemberIds = (value: unknown, where: string) => groupResource.parseMemberIds(value, where);
const toScimGroup: typeof GroupResource.toScimGroup = (...args) => groupResource.toScimGroup(...args);
const withKnownKeys: typeof GroupResource.withKnownKeys = (...args) => groupResource.withKnownKeys(...args);

const BASE = 'https://api.example.com/scim/v2';

function refusal(action: () => unknown): ScimError {
  try {
    action();
  } catch (error) {
    // The freshly loaded module throws its own ScimError class, so the class is told by its name.
    if (error instanceof Error && error.name === 'ScimError') return error as ScimError;
    throw error;
  }
  throw new Error('expected a ScimError');
}

describe('parseGroup', () => {
  it('reads the name, externalId and member ids, matching names without regard to case', () => {
    expect(
      parseGroup({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        id: 'ignored',
        DISPLAYNAME: 'Admins',
        externalid: 'ext-1',
        Members: [{ value: 'u-1', display: 'Ada', $ref: 'x' }, { Value: ' u-2 ' }],
      }),
    ).toEqual({ displayName: 'Admins', externalId: 'ext-1', memberIds: ['u-1', 'u-2'] });
  });

  it('reads a group without externalId and members, treating null as absent', () => {
    expect(parseGroup({ displayName: 'Admins', externalId: null, members: null })).toEqual({
      displayName: 'Admins',
      memberIds: [],
    });
    expect(parseGroup({ displayName: 'Admins' })).not.toHaveProperty('externalId');
  });

  it.each([null, [], 'Admins', 3])('refuses a body that is not an object (%j) with invalidSyntax', (body) => {
    const error = refusal(() => parseGroup(body));

    expect(error.scimType).toBe('invalidSyntax');
    expect(error.detail).toBe('The request body must be a JSON object holding a SCIM Group');
  });

  it.each([
    [{}, 'Invalid Group: displayName is required and must be a string'],
    [{ displayName: 5 }, 'Invalid Group: displayName is required and must be a string'],
    [{ displayName: '  ' }, 'Invalid Group: displayName must not be empty'],
    [{ displayName: 'x'.repeat(1025) }, 'Invalid Group: displayName must be at most 1024 characters'],
    [{ displayName: 'A', externalId: 5 }, 'Invalid Group: externalId must be a string'],
    [{ displayName: 'A', externalId: 'x'.repeat(1025) }, 'Invalid Group: externalId must be at most 1024 characters'],
  ])('refuses %j with invalidValue', (body, detail) => {
    const error = refusal(() => parseGroup(body));

    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toBe(detail);
  });

  it('names members as where a wrong member is', () => {
    expect(refusal(() => parseGroup({ displayName: 'A', members: ['u-1'] })).detail).toBe(
      'Each entry of members must be an object such as {"value": "<user id>"}',
    );
  });

  it('accepts the longest name and externalId', () => {
    const text = 'x'.repeat(1024);

    expect(parseGroup({ displayName: text, externalId: text })).toMatchObject({ displayName: text, externalId: text });
  });
});

describe('parseDisplayName and parseExternalId', () => {
  it('read a valid value', () => {
    expect(parseDisplayName('Admins')).toBe('Admins');
    expect(parseExternalId('ext')).toBe('ext');
  });

  it('read a null externalId as cleared', () => {
    expect(parseExternalId(null)).toBeUndefined();
  });

  it('refuse a wrong value with invalidValue saying why', () => {
    expect(refusal(() => parseDisplayName('')).detail).toBe('displayName must not be empty');
    expect(refusal(() => parseDisplayName(null)).detail).toBe('displayName is required and must be a string');
    expect(refusal(() => parseExternalId(7)).detail).toBe('externalId must be a string');
    expect(refusal(() => parseExternalId(7)).scimType).toBe('invalidValue');
  });
});

describe('parseMemberIds', () => {
  it('reads a single object as one member, and null or nothing as none', () => {
    expect(parseMemberIds({ value: 'u-1' }, 'members')).toEqual(['u-1']);
    expect(parseMemberIds(null, 'members')).toEqual([]);
    expect(parseMemberIds(undefined, 'members')).toEqual([]);
  });

  it('keeps each id once, in the order first given', () => {
    expect(parseMemberIds([{ value: 'b' }, { value: 'a' }, { value: 'b ' }], 'members')).toEqual(['b', 'a']);
  });

  it('accepts the member type User in any case, or none', () => {
    expect(
      parseMemberIds(
        [
          { value: 'a', type: 'user' },
          { value: 'b', TYPE: 'User' },
          { value: 'c', type: null },
        ],
        'm',
      ),
    ).toEqual(['a', 'b', 'c']);
  });

  it.each([
    [['u-1'], 'Each entry of members must be an object such as {"value": "<user id>"}'],
    [[null], 'Each entry of members must be an object such as {"value": "<user id>"}'],
    [[{ display: 'Ada' }], 'Each entry of members needs "value", the id of a user'],
    [[{ value: 5 }], 'Each entry of members needs "value", the id of a user'],
    [[{ value: '  ' }], 'Each entry of members needs "value", the id of a user'],
    [[{ value: 'g-1', type: 'Group' }], 'Only users can be group members; members has a member of type "Group"'],
  ])('refuses %j', (value, detail) => {
    const error = refusal(() => parseMemberIds(value, 'members'));

    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toBe(detail);
  });

  it('echoes at most 40 characters of a wrong type', () => {
    const type = 'G'.repeat(100);

    expect(refusal(() => parseMemberIds([{ value: 'a', type }], 'members')).detail).toBe(
      `Only users can be group members; members has a member of type "${'G'.repeat(40)}"`,
    );
  });
});

describe('toScimGroup', () => {
  const group: GroupRecord = {
    orgId: 'acme',
    id: 'g-1',
    displayName: 'Admins',
    version: 3,
    created: '2026-01-01T00:00:00.000Z',
    lastModified: '2026-01-02T00:00:00.000Z',
  };
  const meta = {
    resourceType: 'Group',
    created: '2026-01-01T00:00:00.000Z',
    lastModified: '2026-01-02T00:00:00.000Z',
    location: `${BASE}/Groups/g-1`,
    version: 'W/"3"',
  };

  it('writes the group with its members, their display when known', () => {
    expect(
      toScimGroup({ ...group, externalId: 'ext' }, BASE, [{ userId: 'u-1', display: 'Ada' }, { userId: 'u-2' }]),
    ).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      id: 'g-1',
      externalId: 'ext',
      displayName: 'Admins',
      members: [
        { value: 'u-1', display: 'Ada', $ref: `${BASE}/Users/u-1`, type: 'User' },
        { value: 'u-2', $ref: `${BASE}/Users/u-2`, type: 'User' },
      ],
      meta,
    });
  });

  it('leaves members out when they were not loaded or there are none', () => {
    const expected = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      id: 'g-1',
      displayName: 'Admins',
      meta,
    };

    expect(toScimGroup(group, BASE)).toEqual(expected);
    expect(toScimGroup(group, BASE, [])).toEqual(expected);
  });
});

describe('withKnownKeys', () => {
  it('renames known keys to their spelling and keeps others, the exact spelling winning a tie', () => {
    expect(withKnownKeys({ VALUE: 'a', value: 'b', other: 1 }, ['value'])).toEqual({ value: 'b', other: 1 });
    expect(withKnownKeys({ value: 'b', VALUE: 'a' }, ['value'])).toEqual({ value: 'b' });
    expect(withKnownKeys({ VALUE: 'a', Value: 'c' }, ['value'])).toEqual({ value: 'a' });
  });
});
