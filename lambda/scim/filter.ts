/**
 * SCIM filters (RFC 7644 §3.4.2.2): the whole grammar, `eq ne co sw ew pr gt ge lt le`, `and or not`, parentheses,
 * value filters (`emails[type eq "work" and value co "@acme"]`) and schema-URN attribute paths, parsed into a tree
 * that `printFilter` writes back. Okta's and Entra's
 * `emails[type eq "work"].value eq "x"` (a PATCH path used as a filter) is read as
 * `emails[type eq "work" and value eq "x"]`, which means the same. Anything else is `invalidFilter`, because answering
 * a filter we do not understand with an unfiltered (or partly filtered) list makes a client act on the wrong users.
 *
 * Parsing knows only the grammar and the schema URNs: which attributes exist and how they compare (type, caseExact)
 * is the attribute model's (`attribute-model.ts`), and `filter-query.ts` checks a parsed tree against it
 * (`checkFilter`), evaluates it on a resource (`matchesFilter`) and plans its index lookups (`planFilter`).
 *
 * The tokenizer and the attribute-path reader are shared with PATCH path parsing (`patch.ts`), which uses the
 * `attr[sub eq "v"].sub` grammar.
 */
import { ScimError } from './errors';

export type CompareOperator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type FilterValue = string | number | boolean | null;

/** An attribute as a filter names it; inside a value filter, `attribute` is a sub-attribute of the bracketed one. */
export interface FilterPath {
  /** The qualifying schema URN, spelled as in the list of known schemas. */
  readonly schema?: string;
  readonly attribute: string;
  readonly subAttribute?: string;
}

export type FilterNode =
  | {
      readonly kind: 'compare';
      readonly path: FilterPath;
      readonly operator: CompareOperator;
      readonly value: FilterValue;
    }
  | { readonly kind: 'present'; readonly path: FilterPath }
  | { readonly kind: 'and' | 'or'; readonly left: FilterNode; readonly right: FilterNode }
  | { readonly kind: 'not'; readonly operand: FilterNode }
  /** `attribute[filter]`: some value of the multi-valued `path` satisfies `filter` (whose paths are relative to it). */
  | { readonly kind: 'valuePath'; readonly path: FilterPath; readonly filter: FilterNode };

/** One `attribute eq value` comparison inside a PATCH path's value filter. */
export interface ValueFilterCondition {
  readonly attribute: string;
  readonly value: string | boolean;
}

/** An attribute path as written: `[urn:]attr`, `[urn:]attr.sub`, `[urn:]attr[filter]` or `[urn:]attr[filter].sub`. */
export interface AttributePath {
  /** The qualifying schema URN, spelled as in the list of known schemas; absent when the path is unqualified. */
  readonly schema?: string;
  readonly attribute: string;
  /** Conditions (all must hold) selecting values of a multi-valued attribute. */
  readonly valueFilter?: readonly ValueFilterCondition[];
  readonly subAttribute?: string;
}

/** Reports a parse error; the caller decides the SCIM error type and the wording around `detail`. */
export type ParseFailure = (detail: string) => never;

const OPERATORS: ReadonlySet<string> = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);

const ATTRIBUTE_NAME = /^[A-Za-z$][\w$-]*$/;
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Nesting depth of parentheses, `not` and value filters; deeper input is refused before it can exhaust the stack. */
const MAX_DEPTH = 32;

function filterFailure(): ParseFailure {
  return (detail) => {
    throw ScimError.badRequest('invalidFilter', `Invalid filter: ${detail}`);
  };
}

/**
 * Parses a filter that the caller has already URL-decoded.
 * @param knownSchemas schema URNs that may qualify an attribute (`urn:…:User:userName`), matched without regard to case.
 * @throws ScimError 400 `invalidFilter` for anything that is not a filter, never another error.
 */
export function parseFilter(input: string, knownSchemas: readonly string[]): FilterNode {
  const fail = filterFailure();
  const stream = new TokenStream(tokenize(input, fail));
  if (stream.done) fail('the filter is empty');
  const node = readOr(stream, knownSchemas, fail, 0, false);
  const rest = stream.next();
  if (rest !== undefined) fail(`expected "and", "or" or the end of the filter but found ${describeToken(rest)}`);
  return node;
}

