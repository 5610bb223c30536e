import { applyPatch, type PatchOptions } from '../../../lambda/scim/patch';

/** How a value given with a path lands: only boolean attributes are read as booleans, only the manager as an id. */

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const OPTIONS: PatchOptions = {
  coreSchema: USER_SCHEMA,
  extensionSchemas: [ENTERPRISE],
  readOnly: ['id', 'meta', 'groups'],
  booleanAttributes: ['active'],
};

function user(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { schemas: [USER_SCHEMA], id: 'u-1', userName: 'ada@example.com', active: true, ...extra };
}

describe('PATCH values given with a path', () => {
  it('keeps the text "True" of a string attribute as text, and reads it as a boolean for active', () => {
    const patched = applyPatch(
      user(),
      [
        { op: 'replace', path: 'nickName', value: 'True' },
        { op: 'replace', path: 'active', value: 'False' },
      ],
      OPTIONS,
    );

    expect(patched).toMatchObject({ nickName: 'True', active: false });
  });

  it('wraps a bare manager id in an object, and keeps another enterprise text attribute as it is', () => {
    const patched = applyPatch(
      user(),
      [
        { op: 'replace', path: `${ENTERPRISE}:manager`, value: 'm-42' },
        { op: 'replace', path: `${ENTERPRISE}:department`, value: 'Research' },
      ],
      OPTIONS,
    );

    expect(patched[ENTERPRISE]).toEqual({ manager: { value: 'm-42' }, department: 'Research' });
  });

  it('creates the element a value filter names when the attribute is null', () => {
    const patched = applyPatch(
      user({ emails: null }),
      [{ op: 'add', path: 'emails[type eq "work"].value', value: 'ada@example.com' }],
      OPTIONS,
    );

    expect(patched.emails).toEqual([{ type: 'work', value: 'ada@example.com' }]);
  });
});
