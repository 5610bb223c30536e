import { ScimError } from '../../../lambda/scim/errors';
import { parseFilter, printFilter } from '../../../lambda/scim/filter';
import { checkFilter, filterSchemas, matchesFilter, planFilter } from '../../../lambda/scim/filter-query';

const USER_SCHEMAS = filterSchemas('User');
const parse = (text: string) => parseFilter(text, USER_SCHEMAS);

function errorOf(run: () => unknown): ScimError {
  try {
    run();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a SCIM error');
}

const user = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  id: '0190a0b0-0000-7000-8000-000000000001',
  userName: 'Straße@Example.com',
  title: 'Engineer',
  active: true,
  emails: [
    { value: 'home@example.org', type: 'home', primary: true },
    { value: 'Jane@Acme.example', type: 'work' },
  ],
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { employeeNumber: 'E-7', department: 'R&D' },
  meta: { resourceType: 'User', created: '2024-05-01T10:00:00.000Z', lastModified: '2024-06-01T10:00:00Z' },
};
const matches = (text: string) => {
  const filter = parse(text);
  checkFilter(filter, 'User');
  return matchesFilter(user, filter, 'User');
};

describe('parseFilter and printFilter', () => {
  it.each([
    'userName eq "a"',
    'title pr and userType eq "Employee"',
    'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
    'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
    'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
    'meta.lastModified gt "2011-05-13T04:42:34Z"',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "7"',
    'x eq null or y eq true or z gt -1.5e3',
  ])('reads %s back from its printed form', (text) => {
    const filter = parse(text);

    expect(parse(printFilter(filter))).toEqual(filter);
  });

  it('binds and tighter than or, and reads Okta\'s emails[type eq "work"].value as a value filter', () => {
    expect(printFilter(parse('a eq "1" or b eq "2" and c eq "3"'))).toBe('a eq "1" or b eq "2" and c eq "3"');
    expect(printFilter(parse('emails[type eq "work"].value eq "x"'))).toBe('emails[type eq "work" and value eq "x"]');
    expect(printFilter(parse('USERNAME EQ "x"'))).toBe('USERNAME eq "x"');
  });

  it.each([
    ['', 'empty'],
    ['userName', 'operator'],
    ['userName eq', 'value'],
    ['userName within "x"', 'operator'],
    ['(userName eq "x"', '")"'],
    ['emails[type eq "work"', '"]"'],
    ['emails[types[x eq "y"]]', 'another value filter'],
    ['urn:example:custom:name eq "x"', 'schema'],
    ['userName eq "x" userName', 'expected'],
    [`${'('.repeat(40)}a pr${')'.repeat(40)}`, 'deeper'],
  ])('refuses %j as invalidFilter', (text, hint) => {
    const error = errorOf(() => parse(text));

    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidFilter');
    expect(error.detail).toContain(hint);
  });
});

describe('matchesFilter', () => {
  it.each([
    ['userName eq "STRASSE@example.COM"', true],
    ['userName sw "strasse"', true],
    ['userName ew "@EXAMPLE.com"', true],
    ['userName co "xyz"', false],
    ['userName ne "other"', true],
    ['title pr', true],
    ['nickName pr', false],
    ['nickName eq null', true],
    ['active eq true', true],
    ['active eq false', false],
    ['emails co "acme"', true],
    ['emails[type eq "work" and value co "@acme"]', true],
    ['emails[type eq "home" and value co "@acme"]', false],
    ['emails[value eq "JANE@acme.example"]', true],
    ['emails.type eq "work" and not (emails.value ew ".net")', true],
    ['id eq "0190A0B0-0000-7000-8000-000000000001"', false],
    ['meta.created lt "2024-05-01T10:00:00.001Z"', true],
    ['meta.lastModified gt "2024-06-01T11:00:00+02:00"', true],
    ['meta.lastModified ge "2024-06-01T10:00:00.000Z"', true],
    ['meta.lastModified gt "2024-06-02T00:00:00Z"', false],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "e-7"', true],
    ['department eq "r&d"', true],
    ['title gt "A" and title lt "F"', true],
  ])('%s → %s', (text, expected) => {
    expect(matches(text)).toBe(expected);
  });

  it.each([
    'nosuch eq "x"',
    'password eq "x"',
    'active gt true',
    'active eq "maybe"',
    'meta.created gt "yesterday"',
    'userName[value eq "x"]',
  ])('refuses %s as invalidFilter for Users', (text) => {
    expect(errorOf(() => checkFilter(parse(text), 'User')).scimType).toBe('invalidFilter');
  });
});

describe('planFilter', () => {
  const plan = (text: string, type: 'User' | 'Group' = 'User') =>
    planFilter(parseFilter(text, filterSchemas(type)), type);

  it.each([
    ['userName eq "a"', [{ index: 'userName', value: 'a' }]],
    ['emails[type eq "work"].value eq "w@x"', [{ index: 'email', value: 'w@x' }]],
    ['emails[value eq "w@x"]', [{ index: 'email', value: 'w@x' }]],
    ['title co "x" and externalId eq "e"', [{ index: 'externalId', value: 'e' }]],
    [
      'userName eq "a" or emails.value eq "b"',
      [
        { index: 'userName', value: 'a' },
        { index: 'email', value: 'b' },
      ],
    ],
  ])('answers %s through indexes', (text, lookups) => {
    expect(plan(text)).toEqual({ kind: 'lookups', lookups });
  });

  it("answers Entra's id and members.value filter through the id", () => {
    const id = '0190a0b0-0000-7000-8000-000000000001';
    const member = '0190a0b0-0000-7000-8000-000000000002';

    expect(plan(`id eq "${id}" and members.value eq "${member}"`, 'Group')).toEqual({
      kind: 'lookups',
      lookups: [{ index: 'id', value: id }],
    });
    expect(plan(`members[value eq "${member}"]`, 'Group')).toEqual({ kind: 'scan' });
    expect(plan(`members.value eq "${member}"`, 'Group')).toEqual({
      kind: 'lookups',
      lookups: [{ index: 'member', value: member }],
    });
  });

  it.each(['userName co "a"', 'userName eq "a" or title eq "b"', 'not (userName eq "a")', 'userName ne "a"'])(
    'evaluates %s over the organization',
    (text) => {
      expect(plan(text)).toEqual({ kind: 'scan' });
    },
  );
});
