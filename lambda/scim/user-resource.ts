import * as z from 'zod';
import type { UserProfile, UserRecord } from '../domain/users';
import {
  type AttributeDefinition,
  canonicalAttributeName,
  findAttribute,
  isIgnoredOnInput,
  schemaById,
} from './attribute-model';
import { ScimError } from './errors';
import { MAX_VALUES_PER_ATTRIBUTE } from './patch';
import { isRecord } from './records';
import { etag, Schemas } from './schemas';

/**
 * Mapping between SCIM User resources (RFC 7643 §4.1, with the enterprise extension of §4.3) and the domain's
 * UserProfile. Input attribute names are matched without regard to case (Entra may send `UserName`) and stored under
 * their canonical names; read-only and unsupported input (`id`, `meta`, `groups`, `password`, unknown attributes) is
 * ignored rather than rejected, because Okta and Entra send them on every create.
 */

/** Canonical casing for known attribute names, recursively; URN keys are matched to the schemas we know. */
export function canonicalizeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalizeKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (inner === null) continue; // Entra sends null for "no value"
    const lower = key.toLowerCase();
    const canonical =
      lower === Schemas.enterpriseUser.toLowerCase() ? Schemas.enterpriseUser : (canonicalAttributeName(key) ?? key);
    out[canonical] = canonicalizeKeys(inner);
  }
  return out;
}

/** `true`/`false`, or Entra's `"True"`/`"False"`. */
function booleanLike() {
  return z.union(
    [
      z.boolean(),
      z
        .string()
        .regex(/^(true|false)$/i)
        .transform((text) => text.toLowerCase() === 'true'),
    ],
    {
      error: 'must be true or false',
    },
  );
}

/** Most values a multi-valued attribute may hold; keeps a stored user far below the document limit. PATCH uses it too. */
const MAX_VALUES = MAX_VALUES_PER_ATTRIBUTE;

/**
 * The input schema of one attribute, derived from the attribute model. Read-only and discarded (sub-)attributes are
 * left out, so zod drops them: clients echo `id`, `meta`, `groups` and `manager.$ref` back, and Okta sends a password.
 * The User schemas hold complex attributes, booleans and attributes written as text (strings, references, dateTimes),
 * and only complex ones are multi-valued; the attribute model's unit test keeps them so.
 */
function inputSchema(attribute: AttributeDefinition): z.ZodType {
  if (attribute.type === 'complex') {
    const element = z.object(inputShape(attribute.subAttributes ?? []));
    if (!attribute.multiValued) return element.optional();
    return multiValuedSchema(attribute, element).optional();
  }
  return (attribute.type === 'boolean' ? booleanLike() : z.string().max(2048)).optional();
}

function inputShape(
  attributes: readonly AttributeDefinition[],
  overrides: Readonly<Record<string, z.ZodType>> = {},
): Record<string, z.ZodType> {
  const shape: Record<string, z.ZodType> = {};
  for (const attribute of attributes) {
    if (isIgnoredOnInput(attribute)) continue;
    shape[attribute.name] = overrides[attribute.name] ?? inputSchema(attribute);
  }
  return shape;
}

/**
 * A multi-valued complex attribute. When its values are identified by `value` (RFC 7643 §2.4), an element without one
 * carries no address or number and is dropped, so that removing `emails[type eq "work"].value` (Entra clears an
 * attribute that way) removes the email instead of leaving `{"type":"work"}`, which a client reading
 * `emails[0].value` cannot use. `addresses` have no `value` and are not affected. At most one value may be primary.
 */
function multiValuedSchema(attribute: AttributeDefinition, element: z.ZodObject, maxValues = MAX_VALUES): z.ZodType {
  const valued = findAttribute(attribute.subAttributes, 'value') !== undefined;
  const list = z
    .array(element)
    .max(maxValues)
    .transform((items: Record<string, unknown>[]) =>
      valued ? items.filter((item) => typeof item.value === 'string' && item.value.trim() !== '') : items,
    );
  // An attribute without a primary sub-attribute has no `primary` left to count: zod dropped it as unknown.
  return list.refine((items) => items.filter((item) => item.primary === true).length <= 1, {
    error: `at most one value of ${attribute.name} may have "primary": true (RFC 7643 §2.4)`,
  });
}

/**
 * Each distinct address is an index item written in the user's own transaction; a change can put every address and
 * delete as many, so 2 × 40 leaves room in DynamoDB's 100 items for the user, its claims and its license writes.
 */
export const MAX_EMAILS = 40;
/**
 * The input schema of a User, derived from the attribute model. Built on first use: a few hundred zod objects that a
 * function serving only reads (Okta's imports and lookups) never needs, so they stay out of its cold start.
 */
let userSchemaCache: z.ZodType | undefined;
function userSchema(): z.ZodType {
  userSchemaCache ??= buildUserSchema();
  return userSchemaCache;
}

function buildUserSchema(): z.ZodType {
  // Addresses too long for their index keys are refused by the repository, naming emails.value and the bytes that fit.
  const emailsAttribute = findAttribute(schemaById(Schemas.user).attributes, 'emails')!;
  const emailList = multiValuedSchema(
    emailsAttribute,
    z.object(inputShape(emailsAttribute.subAttributes ?? [])),
    MAX_EMAILS,
  );
  return z.object({
    ...inputShape(schemaById(Schemas.user).attributes, {
      userName: z
        .string({
          // Say which mistake it is: Okta shows this detail to the admin.
          error: (issue) => (issue.input === undefined ? 'userName is required' : 'userName must be a string'),
        })
        // The check's own message wins over the type's error above, which would call a long string "not a string".
        .max(512, 'userName must be at most 512 characters')
        .refine((value) => value.trim().length > 0, 'userName must not be empty'),
      active: booleanLike().optional(),
      emails: emailList.optional(),
    }),
    [Schemas.enterpriseUser]: z.object(inputShape(schemaById(Schemas.enterpriseUser).attributes)).optional(),
  });
}

