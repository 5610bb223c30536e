/**
 * The SCIM attribute model: every attribute this server knows, with its characteristics (RFC 7643 §2.2, §7), for the
 * core User (§4.1), the enterprise User extension (§4.3) and the Group (§4.2), plus the common attributes of §3.1.
 *
 * This is the only place attribute knowledge is written down. Canonical name casing, PATCH's multi-valued and
 * read-only sets, the filter's attribute resolution, projection, resource validation and the `/Schemas` and
 * `/ResourceTypes` documents are all derived from it, so what the server accepts and what it advertises cannot drift.
 */
import { Schemas } from './schemas';

export type AttributeType =
  | 'string'
  | 'boolean'
  | 'decimal'
  | 'integer'
  | 'dateTime'
  | 'binary'
  | 'reference'
  | 'complex';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type Returned = 'always' | 'never' | 'default' | 'request';
export type Uniqueness = 'none' | 'server' | 'global';

/** One attribute or sub-attribute, with every characteristic RFC 7643 §7 names. */
export interface AttributeDefinition {
  readonly name: string;
  readonly type: AttributeType;
  readonly multiValued: boolean;
  readonly description: string;
  readonly required: boolean;
  readonly caseExact: boolean;
  readonly mutability: Mutability;
  readonly returned: Returned;
  readonly uniqueness: Uniqueness;
  readonly canonicalValues?: readonly string[];
  readonly referenceTypes?: readonly string[];
  readonly subAttributes?: readonly AttributeDefinition[];
  /**
   * Accepted on input and thrown away, never stored: the server offers no password management, yet Okta sends a
   * password on every create. Not a characteristic of RFC 7643; left out of `/Schemas`.
   */
  readonly discarded?: true;
}

export interface SchemaDefinition {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly AttributeDefinition[];
}

export type ResourceTypeName = 'User' | 'Group';

export interface ResourceTypeDefinition {
  readonly id: string;
  readonly name: ResourceTypeName;
  readonly endpoint: string;
  readonly description: string;
  readonly schema: string;
  readonly schemaExtensions: readonly { readonly schema: string; readonly required: boolean }[];
}

type Options = Partial<Omit<AttributeDefinition, 'name' | 'description'>>;

/** An attribute with RFC 7643 §2.2's defaults for every characteristic not given. */
function attribute(name: string, description: string, options: Options = {}): AttributeDefinition {
  return {
    name,
    type: options.type ?? 'string',
    multiValued: options.multiValued ?? false,
    description,
    required: options.required ?? false,
    caseExact: options.caseExact ?? false,
    mutability: options.mutability ?? 'readWrite',
    returned: options.returned ?? 'default',
    uniqueness: options.uniqueness ?? 'none',
    ...(options.canonicalValues ? { canonicalValues: options.canonicalValues } : {}),
    ...(options.referenceTypes ? { referenceTypes: options.referenceTypes } : {}),
    ...(options.subAttributes ? { subAttributes: options.subAttributes } : {}),
    ...(options.discarded ? { discarded: true } : {}),
  };
}

/** A multi-valued complex attribute of §2.4 whose values are `value`, `display`, `type` and `primary`. */
function valueList(
  name: string,
  description: string,
  values: { valueType?: AttributeType; types?: readonly string[]; referenceTypes?: readonly string[] } = {},
): AttributeDefinition {
  return attribute(name, description, {
    type: 'complex',
    multiValued: true,
    subAttributes: [
      attribute('value', `The ${name} value itself.`, {
        type: values.valueType ?? 'string',
        ...(values.referenceTypes ? { referenceTypes: values.referenceTypes } : {}),
      }),
      attribute('display', `A human-readable label for this value, for display only.`),
      attribute('type', `What kind of value this is.`, values.types ? { canonicalValues: values.types } : {}),
      attribute('primary', `True for the preferred value; at most one value of ${name} may be primary.`, {
        type: 'boolean',
      }),
    ],
  });
}

