import type { UserRecord } from '../../../lambda/domain/users';
import {
  type AttributeDefinition,
  canonicalAttributeName,
  coreAttributeNames,
  type ResourceTypeName,
  resolveAttribute,
  resourceType,
  schemaById,
} from '../../../lambda/scim/attribute-model';
import { parseFilter } from '../../../lambda/scim/filter';
import { checkFilter, filterSchemas } from '../../../lambda/scim/filter-query';
import { parseGroup, toScimGroup } from '../../../lambda/scim/group-resource';
import { applyPatch } from '../../../lambda/scim/patch';
import { applyProjection, parseProjection } from '../../../lambda/scim/projection';
import { discoveryDocument } from '../../../lambda/scim/service-provider-config';
import { parseUser, toScimUser } from '../../../lambda/scim/user-resource';
import { USER_PATCH_OPTIONS } from '../../../lambda/scim/users-endpoint';

/**
 * What the code accepts and returns, compared with what `/Schemas` serves: every attribute the parser, PATCH, the
 * filter and projection handle is declared there, and every declared attribute is handled as its characteristics say.
 */

const BASE = 'https://scim.example.com/scim/v2';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

interface Served {
  readonly name: string;
  readonly type: string;
  readonly multiValued: boolean;
  readonly mutability: string;
  readonly returned: string;
  readonly canonicalValues?: readonly string[];
  readonly subAttributes?: readonly Served[];
}

/** A declared attribute path: `userName`, `name.givenName`, `urn:…:enterprise:2.0:User:manager.value`. */
interface DeclaredPath {
  readonly path: string;
  readonly schema: string;
  readonly attribute: Served;
  readonly subAttribute?: Served;
}

function servedSchema(id: string): Served[] {
  const document = discoveryDocument('Schemas', encodeURIComponent(id), BASE, ['Users', 'Groups']) as {
    attributes: Served[];
  };
  return document.attributes;
}

function declaredPaths(schema: string, core: string): DeclaredPath[] {
  const prefix = schema === core ? '' : `${schema}:`;
  return servedSchema(schema).flatMap((attribute) => [
    { path: `${prefix}${attribute.name}`, schema, attribute },
    ...(attribute.subAttributes ?? []).map((subAttribute) => ({
      path: `${prefix}${attribute.name}.${subAttribute.name}`,
      schema,
      attribute,
      subAttribute,
    })),
  ]);
}

const userPaths = [...declaredPaths(USER, USER), ...declaredPaths(ENTERPRISE, USER)];
const groupPaths = declaredPaths(GROUP, GROUP);

const declared = (paths: readonly DeclaredPath[]) => paths.map((entry) => entry.path).sort();
const leaves = (paths: readonly DeclaredPath[]) =>
  paths.filter((entry) => entry.subAttribute !== undefined || entry.attribute.subAttributes === undefined);
const characteristic = (entry: DeclaredPath) => entry.subAttribute ?? entry.attribute;
const writable = (entry: DeclaredPath) =>
  ['readWrite', 'immutable'].includes(entry.attribute.mutability) &&
  ['readWrite', 'immutable'].includes(characteristic(entry).mutability);

function sample(attribute: Served): unknown {
  if (attribute.canonicalValues !== undefined) return attribute.canonicalValues[0];
  switch (attribute.type) {
    case 'boolean':
      return true;
    case 'reference':
      return 'https://example.com/ref';
    case 'dateTime':
      return '2026-01-01T00:00:00Z';
    case 'binary':
      return 'TUlJQ2VqQ0NBZU9n';
    default:
      return `sample-${attribute.name}`;
  }
}

/** A resource holding every declared attribute, read-only ones included, as a client might echo it. */
function fullBody(schemas: readonly string[], core: string): Record<string, unknown> {
  const body: Record<string, unknown> = { schemas };
  for (const schema of schemas) {
    const target: Record<string, unknown> = schema === core ? body : {};
    for (const attribute of servedSchema(schema)) {
      if (attribute.subAttributes === undefined) {
        target[attribute.name] = sample(attribute);
        continue;
      }
      const value = Object.fromEntries(attribute.subAttributes.map((sub) => [sub.name, sample(sub)]));
      target[attribute.name] = attribute.multiValued ? [value] : value;
    }
    if (schema !== core) body[schema] = target;
  }
  return body;
}

/** Every attribute path a resource holds, in the notation of `declaredPaths`. */
function heldPaths(resource: Record<string, unknown>, extensions: readonly string[]): string[] {
  const paths = new Set<string>();
  const visit = (object: Record<string, unknown>, prefix: string) => {
    for (const [key, value] of Object.entries(object)) {
      if (extensions.includes(key)) {
        visit(value as Record<string, unknown>, `${key}:`);
        continue;
      }
      paths.add(`${prefix}${key}`);
      for (const element of Array.isArray(value) ? value : [value]) {
        if (element !== null && typeof element === 'object') {
          for (const sub of Object.keys(element)) paths.add(`${prefix}${key}.${sub}`);
        }
      }
    }
  };
  visit(resource, '');
  paths.delete('schemas');
  return [...paths].sort();
}

