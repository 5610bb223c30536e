import { type KeyKind, keyFits, maxKeyBytes, utf8Length } from '../contract/keys';
import { ValueTooLongError } from '../domain/errors';

/**
 * Refuses a write whose key, built from `value`, would exceed DynamoDB's key limit, naming the client's attribute and
 * how many bytes of it fit (the limit less the key's own prefix).
 */
export function requireKeyFits(
  attribute: string,
  key: string | undefined,
  value: string,
  kind: KeyKind = 'partition',
): void {
  if (key === undefined || keyFits(key, kind)) return;
  const valueBytes = utf8Length(value);
  const room = maxKeyBytes(kind) - (utf8Length(key) - valueBytes);
  throw new ValueTooLongError(
    `${attribute} is too long: at most ${Math.max(room, 0)} bytes of UTF-8 (after normalization) can be stored, ` +
      `and this value takes ${valueBytes}; shorten it`,
  );
}
