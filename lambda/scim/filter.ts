/**
 * SCIM filter parsing (RFC 7644 §3.4.2.2) for the subset Okta and Entra ID send: `eq` comparisons against quoted
 * strings, joined by `and`. Anything outside that subset is rejected with `invalidFilter`, because answering an
 * unsupported filter with an unfiltered (or partly filtered) list makes a client act on the wrong users.
 *
 * The tokenizer and the attribute-path reader are shared with PATCH path parsing (`patch.ts`), which uses the same
 * `attr[sub eq "v"].sub` grammar.
 */
import { RESOURCE_TYPES, resolveAttribute } from './attribute-model';
import { ScimError } from './errors';

export type FilterAttribute = 'userName' | 'externalId' | 'id' | 'emails.value' | 'displayName';

export interface EqCondition {
  readonly attribute: FilterAttribute;
  readonly value: string;
  /** for emails[type eq "work"].value */
  readonly emailType?: string;
}

/** Conjunction of eq conditions (the only form Okta and Entra send). */
export interface Filter {
  readonly conditions: readonly EqCondition[];
}

/** One `attribute eq value` comparison inside a value filter's brackets. */
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

const CORE_SCHEMAS = RESOURCE_TYPES.map((type) => type.schema);

/** The attributes this filter evaluates; which schemas define them (and so may qualify them) is the model's to say. */
const FILTER_ATTRIBUTES: ReadonlyMap<string, FilterAttribute> = new Map(
  (['userName', 'externalId', 'id', 'emails.value', 'displayName'] as const).map((name) => [name.toLowerCase(), name]),
);

/** Whether `schema` (core User or Group) defines the attribute path, according to the attribute model. */
function definedIn(schema: string, attribute: FilterAttribute): boolean {
  const type = RESOURCE_TYPES.find((candidate) => candidate.schema === schema);
  const [name = '', sub] = attribute.split('.');
  return type !== undefined && resolveAttribute(type.name, name, sub, schema) !== undefined;
}

/** Operators of RFC 7644 we recognise only to name them in the error. */
const OTHER_OPERATORS = new Set(['ne', 'co', 'sw', 'ew', 'pr', 'gt', 'ge', 'lt', 'le']);

const ATTRIBUTE_NAME = /^[A-Za-z$][\w$-]*$/;

/**
 * Parses a filter that the caller has already URL-decoded.
 * @param allowed attributes this endpoint can filter on; any other attribute is rejected.
 * @throws ScimError 400 `invalidFilter` for anything outside the supported subset, naming what is supported.
 */
