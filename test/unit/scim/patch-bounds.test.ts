/**
 * The bounds a PATCH request is held to (operation count, path length, values per multi-valued attribute): exactly
 * at the bound it is applied, one past it is refused with a 400 that names the bound and leaves the resource as it was.
 */
import { ScimError } from '../../../lambda/scim/errors';
import {
  applyPatch,
  MAX_PATCH_OPERATIONS,
  MAX_PATH_LENGTH,
  MAX_VALUES_PER_ATTRIBUTE,
  type PatchOperation,
  type PatchOptions,
  parsePatchRequest,
} from '../../../lambda/scim/patch';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const USER_OPTIONS: PatchOptions = {
  coreSchema: 'urn:ietf:params:scim:schemas:core:2.0:User',
  extensionSchemas: [ENTERPRISE],
  readOnly: ['id', 'meta', 'groups'],
  booleanAttributes: ['active'],
};

function aUser(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { schemas: [USER_OPTIONS.coreSchema], id: 'u-1', userName: 'ada@example.com', ...extra };
}

const patchUser = (doc: Record<string, unknown>, ...operations: PatchOperation[]) =>
  applyPatch(doc, operations, USER_OPTIONS);

function errorOf(action: () => unknown): ScimError {
  try {
    action();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a ScimError, but nothing was thrown');
}

const emails = (count: number, domain = 'example.com') =>
  Array.from({ length: count }, (_, index) => ({ value: `ada${index}@${domain}` }));

describe('the number of operations in one request', () => {
  const body = (count: number, key = 'Operations') => ({
    [key]: Array.from({ length: count }, () => ({ op: 'add', path: 'title', value: 'x' })),
  });

  it('accepts exactly the most operations allowed', () => {
    expect(parsePatchRequest(body(MAX_PATCH_OPERATIONS))).toHaveLength(MAX_PATCH_OPERATIONS);
  });

  it('refuses one operation more with 400 tooMany, naming the bound and the count', () => {
    const error = errorOf(() => parsePatchRequest(body(MAX_PATCH_OPERATIONS + 1)));

    expect(error.status).toBe(400);
    expect(error.scimType).toBe('tooMany');
    expect(error.detail).toBe(
      'A PATCH request may carry at most 1000 operations, not 1001; split it into several requests.',
    );
  });

  it('counts the operations under a key spelled in another case', () => {
    expect(errorOf(() => parsePatchRequest(body(MAX_PATCH_OPERATIONS + 1, 'operations'))).scimType).toBe('tooMany');
  });

  it('counts nothing when Operations is not a list, which is then a syntax error', () => {
    expect(errorOf(() => parsePatchRequest({ Operations: 'x'.repeat(2000) })).scimType).toBe('invalidSyntax');
  });
});

describe('the shape of a request', () => {
  it('keeps the first of two keys that differ only in case', () => {
    const operations = parsePatchRequest({
      Operations: [{ op: 'add', Op: 'remove', path: 'title', value: 'Boss' }],
    });

    expect(operations).toEqual([{ op: 'add', path: 'title', value: 'Boss' }]);
  });

  it('says what is wrong with a body that is not an object, without pointing at a member', () => {
    const error = errorOf(() => parsePatchRequest([]));

    expect(error.detail).toBe(
      'Invalid PATCH request: the PATCH body must be a JSON object with "schemas" and "Operations".',
    );
  });

  it('names the operation that is not an object', () => {
    const error = errorOf(() => parsePatchRequest({ Operations: ['add'] }));

    expect(error.detail).toBe(
      'Invalid PATCH request: Operations.0: each operation must be an object with "op", "path" and "value".',
    );
  });

  it('trims the blanks around a path', () => {
    expect(parsePatchRequest({ Operations: [{ op: 'remove', path: '  title ' }] })).toEqual([
      { op: 'remove', path: 'title' },
    ]);
  });
});

describe('the length of a path', () => {
  it('accepts a path of exactly the longest length', () => {
    const path = `x${'a'.repeat(MAX_PATH_LENGTH - 1)}`;

    const result = patchUser(aUser(), { op: 'add', path, value: 'v' });

    expect(result[path]).toBe('v');
  });

  it('refuses one character more with 400 invalidPath, naming both lengths', () => {
    const path = `x${'a'.repeat(MAX_PATH_LENGTH)}`;

    const error = errorOf(() => patchUser(aUser(), { op: 'add', path, value: 'v' }));

    expect(error.scimType).toBe('invalidPath');
    expect(error.detail).toContain('the path is 4097 characters long; at most 4096 are accepted');
  });
});

describe('values per multi-valued attribute', () => {
  it('accepts exactly the most values in one operation', () => {
    const result = patchUser(aUser(), { op: 'replace', path: 'emails', value: emails(MAX_VALUES_PER_ATTRIBUTE) });

    expect(result.emails).toHaveLength(MAX_VALUES_PER_ATTRIBUTE);
  });

  it('refuses a list one value longer with 400 invalidValue, naming the attribute and both counts', () => {
    const error = errorOf(() =>
      patchUser(aUser(), { op: 'replace', path: 'emails', value: emails(MAX_VALUES_PER_ATTRIBUTE + 1) }),
    );

    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toBe('emails may hold at most 50 values; this PATCH would give it 51.');
  });

  it('refuses a long list inside a path-less value, naming its key', () => {
    const error = errorOf(() =>
      patchUser(aUser(), { op: 'add', value: { phoneNumbers: emails(MAX_VALUES_PER_ATTRIBUTE + 1) } }),
    );

    expect(error.detail).toBe('phoneNumbers may hold at most 50 values; this PATCH would give it 51.');
  });

  it('refuses a long list inside an extension object of a path-less value', () => {
    const error = errorOf(() =>
      patchUser(aUser(), { op: 'add', value: { [ENTERPRISE]: { costCenters: emails(MAX_VALUES_PER_ATTRIBUTE + 1) } } }),
    );

    expect(error.detail).toBe('costCenters may hold at most 50 values; this PATCH would give it 51.');
  });

  it('refuses a long list as a path-less value, which has no attribute name to give', () => {
    const error = errorOf(() => patchUser(aUser(), { op: 'add', value: emails(MAX_VALUES_PER_ATTRIBUTE + 1) }));

    expect(error.detail).toBe('a multi-valued attribute may hold at most 50 values; this PATCH would give it 51.');
  });

  it('checks every operation before applying any, so an early operation is not kept', () => {
    const doc = aUser({ title: 'Before' });

    expect(() =>
      patchUser(
        doc,
        { op: 'replace', path: 'title', value: 'After' },
        { op: 'replace', path: 'emails', value: emails(MAX_VALUES_PER_ATTRIBUTE + 1) },
      ),
    ).toThrow(ScimError);
    expect(doc.title).toBe('Before');
  });

  it('echoes at most 100 characters of a long attribute name', () => {
    const name = `k${'e'.repeat(300)}`;

    const error = errorOf(() => patchUser(aUser(), { op: 'add', value: { [name]: emails(51) } }));

    expect(error.detail).toBe(`${name.slice(0, 100)} may hold at most 50 values; this PATCH would give it 51.`);
  });

  it('refuses an add that grows a list past the bound, counting what the user already holds', () => {
    const doc = aUser({ emails: emails(MAX_VALUES_PER_ATTRIBUTE) });

    expect(patchUser(doc, { op: 'add', path: 'emails', value: emails(1)[0] }).emails).toHaveLength(50);
    const error = errorOf(() => patchUser(doc, { op: 'add', path: 'emails', value: { value: 'new@example.com' } }));
    expect(error.detail).toBe('emails may hold at most 50 values; this PATCH would give it 51.');
  });

  it('refuses a value filter that would create a value past the bound', () => {
    const doc = aUser({ emails: emails(MAX_VALUES_PER_ATTRIBUTE) });

    const error = errorOf(() =>
      patchUser(doc, { op: 'replace', path: 'emails[type eq "work"].value', value: 'new@example.com' }),
    );

    expect(error.detail).toBe('emails may hold at most 50 values; this PATCH would give it 51.');
  });

  it('follows a smaller bound the caller sets', () => {
    const options = { ...USER_OPTIONS, maxValues: 2 };

    expect(applyPatch(aUser(), [{ op: 'add', path: 'emails', value: emails(2) }], options).emails).toHaveLength(2);
    expect(errorOf(() => applyPatch(aUser(), [{ op: 'add', path: 'emails', value: emails(3) }], options)).detail).toBe(
      'emails may hold at most 2 values; this PATCH would give it 3.',
    );
  });
});
