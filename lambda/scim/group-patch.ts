/**
 * SCIM PATCH (RFC 7644 §3.5.2) on Groups, translated into domain edits instead of being applied to a document: a
 * group's members are not held in one document (a big group has thousands), so each operation becomes "add these
 * users", "remove these users", "the members become exactly these users" or "set the name". The domain folds the edits
 * in order into one net change, validates it (every added member must be a user of the organization) and writes it;
 * an invalid operation anywhere in the request makes the whole request fail before anything is written.
 *
 * The forms Okta and Entra ID send, all supported (op names in any case):
 * - `{"op":"add","path":"members","value":[{"value":"<id>","display":"…"}]}`
 * - `{"op":"remove","path":"members[value eq \"<id>\"]"}`
 * - `{"op":"Remove","path":"members","value":[{"$ref":null,"value":"<id>"}]}` (Entra)
 * - `{"op":"replace","path":"members","value":[…]}` (Okta's full push)
 * - `{"op":"replace","path":"displayName","value":"…"}`
 * - `{"op":"replace","value":{"id":"…","displayName":"…"}}` (Okta's rename: no path, the `id` is ignored)
 * - `externalId` by path or inside a path-less value.
 * Removing a user who is not a member is not an error (Okta repeats removals it is unsure about).
 */
import type { GroupEdit } from '../domain/groups';
import { coreAttributeNames, isIgnoredOnInput } from './attribute-model';
import { ScimError } from './errors';
import { type AttributePath, type ParseFailure, parseAttributePath } from './filter';
import { parseDisplayName, parseExternalId, parseMemberIds } from './group-resource';
import type { PatchOperation } from './patch';
import { isRecord } from './records';
import { Schemas } from './schemas';

/** Attributes a client may send but not change; operations on them are ignored (Okta puts `id` in its rename). */
const READ_ONLY: ReadonlySet<string> = new Set(
  ['schemas', ...coreAttributeNames('Group', isIgnoredOnInput)].map((name) => name.toLowerCase()),
);

const PATH_HELP =
  'Group paths: displayName, externalId, members, and members[value eq "<user id>"] (for remove), optionally ' +
  `prefixed with ${Schemas.group}:.`;

/**
 * Translates the operations of a PATCH request on a group into domain edits, in order.
 * @throws ScimError 400 (`invalidPath`, `invalidValue`, `noTarget`, `mutability`) for any invalid operation
 */
export function toGroupEdits(operations: readonly PatchOperation[]): GroupEdit[] {
  return operations.flatMap((operation, index) => {
    try {
      return operation.path === undefined ? withoutPath(operation) : withPath(operation, operation.path);
    } catch (error) {
      if (error instanceof ScimError && operations.length > 1) {
        throw new ScimError(error.status, `Operation ${index + 1} (${operation.op}): ${error.detail}`, error.scimType, {
          cause: error,
        });
      }
      throw error;
    }
  });
}

/** A path-less add or replace carries a map of attributes (RFC 7644 §3.5.2.1, §3.5.2.3). */
function withoutPath(operation: PatchOperation): GroupEdit[] {
  if (operation.op === 'remove') {
    throw ScimError.badRequest(
      'noTarget',
      'A "remove" operation needs a "path", such as members[value eq "<user id>"]',
    );
  }
  const { value } = operation;
  if (!isRecord(value)) {
    throw ScimError.badRequest(
      'invalidValue',
      `An "${operation.op}" without "path" needs an object "value", such as {"displayName": "…"}`,
    );
  }
  const edits: GroupEdit[] = [];
  for (const [key, inner] of Object.entries(value)) {
    const name = unqualified(key);
    if (name === undefined) continue;
    edits.push(...attributeEdits(operation.op, name, inner));
  }
  return edits;
}

