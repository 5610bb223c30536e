import fc from 'fast-check';
import { ScimError } from '../../../lambda/scim/errors';
import { type FilterNode, type FilterPath, parseFilter, printFilter } from '../../../lambda/scim/filter';
import { filterSchemas } from '../../../lambda/scim/filter-query';

const SCHEMAS = filterSchemas('User');

const name = fc.stringMatching(/^[A-Za-z$][\w$-]{0,8}$/).filter((text) => !/^(and|or|not|pr)$/i.test(text));
const value = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.boolean(),
  fc.constant(null),
  fc.integer({ min: -1e6, max: 1e6 }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
);
const operator = fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le' as const);
const path = (inValue: boolean): fc.Arbitrary<FilterPath> =>
  inValue
    ? name.map((attribute) => ({ attribute }))
    : fc
        .record({
          schema: fc.option(fc.constantFrom(...SCHEMAS), { nil: undefined }),
          attribute: name,
          sub: fc.option(name, { nil: undefined }),
        })
        .map(({ schema, attribute, sub }) => ({
          ...(schema === undefined ? {} : { schema }),
          attribute,
          ...(sub === undefined ? {} : { subAttribute: sub }),
        }));

function filterOf(inValue: boolean): fc.Arbitrary<FilterNode> {
  const { node } = fc.letrec<{ node: FilterNode }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.record({ kind: fc.constant('compare' as const), path: path(inValue), operator, value }),
      fc.record({ kind: fc.constant('present' as const), path: path(inValue) }),
      fc.record({ kind: fc.constantFrom('and' as const, 'or' as const), left: tie('node'), right: tie('node') }),
      fc.record({ kind: fc.constant('not' as const), operand: tie('node') }),
      ...(inValue
        ? []
        : [
            fc.record({
              kind: fc.constant('valuePath' as const),
              path: name.map((attribute) => ({ attribute })),
              filter: filterOf(true),
            }),
          ]),
    ),
  }));
  return node;
}

describe('filter parser properties', () => {
  it('reads every printed filter back into the same tree', () => {
    fc.assert(
      fc.property(filterOf(false), (filter) => {
        expect(parseFilter(printFilter(filter), SCHEMAS)).toEqual(filter);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws anything but invalidFilter, whatever the input', () => {
    const fragments = fc.constantFrom(
      '(',
      ')',
      '[',
      ']',
      '"',
      '\\',
      ' ',
      'and',
      'or',
      'not',
      'eq',
      'pr',
      '.',
      'emails',
      'urn:',
      'x',
      '1e999',
      'null',
    );
    const input = fc.oneof(
      fc.string({ unit: 'grapheme' }),
      fc.array(fragments, { maxLength: 20 }).map((parts) => parts.join(' ')),
      fc.array(fragments).map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(input, (text) => {
        try {
          parseFilter(text, SCHEMAS);
        } catch (error) {
          expect(error).toBeInstanceOf(ScimError);
          expect((error as ScimError).scimType).toBe('invalidFilter');
        }
      }),
      { numRuns: 2000 },
    );
  });
});
