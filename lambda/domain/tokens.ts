import { createHash, timingSafeEqual } from 'node:crypto';
import { DEFAULT_SECRET_CACHE_TTL_MS } from '../contract/deployment';
import type { Clock } from './clock';
import { systemClock } from './clock';

/**
 * The JSON held by an organization's token secret. During a rotation's grace period it also holds the previous
 * token and when that stops being accepted, so one secret version answers every check.
 */
export interface TokenSecret {
  readonly orgId: string;
  readonly token: string;
  readonly previousToken?: string;
  /** ISO timestamp after which `previousToken` is refused. */
  readonly previousTokenExpiresAt?: string;
}

/** Reads a secret's current value; undefined when the secret does not exist. */
export interface SecretReader {
  read(secretId: string): Promise<string | undefined>;
}

export interface TokenVerifierOptions {
  readonly defaultOrgId: string;
  readonly defaultSecretId: string;
  /** Secret id of an organization's token, for tokens that name their organization (`scim_<orgId>_…`). */
  readonly orgSecretId?: (orgId: string) => string;
  /** How long a secret's value is reused before it is read again. @default 30 seconds */
  readonly cacheTtlMs?: number;
  /**
   * Secrets of organizations that do not exist (guessed ids) remembered at most, oldest forgotten first, so a flood of
   * guesses costs bounded memory and cannot push real organizations out of the cache. @default 1000
   */
  readonly maxUnknownCached?: number;
  /** Real organizations' secrets remembered at most, least recently used forgotten first. @default 10000 */
  readonly maxKnownCached?: number;
  readonly clock?: Clock;
}

export type Verification =
  | { readonly ok: true; readonly orgId: string; readonly usedPreviousToken: boolean }
  | {
      readonly ok: false;
      /** `expired`: the previous key of a rotation, after its grace period (the admin has not pasted the new one). */
      readonly reason: 'missing' | 'malformed' | 'unknown-organization' | 'mismatch' | 'expired';
    };

/**
 * How long the verifier reuses a secret's value. It adds to API Gateway's authorizer result cache: together they bound
 * how long a revoked token keeps working (60 s), so the stage's cache may be at most 60 s minus this.
 */
export { DEFAULT_SECRET_CACHE_TTL_MS };

/** Tokens that name their organization, so the verifier reads exactly one secret. */
const ORG_TOKEN = /^scim_([a-z0-9][a-z0-9-]{0,62})_[A-Za-z0-9_-]{32,}$/;

/**
 * Checks a SCIM API key from the Authorization header. Accepts `Bearer <key>` (scheme in any case) and the bare key,
 * as Okta's "HTTP Header" mode sends what the admin typed. Keys are compared as SHA-256 digests with
 * `timingSafeEqual`, so neither the comparison time nor its length leaks anything about the stored key.
 */
export class TokenVerifier {
  private readonly known: BoundedCache<TokenSecret>;
  private readonly unknown: BoundedCache<undefined>;
  private readonly ttlMs: number;
  private readonly clock: Clock;

  constructor(
    private readonly reader: SecretReader,
    private readonly options: TokenVerifierOptions,
  ) {
    this.ttlMs = options.cacheTtlMs ?? DEFAULT_SECRET_CACHE_TTL_MS;
    this.clock = options.clock ?? systemClock;
    this.known = new BoundedCache(options.maxKnownCached ?? 10_000);
    this.unknown = new BoundedCache(options.maxUnknownCached ?? 1_000);
  }

  /** How many secrets are cached, for the memory bound's tests. */
  get cachedSecrets(): { readonly known: number; readonly unknown: number } {
    return { known: this.known.size, unknown: this.unknown.size };
  }

  async verify(authorization: string | undefined): Promise<Verification> {
    const token = extractToken(authorization);
    if (token === undefined) return { ok: false, reason: authorization?.trim() ? 'malformed' : 'missing' };

    const named = ORG_TOKEN.exec(token)?.[1];
    const orgId = named !== undefined && this.options.orgSecretId ? named : this.options.defaultOrgId;
    const secretId =
      orgId === this.options.defaultOrgId || !this.options.orgSecretId
        ? this.options.defaultSecretId
        : this.options.orgSecretId(orgId);
    const secret = await this.secret(secretId);
    if (!secret || secret.orgId !== orgId) return { ok: false, reason: 'unknown-organization' };

    if (sameToken(token, secret.token)) return { ok: true, orgId, usedPreviousToken: false };
    if (secret.previousToken !== undefined && sameToken(token, secret.previousToken)) {
      // Stryker disable next-line StringLiteral: any text that is not a date parses to NaN, as '' does
      const expiresAt = Date.parse(secret.previousTokenExpiresAt ?? '');
      if (Number.isFinite(expiresAt) && this.clock.now().getTime() < expiresAt) {
        return { ok: true, orgId, usedPreviousToken: true };
      }
      return { ok: false, reason: 'expired' };
    }
    return { ok: false, reason: 'mismatch' };
  }

  private async secret(secretId: string): Promise<TokenSecret | undefined> {
    const now = this.clock.now().getTime();
    const cached = this.known.get(secretId) ?? this.unknown.get(secretId);
    if (cached && now - cached.readAt < this.ttlMs) return cached.value;
    const raw = await this.reader.read(secretId);
    const value = raw === undefined ? undefined : parseTokenSecret(raw);
    // Unknown organizations are remembered too, so repeating a guessed id cannot make us read Secrets Manager on
    // every request; they live in their own bounded cache, so guesses never evict a real organization's secret.
    if (value) {
      this.unknown.delete(secretId);
      this.known.set(secretId, { value, readAt: now });
    } else {
      this.known.delete(secretId);
      this.unknown.set(secretId, { value, readAt: now });
    }
    return value;
  }
}

/** A Map that forgets its least recently used entry beyond `limit` entries (Map keeps insertion order). */
class BoundedCache<V> {
  private readonly entries = new Map<string, { value: V; readAt: number }>();

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): { value: V; readAt: number } | undefined {
    const entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  set(key: string, entry: { value: V; readAt: number }): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.limit) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}

/** The key from an Authorization header value, or undefined when there is none or it cannot be a key. */
export function extractToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const value = authorization.trim();
  // The value is trimmed and `\s+` takes every space after the scheme, so the captured key has none around it.
  const bearer = /^bearer(?:\s+(.*))?$/i.exec(value);
  const token = bearer ? bearer[1] : value;
  if (token === undefined || token === '' || token.length > 1024 || /\s/.test(token)) return undefined;
  return token;
}

export function parseTokenSecret(raw: string): TokenSecret | undefined {
  try {
    const value = JSON.parse(raw) as Partial<TokenSecret>;
    if (typeof value.orgId !== 'string' || typeof value.token !== 'string' || value.token === '') return undefined;
    return {
      orgId: value.orgId,
      token: value.token,
      ...(typeof value.previousToken === 'string' ? { previousToken: value.previousToken } : {}),
      ...(typeof value.previousTokenExpiresAt === 'string'
        ? { previousTokenExpiresAt: value.previousTokenExpiresAt }
        : {}),
    };
  } catch {
    return undefined;
  }
}

function sameToken(candidate: string, expected: string): boolean {
  const a = createHash('sha256').update(candidate).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
