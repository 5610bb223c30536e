import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import * as z from 'zod';
import { KeyFormats } from '../contract/keys';
import { legacyFoldCase } from '../domain/case-fold';
import type { GroupRecord } from '../domain/groups';
import { foldCase } from '../domain/users';
import { type Item, readItem } from './dynamodb-operations';
import { listIndexAttributes, markWithoutNameOrder, nameIndexAttributes } from './dynamodb-org-list';
import { requireKeyFits } from './key-limits';

/**
 * How groups are stored: the keys of the group item, its displayName claim, its memberships and their mirrors, and
 * the group item's attributes. The repository (dynamodb-group-repository.ts) decides what is written when.
 */

/** A large change's hold on a group (see the repository's comment on atomicity). */
export interface Lease {
  readonly id: string;
  /** Epoch milliseconds. */
  readonly until: number;
}

export const GROUP_SK = 'GROUP';
export const MEMBER_PREFIX = 'MEMBER#';
export const GROUP_PREFIX = 'GROUP#';

export function groupPartition(orgId: string, groupId: string): string {
  return KeyFormats.groupPartition(orgId, groupId);
}

/** The key of a user's item (in the users table), which a membership write checks still exists. */
export function userItemKey(orgId: string, userId: string): Record<string, AttributeValue> {
  return { pk: { S: KeyFormats.userPartition(orgId, userId) }, sk: { S: KeyFormats.userSortKey } };
}

export function userPartition(orgId: string, userId: string): string {
  return KeyFormats.userPartition(orgId, userId);
}

/** Mirrors of a user's memberships: `<org>#MEMBEROF#<uid>` / `GROUP#<gid>`, read strongly consistently. */
export function mirrorPartition(orgId: string, userId: string): string {
  return KeyFormats.memberOfPartition(orgId, userId);
}

export function mirrorKey(orgId: string, userId: string, groupId: string): Record<string, AttributeValue> {
  return { pk: { S: mirrorPartition(orgId, userId) }, sk: { S: `${GROUP_PREFIX}${groupId}` } };
}

/**
 * Beside a user's mirrors, the count of groups the user joined (`joins`): every membership add increments it and a
 * user's delete checks it is still what the delete read, so a group joined meanwhile fails the delete, not orphaned.
 */
export const JOINS_SK = 'JOINS';

export function joinsKey(orgId: string, userId: string): Record<string, AttributeValue> {
  return { pk: { S: mirrorPartition(orgId, userId) }, sk: { S: JOINS_SK } };
}

export function groupKey(orgId: string, id: string): Record<string, AttributeValue> {
  return { pk: { S: groupPartition(orgId, id) }, sk: { S: GROUP_SK } };
}

export function membershipKey(orgId: string, groupId: string, userId: string): Record<string, AttributeValue> {
  return { pk: { S: groupPartition(orgId, groupId) }, sk: { S: `${MEMBER_PREFIX}${userId}` } };
}

export function nameClaimKey(orgId: string, displayName: string): Record<string, AttributeValue> {
  return { pk: { S: `${orgId}#GROUPNAME#${foldCase(displayName)}` }, sk: { S: 'UNIQUE' } };
}

/** The claim a group written before `foldCase` holds, until a rename writes the claim under `foldCase`. */
export function legacyNameClaimKey(orgId: string, displayName: string): Record<string, AttributeValue> {
  return { pk: { S: `${orgId}#GROUPNAME#${legacyFoldCase(displayName)}` }, sk: { S: 'UNIQUE' } };
}

export function requireGroupKeysFit(group: GroupRecord): void {
  requireKeyFits('displayName', nameClaimKey(group.orgId, group.displayName).pk?.S, foldCase(group.displayName));
  if (group.externalId !== undefined) {
    requireKeyFits('externalId', `${group.orgId}#${group.externalId}`, group.externalId);
  }
}

export function toItem(group: GroupRecord, lease?: Lease): Record<string, unknown> {
  return {
    pk: groupPartition(group.orgId, group.id),
    sk: GROUP_SK,
    ...listIndexAttributes('GROUP', group.orgId, group.id),
    ...nameIndexAttributes('GROUP', group.orgId, group.displayName),
    externalIdKey: group.externalId === undefined ? undefined : `${group.orgId}#${group.externalId}`,
    orgId: group.orgId,
    id: group.id,
    displayName: group.displayName,
    externalId: group.externalId,
    version: group.version,
    created: group.created,
    lastModified: group.lastModified,
    leaseId: lease?.id,
    leaseUntil: lease?.until,
  };
}

/** Built on first use: a cold start that serves only Users never builds it. */
let groupItemSchemaCache: ReturnType<typeof buildGroupItemSchema> | undefined;
function groupItemSchema() {
  groupItemSchemaCache ??= buildGroupItemSchema();
  return groupItemSchemaCache;
}

function buildGroupItemSchema() {
  return z.object({
    orgId: z.string().min(1),
    id: z.string().min(1),
    displayName: z.string(),
    externalId: z.string().optional(),
    version: z.number().int().nonnegative(),
    created: z.string(),
    lastModified: z.string(),
  });
}

/** A group item read back, validated: a malformed item is a MalformedItemError naming its key. */
export function fromItem(item: Item): GroupRecord {
  const { externalId, ...group } = readItem(item, groupItemSchema());
  return markWithoutNameOrder(externalId === undefined ? group : { ...group, externalId }, item);
}
