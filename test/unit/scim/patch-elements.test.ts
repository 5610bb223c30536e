/**
 * How PATCH finds, creates and merges the values of multi-valued and complex attributes, including documents that
 * carry values a stored resource normally would not (a null complex attribute, a list holding plain text).
 */
import { ScimError } from '../../../lambda/scim/errors';
import {
  applyPatch,
  MAX_VALUES_PER_ATTRIBUTE,
  type PatchOperation,
  type PatchOptions,
} from '../../../lambda/scim/patch';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const OPTIONS: PatchOptions = {
  coreSchema: USER_SCHEMA,
  extensionSchemas: [ENTERPRISE],
  readOnly: ['id', 'meta', 'groups'],
  booleanAttributes: ['active'],
};

function user(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { schemas: [USER_SCHEMA], id: 'u-1', userName: 'ada@example.com', ...extra };
}

const patch = (doc: Record<string, unknown>, ...operations: PatchOperation[]) => applyPatch(doc, operations, OPTIONS);

function errorOf(action: () => unknown): ScimError {
  try {
    action();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError, but nothing was thrown');
}

const emails = (count: number) => Array.from({ length: count }, (_, index) => ({ value: `ada${index}@example.com` }));

describe('a value filter without a sub-attribute', () => {
  it('refuses a value that is not an object with 400 invalidValue naming the attribute', () => {
    const error = errorOf(() => patch(user(), { op: 'add', path: 'emails[type eq "work"]', value: 'ada@example.com' }));

    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toBe('The value for emails[…] must be an object.');
  });

  it('creates the last value the bound allows', () => {
    const doc = user({ emails: emails(MAX_VALUES_PER_ATTRIBUTE - 1) });

    const patched = patch(doc, { op: 'add', path: 'emails[type eq "work"].value', value: 'work@example.com' });

    expect(patched.emails).toHaveLength(MAX_VALUES_PER_ATTRIBUTE);
    expect((patched.emails as unknown[]).at(-1)).toEqual({ type: 'work', value: 'work@example.com' });
  });
});

describe('a sub-attribute of every value', () => {
  it('sets it on the object values and leaves a plain text value of the list alone', () => {
    const doc = user({ emails: ['legacy@example.com', { value: 'ada@example.com' }] });

    const patched = patch(doc, { op: 'replace', path: 'emails.type', value: 'work' });

    expect(patched.emails).toEqual(['legacy@example.com', { value: 'ada@example.com', type: 'work' }]);
  });
});

describe('a sub-attribute of a complex attribute', () => {
  it('treats a null complex attribute as absent and creates it', () => {
    const patched = patch(user({ name: null }), { op: 'add', path: 'name.givenName', value: 'Ada' });

    expect(patched.name).toEqual({ givenName: 'Ada' });
  });

  it('refuses a sub-attribute of a text attribute with 400 invalidPath', () => {
    const error = errorOf(() => patch(user({ title: 'Boss' }), { op: 'add', path: 'title.short', value: 'B' }));

    expect(error.scimType).toBe('invalidPath');
    expect(error.detail).toContain('title is not a complex attribute, so it has no short');
  });
});

describe('the schemas list when an extension attribute is set', () => {
  it('starts the list with the core schema when the resource has none', () => {
    const doc = { id: 'u-1', userName: 'ada@example.com' };

    const patched = patch(doc, { op: 'add', path: `${ENTERPRISE}:department`, value: 'Research' });

    expect(patched.schemas).toEqual([USER_SCHEMA, ENTERPRISE]);
    expect(patched[ENTERPRISE]).toEqual({ department: 'Research' });
  });

  it('extends the list under the key the resource spells it with', () => {
    const doc = { Schemas: [USER_SCHEMA], id: 'u-1', userName: 'ada@example.com' };

    const patched = patch(doc, { op: 'add', path: `${ENTERPRISE}:department`, value: 'Research' });

    expect(patched.Schemas).toEqual([USER_SCHEMA, ENTERPRISE]);
    expect(patched).not.toHaveProperty('schemas');
  });
});

describe('adding values the list already holds', () => {
  it('recognises a value-less element whatever the order of its keys', () => {
    const doc = user({ addresses: [{ locality: 'Paris', streetAddress: '1 rue X' }] });

    const patched = patch(doc, {
      op: 'add',
      path: 'addresses',
      value: [{ streetAddress: '1 rue X', locality: 'Paris' }],
    });

    expect(patched.addresses).toEqual([{ locality: 'Paris', streetAddress: '1 rue X' }]);
  });

  it('recognises a value-less element holding lists and objects, empty ones included', () => {
    const elements = [{ tags: ['a', 'b'], none: [] }, { nested: {} }];
    const doc = user({ badges: structuredClone(elements) });

    const patched = patch(doc, { op: 'add', path: 'badges', value: structuredClone(elements) });

    expect(patched.badges).toEqual(elements);
  });

  it('adds a value-less element that differs only inside a list', () => {
    const doc = user({ badges: [{ tags: ['a', 'b'] }] });

    const patched = patch(doc, { op: 'add', path: 'badges', value: [{ tags: ['a', 'c'] }] });

    expect(patched.badges).toEqual([{ tags: ['a', 'b'] }, { tags: ['a', 'c'] }]);
  });
});

describe('primary values', () => {
  it('keeps the last of several values an add makes primary', () => {
    const doc = user({ emails: [{ value: 'old@example.com', primary: true }] });

    const patched = patch(doc, {
      op: 'add',
      path: 'emails',
      value: [
        { value: 'a@example.com', primary: true },
        { value: 'b@example.com', primary: true },
      ],
    });

    expect(patched.emails).toEqual([
      { value: 'old@example.com', primary: false },
      { value: 'a@example.com', primary: false },
      { value: 'b@example.com', primary: true },
    ]);
  });

  it("reads primary given as text in any case, and resets every spelling of the other values' flag", () => {
    const doc = user({ emails: [{ value: 'old@example.com', Primary: true }, { value: 'other@example.com' }] });

    const patched = patch(doc, { op: 'add', path: 'emails', value: [{ value: 'new@example.com', primary: 'tRUE' }] });

    expect(patched.emails).toEqual([
      { value: 'old@example.com', Primary: false },
      { value: 'other@example.com' },
      { value: 'new@example.com', primary: 'tRUE' },
    ]);
  });

  it('leaves every flag as it is when the values an add touches are not primary, whether false, text or absent', () => {
    const before = [{ value: 'old@example.com', primary: true }];
    for (const flag of [false, 'False', 'yes', 1, undefined]) {
      const added = { value: 'new@example.com', ...(flag === undefined ? {} : { primary: flag }) };

      const patched = patch(user({ emails: structuredClone(before) }), { op: 'add', path: 'emails', value: [added] });

      expect(patched.emails).toEqual([...before, added]);
    }
  });
});

describe('attribute names', () => {
  it('changes the key spelled exactly as the path when two keys differ only in case', () => {
    const doc = user({ TITLE: 'upper', title: 'exact' });

    const patched = patch(doc, { op: 'replace', path: 'title', value: 'new' });

    expect(patched).toMatchObject({ TITLE: 'upper', title: 'new' });
  });

  it('reads a boolean given as text with blanks around it', () => {
    expect(patch(user({ active: true }), { op: 'replace', path: 'active', value: ' False ' }).active).toBe(false);
  });
});

describe('removing an extension', () => {
  it('drops its URN from schemas and keeps entries that are not text', () => {
    const doc = { schemas: [USER_SCHEMA, 7, ENTERPRISE], userName: 'ada', [ENTERPRISE]: { department: 'R' } };

    const patched = patch(doc, { op: 'remove', path: ENTERPRISE });

    expect(patched).toEqual({ schemas: [USER_SCHEMA, 7], userName: 'ada' });
  });
});

describe('values that differ only in case', () => {
  it('merges an email whose address differs only in case, even by a letter whose upper case differs, taking the new spelling', () => {
    // U+212A KELVIN SIGN lower-cases to k, but upper-cases to itself, not to K.
    const doc = user({ emails: [{ value: '\u212Aim@example.com', type: 'work' }] });

    const patched = patch(doc, { op: 'add', path: 'emails', value: [{ value: 'kim@example.com', primary: true }] });

    expect(patched.emails).toEqual([{ value: 'kim@example.com', type: 'work', primary: true }]);
  });
});