/** The filter as text that `parseFilter` reads back into the same tree. */
export function printFilter(node: FilterNode): string {
  switch (node.kind) {
    case 'compare':
      return `${printPath(node.path)} ${node.operator} ${printValue(node.value)}`;
    case 'present':
      return `${printPath(node.path)} pr`;
    case 'not':
      return `not (${printFilter(node.operand)})`;
    case 'valuePath':
      return `${printPath(node.path)}[${printFilter(node.filter)}]`;
    default: {
      // Parsing is left-associative and `and` binds tighter than `or`: parenthesize whatever would regroup.
      const left =
        node.left.kind === 'or' && node.kind === 'and' ? `(${printFilter(node.left)})` : printFilter(node.left);
      const right =
        node.right.kind === 'or' || node.right.kind === node.kind
          ? `(${printFilter(node.right)})`
          : printFilter(node.right);
      return `${left} ${node.kind} ${right}`;
    }
  }
}

function printPath(path: FilterPath): string {
  const name = path.subAttribute === undefined ? path.attribute : `${path.attribute}.${path.subAttribute}`;
  return path.schema === undefined ? name : `${path.schema}:${name}`;
}

function printValue(value: FilterValue): string {
  // JSON writes -0 as 0; the filter reads "-0" back as -0.
  return Object.is(value, -0) ? '-0' : JSON.stringify(value);
}

/**
 * Parses a whole attribute path, e.g. a PATCH `path`. Schema URN prefixes are recognised only if listed in
 * `knownSchemas` (case-insensitively); any other `urn:` prefix fails.
 */
export function parseAttributePath(text: string, knownSchemas: readonly string[], fail: ParseFailure): AttributePath {
  const stream = new TokenStream(tokenize(text, fail));
  if (stream.done) fail('the path is empty');
  const path = readAttributePath(stream, knownSchemas, fail);
  const rest = stream.next();
  if (rest !== undefined) fail(`expected the end of the path but found ${describeToken(rest)}`);
  return path;
}

function readOr(
  stream: TokenStream,
  schemas: readonly string[],
  fail: ParseFailure,
  depth: number,
  inValue: boolean,
): FilterNode {
  let node = readAnd(stream, schemas, fail, depth, inValue);
  for (let next = stream.peek(); next !== undefined && isKeyword(next, 'or'); next = stream.peek()) {
    stream.next();
    node = { kind: 'or', left: node, right: readAnd(stream, schemas, fail, depth, inValue) };
  }
  return node;
}

function readAnd(
  stream: TokenStream,
  schemas: readonly string[],
  fail: ParseFailure,
  depth: number,
  inValue: boolean,
): FilterNode {
  let node = readUnary(stream, schemas, fail, depth, inValue);
  for (let next = stream.peek(); next !== undefined && isKeyword(next, 'and'); next = stream.peek()) {
    stream.next();
    node = { kind: 'and', left: node, right: readUnary(stream, schemas, fail, depth, inValue) };
  }
  return node;
}

function readUnary(
  stream: TokenStream,
  schemas: readonly string[],
  fail: ParseFailure,
  depth: number,
  inValue: boolean,
): FilterNode {
  if (depth >= MAX_DEPTH) fail(`the filter is nested deeper than ${MAX_DEPTH} levels`);
  const first = stream.peek();
  if (first === undefined) fail('a condition is missing at the end');
  if (first.kind === '(') {
    stream.next();
    const inner = readOr(stream, schemas, fail, depth + 1, inValue);
    if (stream.next()?.kind !== ')') fail('")" is missing');
    return inner;
  }
  if (isKeyword(first, 'not')) {
    const open = stream.peek(1);
    if (open?.kind === '(') {
      stream.next();
      stream.next();
      const operand = readOr(stream, schemas, fail, depth + 1, inValue);
      if (stream.next()?.kind !== ')') fail('")" is missing after "not (…"');
      return { kind: 'not', operand };
    }
  }
  return readAttributeExpression(stream, schemas, fail, depth, inValue);
}

