/**
 * The filter and PATCH path grammar at its edges: what a client's text parses to, and what it is told when the text
 * is not a filter.
 */
import { ScimError } from '../../../lambda/scim/errors';
import { type ParseFailure, parseAttributePath, parseFilter, printFilter } from '../../../lambda/scim/filter';
import { filterSchemas } from '../../../lambda/scim/filter-query';

const USER_SCHEMAS = filterSchemas('User');
const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const parse = (text: string) => parseFilter(text, USER_SCHEMAS);

function detailOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ScimError) {
      expect(error.status).toBe(400);
      expect(error.scimType).toBe('invalidFilter');
      return error.detail;
    }
    throw error;
  }
  throw new Error('expected a SCIM error');
}

describe('parseFilter reads', () => {
  it.each<[string, unknown]>([
    ['title PR', { kind: 'present', path: { attribute: 'title' } }],
    ['not pr', { kind: 'present', path: { attribute: 'not' } }],
    ['x eq True', { kind: 'compare', path: { attribute: 'x' }, operator: 'eq', value: true }],
    ['x eq FALSE', { kind: 'compare', path: { attribute: 'x' }, operator: 'eq', value: false }],
    ['x ne Null', { kind: 'compare', path: { attribute: 'x' }, operator: 'ne', value: null }],
    ['x gt -0', { kind: 'compare', path: { attribute: 'x' }, operator: 'gt', value: -0 }],
    ['x lt 2.5E-1', { kind: 'compare', path: { attribute: 'x' }, operator: 'lt', value: 0.25 }],
    ['x eq "tab\there"', { kind: 'compare', path: { attribute: 'x' }, operator: 'eq', value: 'tab\there' }],
    ['x eq "q\\"\\u00e9\\\\"', { kind: 'compare', path: { attribute: 'x' }, operator: 'eq', value: 'q"é\\' }],
    ['\tx\neq\r\n"v"  ', { kind: 'compare', path: { attribute: 'x' }, operator: 'eq', value: 'v' }],
    ['x eq"v"', { kind: 'compare', path: { attribute: 'x' }, operator: 'eq', value: 'v' }],
    ['$a_1-b pr', { kind: 'present', path: { attribute: '$a_1-b' } }],
    ['x eq 10.25', { kind: 'compare', path: { attribute: 'x' }, operator: 'eq', value: 10.25 }],
    ['x eq -12e+2', { kind: 'compare', path: { attribute: 'x' }, operator: 'eq', value: -1200 }],
    ['x eq 0', { kind: 'compare', path: { attribute: 'x' }, operator: 'eq', value: 0 }],
    ['NOT(x pr)', { kind: 'not', operand: { kind: 'present', path: { attribute: 'x' } } }],
    [
      `URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:name.givenName pr`,
      { kind: 'present', path: { schema: CORE_USER, attribute: 'name', subAttribute: 'givenName' } },
    ],
    [
      `${CORE_USER}:emails[type eq "work"]`,
      {
        kind: 'valuePath',
        path: { schema: CORE_USER, attribute: 'emails' },
        filter: { kind: 'compare', path: { attribute: 'type' }, operator: 'eq', value: 'work' },
      },
    ],
    [
      'emails[type eq "work"] AND x pr',
      {
        kind: 'and',
        left: {
          kind: 'valuePath',
          path: { attribute: 'emails' },
          filter: { kind: 'compare', path: { attribute: 'type' }, operator: 'eq', value: 'work' },
        },
        right: { kind: 'present', path: { attribute: 'x' } },
      },
    ],
    [
      'a pr OR b pr',
      {
        kind: 'or',
        left: { kind: 'present', path: { attribute: 'a' } },
        right: { kind: 'present', path: { attribute: 'b' } },
      },
    ],
  ])('%j', (text, tree) => {
    expect(parse(text)).toStrictEqual(tree);
  });

  it('prefers the longest schema URN that prefixes an attribute', () => {
    expect(parseFilter('urn:a:b:c eq "x"', ['urn:a', 'urn:a:b'])).toEqual({
      kind: 'compare',
      path: { schema: 'urn:a:b', attribute: 'c' },
      operator: 'eq',
      value: 'x',
    });
    expect(parseFilter('urn:a:b:c eq "x"', ['urn:a:b', 'urn:a'])).toMatchObject({
      path: { schema: 'urn:a:b', attribute: 'c' },
    });
  });

  it('accepts nesting up to 31 levels and refuses 32', () => {
    const nested = (levels: number) => `${'('.repeat(levels)}a pr${')'.repeat(levels)}`;

    expect(parse(nested(31))).toEqual({ kind: 'present', path: { attribute: 'a' } });
    expect(detailOf(() => parse(nested(32)))).toBe('Invalid filter: the filter is nested deeper than 32 levels');
    expect(detailOf(() => parse(`${'not ('.repeat(32)}a pr${')'.repeat(32)}`))).toContain('deeper than 32');
    expect(detailOf(() => parse(`${'('.repeat(31)}e[a pr]${')'.repeat(31)}`))).toContain('deeper than 32');
  });

  it('prints nested groupings so that they read back the same', () => {
    for (const text of [
      'a pr or (b pr or c pr)',
      'a pr and (b pr and c pr)',
      '(a pr or b pr) and c pr',
      'a pr and (b pr or c pr)',
    ]) {
      expect(printFilter(parse(text))).toBe(text);
    }
    expect(printFilter(parse('(a pr and b pr) or c pr'))).toBe('a pr and b pr or c pr');
    expect(printFilter(parse('(a pr or b pr) or c pr'))).toBe('a pr or b pr or c pr');
    expect(printFilter(parse('x eq -0'))).toBe('x eq -0');
    expect(printFilter(parse(`${CORE_USER}:name.givenName pr`))).toBe(`${CORE_USER}:name.givenName pr`);
  });
});