function userRecord(body: Record<string, unknown>): UserRecord {
  return {
    ...parseUser(body),
    orgId: 'default',
    id: '0190c0de-0000-7000-8000-000000000001',
    version: 1,
    created: '2026-11-28T10:00:00.000Z',
    lastModified: '2026-11-28T10:00:00.000Z',
  };
}

describe('the attribute model against the served /Schemas', () => {
  it('stores exactly the declared attributes a client may write, from a User that has every one', () => {
    const body = { ...fullBody([USER, ENTERPRISE], USER), nonsense: 'x' };

    const profile = parseUser(body);

    expect(heldPaths(profile.document, [ENTERPRISE])).toEqual(declared(userPaths.filter(writable)));
  });

  it('returns every declared User attribute that is not returned "never", and nothing undeclared', () => {
    const record = userRecord(fullBody([USER, ENTERPRISE], USER));

    const resource = toScimUser(record, BASE, [{ value: 'g-1', display: 'Sales' }]);

    expect(heldPaths(resource, [ENTERPRISE])).toEqual(
      declared(userPaths.filter((entry) => characteristic(entry).returned !== 'never')),
    );
  });

  it('returns every declared Group attribute, and nothing undeclared', () => {
    const input = parseGroup(fullBody([GROUP], GROUP));
    const group = {
      orgId: 'default',
      id: '0190c0de-0000-7000-8000-000000000002',
      displayName: input.displayName,
      externalId: input.externalId,
      version: 1,
      created: '2026-11-28T10:00:00.000Z',
      lastModified: '2026-11-28T10:00:00.000Z',
    };

    const resource = toScimGroup(group, BASE, [{ userId: 'u-1', display: 'Ann' }]);

    expect(input).toEqual({
      displayName: 'sample-displayName',
      externalId: 'sample-externalId',
      memberIds: ['sample-value'],
    });
    expect(heldPaths(resource, [])).toEqual(declared(groupPaths));
  });

  it.each(leaves(userPaths).map((entry) => [entry.path, entry] as const))(
    'PATCH add %s keeps it exactly when /Schemas says a client may write it',
    (path, entry) => {
      const value = sample(characteristic(entry));
      const start: Record<string, unknown> = { schemas: [USER], userName: 'patch@example.com', active: true };
      const identified = entry.attribute.subAttributes?.some((sub) => sub.name === 'value');
      // A value of a multi-valued attribute without `value` is dropped (user-resource.ts), so give it one to change.
      if (entry.schema === USER && entry.attribute.multiValued && identified)
        start[entry.attribute.name] = [{ value: 'v' }];

      const patched = parseUser(applyPatch(start, [{ op: 'add', path, value }], USER_PATCH_OPTIONS)).document;

      const held = heldPaths(patched, [ENTERPRISE]);
      if (writable(entry)) expect(held).toContain(path);
      else expect(held).not.toContain(path);
      if (writable(entry) && entry.subAttribute !== undefined) {
        const container = entry.schema === USER ? patched : (patched[ENTERPRISE] as Record<string, unknown>);
        expect(Array.isArray(container[entry.attribute.name])).toBe(entry.attribute.multiValued);
      }
    },
  );

  it('ignores a PATCH of an attribute /Schemas does not declare', () => {
    const start = { schemas: [USER], userName: 'patch@example.com', active: true };

    const patched = parseUser(applyPatch(start, [{ op: 'add', path: 'nonsense', value: 'x' }], USER_PATCH_OPTIONS));

    expect(patched.document).not.toHaveProperty('nonsense');
  });

  /** What a filter may name: every declared path but those never returned and a User's `groups` (not listed). */
  const filterablePaths = (paths: readonly DeclaredPath[], type: 'User' | 'Group') =>
    paths
      .filter((entry) => entry.attribute.returned !== 'never')
      .filter((entry) => !(type === 'User' && entry.attribute.name === 'groups'))
      .map((entry) => [entry.path, type] as const);

  it.each([...filterablePaths(userPaths, 'User'), ...filterablePaths(groupPaths, 'Group')])(
    'filters on %s of %s, which /Schemas declares there',
    (path, type) => {
      const filter = parseFilter(`${path} pr`, filterSchemas(type));

      expect(() => checkFilter(filter, type)).not.toThrow();
    },
  );

  it.each([
    ['password', 'User'],
    ['groups.value', 'User'],
    ['nonsense', 'User'],
    ['userName', 'Group'],
    [`${GROUP}:members.nonsense`, 'Group'],
  ] as const)('refuses a filter on %s of %s, which /Schemas does not declare as filterable there', (path, type) => {
    const filter = () => checkFilter(parseFilter(`${path} pr`, filterSchemas(type)), type);

    expect(filter).toThrow(expect.objectContaining({ scimType: 'invalidFilter' }));
  });

  it('refuses a filter on an attribute qualified by a schema that does not declare it', () => {
    expect(declared(groupPaths)).not.toContain('userName');
    expect(() => checkFilter(parseFilter(`${GROUP}:userName eq "x"`, filterSchemas('Group')), 'Group')).toThrow(
      expect.objectContaining({ scimType: 'invalidFilter' }),
    );
  });

  it.each(
    userPaths.filter((entry) => characteristic(entry).returned !== 'never').map((entry) => [entry.path] as const),
  )('projects attributes=%s to that attribute', (path) => {
    const resource = toScimUser(userRecord(fullBody([USER, ENTERPRISE], USER)), BASE, [{ value: 'g-1', display: 'G' }]);

    const projected = applyProjection(resource, parseProjection({ attributes: path }));

    expect(heldPaths(projected, [ENTERPRISE])).toContain(path);
  });

  it('always returns exactly the attributes /Schemas declares returned "always", and schemas', () => {
    const resource = toScimUser(userRecord(fullBody([USER, ENTERPRISE], USER)), BASE, []);
    const always = userPaths
      .filter((entry) => entry.subAttribute === undefined && entry.attribute.returned === 'always')
      .map((entry) => entry.path);

    const projected = applyProjection(resource, parseProjection({ attributes: 'displayName' }));

    expect(Object.keys(projected).sort()).toEqual(['displayName', 'schemas', ...always].sort());
  });
});