function readAttributeExpression(
  stream: TokenStream,
  schemas: readonly string[],
  fail: ParseFailure,
  depth: number,
  inValue: boolean,
): FilterNode {
  const word = stream.next();
  if (word?.kind !== 'word') {
    fail(
      word === undefined
        ? // Stryker disable next-line StringLiteral: unreachable, readUnary has seen a token here before it calls this
          'an attribute name is missing'
        : `expected an attribute name but found ${describeToken(word)}`,
    );
  }
  const { schema, rest } = inValue ? { schema: undefined, rest: word.text } : splitSchema(word.text, schemas, fail);
  const qualifier = schema === undefined ? {} : { schema };
  const open = stream.peek();
  if (open?.kind === '[' && open.start === word.end) {
    if (inValue) fail('a value filter cannot contain another value filter');
    if (rest.includes('.'))
      fail('a value filter must follow the attribute name directly, as in emails[type eq "work"]');
    stream.next();
    const filter = readOr(stream, schemas, fail, depth + 1, true);
    const close = stream.next();
    if (close?.kind !== ']') fail('"]" is missing after the value filter');
    const path = { ...qualifier, attribute: checkName(rest, fail) };
    const after = stream.peek();
    if (after?.kind === 'word' && after.start === close.end) {
      // `emails[type eq "work"].value eq "x"`: the condition on the sub-attribute joins the bracketed ones.
      if (!after.text.startsWith('.')) fail(`expected ".subAttribute" after "]" but found ${describeToken(after)}`);
      stream.next();
      const sub = checkName(after.text.slice(1), fail);
      const condition = readComparison(stream, { attribute: sub }, fail);
      return { kind: 'valuePath', path, filter: { kind: 'and', left: filter, right: condition } };
    }
    return { kind: 'valuePath', path, filter };
  }
  // Stryker disable next-line StringLiteral: unreachable, split gives at least one part
  const [attribute = '', subAttribute, ...deeper] = rest.split('.');
  if (deeper.length > 0 || (inValue && subAttribute !== undefined)) {
    fail(`"${rest}" is nested too deeply; SCIM paths are attribute or attribute.subAttribute`);
  }
  const path: FilterPath =
    subAttribute === undefined
      ? { ...qualifier, attribute: checkName(attribute, fail) }
      : { ...qualifier, attribute: checkName(attribute, fail), subAttribute: checkName(subAttribute, fail) };
  return readComparison(stream, path, fail);
}

function readComparison(stream: TokenStream, path: FilterPath, fail: ParseFailure): FilterNode {
  const operator = stream.next();
  // Stryker disable next-line StringLiteral: any text that names no operator is refused below alike
  const name = operator?.kind === 'word' ? operator.text.toLowerCase() : '';
  if (name === 'pr') return { kind: 'present', path };
  if (!OPERATORS.has(name)) {
    fail(
      operator === undefined
        ? `an operator is missing after ${printPath(path)}`
        : `expected an operator (eq, ne, co, sw, ew, pr, gt, ge, lt, le) after ${printPath(path)} but found ${describeToken(operator)}`,
    );
  }
  const token = stream.next();
  if (token === undefined) fail(`a value is missing after "${printPath(path)} ${name}"`);
  return { kind: 'compare', path, operator: name as CompareOperator, value: readValue(token, fail) };
}

function readValue(token: Token, fail: ParseFailure): FilterValue {
  if (token.kind === 'string') return token.text;
  // Stryker disable next-line ConditionalExpression: a bracket or parenthesis is no keyword and no number, so it reaches the same refusal
  if (token.kind === 'word') {
    const lower = token.text.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    if (lower === 'null') return null;
    if (NUMBER.test(token.text)) {
      const number = Number(token.text);
      if (Number.isFinite(number)) return number;
    }
  }
  fail(`expected a value (a quoted string, a number, true, false or null) but found ${describeToken(token)}`);
}

