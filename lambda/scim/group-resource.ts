import * as z from 'zod';
import type { GroupInput, GroupMember, GroupRecord } from '../domain/groups';
import { coreAttributeNames, isIgnoredOnInput, resolveAttribute } from './attribute-model';
import { ScimError } from './errors';
import { isRecord } from './records';
import { etag, Schemas } from './schemas';

/**
 * Mapping between SCIM Group resources (RFC 7643 §4.2) and the domain. Attribute names are matched without regard to
 * case; read-only and unknown attributes (`id`, `meta`, `schemas`, a member's `display` and `$ref`) are ignored rather
 * than rejected, because clients echo them back.
 */

/** Attributes a client may set on a group; the others (`id`, `meta`) are ignored. */
const WRITABLE_ATTRIBUTES = coreAttributeNames('Group', (attribute) => !isIgnoredOnInput(attribute));

/** Sub-attributes of a member the input may carry; `display` is read-only (it comes from the user). */
const MEMBER_SUB_ATTRIBUTES = (resolveAttribute('Group', 'members')?.attribute.subAttributes ?? [])
  .filter((attribute) => !isIgnoredOnInput(attribute))
  .map((attribute) => attribute.name);

/** Longest displayName and externalId accepted. */
const MAX_TEXT = 1024;

/** The Group input schemas, built on first use: a cold start that serves only Users never builds them. */
let schemasCache: ReturnType<typeof buildSchemas> | undefined;
function schemas() {
  schemasCache ??= buildSchemas();
  return schemasCache;
}

function buildSchemas() {
  const displayName = z
    .string({ error: 'displayName is required and must be a string' })
    .max(MAX_TEXT, `displayName must be at most ${MAX_TEXT} characters`)
    .refine((value) => value.trim().length > 0, 'displayName must not be empty');
  const externalId = z
    .string({ error: 'externalId must be a string' })
    .max(MAX_TEXT, `externalId must be at most ${MAX_TEXT} characters`);
  const group = z.object({
    displayName,
    externalId: externalId.optional(),
    members: z.unknown().optional(),
  });
  return { displayName, externalId, group };
}

/** Validates a Group resource from POST or PUT. */
export function parseGroup(body: unknown): GroupInput {
  if (!isRecord(body)) {
    throw ScimError.badRequest('invalidSyntax', 'The request body must be a JSON object holding a SCIM Group');
  }
  // Entra sends null for "no value".
  const present = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== null));
  const parsed = schemas().group.safeParse(withKnownKeys(present, WRITABLE_ATTRIBUTES));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // Stryker disable next-line StringLiteral: unreachable, a failed parse has at least one issue
    throw ScimError.badRequest('invalidValue', `Invalid Group: ${issue?.message ?? 'invalid value'}`);
  }
  const { displayName, externalId, members } = parsed.data;
  return {
    displayName,
    ...(externalId !== undefined ? { externalId } : {}),
    // Stryker disable next-line ConditionalExpression: equivalent, parseMemberIds reads undefined as no members too
    memberIds: members === undefined ? [] : parseMemberIds(members, 'members'),
  };
}

/** Validates a displayName given on its own (a PATCH value). */
export function parseDisplayName(value: unknown): string {
  const parsed = schemas().displayName.safeParse(value);
  // Stryker disable next-line StringLiteral: unreachable, a failed parse has at least one issue
  if (!parsed.success) throw ScimError.badRequest('invalidValue', parsed.error.issues[0]?.message ?? 'bad displayName');
  return parsed.data;
}

/** Validates an externalId given on its own (a PATCH value); null clears it. */
export function parseExternalId(value: unknown): string | undefined {
  if (value === null) return undefined;
  const parsed = schemas().externalId.safeParse(value);
  // Stryker disable next-line StringLiteral: unreachable, a failed parse has at least one issue
  if (!parsed.success) throw ScimError.badRequest('invalidValue', parsed.error.issues[0]?.message ?? 'bad externalId');
  return parsed.data;
}

/**
 * The user ids of a `members` value: a list of `{"value": "<user id>"}` (a single object is accepted too; null means
 * none). `display`, `$ref` and other sub-attributes are ignored: a member's display comes from the user. Only users can
 * be members; nested groups are refused.
 */
export function parseMemberIds(value: unknown, where: string): string[] {
  if (value === null || value === undefined) return [];
  const entries = Array.isArray(value) ? value : [value];
  const ids: string[] = [];
  for (const entry of entries) {
    if (!isRecord(entry)) {
      throw ScimError.badRequest(
        'invalidValue',
        `Each entry of ${where} must be an object such as {"value": "<user id>"}`,
      );
    }
    const member = withKnownKeys(entry, MEMBER_SUB_ATTRIBUTES);
    if (typeof member.value !== 'string' || member.value.trim() === '') {
      throw ScimError.badRequest('invalidValue', `Each entry of ${where} needs "value", the id of a user`);
    }
    if (member.type !== undefined && member.type !== null && String(member.type).toLowerCase() !== 'user') {
      throw ScimError.badRequest(
        'invalidValue',
        `Only users can be group members; ${where} has a member of type "${String(member.type).slice(0, 40)}"`,
      );
    }
    ids.push(member.value.trim());
  }
  return [...new Set(ids)];
}

/**
 * The SCIM representation of a stored group. `members` is present only when the caller loaded them (and omitted when
 * the group has none, as RFC 7643 §2.5 asks of an unassigned multi-valued attribute).
 */
export function toScimGroup(
  group: GroupRecord,
  baseUrl: string,
  members?: readonly GroupMember[],
): Record<string, unknown> {
  return {
    schemas: [Schemas.group],
    id: group.id,
    // Stryker disable next-line ConditionalExpression: equivalent, JSON leaves out an undefined externalId as well
    ...(group.externalId !== undefined ? { externalId: group.externalId } : {}),
    displayName: group.displayName,
    ...(members !== undefined && members.length > 0
      ? {
          members: members.map((member) => ({
            value: member.userId,
            // Stryker disable next-line ConditionalExpression: equivalent, JSON leaves out an undefined display as well
            ...(member.display !== undefined ? { display: member.display } : {}),
            $ref: `${baseUrl}/Users/${member.userId}`,
            type: 'User',
          })),
        }
      : {}),
    meta: {
      resourceType: 'Group',
      created: group.created,
      lastModified: group.lastModified,
      location: `${baseUrl}/Groups/${group.id}`,
      version: etag(group.version),
    },
  };
}

/** Renames keys that equal one of `names` ignoring case to that spelling; other keys are kept as they are. */
export function withKnownKeys(record: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    const known = names.find((name) => name.toLowerCase() === key.toLowerCase());
    if (known === undefined) result[key] = value;
    else if (!(known in result) || key === known) result[known] = value;
  }
  return result;
}
