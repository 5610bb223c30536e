/**
 * RFC 7643 §8.7.2's own schema representation of the discovery resources (Schema, ResourceType,
 * ServiceProviderConfig), written down from the RFC text, and a checker that validates a served document against it.
 * Tests use it to prove `/Schemas`, `/ResourceTypes` and `/ServiceProviderConfig` are what a schema-driven client
 * expects, independently of the server's attribute model.
 */

interface MetaAttribute {
  readonly name: string;
  readonly type: 'string' | 'boolean' | 'integer' | 'reference' | 'complex';
  readonly multiValued?: boolean;
  readonly required?: boolean;
  readonly canonicalValues?: readonly string[];
  readonly subAttributes?: readonly MetaAttribute[];
}

const SCHEMA_URN = 'urn:ietf:params:scim:schemas:core:2.0:Schema';
const RESOURCE_TYPE_URN = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SERVICE_PROVIDER_CONFIG_URN = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';

/**
 * §2.3's data types. §8.7.2 leaves out `binary` from the canonical values of `type`, although §2.3.6 defines it and
 * §4.1.2 uses it for x509Certificates.value; it is accepted here for that reason.
 */
const TYPES = ['string', 'boolean', 'decimal', 'integer', 'dateTime', 'reference', 'complex', 'binary'];

/** The characteristics of one attribute definition (§8.7.2, "attributes" of the Schema schema). */
const ATTRIBUTE_CHARACTERISTICS: readonly MetaAttribute[] = [
  { name: 'name', type: 'string', required: true },
  { name: 'type', type: 'string', required: true, canonicalValues: TYPES },
  { name: 'multiValued', type: 'boolean', required: true },
  { name: 'description', type: 'string' },
  { name: 'required', type: 'boolean' },
  { name: 'canonicalValues', type: 'string', multiValued: true },
  { name: 'caseExact', type: 'boolean' },
  { name: 'mutability', type: 'string', canonicalValues: ['readOnly', 'readWrite', 'immutable', 'writeOnly'] },
  { name: 'returned', type: 'string', canonicalValues: ['always', 'never', 'default', 'request'] },
  { name: 'uniqueness', type: 'string', canonicalValues: ['none', 'server', 'global'] },
  { name: 'referenceTypes', type: 'string', multiValued: true },
];

const SCHEMA_SCHEMA: readonly MetaAttribute[] = [
  { name: 'id', type: 'string', required: true },
  { name: 'name', type: 'string' },
  { name: 'description', type: 'string' },
  {
    name: 'attributes',
    type: 'complex',
    multiValued: true,
    required: true,
    subAttributes: [
      ...ATTRIBUTE_CHARACTERISTICS,
      {
        name: 'subAttributes',
        type: 'complex',
        multiValued: true,
        subAttributes: ATTRIBUTE_CHARACTERISTICS,
      },
    ],
  },
];

const RESOURCE_TYPE_SCHEMA: readonly MetaAttribute[] = [
  { name: 'id', type: 'string' },
  { name: 'name', type: 'string', required: true },
  { name: 'endpoint', type: 'reference', required: true },
  { name: 'description', type: 'string' },
  { name: 'schema', type: 'reference', required: true },
  {
    name: 'schemaExtensions',
    type: 'complex',
    multiValued: true,
    subAttributes: [
      { name: 'schema', type: 'reference', required: true },
      { name: 'required', type: 'boolean', required: true },
    ],
  },
];

const supported = (name: string, more: readonly MetaAttribute[] = []): MetaAttribute => ({
  name,
  type: 'complex',
  required: true,
  subAttributes: [{ name: 'supported', type: 'boolean', required: true }, ...more],
});

const SERVICE_PROVIDER_CONFIG_SCHEMA: readonly MetaAttribute[] = [
  { name: 'documentationUri', type: 'reference' },
  supported('patch'),
  supported('bulk', [
    { name: 'maxOperations', type: 'integer', required: true },
    { name: 'maxPayloadSize', type: 'integer', required: true },
  ]),
  supported('filter', [{ name: 'maxResults', type: 'integer', required: true }]),
  supported('changePassword'),
  supported('sort'),
  supported('etag'),
  {
    name: 'authenticationSchemes',
    type: 'complex',
    multiValued: true,
    required: true,
    subAttributes: [
      {
        name: 'type',
        type: 'string',
        required: true,
        canonicalValues: ['oauth', 'oauth2', 'oauthbearertoken', 'httpbasic', 'httpdigest'],
      },
      { name: 'name', type: 'string', required: true },
      { name: 'description', type: 'string', required: true },
      { name: 'specUri', type: 'reference' },
      { name: 'documentationUri', type: 'reference' },
      // §8.5's example carries it, though §8.7.2 does not declare it.
      { name: 'primary', type: 'boolean' },
    ],
  },
  // RFC 9865 (cursor pagination) adds this attribute to ServiceProviderConfig.
  {
    name: 'pagination',
    type: 'complex',
    subAttributes: [
      { name: 'cursor', type: 'boolean' },
      { name: 'index', type: 'boolean' },
      { name: 'defaultPaginationMethod', type: 'string', canonicalValues: ['cursor', 'index'] },
      { name: 'defaultPageSize', type: 'integer' },
      { name: 'maxPageSize', type: 'integer' },
      { name: 'cursorTimeout', type: 'integer' },
    ],
  },
];

/** §3.1's common attributes, which every discovery resource may carry too. */
const COMMON: readonly MetaAttribute[] = [
  { name: 'schemas', type: 'string', multiValued: true, required: true },
  {
    name: 'meta',
    type: 'complex',
    subAttributes: [
      { name: 'resourceType', type: 'string' },
      { name: 'location', type: 'reference' },
      { name: 'created', type: 'string' },
      { name: 'lastModified', type: 'string' },
      { name: 'version', type: 'string' },
    ],
  },
];