function readAttributePath(stream: TokenStream, knownSchemas: readonly string[], fail: ParseFailure): AttributePath {
  const word = stream.next();
  if (word === undefined || word.kind !== 'word') {
    fail(
      word === undefined
        ? // Stryker disable next-line StringLiteral: unreachable, an empty path is refused before it is read
          'an attribute name is missing'
        : `expected an attribute name but found ${describeToken(word)}`,
    );
  }
  const { schema, rest } = splitSchema(word.text, knownSchemas, fail);
  const parts = rest.split('.');
  const qualifier = schema === undefined ? {} : { schema };

  const open = stream.peek();
  if (open?.kind === '[' && open.start === word.end) {
    if (parts.length !== 1)
      fail('a value filter must follow the attribute name directly, as in emails[type eq "work"]');
    stream.next();
    const valueFilter = readValueFilter(stream, fail);
    const close = stream.next();
    // Stryker disable next-line StringLiteral: unreachable, readValueFilter returns only at a "]" and says itself when it is missing
    if (close?.kind !== ']') fail('"]" is missing after the value filter');
    const after = stream.peek();
    if (after?.kind !== 'word' || after.start !== close.end) {
      return { ...qualifier, attribute: checkName(rest, fail), valueFilter };
    }
    if (!after.text.startsWith('.')) fail(`expected ".subAttribute" after "]" but found ${describeToken(after)}`);
    stream.next();
    return {
      ...qualifier,
      attribute: checkName(rest, fail),
      valueFilter,
      subAttribute: checkName(after.text.slice(1), fail),
    };
  }

  // Stryker disable next-line StringLiteral: unreachable, split gives at least one part
  const [attribute = '', subAttribute, ...deeper] = parts;
  if (deeper.length > 0) fail(`"${rest}" is nested too deeply; SCIM paths are attribute or attribute.subAttribute`);
  return subAttribute === undefined
    ? { ...qualifier, attribute: checkName(attribute, fail) }
    : { ...qualifier, attribute: checkName(attribute, fail), subAttribute: checkName(subAttribute, fail) };
}

/** Reads `attr eq value [and attr eq value]…` up to (not including) the closing bracket. */
function readValueFilter(stream: TokenStream, fail: ParseFailure): ValueFilterCondition[] {
  const conditions: ValueFilterCondition[] = [];
  for (;;) {
    const name = stream.next();
    if (name?.kind !== 'word') {
      if (name?.kind === '(') fail('parentheses are not supported inside a value filter');
      fail('an attribute name is missing inside the value filter');
    }
    if (isKeyword(name, 'not')) fail('"not" is not supported inside a value filter');
    const attribute = checkName(name.text, fail);

    const operator = stream.next();
    if (operator === undefined || !isKeyword(operator, 'eq')) {
      fail(
        operator?.kind === 'word'
          ? `operator "${operator.text}" is not supported inside a value filter, only "eq"`
          : `"eq" is missing after ${attribute} inside the value filter`,
      );
    }

    const value = stream.next();
    if (value?.kind === 'string') conditions.push({ attribute, value: value.text });
    else if (value !== undefined && (isKeyword(value, 'true') || isKeyword(value, 'false'))) {
      conditions.push({ attribute, value: value.text.toLowerCase() === 'true' });
    } else fail(`the value compared with ${attribute} inside the value filter must be a quoted string`);

    const next = stream.peek();
    if (next?.kind === ']') return conditions;
    if (next !== undefined && isKeyword(next, 'and')) {
      stream.next();
      continue;
    }
    if (next !== undefined && isKeyword(next, 'or')) fail('"or" is not supported inside a value filter');
    fail('"]" is missing after the value filter');
  }
}

function splitSchema(
  word: string,
  knownSchemas: readonly string[],
  fail: ParseFailure,
): { schema?: string; rest: string } {
  const lower = word.toLowerCase();
  if (!lower.startsWith('urn:')) return { rest: word };
  const schema = [...knownSchemas]
    .sort((a, b) => b.length - a.length)
    .find((candidate) => lower.startsWith(`${candidate.toLowerCase()}:`));
  if (schema === undefined) fail('the schema URN prefix is not one this resource supports');
  return { schema, rest: word.slice(schema.length + 1) };
}

