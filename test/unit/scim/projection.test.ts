import { ScimError } from '../../../lambda/scim/errors';
import { applyProjection, hasProjection, isRequested, parseProjection } from '../../../lambda/scim/projection';

const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function aGroup(): Record<string, unknown> {
  return {
    schemas: [GROUP_SCHEMA],
    id: 'g-1',
    externalId: 'ext-1',
    displayName: 'Engineering',
    members: [
      { value: 'u-1', display: 'Alice', $ref: 'https://x/scim/v2/Users/u-1', type: 'User' },
      { value: 'u-2', display: 'Bob', $ref: 'https://x/scim/v2/Users/u-2', type: 'User' },
    ],
    meta: { resourceType: 'Group', version: 'W/"3"' },
  };
}

function aUser(): Record<string, unknown> {
  return {
    schemas: [USER_SCHEMA, ENTERPRISE],
    id: 'u-1',
    userName: 'alice@example.com',
    name: { givenName: 'Alice', familyName: 'Liddell' },
    active: true,
    emails: [{ value: 'alice@example.com', type: 'work', primary: true }],
    [ENTERPRISE]: { department: 'R&D', costCenter: '42' },
    meta: { resourceType: 'User' },
  };
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

describe('parseProjection and isRequested', () => {
  it('reports members as not requested under excludedAttributes=members, so they need not be read', () => {
    const projection = parseProjection({ excludedAttributes: 'members' });

    const requested = isRequested(projection, 'members');

    expect(requested).toBe(false);
    expect(hasProjection(projection)).toBe(true);
  });

  it('reports members as requested when only a sub-attribute is excluded', () => {
    const projection = parseProjection({ excludedAttributes: 'members.display' });

    const requested = isRequested(projection, 'members');

    expect(requested).toBe(true);
  });

  it('reports members as not requested when attributes lists other attributes only', () => {
    const projection = parseProjection({ attributes: 'displayName' });

    const requested = isRequested(projection, 'members');

    expect(requested).toBe(false);
  });

  it('reports everything as requested without parameters', () => {
    const projection = parseProjection({ filter: 'displayName eq "x"' });

    const requested = isRequested(projection, 'members');

    expect(requested).toBe(true);
    expect(hasProjection(projection)).toBe(false);
  });

  it('matches parameter and attribute names without regard to case', () => {
    const projection = parseProjection({ EXCLUDEDATTRIBUTES: 'MEMBERS' });

    const requested = isRequested(projection, 'members');

    expect(requested).toBe(false);
  });

  it('refuses a name that is not an attribute path', () => {
    const error = scimErrorFrom(() => parseProjection({ attributes: 'members[value eq "u-1"]' }));

    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toMatch(/attributes contains "members\[value eq/);
  });

  it('refuses a URN of an unknown schema', () => {
    const error = scimErrorFrom(() => parseProjection({ attributes: 'urn:example:custom:1.0:Thing:size' }));

    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toMatch(/schema URN is not one this server knows/);
  });
});

describe('applyProjection', () => {
  it('drops members under excludedAttributes=members and keeps the rest', () => {
    const projection = parseProjection({ excludedAttributes: 'members' });

    const result = applyProjection(aGroup(), projection);

    expect(result).toEqual({
      schemas: [GROUP_SCHEMA],
      id: 'g-1',
      externalId: 'ext-1',
      displayName: 'Engineering',
      meta: { resourceType: 'Group', version: 'W/"3"' },
    });
  });

  it('returns only the listed attributes plus id, schemas and meta', () => {
    const projection = parseProjection({ attributes: 'displayName' });

    const result = applyProjection(aGroup(), projection);

    expect(result).toEqual({
      schemas: [GROUP_SCHEMA],
      id: 'g-1',
      displayName: 'Engineering',
      meta: { resourceType: 'Group', version: 'W/"3"' },
    });
  });

  it('never removes id, schemas or meta', () => {
    const projection = parseProjection({ excludedAttributes: 'id,schemas,meta,displayName' });

    const result = applyProjection(aGroup(), projection);

    expect(Object.keys(result).sort()).toEqual(['externalId', 'id', 'members', 'meta', 'schemas']);
  });

  it('selects a sub-attribute of every member', () => {
    const projection = parseProjection({ attributes: 'members.value' });

    const result = applyProjection(aGroup(), projection);

    expect(result.members).toEqual([{ value: 'u-1' }, { value: 'u-2' }]);
    expect(result.displayName).toBeUndefined();
  });

  it('removes a sub-attribute of every member', () => {
    const projection = parseProjection({ excludedAttributes: 'members.$ref, members.type' });

    const result = applyProjection(aGroup(), projection);

    expect(result.members).toEqual([
      { value: 'u-1', display: 'Alice' },
      { value: 'u-2', display: 'Bob' },
    ]);
  });

  it('accepts names qualified with the core schema URN', () => {
    const projection = parseProjection({ attributes: `${GROUP_SCHEMA}:displayName,${GROUP_SCHEMA}:externalId` });

    const result = applyProjection(aGroup(), projection);

    expect(result).toEqual({
      schemas: [GROUP_SCHEMA],
      id: 'g-1',
      externalId: 'ext-1',
      displayName: 'Engineering',
      meta: { resourceType: 'Group', version: 'W/"3"' },
    });
  });

  it('selects complex sub-attributes and extension attributes of a user', () => {
    const projection = parseProjection({ attributes: `userName,name.givenName,${ENTERPRISE}:department` });

    const result = applyProjection(aUser(), projection);

    expect(result).toEqual({
      schemas: [USER_SCHEMA, ENTERPRISE],
      id: 'u-1',
      userName: 'alice@example.com',
      name: { givenName: 'Alice' },
      [ENTERPRISE]: { department: 'R&D' },
      meta: { resourceType: 'User' },
    });
  });

  it('excludes a whole extension and a multi-valued attribute of a user', () => {
    const projection = parseProjection({ excludedAttributes: `${ENTERPRISE},emails,groups` });

    const result = applyProjection(aUser(), projection);

    expect(result).toEqual({
      schemas: [USER_SCHEMA, ENTERPRISE],
      id: 'u-1',
      userName: 'alice@example.com',
      name: { givenName: 'Alice', familyName: 'Liddell' },
      active: true,
      meta: { resourceType: 'User' },
    });
  });

  it('applies attributes first, then excludedAttributes, when both are given', () => {
    const projection = parseProjection({ attributes: 'displayName,members', excludedAttributes: 'members' });

    const result = applyProjection(aGroup(), projection);

    expect(result).toEqual({
      schemas: [GROUP_SCHEMA],
      id: 'g-1',
      displayName: 'Engineering',
      meta: { resourceType: 'Group', version: 'W/"3"' },
    });
  });

  it('leaves the input untouched', () => {
    const group = aGroup();
    const projection = parseProjection({ excludedAttributes: 'members.display' });

    applyProjection(group, projection);

    expect(group).toEqual(aGroup());
  });
});