/** Problems of a served Schema resource: §8.7.2 shape plus the rules §2.3 and §7 state in prose. */
export function schemaProblems(document: unknown): string[] {
  const problems = check(document, [...COMMON, ...SCHEMA_SCHEMA], 'Schema');
  problems.push(...schemasAttributeProblems(document, SCHEMA_URN, 'Schema'));
  const attributes = (document as { attributes?: unknown }).attributes;
  if (Array.isArray(attributes)) {
    for (const attribute of attributes) problems.push(...definitionProblems(attribute, 'Schema', true));
  }
  return problems;
}

export function resourceTypeProblems(document: unknown): string[] {
  return [
    ...check(document, [...COMMON, ...RESOURCE_TYPE_SCHEMA], 'ResourceType'),
    ...schemasAttributeProblems(document, RESOURCE_TYPE_URN, 'ResourceType'),
  ];
}

export function serviceProviderConfigProblems(document: unknown): string[] {
  return [
    ...check(document, [...COMMON, ...SERVICE_PROVIDER_CONFIG_SCHEMA], 'ServiceProviderConfig'),
    ...schemasAttributeProblems(document, SERVICE_PROVIDER_CONFIG_URN, 'ServiceProviderConfig'),
  ];
}

/**
 * Rules on one attribute definition that §8.7.2's shape cannot say: §7 requires every characteristic of a
 * definition to be stated for a client to rely on it; a reference carries its referenceTypes (§7); a complex
 * attribute has sub-attributes, and a sub-attribute is never complex itself (§2.3.8).
 */
function definitionProblems(definition: unknown, where: string, topLevel: boolean): string[] {
  if (!isRecord(definition)) return [`${where}: an attribute definition is not an object`];
  const name = typeof definition.name === 'string' ? definition.name : '?';
  const at = `${where}.${name}`;
  const problems: string[] = [];
  for (const characteristic of ['required', 'caseExact', 'mutability', 'returned', 'uniqueness', 'description']) {
    if (definition[characteristic] === undefined) problems.push(`${at}: ${characteristic} is not stated`);
  }
  if (typeof definition.description === 'string' && definition.description.trim() === '') {
    problems.push(`${at}: description is empty`);
  }
  if (definition.type === 'reference') {
    const types = definition.referenceTypes;
    if (!Array.isArray(types) || types.length === 0) problems.push(`${at}: a reference without referenceTypes`);
  } else if (definition.referenceTypes !== undefined) {
    problems.push(`${at}: referenceTypes on a ${String(definition.type)} attribute`);
  }
  const subAttributes = definition.subAttributes;
  if (definition.type === 'complex') {
    if (!topLevel) problems.push(`${at}: a sub-attribute cannot be complex`);
    if (!Array.isArray(subAttributes) || subAttributes.length === 0) {
      problems.push(`${at}: a complex attribute without subAttributes`);
    } else {
      for (const sub of subAttributes) problems.push(...definitionProblems(sub, at, false));
      const names = subAttributes.map((sub) => (isRecord(sub) ? String(sub.name).toLowerCase() : ''));
      if (new Set(names).size !== names.length) problems.push(`${at}: sub-attribute names repeat`);
    }
  } else if (subAttributes !== undefined) {
    problems.push(`${at}: subAttributes on a ${String(definition.type)} attribute`);
  }
  return problems;
}

function schemasAttributeProblems(document: unknown, urn: string, where: string): string[] {
  const schemas = isRecord(document) ? document.schemas : undefined;
  return Array.isArray(schemas) && schemas.includes(urn) ? [] : [`${where}: schemas does not contain ${urn}`];
}

/** The value against its meta-schema: required present, types right, canonical values kept, nothing unknown. */
function check(value: unknown, attributes: readonly MetaAttribute[], where: string): string[] {
  if (!isRecord(value)) return [`${where}: not an object`];
  const problems: string[] = [];
  for (const attribute of attributes) {
    const inner = value[attribute.name];
    if (inner === undefined) {
      if (attribute.required) problems.push(`${where}.${attribute.name}: required but missing`);
      continue;
    }
    problems.push(...checkValue(inner, attribute, `${where}.${attribute.name}`));
  }
  for (const key of Object.keys(value)) {
    if (!attributes.some((attribute) => attribute.name === key)) problems.push(`${where}.${key}: not in the schema`);
  }
  return problems;
}

function checkValue(value: unknown, attribute: MetaAttribute, where: string): string[] {
  if (attribute.multiValued) {
    if (!Array.isArray(value)) return [`${where}: must be an array`];
    return value.flatMap((item, index) => checkSingle(item, attribute, `${where}[${index}]`));
  }
  if (Array.isArray(value)) return [`${where}: must not be an array`];
  return checkSingle(value, attribute, where);
}

function checkSingle(value: unknown, attribute: MetaAttribute, where: string): string[] {
  switch (attribute.type) {
    case 'complex':
      return check(value, attribute.subAttributes ?? [], where);
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${where}: must be a boolean`];
    case 'integer':
      return Number.isInteger(value) ? [] : [`${where}: must be an integer`];
    default: {
      if (typeof value !== 'string') return [`${where}: must be a string`];
      if (attribute.canonicalValues && !attribute.canonicalValues.includes(value)) {
        return [`${where}: "${value}" is not one of ${attribute.canonicalValues.join(', ')}`];
      }
      return [];
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