function withPath(operation: PatchOperation, path: string): GroupEdit[] {
  // A path into another schema (a custom extension) is ignored, as such keys are in a path-less value and on POST.
  const lower = path.toLowerCase();
  if (lower.startsWith('urn:') && !lower.startsWith(Schemas.group.toLowerCase())) return [];
  const target = parsePath(path);
  const name = target.attribute.toLowerCase();

  if (name === 'members' && target.valueFilter !== undefined) {
    if (target.subAttribute !== undefined) {
      throw invalidPath(`${path} addresses a sub-attribute of a member; members are added or removed as a whole`);
    }
    if (operation.op !== 'remove') {
      throw invalidPath(`"${operation.op}" cannot target ${path}; use "add" on members, or "remove" on this path`);
    }
    return [{ kind: 'removeMembers', userIds: [memberIdFromFilter(target, path)] }];
  }
  if (target.valueFilter !== undefined) {
    throw invalidPath(`${target.attribute} is not multi-valued, so it cannot take a value filter`);
  }
  if (target.subAttribute !== undefined) {
    if (name === 'members') {
      throw invalidPath(`${path} addresses a sub-attribute of the members; members are added or removed as a whole`);
    }
    if (READ_ONLY.has(name)) return [];
    throw invalidPath(`${target.attribute} has no sub-attributes`);
  }

  if (operation.op === 'remove') {
    switch (name) {
      case 'members':
        // Entra removes by value list; without a value, RFC 7644 §3.5.2.2 removes every member.
        return operation.value === undefined || operation.value === null
          ? [{ kind: 'replaceMembers', userIds: [] }]
          : [{ kind: 'removeMembers', userIds: parseMemberIds(operation.value, 'the value') }];
      case 'displayname':
        throw ScimError.badRequest('mutability', 'displayName is required and cannot be removed; replace it instead');
      case 'externalid':
        return [{ kind: 'setExternalId', externalId: undefined }];
      default:
        return [];
    }
  }
  if (operation.value === undefined) {
    throw ScimError.badRequest(
      'invalidValue',
      `The "${operation.op}" operation on ${target.attribute} needs a "value"`,
    );
  }
  return attributeEdits(operation.op, name, operation.value);
}

/** An add or replace of one top-level attribute, by its lower-cased name. */
function attributeEdits(op: 'add' | 'replace' | 'remove', name: string, value: unknown): GroupEdit[] {
  switch (name) {
    case 'displayname':
      return [{ kind: 'setDisplayName', displayName: parseDisplayName(value) }];
    case 'externalid':
      return [{ kind: 'setExternalId', externalId: parseExternalId(value) }];
    case 'members': {
      const userIds = parseMemberIds(value, 'members');
      return [op === 'replace' ? { kind: 'replaceMembers', userIds } : { kind: 'addMembers', userIds }];
    }
    default:
      // Read-only attributes (Okta's `id`) and attributes groups do not have are ignored, as on POST and PUT.
      return [];
  }
}

/** The lower-cased attribute name of a key in a path-less value; undefined for a key of another schema. */
function unqualified(key: string): string | undefined {
  const lower = key.toLowerCase();
  const prefix = `${Schemas.group.toLowerCase()}:`;
  if (lower.startsWith(prefix)) return lower.slice(prefix.length);
  // Stryker disable next-line ConditionalExpression,MethodExpression: equivalent, attributeEdits ignores a name it does not know, which a URN key never is
  if (lower.startsWith('urn:')) return undefined;
  return lower;
}

function memberIdFromFilter(target: AttributePath, path: string): string {
  const conditions = target.valueFilter ?? [];
  const byValue = conditions.filter((condition) => condition.attribute.toLowerCase() === 'value');
  const others = conditions.filter((condition) => condition.attribute.toLowerCase() !== 'value');
  const [condition] = byValue;
  const onlyUserType = others.every(
    (other) =>
      other.attribute.toLowerCase() === 'type' &&
      typeof other.value === 'string' &&
      other.value.toLowerCase() === 'user',
  );
  if (byValue.length !== 1 || condition === undefined || typeof condition.value !== 'string' || !onlyUserType) {
    throw invalidPath(`${path} must select one member by its id, as in members[value eq "<user id>"]`);
  }
  return condition.value;
}

function parsePath(path: string): AttributePath {
  const fail: ParseFailure = (detail) => {
    throw invalidPath(detail);
  };
  return parseAttributePath(path, [Schemas.group], fail);
}

function invalidPath(detail: string): ScimError {
  return ScimError.badRequest('invalidPath', `Invalid PATCH path: ${detail}. ${PATH_HELP}`);
}
