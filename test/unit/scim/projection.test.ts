import { RESOURCE_TYPES } from '../../../lambda/scim/attribute-model';
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

describe('projection details', () => {
  it('skips empty entries and blanks around names', () => {
    const projection = parseProjection({ attributes: ' displayName , ,externalId,' });

    expect(applyProjection(aGroup(), projection)).toEqual({
      schemas: [GROUP_SCHEMA],
      id: 'g-1',
      externalId: 'ext-1',
      displayName: 'Engineering',
      meta: { resourceType: 'Group', version: 'W/"3"' },
    });
  });

  it('reads an empty parameter as selecting nothing but what is always returned', () => {
    const projection = parseProjection({ attributes: '' });

    expect(hasProjection(projection)).toBe(true);
    expect(Object.keys(applyProjection(aGroup(), projection))).toEqual(['schemas', 'id', 'meta']);
  });

  it('has no projection without either parameter', () => {
    expect(hasProjection(parseProjection({ filter: 'x' }))).toBe(false);
    expect(parseProjection({})).toEqual({});
    expect(hasProjection(parseProjection({ excludedAttributes: 'members' }))).toBe(true);
  });

  it('keeps a whole attribute selected alongside one of its sub-attributes, in either order', () => {
    for (const attributes of ['members,members.value', 'members.value,members']) {
      expect(applyProjection(aGroup(), parseProjection({ attributes })).members).toEqual(aGroup().members);
    }
  });

  it('keeps two sub-attributes of one attribute', () => {
    const projected = applyProjection(aGroup(), parseProjection({ attributes: 'members.value,members.display' }));

    expect(projected.members).toEqual([
      { value: 'u-1', display: 'Alice' },
      { value: 'u-2', display: 'Bob' },
    ]);
  });

  it('leaves out an attribute none of whose values has the selected sub-attribute', () => {
    const projected = applyProjection(
      { ...aGroup(), members: [{ value: 'u-1' }, 'plain'] },
      parseProjection({ attributes: 'members.display,displayName' }),
    );

    expect(projected).not.toHaveProperty('members');
    expect(projected.displayName).toBe('Engineering');
  });

  it('keeps only the values that have the selected sub-attribute, and skips values that are not objects', () => {
    const projected = applyProjection(
      { ...aGroup(), members: [{ value: 'u-1', display: 'Alice' }, { value: 'u-2' }, 'plain', null, 7] },
      parseProjection({ attributes: 'members.display' }),
    );

    expect(projected.members).toEqual([{ display: 'Alice' }]);
  });

  it('selects a sub-attribute of a complex attribute only when it is there', () => {
    const user = aUser();

    expect(applyProjection(user, parseProjection({ attributes: 'name.givenName' })).name).toEqual({
      givenName: 'Alice',
    });
    expect(applyProjection(user, parseProjection({ attributes: 'name.middleName' }))).not.toHaveProperty('name');
    expect(applyProjection(user, parseProjection({ attributes: 'userName.first' }))).not.toHaveProperty('userName');
  });

  it('treats id, schemas and meta as always returned only at the top level', () => {
    const projected = applyProjection(
      { ...aGroup(), members: [{ value: 'u-1', id: 'x', meta: 'y' }] },
      parseProjection({ attributes: 'members.value' }),
    );
    const user = applyProjection(
      { ...aUser(), name: { givenName: 'Alice', id: 'x', schemas: [] } },
      parseProjection({ attributes: 'name.givenName' }),
    );

    expect(projected.members).toEqual([{ value: 'u-1' }]);
    expect(user.name).toEqual({ givenName: 'Alice' });
  });

  it('excludes sub-attributes named id, schemas or meta, which are always returned only at the top level', () => {
    const projected = applyProjection(
      { ...aUser(), name: { givenName: 'Alice', id: 'x' }, emails: [{ value: 'a@example.com', meta: 'y' }] },
      parseProjection({ excludedAttributes: 'name.id,emails.meta' }),
    );

    expect(projected.name).toEqual({ givenName: 'Alice' });
    expect(projected.emails).toEqual([{ value: 'a@example.com' }]);
    expect(projected.id).toBe(aUser().id);
  });

  it('excludes a sub-attribute of a complex attribute, and leaves plain values of a list alone', () => {
    const projected = applyProjection(
      { ...aUser(), emails: [{ value: 'a@example.com', type: 'work' }, 'plain'], nickName: 'Al' },
      parseProjection({ excludedAttributes: 'name.familyName,emails.type,nickName.x' }),
    );

    expect(projected.name).toEqual({ givenName: 'Alice' });
    expect(projected.emails).toEqual([{ value: 'a@example.com' }, 'plain']);
    expect(projected.nickName).toBe('Al');
  });

  it('reports an attribute as requested when attributes names one of its sub-attributes', () => {
    expect(isRequested(parseProjection({ attributes: 'members.value' }), 'members')).toBe(true);
    expect(isRequested(parseProjection({ attributes: 'displayName' }), 'id')).toBe(true);
    expect(isRequested(parseProjection({ excludedAttributes: 'id' }), 'ID')).toBe(true);
  });

  it('says which parameter holds the wrong name and echoes at most 80 characters of it', () => {
    const long = `a.b.${'c'.repeat(200)}`;
    const error = scimErrorFrom(() => parseProjection({ excludedAttributes: long }));

    expect(error.detail).toBe(
      `excludedAttributes contains "${long.slice(0, 80)}": use attribute or attribute.subAttribute, optionally prefixed with a schema URN`,
    );
  });

  it.each(['1name', 'na me', 'name.', '.name', 'a.b.c'])('refuses %j as not an attribute path', (name) => {
    expect(scimErrorFrom(() => parseProjection({ attributes: name })).scimType).toBe('invalidValue');
  });

  it.each(['$ref', 'x-custom', 'a_b', 'members.$ref'])('accepts %j as an attribute path', (name) => {
    expect(() => parseProjection({ attributes: name })).not.toThrow();
  });

  it('selects the whole extension by its URN, and an attribute of it by a qualified name in any case', () => {
    const user = aUser();

    expect(applyProjection(user, parseProjection({ attributes: ENTERPRISE.toUpperCase() }))[ENTERPRISE]).toEqual(
      user[ENTERPRISE],
    );
    expect(applyProjection(user, parseProjection({ attributes: `${ENTERPRISE}:costCenter` }))[ENTERPRISE]).toEqual({
      costCenter: '42',
    });
  });

  it('refuses a name qualified with a URN that only starts like a known one', () => {
    expect(scimErrorFrom(() => parseProjection({ attributes: `${USER_SCHEMA}x:userName` })).detail).toMatch(
      /schema URN is not one this server knows/,
    );
  });

  it('reads a qualified name by the first schema URN it starts with, which is the only one: none begins another', () => {
    const urns = RESOURCE_TYPES.flatMap((type) => [type.schema, ...type.schemaExtensions.map((e) => e.schema)]);

    const nested = urns.flatMap((a) =>
      urns.filter((b) => b !== a && b.toLowerCase().startsWith(`${a.toLowerCase()}:`)),
    );

    expect(urns.length).toBeGreaterThan(2);
    expect(nested).toEqual([]);
  });
});