export function parseFilter(input: string, allowed: readonly FilterAttribute[]): Filter {
  const fail: ParseFailure = (detail) => {
    throw ScimError.badRequest('invalidFilter', `Unsupported filter: ${detail}. ${describeSupported(allowed)}`);
  };
  const stream = new TokenStream(tokenize(input, fail));
  if (stream.done) fail('the filter is empty');

  const conditions: EqCondition[] = [];
  for (;;) {
    conditions.push(readCondition(stream, allowed, fail));
    const joiner = stream.next();
    if (joiner === undefined) return { conditions };
    if (isKeyword(joiner, 'and')) continue;
    if (isKeyword(joiner, 'or')) fail('"or" is not supported, only "and"');
    fail(`expected "and" after a condition but found ${describeToken(joiner)}`);
  }
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

function readCondition(stream: TokenStream, allowed: readonly FilterAttribute[], fail: ParseFailure): EqCondition {
  const first = stream.peek();
  if (first === undefined) fail('a condition is missing after "and"');
  if (first.kind === '(') fail('parentheses are not supported');
  if (isKeyword(first, 'not')) fail('"not" is not supported');

  const path = readAttributePath(stream, CORE_SCHEMAS, fail);
  const { attribute, emailType } = toFilterAttribute(path, fail);
  if (!allowed.includes(attribute)) fail(`filtering on ${attribute} is not supported here`);

  const operator = stream.next();
  if (operator === undefined) fail(`"eq" and a value are missing after ${attribute}`);
  const operatorName = operator.kind === 'word' ? operator.text.toLowerCase() : '';
  if (operatorName !== 'eq') {
    fail(
      OTHER_OPERATORS.has(operatorName) || isKeyword(operator, 'or') || isKeyword(operator, 'and')
        ? `operator "${operator.text}" is not supported, only "eq"`
        : `expected "eq" after ${attribute} but found ${describeToken(operator)}`,
    );
  }

  const value = stream.next();
  if (value === undefined) fail(`a quoted value is missing after "${attribute} eq"`);
  if (value.kind !== 'string') fail(`the value compared with ${attribute} must be a quoted string`);
  return emailType === undefined ? { attribute, value: value.text } : { attribute, value: value.text, emailType };
}

function toFilterAttribute(
  path: AttributePath,
  fail: ParseFailure,
): { attribute: FilterAttribute; emailType?: string } {
  const written = path.subAttribute === undefined ? path.attribute : `${path.attribute}.${path.subAttribute}`;
  let result: { attribute: FilterAttribute; emailType?: string };
  if (path.valueFilter !== undefined) {
    const [condition, ...others] = path.valueFilter;
    const isWorkEmailForm =
      path.attribute.toLowerCase() === 'emails' &&
      path.subAttribute?.toLowerCase() === 'value' &&
      condition !== undefined &&
      others.length === 0 &&
      condition.attribute.toLowerCase() === 'type' &&
      typeof condition.value === 'string';
    if (!isWorkEmailForm) fail('the only supported value filter is emails[type eq "…"].value');
    result = { attribute: 'emails.value', emailType: condition.value as string };
  } else {
    const attribute = FILTER_ATTRIBUTES.get(written.toLowerCase());
    if (attribute === undefined) fail(`attribute "${written}" is not supported`);
    result = { attribute };
  }
  if (path.schema !== undefined && !definedIn(path.schema, result.attribute)) {
    fail(`${result.attribute} is not an attribute of ${path.schema}`);
  }
  return result;
}

function readAttributePath(stream: TokenStream, knownSchemas: readonly string[], fail: ParseFailure): AttributePath {
  const word = stream.next();
  if (word === undefined || word.kind !== 'word') {
    fail(
      word === undefined
        ? 'an attribute name is missing'
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

function describeSupported(allowed: readonly FilterAttribute[]): string {
  const forms = allowed.flatMap((attribute) =>
    attribute === 'emails.value'
      ? ['emails.value eq "…"', 'emails[type eq "work"].value eq "…"']
      : [`${attribute} eq "…"`],
  );
  return `Supported: ${forms.join(', ')}, optionally joined with "and".`;
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
  while (index < input.length) {
    const char = input.charAt(index);
    if (isWhitespace(char)) {
      index += 1;
    } else if (PUNCTUATION.has(char)) {
      tokens.push({ kind: char as TokenKind, text: char, start: index, end: index + 1 });
      index += 1;
    } else if (char === '"') {
      const end = closingQuote(input, index);
      if (end < 0) fail('a quoted value is not terminated');
      tokens.push({
        kind: 'string',
        text: decodeString(input.slice(index, end + 1), fail),
        start: index,
        end: end + 1,
      });
      index = end + 1;
    } else {
      let end = index;
      while (end < input.length && !isWordBoundary(input.charAt(end))) end += 1;
      tokens.push({ kind: 'word', text: input.slice(index, end), start: index, end });
      index = end;
    }
  }
  return tokens;
}

function closingQuote(input: string, open: number): number {
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
  if (token.kind !== 'word') return `"${token.text}"`;
  return `"${token.text.length > 40 ? `${token.text.slice(0, 40)}…` : token.text}"`;
}

class TokenStream {
  private index = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  get done(): boolean {
    return this.index >= this.tokens.length;
  }

  peek(): Token | undefined {
    return this.tokens[this.index];
  }

  next(): Token | undefined {
    const token = this.tokens[this.index];
    if (token !== undefined) this.index += 1;
    return token;
  }
}
