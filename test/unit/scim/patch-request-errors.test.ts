/**
 * The 400 invalidSyntax details a client reads when its PATCH body does not have the PatchOp shape. The request
 * schema is built once per module and cached, so each test reads a freshly loaded module: the details are then those
 * of the code as it is now, not of whichever schema an earlier test built.
 */
import type { ScimError } from '../../../lambda/scim/errors';
import type * as Patch from '../../../lambda/scim/patch';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';

function freshPatchModule(): typeof Patch {
  let loaded: typeof Patch | undefined;
  jest.isolateModules(() => {
    loaded = require('../../../lambda/scim/patch');
  });
  if (loaded === undefined) throw new Error('the patch module did not load');
  return loaded;
}

function detailOf(body: unknown): string {
  try {
    freshPatchModule().parsePatchRequest(body);
  } catch (error) {
    // The freshly loaded module throws its own ScimError class, so the class is told by its name.
    if (error instanceof Error && error.name === 'ScimError') {
      const scim = error as ScimError;
      expect(scim.status).toBe(400);
      expect(scim.scimType).toBe('invalidSyntax');
      return scim.detail;
    }
    throw error;
  }
  throw new Error('expected the body to be refused');
}

describe('what a malformed PATCH body is told', () => {
  it.each([
    [
      'an operation without op',
      { Operations: [{ path: 'title', value: 'x' }] },
      'Operations.0.op: op is required and must be "add", "replace" or "remove"',
    ],
    [
      'an unknown op',
      { Operations: [{ op: 'move', path: 'title' }] },
      'Operations.0.op: op must be "add", "replace" or "remove"',
    ],
    [
      'a path that is not a string',
      { Operations: [{ op: 'add', path: 7, value: 'x' }] },
      'Operations.0.path: path must be a string',
    ],
    [
      'an operation that is not an object',
      { Operations: [42] },
      'Operations.0: each operation must be an object with "op", "path" and "value"',
    ],
    [
      'schemas that is not a list',
      { schemas: PATCH_OP, Operations: [{ op: 'remove', path: 'title' }] },
      `schemas: schemas must be an array containing "${PATCH_OP}"`,
    ],
    [
      'schemas without the PatchOp URN',
      { schemas: [USER_SCHEMA], Operations: [{ op: 'remove', path: 'title' }] },
      `schemas: schemas must contain "${PATCH_OP}"`,
    ],
    ['no Operations', { schemas: [PATCH_OP] }, 'Operations: Operations is required and must be an array of operations'],
    ['an empty Operations list', { Operations: [] }, 'Operations: Operations must contain at least one operation'],
    ['a body that is not an object', 'remove', 'the PATCH body must be a JSON object with "schemas" and "Operations"'],
  ])('%s', (_label, body, detail) => {
    expect(detailOf(body)).toBe(`Invalid PATCH request: ${detail}.`);
  });

  it('checks schemas whatever the case of its key', () => {
    expect(detailOf({ Schemas: [USER_SCHEMA], Operations: [{ op: 'remove', path: 'title' }] })).toBe(
      `Invalid PATCH request: schemas: schemas must contain "${PATCH_OP}".`,
    );
  });
});

describe('schemas of an accepted body', () => {
  it('may list other URNs besides PatchOp, in any case', () => {
    const body = { schemas: [USER_SCHEMA, PATCH_OP.toUpperCase()], Operations: [{ op: 'remove', path: 'title' }] };

    expect(freshPatchModule().parsePatchRequest(body)).toEqual([{ op: 'remove', path: 'title' }]);
  });
});