/** What the derived schema produces for the attributes the mapping reads by name. */
interface ParsedUser {
  readonly userName: string;
  readonly externalId?: string;
  readonly active: boolean;
  /** Values without an address were dropped (see multiValuedSchema). */
  readonly emails?: readonly { value: string; type?: string; primary?: boolean }[];
}

/** Largest stored user document; keeps every item far below DynamoDB's 400 KB item limit. */
const MAX_DOCUMENT_BYTES = 64 * 1024;

/** A validated User resource whose `active` is undefined when the resource leaves it out. */
export type UserInput = Omit<UserProfile, 'active'> & { readonly active: boolean | undefined };

/**
 * Validates a User resource into a profile. A missing `active` must never grant a license by accident, so its meaning
 * is the caller's: a POST creates an active user (RFC 7643 gives no default; Okta and Entra always send it), the result
 * of a PATCH without it was deactivated by `remove active`. PUT keeps the current state (see `parseUserInput`).
 */
export function parseUser(body: unknown, activeWhenAbsent = true): UserProfile {
  const input = parseUserInput(body);
  return { ...input, active: input.active ?? activeWhenAbsent };
}

/** Validates a User resource (from POST, PUT, or the result of a PATCH), leaving a missing `active` undefined. */
export function parseUserInput(body: unknown): UserInput {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw ScimError.badRequest('invalidSyntax', 'The request body must be a JSON object holding a SCIM User');
  }
  const parsed = userSchema().safeParse(canonicalizeKeys(body));
  if (!parsed.success) {
    // The body is an object, so every issue is about one of its attributes and has a path.
    const issue = parsed.error.issues[0]!;
    throw ScimError.badRequest('invalidValue', `Invalid ${issue.path.join('.')}: ${issue.message}`);
  }
  const data = parsed.data as ParsedUser;
  const document = withoutEmptyObjects(parsed.data) as Record<string, unknown>;
  if (Buffer.byteLength(JSON.stringify(document)) > MAX_DOCUMENT_BYTES) {
    throw new ScimError(413, `The User resource is larger than ${MAX_DOCUMENT_BYTES / 1024} KB`);
  }
  const emails = (data.emails ?? []).map((email) => ({
    value: email.value,
    ...(email.type ? { type: email.type } : {}),
    ...(email.primary ? { primary: true } : {}),
  }));
  const lookup =
    emails.find((email) => email.primary) ?? emails.find((email) => email.type?.toLowerCase() === 'work') ?? emails[0];
  return {
    userName: data.userName,
    externalId: data.externalId,
    active: data.active,
    lookupEmail: lookup?.value,
    emails: emails.map(({ value, type }) => (type ? { value, type } : { value })),
    document,
  };
}

function withoutEmptyObjects(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmptyObjects);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (inner === undefined) continue;
    const cleaned = withoutEmptyObjects(inner);
    if (
      cleaned !== null &&
      typeof cleaned === 'object' &&
      !Array.isArray(cleaned) &&
      Object.keys(cleaned).length === 0
    ) {
      continue;
    }
    out[key] = cleaned;
  }
  return out;
}

/** A member of the user's read-only `groups` attribute. */
export interface UserGroupRef {
  readonly value: string;
  readonly display?: string;
}

/** The SCIM representation of a stored user. */
export function toScimUser(
  user: UserRecord,
  baseUrl: string,
  groups?: readonly UserGroupRef[],
): Record<string, unknown> {
  const { userName, active, externalId, ...rest } = user.document;
  const schemas: string[] = [Schemas.user];
  const enterprise = rest[Schemas.enterpriseUser];
  if (enterprise !== undefined) schemas.push(Schemas.enterpriseUser);
  return {
    schemas,
    id: user.id,
    ...(user.externalId !== undefined ? { externalId: user.externalId } : {}),
    userName: user.userName,
    ...rest,
    ...(enterprise !== undefined ? { [Schemas.enterpriseUser]: withManagerRef(enterprise, baseUrl) } : {}),
    active: user.active,
    ...(groups
      ? {
          groups: groups.map((group) => ({
            value: group.value,
            ...(group.display !== undefined ? { display: group.display } : {}),
            $ref: `${baseUrl}/Groups/${group.value}`,
            type: 'direct',
          })),
        }
      : {}),
    meta: {
      resourceType: 'User',
      created: user.created,
      lastModified: user.lastModified,
      location: `${baseUrl}/Users/${user.id}`,
      version: etag(user.version),
    },
  };
}

/**
 * `manager.$ref` is derived from `manager.value` (the model declares it read-only, so input drops it), built like
 * `meta.location`, so it always points at the user the id names.
 */
function withManagerRef(enterprise: unknown, baseUrl: string): unknown {
  if (!isRecord(enterprise)) return enterprise;
  const { manager } = enterprise;
  if (!isRecord(manager) || typeof manager.value !== 'string' || manager.value === '') return enterprise;
  return { ...enterprise, manager: { ...manager, $ref: `${baseUrl}/Users/${encodeURIComponent(manager.value)}` } };
}

/** The document a PATCH operates on: the stored attributes, as a client would see them. */
export function patchableDocument(user: UserRecord): Record<string, unknown> {
  return { ...user.document, userName: user.userName, active: user.active };
}
