/**
 * Answers a parsed filter (`filter.ts`) over an organization's Users or Groups: checks it against the attributes a
 * resource has, plans it (index lookups where an index answers it, else a bounded evaluation page by page) and
 * evaluates it on each candidate's SCIM representation.
 */

import { foldCase } from '../domain/case-fold';
import { isResourceId } from '../domain/clock';
import { compareText } from '../domain/list-order';
import { type AttributeDefinition, resolveAttribute, schemaUrnsOf } from './attribute-model';
import { ScimError } from './errors';
import type { CompareOperator, FilterNode, FilterPath, FilterValue } from './filter';
import { isRecord } from './records';
import { Schemas } from './schemas';

export type FilterResourceType = 'User' | 'Group';
export type AttributeType = 'string' | 'boolean' | 'dateTime' | 'reference' | 'complex' | 'binary';

export interface AttributeCharacteristics {
  readonly type: AttributeType;
  readonly caseExact: boolean;
  readonly multiValued: boolean;
}

/** Items a filter without an index may read before it is answered 400 tooMany (RFC 7644 §3.12). */
export const MAX_FILTER_SCAN_ITEMS = 10_000;

/**
 * The one place a filter learns what an attribute is: its type, caseExact and multiValued (RFC 7643 §2.2, §4).
 * `path.subAttribute` undefined asks for the attribute itself. Undefined for an attribute the resource does not have.
 */
export function attributeCharacteristics(
  resourceType: FilterResourceType,
  path: FilterPath,
): AttributeCharacteristics | undefined {
  const { core, extensions } = schemaUrnsOf(resourceType);
  // An unqualified name is looked up in the core schema first, then in the extensions (Entra sends `department`).
  for (const schema of path.schema === undefined ? [core, ...extensions] : [path.schema]) {
    const resolved = resolveAttribute(resourceType, path.attribute, path.subAttribute, schema);
    if (resolved === undefined || !filterable(resourceType, resolved.attribute)) continue;
    const target = resolved.subAttribute ?? resolved.attribute;
    return {
      // Stryker disable next-line ConditionalExpression,LogicalOperator,StringLiteral: no User or Group attribute is an integer or a decimal
      type: target.type === 'integer' || target.type === 'decimal' ? 'string' : target.type,
      caseExact: target.caseExact,
      multiValued: path.subAttribute === undefined && resolved.attribute.multiValued,
    };
  }
  return undefined;
}

/**
 * Attributes a filter may name: not those never returned (password), and not a User's `groups`, which lists leave
 * out (one index query per user) so a filter could not see them.
 */
function filterable(resourceType: FilterResourceType, attribute: AttributeDefinition): boolean {
  // Stryker disable next-line ConditionalExpression: a Group has no attribute named groups, so the type test only says why
  return attribute.returned !== 'never' && !(resourceType === 'User' && attribute.name === 'groups');
}

export function filterSchemas(resourceType: FilterResourceType): readonly string[] {
  return resourceType === 'Group' ? [Schemas.group] : [Schemas.user, Schemas.enterpriseUser];
}

/**
 * Refuses, as 400 invalidFilter, filters naming attributes the resource does not have, attributes the server never
 * returns (password), or comparisons their type does not allow (RFC 7644 §3.4.2.2: gt/ge/lt/le on booleans and
 * binaries; a datetime compared with text that is not a datetime).
 */
export function checkFilter(node: FilterNode, resourceType: FilterResourceType, parent?: FilterPath): void {
  switch (node.kind) {
    case 'and':
    case 'or':
      checkFilter(node.left, resourceType, parent);
      checkFilter(node.right, resourceType, parent);
      return;
    case 'not':
      checkFilter(node.operand, resourceType, parent);
      return;
    case 'valuePath': {
      const info = characteristicsOrFail(resourceType, node.path);
      if (!info.multiValued) fail(`${describe(node.path)} is not multi-valued, so it cannot take a value filter`);
      checkFilter(node.filter, resourceType, node.path);
      return;
    }
    case 'present':
      characteristicsOrFail(resourceType, absolute(node.path, parent));
      return;
    case 'compare': {
      const path = absolute(node.path, parent);
      const info = characteristicsOrFail(resourceType, path);
      checkComparison(info, node.operator, node.value, path);
    }
  }
}