function checkName(name: string, fail: ParseFailure): string {
  if (!ATTRIBUTE_NAME.test(name)) fail(`"${name}" is not a valid attribute name`);
  return name;
}

// --- Tokenizer ---

type TokenKind = 'word' | 'string' | '[' | ']' | '(' | ')';

interface Token {
  readonly kind: TokenKind;
  /** For strings, the decoded value. */
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

const PUNCTUATION: ReadonlySet<string> = new Set(['[', ']', '(', ')']);

function tokenize(input: string, fail: ParseFailure): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  // Stryker disable next-line EqualityOperator: one more step reads charAt(length), '', as whitespace and stops
  while (index < input.length) {
    const char = input.charAt(index);
    if (isWhitespace(char)) {
      index += 1;
    } else if (PUNCTUATION.has(char)) {
      tokens.push({ kind: char as TokenKind, text: char, start: index, end: index + 1 });
      index += 1;
    } else if (char === '"') {
      const end = closingQuote(input, index);
      // Stryker disable next-line EqualityOperator: the closing quote is never at 0, the opening one is
      if (end < 0) fail('a quoted value is not terminated');
      tokens.push({
        kind: 'string',
        text: decodeString(input.slice(index, end + 1), fail),
        start: index,
        // Stryker disable next-line ArithmeticOperator: only words and brackets are checked for adjacency, never a quoted value's end
        end: end + 1,
      });
      index = end + 1;
    } else {
      let end = index;
      // Stryker disable next-line EqualityOperator,ConditionalExpression: charAt(length) is '', a word boundary, so the word ends there either way
      while (end < input.length && !isWordBoundary(input.charAt(end))) end += 1;
      tokens.push({ kind: 'word', text: input.slice(index, end), start: index, end });
      index = end;
    }
  }
  return tokens;
}

function closingQuote(input: string, open: number): number {
  // Stryker disable next-line EqualityOperator: charAt(length) is '', neither a backslash nor a quote
  for (let index = open + 1; index < input.length; index += 1) {
    const char = input.charAt(index);
    if (char === '\\') index += 1;
    else if (char === '"') return index;
  }
  return -1;
}

/** Decodes a JSON string literal; raw control characters (a pasted tab) are accepted as themselves. */
function decodeString(literal: string, fail: ParseFailure): string {
  let escaped = '';
  for (const char of literal) {
    const code = char.charCodeAt(0);
    // Stryker disable next-line EqualityOperator: a space escaped as \u0020 decodes to a space
    escaped += code < 0x20 ? `\\u${code.toString(16).padStart(4, '0')}` : char;
  }
  try {
    return JSON.parse(escaped) as string;
  } catch {
    fail('a quoted value has an invalid escape sequence (use JSON escapes such as \\" and \\u00e9)');
  }
}

function isWhitespace(char: string): boolean {
  return char.trim() === '';
}

function isWordBoundary(char: string): boolean {
  return isWhitespace(char) || char === '"' || PUNCTUATION.has(char);
}

function isKeyword(token: Token, keyword: string): boolean {
  return token.kind === 'word' && token.text.toLowerCase() === keyword;
}

function describeToken(token: Token): string {
  if (token.kind === 'string') return 'a quoted value';
  // Stryker disable next-line ConditionalExpression: a bracket's one character is quoted the same way by the line below
  if (token.kind !== 'word') return `"${token.text}"`;
  return `"${token.text.length > 40 ? `${token.text.slice(0, 40)}…` : token.text}"`;
}

class TokenStream {
  private index = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  get done(): boolean {
    return this.index >= this.tokens.length;
  }

  peek(ahead = 0): Token | undefined {
    return this.tokens[this.index + ahead];
  }

  next(): Token | undefined {
    const token = this.tokens[this.index];
    // Stryker disable next-line ConditionalExpression: moving past the end changes nothing, every read there is undefined
    if (token !== undefined) this.index += 1;
    return token;
  }
}
