import type { EventDetailSchema } from '../../lambda/contract/license-events';

/**
 * Checks a value against the JSON Schema subset the license event schemas use (type, required, properties,
 * additionalProperties false, enum, const, minLength, format date-time, items). Returns the problems, empty when
 * none. Small on purpose: the schemas are data the README documents, and this reads them as a consumer would.
 */
export function validateAgainstSchema(value: unknown, schema: EventDetailSchema, path = '$'): string[] {
  const problems: string[] = [];
  if (schema.type !== undefined && !hasType(value, schema.type)) {
    return [`${path}: expected ${schema.type}, got ${value === null ? 'null' : typeof value}`];
  }
  if (schema.const !== undefined && value !== schema.const) problems.push(`${path}: expected ${schema.const}`);
  if (schema.enum !== undefined && !schema.enum.includes(value as string)) {
    problems.push(`${path}: ${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`);
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) problems.push(`${path}: too short`);
    if (schema.format === 'date-time' && !isDateTime(value)) problems.push(`${path}: not an RFC 3339 date-time`);
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, index) => {
      problems.push(...validateAgainstSchema(item, schema.items!, `${path}[${index}]`));
    });
  }
  if (schema.type === 'object' && typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    for (const name of schema.required ?? []) {
      if (!(name in record)) problems.push(`${path}.${name}: required`);
    }
    for (const [name, member] of Object.entries(record)) {
      const memberSchema = schema.properties?.[name];
      if (memberSchema) problems.push(...validateAgainstSchema(member, memberSchema, `${path}.${name}`));
      else if (schema.additionalProperties === false) problems.push(`${path}.${name}: not allowed`);
    }
  }
  return problems;
}

function hasType(value: unknown, type: NonNullable<EventDetailSchema['type']>): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    default:
      return typeof value === type;
  }
}

function isDateTime(value: string): boolean {
  return (
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) && !Number.isNaN(Date.parse(value))
  );
}
