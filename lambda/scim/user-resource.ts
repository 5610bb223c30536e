import * as z from 'zod';
import { foldCase } from '../domain/case-fold';
import type { UserProfile, UserRecord } from '../domain/users';
import { canonicalAttributeName } from './attribute-names';
import { ScimError } from './errors';
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

const booleanLike = z.union([
  z.boolean(),
  z
    .string()
    .regex(/^(true|false)$/i, 'must be true or false')
    .transform((text) => text.toLowerCase() === 'true'),
]);
const text = z.string().max(2048);
const multiValue = z
  .object({
    value: text.optional(),
    display: text.optional(),
    type: text.optional(),
    primary: booleanLike.optional(),
  })
  .catchall(z.union([text, z.boolean(), z.number()]));

/**
 * A multi-valued attribute whose values are identified by `value` (RFC 7643 §2.4): an element without one carries no
 * address or number. Such elements are dropped, so that removing `emails[type eq "work"].value` (Entra clears an
 * attribute that way) removes the email instead of leaving `{"type":"work"}`, which a client reading
 * `emails[0].value` cannot use. `addresses` have no `value` and are not affected.
 */
const valuedList = z
  .array(multiValue)
  .max(50)
  .transform((items) => items.filter((item) => typeof item.value === 'string' && item.value.trim() !== ''));

/**
 * Each distinct address is an index item written in the user's own transaction; a change can put every address and
 * delete as many, so 2 × 40 leaves room in DynamoDB's 100 items for the user, its claims and its license writes.
 */
export const MAX_EMAILS = 40;
/** Folded address bytes; its index key must stay under DynamoDB's 2,048 (RFC 5321 addresses have at most 254). */
const MAX_EMAIL_BYTES = 1024;
const emailList = z
  .array(
    multiValue.extend({
      value: text
        .refine(
          (value) => Buffer.byteLength(foldCase(value), 'utf8') <= MAX_EMAIL_BYTES,
          `must be at most ${MAX_EMAIL_BYTES} bytes`,
        )
        .optional(),
    }),
  )
  .max(MAX_EMAILS)
  .transform((items) => items.filter((item) => typeof item.value === 'string' && item.value.trim() !== ''));

const userSchema = z.object({
  userName: z
    .string({
      // Say which mistake it is: Okta shows this detail to the admin.
      error: (issue) => (issue.input === undefined ? 'userName is required' : 'userName must be a string'),
    })
    .max(512)
    .refine((value) => value.trim().length > 0, 'userName must not be empty'),
  externalId: text.optional(),
  name: z
    .object({
      formatted: text.optional(),
      familyName: text.optional(),
      givenName: text.optional(),
      middleName: text.optional(),
      honorificPrefix: text.optional(),
      honorificSuffix: text.optional(),
    })
    .optional(),
  displayName: text.optional(),
  nickName: text.optional(),
  profileUrl: text.optional(),
  title: text.optional(),
  userType: text.optional(),
  preferredLanguage: text.optional(),
  locale: text.optional(),
  timezone: text.optional(),
  active: booleanLike.default(true),
  emails: emailList.optional(),
  phoneNumbers: valuedList.optional(),
  ims: valuedList.optional(),
  photos: valuedList.optional(),
  addresses: z.array(multiValue).max(50).optional(),
  entitlements: valuedList.optional(),
  roles: valuedList.optional(),
  [Schemas.enterpriseUser]: z
    .object({
      employeeNumber: text.optional(),
      costCenter: text.optional(),
      organization: text.optional(),
      division: text.optional(),
      department: text.optional(),
      manager: z.object({ value: text.optional(), displayName: text.optional() }).optional(),
    })
    .optional(),
});

/** Largest stored user document; keeps every item far below DynamoDB's 400 KB item limit. */
const MAX_DOCUMENT_BYTES = 64 * 1024;

/** Validates a User resource (from POST, PUT, or the result of a PATCH) into a profile. */
export function parseUser(body: unknown): UserProfile {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw ScimError.badRequest('invalidSyntax', 'The request body must be a JSON object holding a SCIM User');
  }
  const parsed = userSchema.safeParse(canonicalizeKeys(body));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'User';
    throw ScimError.badRequest('invalidValue', `Invalid ${where}: ${issue?.message ?? 'invalid value'}`);
  }
  const document = withoutEmptyObjects(parsed.data) as Record<string, unknown>;
  if (Buffer.byteLength(JSON.stringify(document)) > MAX_DOCUMENT_BYTES) {
    throw new ScimError(413, `The User resource is larger than ${MAX_DOCUMENT_BYTES / 1024} KB`);
  }
  const emails = (parsed.data.emails ?? [])
    .filter((email): email is typeof email & { value: string } => typeof email.value === 'string' && email.value !== '')
    .map((email) => ({
      value: email.value,
      ...(email.type ? { type: email.type } : {}),
      ...(email.primary ? { primary: true } : {}),
    }));
  const lookup =
    emails.find((email) => email.primary) ?? emails.find((email) => email.type?.toLowerCase() === 'work') ?? emails[0];
  return {
    userName: parsed.data.userName,
    externalId: parsed.data.externalId,
    active: parsed.data.active,
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
  if (rest[Schemas.enterpriseUser] !== undefined) schemas.push(Schemas.enterpriseUser);
  return {
    schemas,
    id: user.id,
    ...(user.externalId !== undefined ? { externalId: user.externalId } : {}),
    userName: user.userName,
    ...rest,
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

/** The document a PATCH operates on: the stored attributes, as a client would see them. */
export function patchableDocument(user: UserRecord): Record<string, unknown> {
  return { ...user.document, userName: user.userName, active: user.active };
}