/** §3.1: `id`, `externalId` and `meta`, which every resource has. RFC 7643 §3.1 allows listing them in a schema. */
const COMMON_ATTRIBUTES: readonly AttributeDefinition[] = [
  attribute('id', 'Identifier the server assigned to the resource; never changes and is never reused.', {
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
  }),
  attribute('externalId', "The provisioning client's own identifier for the resource, kept exactly as sent.", {
    caseExact: true,
  }),
  attribute('meta', 'Facts the server keeps about the resource itself.', {
    type: 'complex',
    mutability: 'readOnly',
    returned: 'always',
    subAttributes: [
      attribute('resourceType', 'Name of the resource type, User or Group.', {
        caseExact: true,
        mutability: 'readOnly',
      }),
      attribute('created', 'When the resource was first stored.', { type: 'dateTime', mutability: 'readOnly' }),
      attribute('lastModified', 'When the representation of the resource last changed.', {
        type: 'dateTime',
        mutability: 'readOnly',
      }),
      attribute('location', 'Absolute URL of the resource on this server.', {
        type: 'reference',
        referenceTypes: ['uri'],
        caseExact: true,
        mutability: 'readOnly',
      }),
      attribute('version', 'Entity tag of the current version, also sent as the ETag header.', {
        caseExact: true,
        mutability: 'readOnly',
      }),
    ],
  }),
];

const nameSubAttributes: readonly AttributeDefinition[] = [
  attribute('formatted', 'The whole name as it should be displayed.'),
  attribute('familyName', 'Last name in most Western languages.'),
  attribute('givenName', 'First name in most Western languages.'),
  attribute('middleName', 'Middle names, if any.'),
  attribute('honorificPrefix', 'Title that goes before the name, such as "Dr."'),
  attribute('honorificSuffix', 'Suffix that goes after the name, such as "III".'),
];

const USER_ATTRIBUTES: readonly AttributeDefinition[] = [
  ...COMMON_ATTRIBUTES,
  attribute('userName', 'The name the person signs in with; unique in the organization without regard to case.', {
    required: true,
    uniqueness: 'server',
  }),
  attribute('name', 'The parts of the name the person really has.', {
    type: 'complex',
    subAttributes: nameSubAttributes,
  }),
  attribute('displayName', 'The name to show for the person.'),
  attribute('nickName', 'An informal name for the person.'),
  attribute('profileUrl', 'Web page about the person.', { type: 'reference', referenceTypes: ['external'] }),
  attribute('title', 'Job title.'),
  attribute('userType', 'How the organization classifies the person, such as Employee or Contractor.'),
  attribute('preferredLanguage', 'Language the person prefers, as an HTTP Accept-Language value.'),
  attribute('locale', 'Language and region for formatting dates, numbers and currency, such as en-US.'),
  attribute('timezone', 'Time zone from the IANA database, such as Europe/Berlin.'),
  attribute('active', 'Whether the person is active; an active user holds a license.', { type: 'boolean' }),
  attribute('password', 'Accepted for compatibility and discarded; this server stores no passwords.', {
    mutability: 'writeOnly',
    returned: 'never',
    discarded: true,
  }),
  valueList('emails', 'Email addresses of the person.', { types: ['work', 'home', 'other'] }),
  valueList('phoneNumbers', 'Telephone numbers of the person.', {
    types: ['work', 'home', 'mobile', 'fax', 'pager', 'other'],
  }),
  valueList('ims', 'Instant messaging addresses of the person.', {
    types: ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo'],
  }),
  valueList('photos', 'Links to pictures of the person.', {
    valueType: 'reference',
    referenceTypes: ['external'],
    types: ['photo', 'thumbnail'],
  }),
  attribute('addresses', 'Postal addresses of the person.', {
    type: 'complex',
    multiValued: true,
    subAttributes: [
      attribute('formatted', 'The whole address as it should be printed on a label.'),
      attribute('streetAddress', 'Street, house number and any further lines.'),
      attribute('locality', 'City or town.'),
      attribute('region', 'State, province or region.'),
      attribute('postalCode', 'Postal or ZIP code.'),
      attribute('country', 'Country as an ISO 3166-1 alpha-2 code, such as DE.'),
      attribute('type', 'What kind of address this is.', { canonicalValues: ['work', 'home', 'other'] }),
      attribute('primary', 'True for the preferred address; at most one address may be primary.', {
        type: 'boolean',
      }),
    ],
  }),
  attribute('groups', 'Groups the person belongs to; changed through the groups, never on the user.', {
    type: 'complex',
    multiValued: true,
    mutability: 'readOnly',
    subAttributes: [
      attribute('value', 'The id of the group.', { mutability: 'readOnly' }),
      attribute('$ref', 'URL of the group on this server.', {
        type: 'reference',
        referenceTypes: ['User', 'Group'],
        mutability: 'readOnly',
      }),
      attribute('display', 'The display name of the group.', { mutability: 'readOnly' }),
      attribute('type', 'Whether the membership is direct or through another group.', {
        canonicalValues: ['direct', 'indirect'],
        mutability: 'readOnly',
      }),
    ],
  }),
  valueList('entitlements', 'Things the person is entitled to.'),
  valueList('roles', 'Roles the person has.'),
  valueList('x509Certificates', 'X.509 certificates of the person, DER encoded in base64.', { valueType: 'binary' }),
];