describe('the kinds of attribute a User holds', () => {
  /** Every attribute and sub-attribute of a schema, with its path. */
  const everyAttribute = (attributes: readonly AttributeDefinition[], prefix = ''): [string, AttributeDefinition][] =>
    attributes.flatMap((attribute) => [
      [`${prefix}${attribute.name}`, attribute] as [string, AttributeDefinition],
      ...everyAttribute(attribute.subAttributes ?? [], `${prefix}${attribute.name}.`),
    ]);

  // The User's input schema reads complex values, booleans and text, and lists of complex values only: a number or a
  // list of scalars added to the model would need it to learn a new kind first.
  it.each([USER, ENTERPRISE])('%s has no numbers and no multi-valued scalars', (urn) => {
    const unsupported = everyAttribute(schemaById(urn).attributes)
      .filter(([, a]) => a.type === 'integer' || a.type === 'decimal' || (a.multiValued && a.type !== 'complex'))
      .map(([path]) => path);

    expect(unsupported).toEqual([]);
  });
});

describe('names shared between the User schemas', () => {
  // A filter finds an unqualified name of the enterprise extension inside the extension: that is sound only while no
  // name means two attributes.
  it('has no top-level name in both the core User and the enterprise extension', () => {
    const core = new Set(schemaById(USER).attributes.map((attribute) => attribute.name.toLowerCase()));

    expect(schemaById(ENTERPRISE).attributes.filter((attribute) => core.has(attribute.name.toLowerCase()))).toEqual([]);
  });
});

describe('looking attributes up in the model', () => {
  it('resolves a sub-attribute to its canonical path, whatever the case it is asked in', () => {
    expect(resolveAttribute('User', 'NAME', 'givenname')).toMatchObject({ schema: USER, path: 'name.givenName' });
    expect(resolveAttribute('User', 'department', undefined, ENTERPRISE.toUpperCase())).toMatchObject({
      schema: ENTERPRISE,
      path: 'department',
    });
  });

  it('finds nothing in a schema the resource type does not have, even one the model knows', () => {
    expect(resolveAttribute('Group', 'department', undefined, ENTERPRISE)).toBeUndefined();
    expect(resolveAttribute('Group', 'userName', undefined, USER)).toBeUndefined();
    expect(resolveAttribute('User', 'userName', undefined, 'urn:example:unknown')).toBeUndefined();
  });

  it('lists the core attributes that pass a test, and only those', () => {
    expect(coreAttributeNames('Group', (attribute) => attribute.mutability === 'readOnly')).toEqual(['id', 'meta']);
  });

  it('spells schemas, the one attribute of every resource outside the schemas, canonically too', () => {
    expect(canonicalAttributeName('SCHEMAS')).toBe('schemas');
    expect(canonicalAttributeName('USERNAME')).toBe('userName');
    expect(canonicalAttributeName('nothing')).toBeUndefined();
  });

  it('says which schema or resource type it lacks when asked for one it does not have', () => {
    expect(() => schemaById('urn:example:unknown')).toThrow(
      new Error('No schema urn:example:unknown in the attribute model'),
    );
    expect(() => resourceType('Device' as ResourceTypeName)).toThrow(
      new Error('No resource type Device in the attribute model'),
    );
  });
});
