import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * License keys: `XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX`, 30 Crockford base32 characters carrying 150 bits.
 *
 * - The first 128 bits (the body) are derived, not random: HMAC-SHA256(signing secret, org id + license id),
 *   truncated. Nothing secret is stored: the licenses table keeps the license id, a SHA-256 hash of the key (for the
 *   validation lookup) and its last characters (for admins). Whoever holds the signing secret can derive the same key
 *   again, so an admin can re-send it; without the secret the stored data does not reveal any key.
 * - The last 22 bits are a MAC of the body under the same secret. A mistyped or made-up key fails it without any
 *   database read (about one random key in four million passes the check and costs one lookup).
 * - Crockford's alphabet has no I, L, O or U; decoding reads `O` as 0 and `I`/`L` as 1, ignores case, dashes and
 *   spaces, so a key read aloud or retyped from paper still works.
 */

/** The signing secret, read from Secrets Manager (or a local file) by an adapter. */
export interface SigningKeyProvider {
  signingKey(): Promise<Buffer>;
}

export interface DerivedLicenseKey {
  /** The key as shown to the user. Never stored, never logged. */
  readonly key: string;
  /** SHA-256 of the canonical key, hex: the stored lookup. */
  readonly hash: string;
  /** The last characters of the key, for an admin matching a key a user quotes. */
  readonly hint: string;
}

export type KeyCheck =
  | { readonly ok: true; readonly hash: string }
  | { readonly ok: false; readonly reason: 'malformed' | 'checksum' };

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const DECODE: ReadonlyMap<string, number> = new Map([
  ...[...ALPHABET].map((char, index) => [char, index] as const),
  ['O', 0],
  ['I', 1],
  ['L', 1],
]);

const BODY_BYTES = 16;
const CHECK_BITS = 22n;
const KEY_CHARS = 30;
const GROUP = 5;
export const KEY_HINT_LENGTH = 4;
/** Longer input is refused before any parsing work. */
const MAX_INPUT_LENGTH = 100;
/** A signing secret shorter than this is a configuration mistake, not a key to sign with. */
export const MIN_SIGNING_KEY_BYTES = 32;

export const LICENSE_KEY_PATTERN = /^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){5}$/;

/** The key of a license: the same org and license id always give the same key. */
export function deriveLicenseKey(secret: Buffer, orgId: string, licenseId: string): DerivedLicenseKey {
  assertSecret(secret);
  const body = createHmac('sha256', secret)
    .update(`license-key:v1:${orgId}:${licenseId}`)
    .digest()
    .subarray(0, BODY_BYTES);
  const value = (toBigInt(body) << CHECK_BITS) | checkOf(secret, body);
  const canonical = encode(value);
  const key = group(canonical);
  return { key, hash: hashOf(canonical), hint: key.slice(-KEY_HINT_LENGTH) };
}

/** Checks a key as typed by a user: its format and MAC, without any database read. */
export function checkLicenseKey(secret: Buffer, input: string): KeyCheck {
  assertSecret(secret);
  const canonical = canonicalize(input);
  if (canonical === undefined) return { ok: false, reason: 'malformed' };
  const value = decode(canonical);
  const body = toBytes(value >> CHECK_BITS, BODY_BYTES);
  const expected = Buffer.from(checkOf(secret, body).toString(16).padStart(6, '0'), 'hex');
  const actual = Buffer.from((value & ((1n << CHECK_BITS) - 1n)).toString(16).padStart(6, '0'), 'hex');
  if (!timingSafeEqual(expected, actual)) return { ok: false, reason: 'checksum' };
  return { ok: true, hash: hashOf(canonical) };
}

/** Upper-case, no separators, confusable letters mapped; undefined when it cannot be a key. */
export function canonicalize(input: string): string | undefined {
  if (input.length > MAX_INPUT_LENGTH) return undefined;
  const compact = input.replace(/[\s-]/g, '').toUpperCase();
  if (compact.length !== KEY_CHARS) return undefined;
  let canonical = '';
  for (const char of compact) {
    const digit = DECODE.get(char);
    if (digit === undefined) return undefined;
    canonical += ALPHABET[digit];
  }
  return canonical;
}

function checkOf(secret: Buffer, body: Buffer): bigint {
  const mac = createHmac('sha256', secret).update('license-check:v1:').update(body).digest();
  return toBigInt(mac.subarray(0, 3)) >> (24n - CHECK_BITS);
}

function hashOf(canonical: string): string {
  return createHash('sha256').update(canonical).digest('hex');
}

function encode(value: bigint): string {
  let out = '';
  let rest = value;
  for (let index = 0; index < KEY_CHARS; index++) {
    out = ALPHABET[Number(rest & 31n)] + out;
    rest >>= 5n;
  }
  return out;
}

function decode(canonical: string): bigint {
  let value = 0n;
  for (const char of canonical) value = (value << 5n) | BigInt(DECODE.get(char) ?? 0);
  return value;
}

function group(canonical: string): string {
  const groups: string[] = [];
  for (let index = 0; index < canonical.length; index += GROUP) groups.push(canonical.slice(index, index + GROUP));
  return groups.join('-');
}

/** Callers pass the 16-byte body or 3 MAC bytes, never an empty buffer (`0x` alone is not a number). */
function toBigInt(bytes: Buffer): bigint {
  return BigInt(`0x${bytes.toString('hex')}`);
}

function toBytes(value: bigint, length: number): Buffer {
  return Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex');
}

function assertSecret(secret: Buffer): void {
  if (secret.length < MIN_SIGNING_KEY_BYTES) {
    throw new Error(`the license signing secret must have at least ${MIN_SIGNING_KEY_BYTES} bytes`);
  }
}

/** Derives and checks keys with the signing secret its provider supplies. */
export class LicenseKeys {
  constructor(private readonly provider: SigningKeyProvider) {}

  async derive(orgId: string, licenseId: string): Promise<DerivedLicenseKey> {
    return deriveLicenseKey(await this.provider.signingKey(), orgId, licenseId);
  }

  async check(input: string): Promise<KeyCheck> {
    // Cheap format checks first: a malformed key never waits for the secret.
    if (canonicalize(input) === undefined) return { ok: false, reason: 'malformed' };
    return checkLicenseKey(await this.provider.signingKey(), input);
  }
}
