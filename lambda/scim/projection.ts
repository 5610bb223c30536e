/**
 * The `attributes` and `excludedAttributes` query parameters (RFC 7644 §3.4.2.5, §3.9): which attributes a response
 * carries. Names are matched without regard to case and may be qualified with a schema URN
 * (`urn:ietf:params:scim:schemas:core:2.0:Group:displayName`, `urn:…:enterprise:2.0:User:department`) or name a
 * sub-attribute (`name.givenName`, `members.value`). `id`, `schemas` and `meta` are always returned.
 *
 * Endpoints also ask `isRequested` before reading an attribute that is expensive to load (a group's `members`), so
 * `excludedAttributes=members` saves the reads, not only the bytes.
 */
import { RESOURCE_TYPES, SCHEMAS } from './attribute-model';
import { ScimError } from './errors';
import { param } from './list-query';
import { isRecord } from './records';

/** Attributes that every response carries, whatever the parameters say: `schemas` and the model's `returned: always`. */
const ALWAYS_RETURNED: ReadonlySet<string> = new Set([
  'schemas',
  ...SCHEMAS.flatMap((schema) => schema.attributes)
    .filter((attribute) => attribute.returned === 'always')
    .map((attribute) => attribute.name.toLowerCase()),
]);

/** Schemas whose attributes sit at the top level of a resource: a path qualified by one of them is unqualified. */
const CORE_SCHEMAS: readonly string[] = RESOURCE_TYPES.map((type) => type.schema);
/** Schemas whose attributes sit under their URN as a key of the resource. */
const EXTENSION_SCHEMAS: readonly string[] = RESOURCE_TYPES.flatMap((type) =>
  type.schemaExtensions.map((extension) => extension.schema),
);

const NAME = /^[A-Za-z$][\w$-]*$/;

/** A set of attribute paths as a tree of lower-cased keys; `ALL` marks a path that selects a whole value. */
type Selection = Map<string, Selection | typeof ALL>;
const ALL = Symbol('all');

export interface Projection {
  /** From `attributes`: only these (and the always-returned ones). Undefined when the parameter is absent. */
  readonly attributes?: Selection;
  /** From `excludedAttributes`: everything else. Undefined when the parameter is absent. */
  readonly excluded?: Selection;
}

/**
 * Reads `attributes` and `excludedAttributes` (parameter names in any case). When both are given, `attributes`
 * selects first and `excludedAttributes` then removes from that selection.
 * @throws ScimError 400 `invalidValue` for a name that is not an attribute path
 */
export function parseProjection(query: Readonly<Record<string, string | undefined>>): Projection {
  const attributes = parseList(param(query, 'attributes'), 'attributes');
  const excluded = parseList(param(query, 'excludedAttributes'), 'excludedAttributes');
  return { attributes, excluded };
}

/** True when the client used `attributes` or `excludedAttributes`. */
export function hasProjection(projection: Projection): boolean {
  return projection.attributes !== undefined || projection.excluded !== undefined;
}

/**
 * Whether any part of a top-level attribute (e.g. `members`, `groups`) will appear in the response, so the caller
 * knows whether it must load it.
 */
export function isRequested(projection: Projection, attribute: string): boolean {
  const key = attribute.toLowerCase();
  if (ALWAYS_RETURNED.has(key)) return true;
  if (projection.attributes !== undefined && !projection.attributes.has(key)) return false;
  return projection.excluded?.get(key) !== ALL;
}

/** The resource with only the requested attributes; the input is not modified. */
export function applyProjection(resource: Record<string, unknown>, projection: Projection): Record<string, unknown> {
  let result = resource;
  if (projection.attributes !== undefined) result = select(result, projection.attributes, true);
  if (projection.excluded !== undefined) result = exclude(result, projection.excluded, true);
  return result;
}

function parseList(raw: string | undefined, parameter: string): Selection | undefined {
  if (raw === undefined) return undefined;
  const selection: Selection = new Map();
  for (const entry of raw.split(',')) {
    const text = entry.trim();
    if (text === '') continue;
    addPath(selection, toPath(text, parameter));
  }
  return selection;
}

/** `urn:…:core:2.0:Group:members.value` → ['members', 'value']; `urn:…:enterprise:2.0:User:department` → [urn, 'department']. */
function toPath(text: string, parameter: string): string[] {
  const lower = text.toLowerCase();
  let prefix: string[] = [];
  let rest = text;
  if (lower.startsWith('urn:')) {
    const extension = EXTENSION_SCHEMAS.find((urn) => lower === urn.toLowerCase());
    if (extension !== undefined) return [extension.toLowerCase()];
    // No known URN followed by a colon begins another, so the first that matches is the only one.
    const schema = [...CORE_SCHEMAS, ...EXTENSION_SCHEMAS].find((urn) => lower.startsWith(`${urn.toLowerCase()}:`));
    if (schema === undefined) throw invalid(text, parameter, 'its schema URN is not one this server knows');
    if (EXTENSION_SCHEMAS.includes(schema)) prefix = [schema.toLowerCase()];
    rest = text.slice(schema.length + 1);
  }
  const parts = rest.split('.');
  if (parts.length > 2 || parts.some((part) => !NAME.test(part))) {
    throw invalid(text, parameter, 'use attribute or attribute.subAttribute, optionally prefixed with a schema URN');
  }
  return [...prefix, ...parts.map((part) => part.toLowerCase())];
}

function invalid(text: string, parameter: string, why: string): ScimError {
  return ScimError.badRequest('invalidValue', `${parameter} contains "${text.slice(0, 80)}": ${why}`);
}

function addPath(selection: Selection, path: readonly string[]): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  const existing = selection.get(head);
  if (existing === ALL) return;
  if (rest.length === 0) {
    selection.set(head, ALL);
    return;
  }
  const child: Selection = existing ?? new Map();
  selection.set(head, child);
  addPath(child, rest);
}

function select(value: Record<string, unknown>, selection: Selection, topLevel: boolean): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const lower = key.toLowerCase();
    if (topLevel && ALWAYS_RETURNED.has(lower)) {
      result[key] = inner;
      continue;
    }
    const wanted = selection.get(lower);
    if (wanted === undefined) continue;
    if (wanted === ALL) {
      result[key] = inner;
      continue;
    }
    const picked = selectInner(inner, wanted);
    if (picked !== undefined) result[key] = picked;
  }
  return result;
}

/** Sub-attributes of a complex value, or of each value of a multi-valued one; undefined when nothing is left. */
function selectInner(value: unknown, selection: Selection): unknown {
  if (Array.isArray(value)) {
    const items = value.filter(isRecord).map((item) => select(item, selection, false));
    const kept = items.filter((item) => Object.keys(item).length > 0);
    return kept.length > 0 ? kept : undefined;
  }
  if (!isRecord(value)) return undefined;
  const picked = select(value, selection, false);
  return Object.keys(picked).length > 0 ? picked : undefined;
}

function exclude(value: Record<string, unknown>, selection: Selection, topLevel: boolean): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const lower = key.toLowerCase();
    const unwanted = topLevel && ALWAYS_RETURNED.has(lower) ? undefined : selection.get(lower);
    if (unwanted === ALL) continue;
    if (unwanted === undefined) {
      result[key] = inner;
      continue;
    }
    if (Array.isArray(inner)) {
      result[key] = inner.map((item) => (isRecord(item) ? exclude(item, unwanted, false) : item));
    } else if (isRecord(inner)) {
      result[key] = exclude(inner, unwanted, false);
    } else {
      result[key] = inner;
    }
  }
  return result;
}