function checkComparison(
  info: AttributeCharacteristics,
  operator: CompareOperator,
  value: FilterValue,
  path: FilterPath,
): void {
  if (value === null) {
    if (operator !== 'eq' && operator !== 'ne') fail(`only eq and ne compare ${describe(path)} with null`);
    return;
  }
  if (info.type === 'boolean' || info.type === 'binary') {
    if (operator !== 'eq' && operator !== 'ne') fail(`${describe(path)} is ${info.type}: only eq, ne and pr apply`);
  }
  // Stryker disable next-line ConditionalExpression: a boolean value prints as true or false, which the pattern accepts anyway
  if (info.type === 'boolean' && typeof value !== 'boolean' && !/^(true|false)$/i.test(String(value))) {
    fail(`${describe(path)} is boolean: compare it with true or false`);
  }
  if (info.type === 'dateTime' && ['eq', 'ne', 'gt', 'ge', 'lt', 'le'].includes(operator)) {
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
      fail(`${describe(path)} is a dateTime: compare it with a quoted xsd:dateTime such as "2024-05-13T04:42:34Z"`);
    }
  }
}

function characteristicsOrFail(resourceType: FilterResourceType, path: FilterPath): AttributeCharacteristics {
  const info = attributeCharacteristics(resourceType, path);
  // Stryker disable next-line ConditionalExpression,LogicalOperator,MethodExpression,StringLiteral: password is returned never, so attributeCharacteristics already knows it not; this is a second guard
  if (info === undefined || path.attribute.toLowerCase() === 'password') {
    fail(`${resourceType}s have no attribute ${describe(path)} that a filter can compare`);
  }
  return info;
}

function absolute(path: FilterPath, parent: FilterPath | undefined): FilterPath {
  if (parent === undefined) return path;
  return {
    // Stryker disable next-line ConditionalExpression,ObjectLiteral: only core attributes are multi-valued, and the core schema is the default
    ...(parent.schema ? { schema: parent.schema } : {}),
    attribute: parent.attribute,
    subAttribute: path.attribute,
  };
}

function describe(path: FilterPath): string {
  return path.subAttribute === undefined ? path.attribute : `${path.attribute}.${path.subAttribute}`;
}

function fail(detail: string): never {
  throw ScimError.badRequest('invalidFilter', `Invalid filter: ${detail}`);
}

/** True when the SCIM resource satisfies the filter (checked with `checkFilter` first). */
export function matchesFilter(
  resource: Readonly<Record<string, unknown>>,
  node: FilterNode,
  resourceType: FilterResourceType,
): boolean {
  return evaluate(resource, node, resourceType, undefined);
}

function evaluate(
  context: Readonly<Record<string, unknown>>,
  node: FilterNode,
  resourceType: FilterResourceType,
  parent: FilterPath | undefined,
): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(context, node.left, resourceType, parent) && evaluate(context, node.right, resourceType, parent);
    case 'or':
      return evaluate(context, node.left, resourceType, parent) || evaluate(context, node.right, resourceType, parent);
    case 'not':
      return !evaluate(context, node.operand, resourceType, parent);
    case 'valuePath':
      return valuesAt(context, node.path, resourceType, undefined, false).some(
        (element) => isRecord(element) && evaluate(element, node.filter, resourceType, node.path),
      );
    case 'present':
      return valuesAt(context, node.path, resourceType, parent, true).some(isPresent);
    case 'compare': {
      const info = attributeCharacteristics(resourceType, absolute(node.path, parent));
      if (info === undefined) return false;
      const values = valuesAt(context, node.path, resourceType, parent, true).filter(isPresent);
      if (node.value === null) return node.operator === 'eq' ? values.length === 0 : values.length > 0;
      if (node.operator === 'ne') return !values.some((value) => compare(value, 'eq', node.value, info));
      return values.some((value) => compare(value, node.operator, node.value, info));
    }
  }
}

/**
 * The values `path` reaches in `context` (keys matched without regard to case), arrays flattened. With `implyValue`,
 * a multi-valued complex attribute named without a sub-attribute stands for its `value`s (`emails co "@acme"`).
 */
function valuesAt(
  context: Readonly<Record<string, unknown>>,
  path: FilterPath,
  resourceType: FilterResourceType,
  parent: FilterPath | undefined,
  implyValue: boolean,
): unknown[] {
  let holder: Readonly<Record<string, unknown>> | undefined = context;
  // A path inside a value filter names a sub-attribute of the element, never an extension's attribute. A Group has no
  // extension: a name only the enterprise extension has finds nothing in a group, looked for there or not.
  // Stryker disable next-line ConditionalExpression: no sub-attribute shares its name with an extension-only attribute (see above)
  if (parent === undefined) {
    // The name decides, qualified or not: checkFilter refuses a name qualified by a schema that does not define it.
    const extension = inExtensionOnly(path);
    if (extension) {
      const inner = context[Schemas.enterpriseUser];
      holder = isRecord(inner) ? inner : undefined;
    }
  }
  if (holder === undefined) return [];
  const top = flatten(field(holder, path.attribute));
  if (path.subAttribute !== undefined)
    return top.flatMap((element) => (isRecord(element) ? flatten(field(element, path.subAttribute as string)) : []));
  // A single-valued complex attribute (`name pr`) is present through any of its sub-attributes, not a `value`.
  if (implyValue && top.some(isRecord) && attributeCharacteristics(resourceType, absolute(path, parent))?.multiValued)
    return top.flatMap((element) => (isRecord(element) ? flatten(field(element, 'value')) : []));
  return top;
}

