/**
 * Validates a SCIM resource against the schemas a server serves at `/Schemas` and `/ResourceTypes`, as a
 * schema-driven client would read them: every attribute present is declared (in the core schema or a declared
 * extension listed in `schemas`), has the declared type and plurality, its sub-attributes are declared, nothing
 * `returned: never` comes back, and required attributes are there. Returns the problems found, empty when none.
 */

export interface ServedAttribute {
  readonly name: string;
  readonly type: string;
  readonly multiValued: boolean;
  readonly required: boolean;
  readonly returned: string;
  readonly subAttributes?: readonly ServedAttribute[];
}

export interface ServedSchema {
  readonly id: string;
  readonly attributes: readonly ServedAttribute[];
}

export interface ServedResourceType {
  readonly name: string;
  readonly schema: string;
  readonly schemaExtensions?: readonly { readonly schema: string; readonly required: boolean }[];
}

/** Attributes common to every resource (RFC 7643 §3.1), which some servers list in each schema and some do not. */
const COMMON = new Set(['schemas', 'id', 'externalId', 'meta']);

export function resourceProblems(
  resource: Record<string, unknown>,
  resourceType: ServedResourceType,
  schemas: ReadonlyMap<string, ServedSchema>,
): string[] {
  const problems: string[] = [];
  const core = schemas.get(resourceType.schema);
  if (!core) return [`schema ${resourceType.schema} is not served`];
  const declaredSchemas = resource.schemas;
  if (!Array.isArray(declaredSchemas) || !declaredSchemas.includes(resourceType.schema)) {
    problems.push(`schemas does not list ${resourceType.schema}`);
  }
  const extensions = new Map((resourceType.schemaExtensions ?? []).map((extension) => [extension.schema, extension]));

  for (const [key, value] of Object.entries(resource)) {
    if (key === 'schemas') continue;
    if (extensions.has(key)) {
      if (!Array.isArray(declaredSchemas) || !declaredSchemas.includes(key))
        problems.push(`schemas does not list ${key}`);
      const extension = schemas.get(key);
      if (!extension) {
        problems.push(`extension schema ${key} is not served`);
        continue;
      }
      if (!isObject(value)) {
        problems.push(`${key} is not an object`);
        continue;
      }
      problems.push(...attributesProblems(value, extension.attributes, key));
      continue;
    }
    const definition = core.attributes.find((attribute) => attribute.name === key);
    if (!definition) {
      if (!COMMON.has(key)) problems.push(`${key} is not declared in ${core.id}`);
      continue;
    }
    problems.push(...valueProblems(value, definition, key));
  }
  for (const attribute of core.attributes) {
    if (attribute.required && resource[attribute.name] === undefined && attribute.returned !== 'never') {
      problems.push(`required ${attribute.name} is missing`);
    }
  }
  return problems;
}

function attributesProblems(
  value: Record<string, unknown>,
  attributes: readonly ServedAttribute[],
  where: string,
): string[] {
  const problems: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    const definition = attributes.find((attribute) => attribute.name === key);
    if (!definition) problems.push(`${where}.${key} is not declared`);
    else problems.push(...valueProblems(item, definition, `${where}.${key}`));
  }
  return problems;
}

function valueProblems(value: unknown, definition: ServedAttribute, where: string): string[] {
  if (definition.returned === 'never') return [`${where} is returned although declared returned: never`];
  if (definition.multiValued) {
    if (!Array.isArray(value)) return [`${where} is multi-valued but not an array`];
    return value.flatMap((item, index) => singleProblems(item, definition, `${where}[${index}]`));
  }
  if (Array.isArray(value)) return [`${where} is single-valued but an array`];
  return singleProblems(value, definition, where);
}

function singleProblems(value: unknown, definition: ServedAttribute, where: string): string[] {
  switch (definition.type) {
    case 'string':
    case 'reference':
    case 'binary':
      return typeof value === 'string' ? [] : [`${where} is not a string`];
    case 'dateTime':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? [] : [`${where} is not a dateTime`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${where} is not a boolean`];
    case 'integer':
      return Number.isInteger(value) ? [] : [`${where} is not an integer`];
    case 'decimal':
      return typeof value === 'number' ? [] : [`${where} is not a number`];
    case 'complex':
      if (!isObject(value)) return [`${where} is not an object`];
      return attributesProblems(value, definition.subAttributes ?? [], where);
    default:
      return [`${where} has unknown type ${definition.type}`];
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