describe('parseFilter refuses, saying why', () => {
  it.each<[string, string]>([
    ['', 'the filter is empty'],
    ['   ', 'the filter is empty'],
    ['a pr and', 'a condition is missing at the end'],
    ['(a pr', '")" is missing'],
    ['(a pr b', '")" is missing'],
    ['not (a pr', '")" is missing after "not (…"'],
    ['not (a pr b', '")" is missing after "not (…"'],
    [') pr', 'expected an attribute name but found ")"'],
    ['"x" pr', 'expected an attribute name but found a quoted value'],
    ['emails[type eq "work"', '"]" is missing after the value filter'],
    ['emails[type eq "work" "x"', '"]" is missing after the value filter'],
    [
      'emails [type eq "work"]',
      'expected an operator (eq, ne, co, sw, ew, pr, gt, ge, lt, le) after emails but found "["',
    ],
    ['emails.value[type eq "work"]', 'a value filter must follow the attribute name directly'],
    ['emails[type eq "work"]x eq "y"', 'expected ".subAttribute" after "]" but found "x"'],
    ['emails[type eq "work"].value', 'an operator is missing after value'],
    ['emails[a.b eq "x"]', '"a.b" is nested too deeply'],
    ['a.b.c pr', '"a.b.c" is nested too deeply'],
    ['a.b eq', 'a value is missing after "a.b eq"'],
    ['1a pr', '"1a" is not a valid attribute name'],
    ['a.1b pr', '"1b" is not a valid attribute name'],
    ['emails[type eq "w"].1b eq "x"', '"1b" is not a valid attribute name'],
    ['a eq 01', 'expected a value (a quoted string, a number, true, false or null) but found "01"'],
    ['a eq 1e999', 'found "1e999"'],
    ['a eq bare', 'found "bare"'],
    ['a eq (', 'found "("'],
    ['a pr "x"', 'expected "and", "or" or the end of the filter but found a quoted value'],
    [`a pr ${'b'.repeat(50)}`, `found "${'b'.repeat(40)}…"`],
    ['a eq "open', 'a quoted value is not terminated'],
    ['a eq "open\\"', 'a quoted value is not terminated'],
    ['a eq "\\x"', 'a quoted value has an invalid escape sequence'],
    ['urn:nope:a eq "x"', 'the schema URN prefix is not one this resource supports'],
    ['emails[urn:x eq "y"]', '"urn:x" is not a valid attribute name'],
    ['emails[type eq "work"] .value eq "x"', 'expected "and", "or" or the end of the filter but found ".value"'],
    [`a pr ${'b'.repeat(40)}`, `found "${'b'.repeat(40)}"`],
    ['-a pr', '"-a" is not a valid attribute name'],
    ['title (x pr)', 'expected an operator (eq, ne, co, sw, ew, pr, gt, ge, lt, le) after title but found "("'],
    ['x pr "and" y pr', 'expected "and", "or" or the end of the filter but found a quoted value'],
  ])('%j: %s', (text, detail) => {
    expect(detailOf(() => parse(text))).toContain(detail);
  });
});

