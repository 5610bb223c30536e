import { randomBytes } from 'node:crypto';

/** Time and identity come in as dependencies so tests can be deterministic. */
export interface Clock {
  now(): Date;
}

export type IdGenerator = () => string;

export const systemClock: Clock = { now: () => new Date() };

/**
 * A UUID version 7 (RFC 9562): 48 bits of milliseconds then 74 random bits. Ids sort by creation time, which gives
 * list endpoints a stable order that appends new resources at the end.
 */
export function uuidV7(now: number = Date.now(), random: Buffer = randomBytes(10)): string {
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(now, 0, 6);
  random.copy(bytes, 6, 0, 10);
  bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** True for ids this service could have issued; anything else is answered 404 without a database read. */
export function isResourceId(value: string): boolean {
  return UUID_PATTERN.test(value);
}
