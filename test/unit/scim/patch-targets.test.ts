/**
 * Where an operation lands: the whole resource, an extension, a required or read-only attribute, an attribute of the
 * same name inside an extension; and the exact 400 details a client reads when an operation cannot be applied.
 */
import { ScimError } from '../../../lambda/scim/errors';
import { applyPatch, type PatchOperation, type PatchOptions } from '../../../lambda/scim/patch';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATH_HELP =
  'Supported paths: attribute, attribute.subAttribute, attribute[subAttribute eq "value"] and ' +
  'attribute[subAttribute eq "value"].subAttribute, optionally prefixed with a schema URN.';

const OPTIONS: PatchOptions = {
  coreSchema: USER_SCHEMA,
  extensionSchemas: [ENTERPRISE],
  readOnly: ['id', 'meta', 'groups'],
  booleanAttributes: ['active'],
};

function aUser(): Record<string, unknown> {
  return {
    schemas: [USER_SCHEMA, ENTERPRISE],
    id: 'u-1',
    userName: 'ada@example.com',
    displayName: 'Ada',
    active: true,
    title: 'Engineer',
    [ENTERPRISE]: { department: 'R&D', displayName: 'Ada in R&D', id: 'e-7', userName: 'ada-rd' },
  };
}

const patch = (...operations: PatchOperation[]) => applyPatch(aUser(), operations, OPTIONS);

function errorOf(action: () => unknown): ScimError {
  try {
    action();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError, but nothing was thrown');
}

describe('operations on a whole schema', () => {
  it('applies a replace addressed to the core schema URN to the resource', () => {
    expect(patch({ op: 'replace', path: USER_SCHEMA, value: { title: 'Boss' } }).title).toBe('Boss');
  });

  it('refuses to remove the whole resource, saying why', () => {
    const error = errorOf(() => patch({ op: 'remove', path: USER_SCHEMA }));

    expect(error.scimType).toBe('invalidPath');
    expect(error.detail).toBe(`Invalid PATCH path: the whole resource cannot be removed. ${PATH_HELP}`);
  });

  it('drops the extension and its URN when the extension is replaced by null', () => {
    const result = patch({ op: 'replace', path: ENTERPRISE, value: null });

    expect(result[ENTERPRISE]).toBeUndefined();
    expect(result.schemas).toEqual([USER_SCHEMA]);
  });

  it('drops the extension and its URN on a remove of the extension', () => {
    const result = patch({ op: 'remove', path: ENTERPRISE });

    expect(result[ENTERPRISE]).toBeUndefined();
    expect(result.schemas).toEqual([USER_SCHEMA]);
  });
});

describe('attributes that share a name with a core one', () => {
  it('lets an extension attribute named like a required core attribute be removed', () => {
    const result = patch({ op: 'remove', path: `${ENTERPRISE}:userName` });

    expect(result[ENTERPRISE]).toEqual({ department: 'R&D', displayName: 'Ada in R&D', id: 'e-7' });
    expect(result.userName).toBe('ada@example.com');
  });

  it('lets an extension attribute named like a read-only core attribute be replaced', () => {
    const result = patch({ op: 'replace', path: `${ENTERPRISE}:id`, value: 'e-8' });

    expect(result[ENTERPRISE]).toEqual({ department: 'R&D', displayName: 'Ada in R&D', id: 'e-8', userName: 'ada-rd' });
    expect(result.id).toBe('u-1');
  });

  it.each(['userName.familyName', 'userName[value eq "ada@example.com"]'])(
    'removing %s, a part of the required simple userName, leaves the resource as it was',
    (path) => {
      expect(patch({ op: 'remove', path })).toEqual(aUser());
    },
  );

  it('refuses a sub-attribute of a boolean attribute as a path, not as a value', () => {
    const error = errorOf(() => patch({ op: 'replace', path: 'active.since', value: 'yes' }));

    expect(error.detail).toBe(
      `Invalid PATCH path: active is not a complex attribute, so it has no since. ${PATH_HELP}`,
    );
  });
});

describe('a value filter on a boolean attribute', () => {
  it('is refused as a path, not as a value', () => {
    const error = errorOf(() => patch({ op: 'replace', path: 'active[value eq "x"]', value: 'yes' }));

    expect(error.detail).toBe(
      `Invalid PATCH path: active is not multi-valued, so it cannot take a value filter. ${PATH_HELP}`,
    );
  });
});

describe('null values', () => {
  it('refuses null for the core schema in a value without a path', () => {
    const error = errorOf(() => patch({ op: 'replace', value: { [USER_SCHEMA]: null } }));

    expect(error.scimType).toBe('invalidValue');
  });

  it('removes an attribute replaced by null', () => {
    expect(patch({ op: 'replace', path: 'title', value: null })).not.toHaveProperty('title');
  });

  it('removes an attribute set to null in a value without a path', () => {
    expect(patch({ op: 'add', value: { title: null } })).not.toHaveProperty('title');
  });
});

describe('lists nested deeper than an attribute of an extension', () => {
  it('are not counted as an attribute’s values', () => {
    const deep = Array.from({ length: 60 }, (_, index) => `v${index}`);

    const result = patch({ op: 'add', value: { [ENTERPRISE]: { manager: { value: 'm-1', notes: deep } } } });

    expect(result[ENTERPRISE]).toMatchObject({ manager: { value: 'm-1', notes: deep } });
  });
});

describe('details of operations that cannot be applied', () => {
  it('a remove without a path', () => {
    const error = errorOf(() => patch({ op: 'remove' }));

    expect(error.scimType).toBe('noTarget');
    expect(error.detail).toBe('A "remove" operation needs a "path" naming the attribute to remove.');
  });

  it('a value without a path that is not an object', () => {
    const error = errorOf(() => patch({ op: 'replace', value: 'Boss' }));

    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toBe(
      'An operation "replace" without a path needs an object value mapping attribute names to values.',
    );
  });

  it('an add without a value', () => {
    const error = errorOf(() => patch({ op: 'add', path: 'title' }));

    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toBe('The "add" operation on title needs a "value".');
  });
});