const ENTERPRISE_USER_ATTRIBUTES: readonly AttributeDefinition[] = [
  attribute('employeeNumber', 'Number the organization gave the person.'),
  attribute('costCenter', 'Cost center the person is charged to.'),
  attribute('organization', 'Organization the person belongs to.'),
  attribute('division', 'Division the person belongs to.'),
  attribute('department', 'Department the person belongs to.'),
  attribute('manager', 'Who the person reports to: another user of the organization.', {
    type: 'complex',
    subAttributes: [
      attribute('value', 'The id of the user who is the manager.'),
      attribute('$ref', 'URL of the manager on this server, derived from value.', {
        type: 'reference',
        referenceTypes: ['User'],
        mutability: 'readOnly',
      }),
      attribute('displayName', 'The name of the manager, as the client sent it.'),
    ],
  }),
];

const GROUP_ATTRIBUTES: readonly AttributeDefinition[] = [
  ...COMMON_ATTRIBUTES,
  attribute('displayName', 'The name of the group; unique in the organization without regard to case.', {
    required: true,
    uniqueness: 'server',
  }),
  attribute('members', 'Users in the group. Only users can be members; nested groups are refused.', {
    type: 'complex',
    multiValued: true,
    subAttributes: [
      attribute('value', 'The id of the member.', { mutability: 'immutable' }),
      attribute('$ref', 'URL of the member on this server.', {
        type: 'reference',
        referenceTypes: ['User', 'Group'],
        mutability: 'immutable',
      }),
      attribute('type', 'The kind of member; this server accepts User only.', {
        canonicalValues: ['User', 'Group'],
        mutability: 'immutable',
      }),
      attribute('display', 'The display name of the member, taken from the user.', { mutability: 'readOnly' }),
    ],
  }),
];

/** Every schema of the server, keyed by URN. */
export const SCHEMAS: readonly SchemaDefinition[] = [
  {
    id: Schemas.user,
    name: 'User',
    description: 'A person provisioned into the license portal.',
    attributes: USER_ATTRIBUTES,
  },
  {
    id: Schemas.enterpriseUser,
    name: 'EnterpriseUser',
    description: 'Attributes of a person that describe their place in an organization.',
    attributes: ENTERPRISE_USER_ATTRIBUTES,
  },
  {
    id: Schemas.group,
    name: 'Group',
    description: 'A named set of users.',
    attributes: GROUP_ATTRIBUTES,
  },
];

export const RESOURCE_TYPES: readonly ResourceTypeDefinition[] = [
  {
    id: 'User',
    name: 'User',
    endpoint: '/Users',
    description: 'A person who receives a license.',
    schema: Schemas.user,
    schemaExtensions: [{ schema: Schemas.enterpriseUser, required: false }],
  },
  {
    id: 'Group',
    name: 'Group',
    endpoint: '/Groups',
    description: 'A group of users.',
    schema: Schemas.group,
    schemaExtensions: [],
  },
];

export function schemaById(id: string): SchemaDefinition {
  const schema = SCHEMAS.find((candidate) => sameText(candidate.id, id));
  if (schema === undefined) throw new Error(`No schema ${id} in the attribute model`);
  return schema;
}

export function resourceType(name: ResourceTypeName): ResourceTypeDefinition {
  const type = RESOURCE_TYPES.find((candidate) => candidate.name === name);
  if (type === undefined) throw new Error(`No resource type ${name} in the attribute model`);
  return type;
}

/** The core schema URN and the extension URNs of a resource type. */
export function schemaUrnsOf(name: ResourceTypeName): { core: string; extensions: string[] } {
  const type = resourceType(name);
  return { core: type.schema, extensions: type.schemaExtensions.map((extension) => extension.schema) };
}