/** A name the enterprise extension defines: the core User shares none with it (a model test keeps it so). */
function inExtensionOnly(path: FilterPath): boolean {
  return resolveAttribute('User', path.attribute, undefined, Schemas.enterpriseUser) !== undefined;
}

function field(record: Readonly<Record<string, unknown>>, name: string): unknown {
  // Stryker disable next-line ConditionalExpression: the fast path for the usual spelling; the loop below finds the same key
  if (name in record) return record[name];
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(record)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

/** A value as a list of values; an absent one is kept as `undefined`, which `isPresent` and `isRecord` turn away. */
function flatten(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

function isPresent(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value !== '';
  if (isRecord(value)) return Object.keys(value).length > 0;
  return true;
}

function compare(
  actual: unknown,
  operator: CompareOperator,
  expected: FilterValue,
  info: AttributeCharacteristics,
): boolean {
  if (info.type === 'dateTime' && ['eq', 'gt', 'ge', 'lt', 'le'].includes(operator)) {
    const a = Date.parse(String(actual));
    const b = Date.parse(String(expected));
    // Stryker disable next-line ConditionalExpression,LogicalOperator,BooleanLiteral,BlockStatement: every order comparison with NaN is false anyway
    if (Number.isNaN(a) || Number.isNaN(b)) return false;
    return order(a, b, operator);
  }
  if (typeof actual === 'number' && typeof expected === 'number') return order(actual, expected, operator);
  if (typeof actual === 'object') return false;
  const fold = (text: string) => (info.caseExact ? text.normalize('NFC') : foldCase(text));
  const a = fold(String(actual));
  const b = fold(String(expected));
  switch (operator) {
    case 'co':
      return a.includes(b);
    case 'sw':
      return a.startsWith(b);
    case 'ew':
      return a.endsWith(b);
    default:
      return order(a, b, operator);
  }
}

function order<T extends number | string>(a: T, b: T, operator: CompareOperator): boolean {
  switch (operator) {
    case 'eq':
      return a === b;
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
    default:
      // Stryker disable next-line BooleanLiteral: unreachable, ne and the text operators are answered before
      return false;
  }
}

// --- Planning ---

/** An exact lookup an index answers: `id`, `userName`, `externalId`, any email address, Group `displayName`, or the
 * groups a user is a `member` of (the membership reverse index). */
export interface IndexLookup {
  readonly index: 'id' | 'userName' | 'externalId' | 'email' | 'displayName' | 'member';
  readonly value: string;
}

/** `lookups`: the union of their results holds every match (each candidate is still evaluated); `scan`: none does. */
export type FilterPlan =
  | { readonly kind: 'lookups'; readonly lookups: readonly IndexLookup[] }
  | { readonly kind: 'scan' };

/** More lookups than this (a long `or`) are answered by evaluation instead. */
const MAX_LOOKUPS = 50;

export function planFilter(node: FilterNode, resourceType: FilterResourceType): FilterPlan {
  const lookups = lookupsFor(node, resourceType);
  return lookups === undefined || lookups.length > MAX_LOOKUPS ? { kind: 'scan' } : { kind: 'lookups', lookups };
}

function lookupsFor(node: FilterNode, resourceType: FilterResourceType): IndexLookup[] | undefined {
  switch (node.kind) {
    case 'and': {
      const left = lookupsFor(node.left, resourceType);
      const right = lookupsFor(node.right, resourceType);
      if (left === undefined) return right;
      if (right === undefined) return left;
      // Either side narrows enough: take the one with fewer lookups, and of two as long the one that reads an id (one
      // GetItem rather than a Query).
      return lookupCost(right) < lookupCost(left) ? right : left;
    }
    case 'or': {
      const left = lookupsFor(node.left, resourceType);
      const right = lookupsFor(node.right, resourceType);
      return left === undefined || right === undefined ? undefined : [...left, ...right];
    }
    case 'valuePath': {
      if (resourceType !== 'User' || node.path.attribute.toLowerCase() !== 'emails') return undefined;
      return emailLookupIn(node.filter);
    }
    case 'compare':
      return lookupFor(node, resourceType);
    default:
      return undefined;
  }
}

/** Two per lookup, one less when one of them reads an id: fewer lookups first, then an id. */
function lookupCost(lookups: readonly IndexLookup[]): number {
  return lookups.length * 2 - (lookups.some((lookup) => lookup.index === 'id') ? 1 : 0);
}

function emailLookupIn(node: FilterNode): IndexLookup[] | undefined {
  if (node.kind === 'and') return emailLookupIn(node.left) ?? emailLookupIn(node.right);
  if (node.kind === 'or') {
    const left = emailLookupIn(node.left);
    const right = emailLookupIn(node.right);
    return left === undefined || right === undefined ? undefined : [...left, ...right];
  }
  if (node.kind === 'compare' && node.operator === 'eq' && typeof node.value === 'string') {
    if (node.path.attribute.toLowerCase() === 'value') return [{ index: 'email', value: node.value }];
  }
  return undefined;
}

function lookupFor(
  node: Extract<FilterNode, { kind: 'compare' }>,
  resourceType: FilterResourceType,
): IndexLookup[] | undefined {
  if (node.operator !== 'eq' || typeof node.value !== 'string') return undefined;
  if (node.path.schema === Schemas.enterpriseUser) return undefined;
  const name = (
    node.path.subAttribute === undefined ? node.path.attribute : `${node.path.attribute}.${node.path.subAttribute}`
  ).toLowerCase();
  const value = node.value;
  if (name === 'id') return isResourceId(value) ? [{ index: 'id', value }] : [];
  if (name === 'externalid') return [{ index: 'externalId', value }];
  if (resourceType === 'User') {
    if (name === 'username') return [{ index: 'userName', value }];
    if (name === 'emails.value' || name === 'emails') return [{ index: 'email', value }];
  } else {
    if (name === 'displayname') return [{ index: 'displayName', value }];
    if (name === 'members.value' || name === 'members') return isResourceId(value) ? [{ index: 'member', value }] : [];
  }
  return undefined;
}

// --- Answering ---

/** What `findMatches` reads: index lookups, the organization's item count, and its items page by page in id order. */
export interface FilterSource<T> {
  lookup(lookup: IndexLookup): Promise<readonly T[]>;
  count(): Promise<number>;
  /** Up to `limit` items after `afterId` (from the start when undefined), in id order; `last` absent at the end. */
  scan(afterId: string | undefined, limit: number): Promise<{ items: readonly T[]; last?: string }>;
  idOf(item: T): string;
  /** The SCIM representation the filter is evaluated on (may read more, e.g. a group's members when named). */
  represent(item: T): Promise<Readonly<Record<string, unknown>>>;
}

const SCAN_PAGE = 1000;

/**
 * Every item matching the filter, in id (creation) order. Throws 400 invalidFilter for a filter that is not valid
 * for the resource type and 400 tooMany when no index answers it and the organization holds more than
 * MAX_FILTER_SCAN_ITEMS items: never a partial list.
 */
export async function findMatches<T>(
  filter: FilterNode,
  resourceType: FilterResourceType,
  source: FilterSource<T>,
): Promise<T[]> {
  checkFilter(filter, resourceType);
  const plan = planFilter(filter, resourceType);
  const matches: T[] = [];
  if (plan.kind === 'lookups') {
    const seen = new Set<string>();
    for (const lookup of plan.lookups) {
      for (const item of await source.lookup(lookup)) {
        const id = source.idOf(item);
        if (seen.has(id)) continue;
        seen.add(id);
        if (matchesFilter(await source.represent(item), filter, resourceType)) matches.push(item);
      }
    }
    return matches.sort((a, b) => compareText(source.idOf(a), source.idOf(b)));
  }
  if ((await source.count()) > MAX_FILTER_SCAN_ITEMS) throw tooMany(resourceType);
  let after: string | undefined;
  let read = 0;
  for (;;) {
    const page = await source.scan(after, SCAN_PAGE);
    read += page.items.length;
    if (read > MAX_FILTER_SCAN_ITEMS) throw tooMany(resourceType);
    for (const item of page.items) {
      if (matchesFilter(await source.represent(item), filter, resourceType)) matches.push(item);
    }
    if (page.last === undefined) return matches;
    after = page.last;
  }
}

function tooMany(resourceType: FilterResourceType): ScimError {
  return ScimError.badRequest(
    'tooMany',
    `This filter is answered by reading every ${resourceType} of the organization, and it holds more than ` +
      `${MAX_FILTER_SCAN_ITEMS}. Filter with eq on id, externalId, ${
        resourceType === 'User' ? 'userName or an email address' : 'displayName or members.value'
      }, which indexes answer.`,
  );
}
