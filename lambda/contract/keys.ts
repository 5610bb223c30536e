/**
 * DynamoDB's key size limits, which every stored key (table and index keys alike) must respect. Limits are in UTF-8
 * bytes of the whole key, organization prefix included, after any normalization or case folding the key applies:
 * a value within its character limit can still be too long (700 CJK characters are 2,100 bytes; NFC turns U+FB2C into
 * three characters). Checked before any read or write, because DynamoDB answers a too-long key with a
 * ValidationException, which would surface as a server error.
 */

/** Largest partition key, of a table or an index. */
export const MAX_PARTITION_KEY_BYTES = 2048;
/** Largest sort key, of a table or an index. */
export const MAX_SORT_KEY_BYTES = 1024;

export type KeyKind = 'partition' | 'sort';

export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

export function maxKeyBytes(kind: KeyKind): number {
  return kind === 'partition' ? MAX_PARTITION_KEY_BYTES : MAX_SORT_KEY_BYTES;
}

/** Whether `key` (the whole key as stored) is within DynamoDB's limit for its kind. */
export function keyFits(key: string, kind: KeyKind = 'partition'): boolean {
  return utf8Length(key) <= maxKeyBytes(kind);
}

/**
 * Key formats several adapters share. Every partition starts with the organization id, so no query can cross
 * organizations by construction. Values compared without regard to case are passed in already folded.
 */
export const KeyFormats = {
  /** A user's item and its licenses (`USER` / `LICENSE#<id>`), and the membership index of its groups. */
  userPartition: (orgId: string, userId: string) => `${orgId}#USER#${userId}`,
  /** Sort key of the user item itself. */
  userSortKey: 'USER',
  /** One item per distinct address of a user (sort key: the user id), written in the user's transaction. */
  emailPartition: (orgId: string, foldedAddress: string) => `${orgId}#EMAIL#${foldedAddress}`,
  /** A group's item and its memberships (`GROUP` / `MEMBER#<uid>`). */
  groupPartition: (orgId: string, groupId: string) => `${orgId}#GROUP#${groupId}`,
  /** Strongly consistent mirrors of a user's memberships (`GROUP#<gid>`). */
  memberOfPartition: (orgId: string, userId: string) => `${orgId}#MEMBEROF#${userId}`,
} as const;