/** A sub-attribute or attribute of a list by name, ignoring case. */
export function findAttribute(
  attributes: readonly AttributeDefinition[] | undefined,
  name: string,
): AttributeDefinition | undefined {
  return attributes?.find((candidate) => sameText(candidate.name, name));
}

/** An attribute path resolved against the model, with the schema that defines it. */
export interface ResolvedAttribute {
  readonly schema: string;
  readonly attribute: AttributeDefinition;
  readonly subAttribute?: AttributeDefinition;
  /** `attribute` or `attribute.subAttribute` in canonical casing. */
  readonly path: string;
}

/**
 * Resolves `attribute[.subAttribute]` of a resource type. Without `schema` the name is looked up in the core schema,
 * as RFC 7644 §3.10 asks of unqualified names; with it, in that schema (core or extension) only.
 * Undefined when the resource type has no such attribute.
 */
export function resolveAttribute(
  type: ResourceTypeName,
  attributeName: string,
  subAttributeName?: string,
  schema?: string,
): ResolvedAttribute | undefined {
  const { core, extensions } = schemaUrnsOf(type);
  const schemaId = schema ?? core;
  if (![core, ...extensions].some((known) => sameText(known, schemaId))) return undefined;
  const definition = schemaById(schemaId);
  const attribute = findAttribute(definition.attributes, attributeName);
  if (attribute === undefined) return undefined;
  if (subAttributeName === undefined) return { schema: definition.id, attribute, path: attribute.name };
  const subAttribute = findAttribute(attribute.subAttributes, subAttributeName);
  if (subAttribute === undefined) return undefined;
  return { schema: definition.id, attribute, subAttribute, path: `${attribute.name}.${subAttribute.name}` };
}

/** Top-level attributes of a resource type's core schema that satisfy `test`, by canonical name. */
export function coreAttributeNames(
  type: ResourceTypeName,
  test: (attribute: AttributeDefinition) => boolean,
): string[] {
  return schemaById(resourceType(type).schema)
    .attributes.filter(test)
    .map((attribute) => attribute.name);
}

/** Attributes a client may send but cannot change: read-only and discarded ones. */
export function isIgnoredOnInput(attribute: AttributeDefinition): boolean {
  return attribute.mutability === 'readOnly' || attribute.discarded === true;
}

const CANONICAL_NAMES: ReadonlyMap<string, string> = (() => {
  const names = new Map<string, string>([['schemas', 'schemas']]);
  const visit = (attributes: readonly AttributeDefinition[]) => {
    for (const attribute of attributes) {
      names.set(attribute.name.toLowerCase(), attribute.name);
      if (attribute.subAttributes) visit(attribute.subAttributes);
    }
  };
  for (const schema of SCHEMAS) visit(schema.attributes);
  return names;
})();

/**
 * The canonical casing of an attribute or sub-attribute name of any schema, or undefined for a name the model does
 * not know. Clients may send any casing (Entra sends `UserName`); stored documents and responses use these.
 */
export function canonicalAttributeName(name: string): string | undefined {
  return CANONICAL_NAMES.get(name.toLowerCase());
}

/** A discovery document; `id` and `name` typed because the endpoints look documents up by them. */
export type Representation = Record<string, unknown> & { readonly id: string; readonly name: string };

/**
 * The RFC 7643 §7 representation of a schema, as `/Schemas` serves it: every characteristic spelled out, server-only
 * flags left out.
 */
export function schemaRepresentation(schema: SchemaDefinition, baseUrl: string): Representation {
  return {
    schemas: [Schemas.schema],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes.map(attributeRepresentation),
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${schema.id}` },
  };
}

function attributeRepresentation(attribute: AttributeDefinition): Record<string, unknown> {
  const { discarded: _discarded, subAttributes, ...characteristics } = attribute;
  return {
    ...characteristics,
    ...(subAttributes ? { subAttributes: subAttributes.map(attributeRepresentation) } : {}),
  };
}

/** The RFC 7643 §6 representation of a resource type, as `/ResourceTypes` serves it. */
export function resourceTypeRepresentation(type: ResourceTypeDefinition, baseUrl: string): Representation {
  return {
    schemas: [Schemas.resourceType],
    id: type.id,
    name: type.name,
    endpoint: type.endpoint,
    description: type.description,
    schema: type.schema,
    ...(type.schemaExtensions.length > 0 ? { schemaExtensions: type.schemaExtensions } : {}),
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${type.id}` },
  };
}

function sameText(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