describe('parseAttributePath', () => {
  const fail: ParseFailure = (detail) => {
    throw new Error(detail);
  };
  const path = (text: string) => parseAttributePath(text, USER_SCHEMAS, fail);

  it.each<[string, unknown]>([
    ['userName', { attribute: 'userName' }],
    ['name.givenName', { attribute: 'name', subAttribute: 'givenName' }],
    [`${CORE_USER}:name.familyName`, { schema: CORE_USER, attribute: 'name', subAttribute: 'familyName' }],
    [
      'emails[type eq "work" AND primary eq TRUE]',
      {
        attribute: 'emails',
        valueFilter: [
          { attribute: 'type', value: 'work' },
          { attribute: 'primary', value: true },
        ],
      },
    ],
    [
      'emails[primary eq False].value',
      { attribute: 'emails', valueFilter: [{ attribute: 'primary', value: false }], subAttribute: 'value' },
    ],
    [
      `${CORE_USER}:emails[type eq "work"].display`,
      {
        schema: CORE_USER,
        attribute: 'emails',
        valueFilter: [{ attribute: 'type', value: 'work' }],
        subAttribute: 'display',
      },
    ],
  ])('%j', (text, parsed) => {
    expect(path(text)).toStrictEqual(parsed);
  });

  it.each<[string, string]>([
    ['', 'the path is empty'],
    ['[', 'expected an attribute name but found "["'],
    ['userName x', 'expected the end of the path but found "x"'],
    ['a.b.c', '"a.b.c" is nested too deeply'],
    ['name.givenName[type eq "x"]', 'a value filter must follow the attribute name directly'],
    ['emails[(type eq "x")]', 'parentheses are not supported inside a value filter'],
    ['emails[]', 'an attribute name is missing inside the value filter'],
    ['emails[not (type eq "x")]', '"not" is not supported inside a value filter'],
    ['emails[type co "x"]', 'operator "co" is not supported inside a value filter, only "eq"'],
    ['emails[type]', '"eq" is missing after type inside the value filter'],
    ['emails[type', '"eq" is missing after type inside the value filter'],
    ['emails[type eq', 'the value compared with type inside the value filter must be a quoted string'],
    ['emails[type "x"]', '"eq" is missing after type inside the value filter'],
    ['emails[type eq 1]', 'the value compared with type inside the value filter must be a quoted string'],
    ['emails[type eq]', 'the value compared with type inside the value filter must be a quoted string'],
    ['emails[type eq "a" or type eq "b"]', '"or" is not supported inside a value filter'],
    ['emails[type eq "a" type eq "b"]', '"]" is missing after the value filter'],
    ['emails[type eq "a"', '"]" is missing after the value filter'],
    ['emails[type eq "a")', '"]" is missing after the value filter'],
    ['emails[type eq "a"]value', 'expected ".subAttribute" after "]" but found "value"'],
    ['emails[type eq "a"] x', 'expected the end of the path but found "x"'],
    ['emails [type eq "a"]', 'expected the end of the path but found "["'],
  ])('refuses %j: %s', (text, detail) => {
    expect(() => path(text)).toThrow(detail);
  });
});
