import { ScimError } from '../../../lambda/scim/errors';
import { type FilterAttribute, parseFilter } from '../../../lambda/scim/filter';

const USER_ATTRIBUTES: readonly FilterAttribute[] = ['userName', 'externalId', 'id', 'emails.value'];
const GROUP_ATTRIBUTES: readonly FilterAttribute[] = ['displayName', 'externalId', 'id'];

function filterErrorFrom(input: string, allowed: readonly FilterAttribute[] = USER_ATTRIBUTES): ScimError {
  try {
    parseFilter(input, allowed);
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error(`parseFilter accepted ${JSON.stringify(input)}`);
}

describe('parseFilter', () => {
  describe('accepted forms', () => {
    it.each([
      ['userName eq "bjensen@example.com"', 'userName', 'bjensen@example.com'],
      ['externalId eq "00u1abcd"', 'externalId', '00u1abcd'],
      ['id eq "2819c223-7f76-453a-919d-413861904646"', 'id', '2819c223-7f76-453a-919d-413861904646'],
      ['emails.value eq "b@example.com"', 'emails.value', 'b@example.com'],
    ] as const)('parses %s into one eq condition', (input, attribute, value) => {
      const result = parseFilter(input, USER_ATTRIBUTES);

      expect(result).toEqual({ conditions: [{ attribute, value }] });
    });

    it('parses the work-email value filter into emails.value with its type', () => {
      const input = 'emails[type eq "work"].value eq "b@example.com"';

      const result = parseFilter(input, USER_ATTRIBUTES);

      expect(result).toEqual({
        conditions: [{ attribute: 'emails.value', value: 'b@example.com', emailType: 'work' }],
      });
    });

    it('keeps the email type as written', () => {
      const input = 'emails[type eq "Home"].value eq "b@example.com"';

      const result = parseFilter(input, USER_ATTRIBUTES);

      expect(result.conditions[0]?.emailType).toBe('Home');
    });

    it('parses displayName when the endpoint allows it', () => {
      const input = 'displayName eq "Engineering"';

      const result = parseFilter(input, GROUP_ATTRIBUTES);

      expect(result).toEqual({ conditions: [{ attribute: 'displayName', value: 'Engineering' }] });
    });

    it('returns every condition of a conjunction, in order', () => {
      const input =
        'userName eq "a@example.com" and externalId eq "00u1" and emails[type eq "work"].value eq "w@x.com"';

      const result = parseFilter(input, USER_ATTRIBUTES);

      expect(result.conditions).toEqual([
        { attribute: 'userName', value: 'a@example.com' },
        { attribute: 'externalId', value: '00u1' },
        { attribute: 'emails.value', value: 'w@x.com', emailType: 'work' },
      ]);
    });

    it.each([
      'userName EQ "x"',
      'userName Eq "x"',
      'UserName eq "x"',
      'USERNAME eq "x"',
      'username eq "x"',
      'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"',
      'URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:USERNAME eq "x"',
    ])('matches keywords and attribute names case-insensitively: %s', (input) => {
      const result = parseFilter(input, USER_ATTRIBUTES);

      expect(result).toEqual({ conditions: [{ attribute: 'userName', value: 'x' }] });
    });

    it.each([
      'Emails.Value eq "x"',
      'EMAILS.VALUE eq "x"',
      'urn:ietf:params:scim:schemas:core:2.0:User:emails.value eq "x"',
    ])('recognises emails.value in any casing or qualified: %s', (input) => {
      const result = parseFilter(input, USER_ATTRIBUTES);

      expect(result).toEqual({ conditions: [{ attribute: 'emails.value', value: 'x' }] });
    });

    it.each([
      'Emails[Type EQ "work"].Value eq "x"',
      'emails[ type  eq\t"work" ].value eq "x"',
      'urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].value eq "x"',
    ])('recognises the work-email value filter in any casing, spacing or qualified: %s', (input) => {
      const result = parseFilter(input, USER_ATTRIBUTES);

      expect(result).toEqual({ conditions: [{ attribute: 'emails.value', value: 'x', emailType: 'work' }] });
    });

    it('accepts the Group core schema URN for group attributes', () => {
      const input = 'urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "Sales"';

      const result = parseFilter(input, GROUP_ATTRIBUTES);

      expect(result).toEqual({ conditions: [{ attribute: 'displayName', value: 'Sales' }] });
    });

    it('joins conditions with AND in upper case', () => {
      const input = 'userName eq "a" AND externalId eq "b"';

      const result = parseFilter(input, USER_ATTRIBUTES);

      expect(result.conditions).toEqual([
        { attribute: 'userName', value: 'a' },
        { attribute: 'externalId', value: 'b' },
      ]);
    });

    it('tolerates several spaces, tabs and surrounding whitespace between tokens', () => {
      const input = '  \tuserName   eq\t\t"a"  \t and   externalId eq  "b"  ';

      const result = parseFilter(input, USER_ATTRIBUTES);

      expect(result.conditions).toEqual([
        { attribute: 'userName', value: 'a' },
        { attribute: 'externalId', value: 'b' },
      ]);
    });
  });

  describe('quoted values', () => {
    it('keeps spaces and the word "and" inside a quoted value', () => {
      const input = 'userName eq "Barbara and  Jensen"';

      const result = parseFilter(input, USER_ATTRIBUTES);

      expect(result.conditions).toEqual([{ attribute: 'userName', value: 'Barbara and  Jensen' }]);
    });

    it('does not split a quoted value that looks like a second condition', () => {
      const input = 'userName eq "a and externalId eq b" and id eq "c"';

      const result = parseFilter(input, USER_ATTRIBUTES);

      expect(result.conditions).toEqual([
        { attribute: 'userName', value: 'a and externalId eq b' },
        { attribute: 'id', value: 'c' },
      ]);
    });

    it('decodes JSON escapes for quotes, backslashes and unicode', () => {
      const input = 'userName eq "say \\"hi\\" C:\\\\dir caf\\u00e9"';

      const result = parseFilter(input, USER_ATTRIBUTES);

      expect(result.conditions[0]?.value).toBe('say "hi" C:\\dir café');
    });

    it('keeps an empty quoted value', () => {
      const input = 'externalId eq ""';

      const result = parseFilter(input, USER_ATTRIBUTES);

      expect(result.conditions).toEqual([{ attribute: 'externalId', value: '' }]);
    });

    it('keeps the value exactly as sent, including upper case (matching case-insensitively is the caller’s job)', () => {
      const input = 'userName eq "ABCDEFGH@ATKO.COM"';

      const result = parseFilter(input, USER_ATTRIBUTES);

      expect(result.conditions[0]?.value).toBe('ABCDEFGH@ATKO.COM');
    });

    it('keeps a literal tab inside a quoted value', () => {
      const input = 'externalId eq "a\tb"';

      const result = parseFilter(input, USER_ATTRIBUTES);

      expect(result.conditions[0]?.value).toBe('a\tb');
    });
  });

  describe('rejected filters', () => {
    it.each([
      ['co', 'userName co "bjensen"'],
      ['sw', 'userName sw "b"'],
      ['ew', 'userName ew "com"'],
      ['ne', 'userName ne "x"'],
      ['gt', 'externalId gt "1"'],
      ['pr', 'externalId pr'],
    ])('rejects the %s operator with invalidFilter naming the operator', (operator, input) => {
      const error = filterErrorFrom(input);

      expect(error.status).toBe(400);
      expect(error.scimType).toBe('invalidFilter');
      expect(error.detail).toContain(`"${operator}" is not supported`);
    });

    it('rejects "or" instead of returning only one side', () => {
      const error = filterErrorFrom('userName eq "a" or userName eq "b"');

      expect(error.scimType).toBe('invalidFilter');
      expect(error.detail).toContain('"or" is not supported');
    });

    it('rejects "not"', () => {
      const error = filterErrorFrom('not (userName eq "a")');

      expect(error.scimType).toBe('invalidFilter');
      expect(error.detail).toContain('"not" is not supported');
    });

    it('rejects parentheses', () => {
      const error = filterErrorFrom('(userName eq "a")');

      expect(error.scimType).toBe('invalidFilter');
      expect(error.detail).toContain('parentheses');
    });

    it('rejects a parenthesised second condition', () => {
      const error = filterErrorFrom('userName eq "a" and (externalId eq "b")');

      expect(error.scimType).toBe('invalidFilter');
      expect(error.detail).toContain('parentheses');
    });

    it.each(['userName eq bjensen', 'externalId eq 42', 'userName eq true', 'userName eq null'])(
      'rejects an unquoted value: %s',
      (input) => {
        const error = filterErrorFrom(input);

        expect(error.scimType).toBe('invalidFilter');
        expect(error.detail).toContain('must be a quoted string');
      },
    );

    it('rejects a value in single quotes', () => {
      const error = filterErrorFrom("userName eq 'x'");

      expect(error.scimType).toBe('invalidFilter');
      expect(error.detail).toContain('must be a quoted string');
    });

    it('rejects filtering on active, which is not a supported attribute', () => {
      const error = filterErrorFrom('active eq true');

      expect(error.scimType).toBe('invalidFilter');
      expect(error.detail).toContain('attribute "active" is not supported');
    });

    it.each([
      'name.familyName eq "Jensen"',
      'emails.type eq "work"',
      'emails eq "x"',
      'meta.lastModified eq "2024-01-01"',
      'title eq "Boss"',
    ])('rejects an unknown attribute: %s', (input) => {
      const error = filterErrorFrom(input);

      expect(error.scimType).toBe('invalidFilter');
      expect(error.detail).toContain('is not supported');
    });

    it('rejects displayName when the endpoint does not allow it', () => {
      const error = filterErrorFrom('displayName eq "Barbara"', USER_ATTRIBUTES);

      expect(error.scimType).toBe('invalidFilter');
      expect(error.detail).toContain('filtering on displayName is not supported here');
    });

    it('rejects userName on an endpoint that only allows group attributes', () => {
      const error = filterErrorFrom('userName eq "x"', GROUP_ATTRIBUTES);

      expect(error.scimType).toBe('invalidFilter');
      expect(error.detail).toContain('filtering on userName is not supported here');
    });

    it.each([
      'userName eq "a" garbage',
      'userName eq "a" "b"',
      'userName eq "a" and',
      'userName eq "a" and and externalId eq "b"',
      'userName eq "a"]',
      'userName eq "a" )',
    ])('rejects trailing or dangling tokens: %s', (input) => {
      const error = filterErrorFrom(input);

      expect(error.scimType).toBe('invalidFilter');
    });

    it.each(['', '   ', '\t'])('rejects an empty filter %j', (input) => {
      const error = filterErrorFrom(input);

      expect(error.scimType).toBe('invalidFilter');
      expect(error.detail).toContain('the filter is empty');
    });

    it.each(['userName', 'userName eq', 'eq "x"'])('rejects an incomplete condition: %s', (input) => {
      const error = filterErrorFrom(input);

      expect(error.scimType).toBe('invalidFilter');
    });

    it('rejects the work-email value filter without .value', () => {
      const error = filterErrorFrom('emails[type eq "work"] eq "x"');

      expect(error.scimType).toBe('invalidFilter');
      expect(error.detail).toContain('emails[type eq "…"].value');
    });

    it.each([
      'emails[value eq "x"].value eq "x"',
      'emails[type eq "work" and primary eq true].value eq "x"',
      'emails[type co "work"].value eq "x"',
      'emails[type eq "work" or type eq "home"].value eq "x"',
      'emails[type eq work].value eq "x"',
      'emails[type eq "work"].type eq "x"',
      'phoneNumbers[type eq "work"].value eq "x"',
      'emails[type eq "work"] .value eq "x"',
      'emails[type eq "work"',
    ])('rejects other value-path filters: %s', (input) => {
      const error = filterErrorFrom(input);

      expect(error.scimType).toBe('invalidFilter');
    });

    it('rejects an unterminated quoted value', () => {
      const error = filterErrorFrom('userName eq "abc');

      expect(error.scimType).toBe('invalidFilter');
      expect(error.detail).toContain('not terminated');
    });

    it('rejects an invalid escape sequence', () => {
      const error = filterErrorFrom('userName eq "a\\qb"');

      expect(error.scimType).toBe('invalidFilter');
      expect(error.detail).toContain('invalid escape');
    });

    it('rejects an unknown schema URN prefix', () => {
      const error = filterErrorFrom('urn:example:custom:1.0:User:userName eq "x"');

      expect(error.scimType).toBe('invalidFilter');
      expect(error.detail).toContain('schema URN');
    });

    it('rejects a user attribute qualified with the Group schema URN', () => {
      const error = filterErrorFrom('urn:ietf:params:scim:schemas:core:2.0:Group:userName eq "x"');

      expect(error.scimType).toBe('invalidFilter');
      expect(error.detail).toContain('userName is not an attribute of urn:ietf:params:scim:schemas:core:2.0:Group');
    });

    it('names the supported forms in the error detail', () => {
      const error = filterErrorFrom('userName co "x"');

      expect(error.detail).toBe(
        'Unsupported filter: operator "co" is not supported, only "eq". Supported: userName eq "…", ' +
          'externalId eq "…", id eq "…", emails.value eq "…", emails[type eq "work"].value eq "…", ' +
          'optionally joined with "and".',
      );
    });

    it('does not echo quoted values, which may hold personal data, in the detail', () => {
      const error = filterErrorFrom('userName eq "secret@example.com" "another@example.com"');

      expect(error.detail).not.toContain('example.com');
      expect(error.detail).toContain('expected "and" after a condition but found a quoted value');
    });
  });
});
