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
  // A UTF-8 byte is at least one UTF-16 unit's worth of text, and at most three: skip the count when it cannot matter.
  if (key.length * 3 <= maxKeyBytes(kind)) return true;
  return utf8Length(key) <= maxKeyBytes(kind);
}
