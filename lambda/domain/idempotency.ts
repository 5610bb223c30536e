import { createHash } from 'node:crypto';

/**
 * Idempotency keys of the admin API's creating calls (the `Idempotency-Key` header): a retry of a request that
 * completed answers the first answer again instead of acting twice; the same key with another request is refused.
 * Secrets are never part of what is stored: an API key in an answer is shown once, and a replay leaves it out.
 */

export interface StoredAnswer {
  readonly status: number;
  /** JSON of the answer's body, without any secret. */
  readonly body: string;
}

export type IdempotencyClaim =
  /** Go ahead: this request now holds the key. */
  | { readonly state: 'claimed' }
  /** The same request completed before: answer this again. */
  | { readonly state: 'completed'; readonly answer: StoredAnswer }
  /** The same request is running right now (or crashed less than a lease ago). */
  | { readonly state: 'in-progress' }
  /** The key was used for a different request. */
  | { readonly state: 'mismatch' };

export interface IdempotencyStore {
  /** Takes the key for `fingerprint` unless it is held, completed or used for another request, and not expired. */
  claim(key: string, fingerprint: string, now: Date): Promise<IdempotencyClaim>;
  /** Records the answer of the request holding the key; kept until the key expires. */
  complete(key: string, fingerprint: string, answer: StoredAnswer, now: Date): Promise<void>;
  /** Releases the key after a failure, so a retry runs the request again. */
  release(key: string, fingerprint: string): Promise<void>;
}

/** How long a completed answer is replayed: a day covers any client's retries. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
/** A request holding a key for longer than this (a crashed invocation) no longer blocks retries. */
export const IDEMPOTENCY_LEASE_MS = 60_000;

/** Idempotency keys are the client's: 1 to 255 visible ASCII characters (a UUID, typically). */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** The identity of a request under a key: who sent it, what it does, and its body. */
export function requestFingerprint(caller: string, method: string, path: string, body: string | undefined): string {
  return createHash('sha256')
    .update(JSON.stringify([caller, method.toUpperCase(), path, body ?? '']))
    .digest('hex');
}

/** Keys are scoped by caller, so two portal roles cannot collide or read each other's answers. */
export function scopedKey(caller: string, key: string): string {
  return createHash('sha256')
    .update(JSON.stringify([caller, key]))
    .digest('hex');
}
