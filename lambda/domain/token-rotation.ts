import { randomBytes, randomUUID } from 'node:crypto';
import { DEFAULT_GRACE_HOURS } from '../contract/deployment';
import type { Clock } from './clock';
import { systemClock } from './clock';
import { DomainError } from './errors';
import { parseTokenSecret, type TokenSecret } from './tokens';

/** How long a replaced token keeps working unless the caller says otherwise: time for an admin to update Okta. */
export { DEFAULT_GRACE_HOURS };

/** Staging labels of Secrets Manager, which the local file store imitates. */
export const CURRENT = 'AWSCURRENT';
export const PENDING = 'AWSPENDING';

/** Random bytes behind every generated token: 256 bits, 43 characters of base64url. */
const TOKEN_BYTES = 32;

/** Bytes of randomness; tests pass a deterministic source. */
export type RandomSource = (size: number) => Buffer;

/**
 * A new SCIM API key for an organization: `scim_<orgId>_<43 base64url characters>`. Naming the organization lets the
 * authorizer read exactly one secret; the random part alone carries the key's strength.
 */
export function newOrgToken(orgId: string, random: RandomSource = randomBytes): string {
  return `scim_${orgId}_${random(TOKEN_BYTES).toString('base64url')}`;
}

/** True when `token` has the shape `newOrgToken` gives for `orgId`. */
export function isOrgToken(token: string, orgId: string): boolean {
  const prefix = `scim_${orgId}_`;
  return token.startsWith(prefix) && /^[A-Za-z0-9_-]{43}$/.test(token.slice(prefix.length));
}

/**
 * The secret value after a rotation: the new token is current at once and, for `graceMs` > 0, the replaced one stays
 * accepted until `now + graceMs`. A token that was itself still in its grace period is dropped: only the token being
 * replaced gets an overlap, so at most two tokens work at any time.
 */
export function rotatedSecret(
  current: TokenSecret,
  change: { readonly newToken: string; readonly now: Date; readonly graceMs: number },
): TokenSecret {
  if (change.newToken === current.token) throw new RotationError('the new token equals the current one');
  if (change.graceMs <= 0) return { orgId: current.orgId, token: change.newToken };
  return {
    orgId: current.orgId,
    token: change.newToken,
    previousToken: current.token,
    previousTokenExpiresAt: new Date(change.now.getTime() + change.graceMs).toISOString(),
  };
}

/** The secret value with the grace period ended: only the current token is accepted. */
export function withoutPreviousToken(current: TokenSecret): TokenSecret {
  return { orgId: current.orgId, token: current.token };
}

export interface GraceState {
  /** True while the previous token is still accepted. */
  readonly inGracePeriod: boolean;
  /** When the previous token stops (or stopped) being accepted; absent when the secret records none. */
  readonly previousTokenExpiresAt?: string;
}

export function graceState(secret: TokenSecret, now: Date): GraceState {
  if (secret.previousToken === undefined || secret.previousTokenExpiresAt === undefined) {
    return { inGracePeriod: false };
  }
  const expiresAt = Date.parse(secret.previousTokenExpiresAt);
  return {
    inGracePeriod: Number.isFinite(expiresAt) && now.getTime() < expiresAt,
    previousTokenExpiresAt: secret.previousTokenExpiresAt,
  };
}

/**
 * What must hold before a pending value may become current (the rotation's `testSecret` step). Returns the problems
 * found, empty when the value is fit. Never includes a token in a message.
 */
export function pendingSecretProblems(pending: TokenSecret | undefined, current: TokenSecret): string[] {
  if (!pending) return ['the pending value is not a token secret (JSON with orgId and token)'];
  const problems: string[] = [];
  if (pending.orgId !== current.orgId) problems.push(`the pending value names organization ${pending.orgId}`);
  if (!isOrgToken(pending.token, current.orgId)) problems.push('the pending token is not shaped scim_<orgId>_<key>');
  if (pending.token === current.token) problems.push('the pending token equals the current one');
  if (pending.previousToken !== undefined) {
    if (pending.previousToken === pending.token) problems.push('the pending value repeats its token as the previous');
    // A pending value derived from an older current version would cut off the current token without any grace.
    if (pending.previousToken !== current.token)
      problems.push('the pending value was not derived from the current one');
    // Stryker disable next-line StringLiteral: an absent expiry and any other text that is no date both parse as NaN
    if (!Number.isFinite(Date.parse(pending.previousTokenExpiresAt ?? ''))) {
      problems.push('the pending value has a previous token without a valid expiry');
    }
  }
  return problems;
}

/** A rotation step cannot proceed; the message names the secret and version, never a token. */
export class RotationError extends DomainError {}

/** One version of a secret as the rotation steps see it. */
export interface SecretVersionValue {
  readonly versionId: string;
  readonly value: string;
  /** When this version was written. */
  readonly createdAt?: Date;
}

/**
 * A secret with versions and staging labels (Secrets Manager's model): the port the rotation steps and the admin
 * commands write tokens through. Implemented on Secrets Manager and, for the local stack, on files.
 */
export interface VersionedSecretStore {
  /** The version labelled AWSCURRENT; undefined when the secret does not exist. */
  readCurrent(secretId: string): Promise<SecretVersionValue | undefined>;
  /** The value of `versionId` if it carries the AWSPENDING label and has a value; otherwise undefined. */
  readPending(secretId: string, versionId: string): Promise<string | undefined>;
  /** Staging labels by version id, for versions that have any. */
  stages(secretId: string): Promise<ReadonlyMap<string, readonly string[]>>;
  /** Writes `value` as version `versionId` labelled AWSPENDING; repeating the same call is harmless. */
  putPending(secretId: string, versionId: string, value: string): Promise<void>;
  /** Moves AWSCURRENT to `versionId` from `fromVersionId`. */
  promote(secretId: string, versionId: string, fromVersionId: string): Promise<void>;
}

/** What happened in a step, for the log and the metric. */
export type StepOutcome =
  | 'created'
  | 'pending-exists'
  | 'already-current'
  | 'nothing-to-set'
  | 'tested'
  | 'configuration-check'
  | 'promoted';

export interface RotationResult {
  readonly orgId: string;
  readonly outcome: StepOutcome;
  /** When the replaced token stops working; set when the pending value records a grace period. */
  readonly previousTokenExpiresAt?: string;
}

export interface TokenRotationOptions {
  /** Grace period given to the replaced token. @default 72 hours */
  readonly graceMs?: number;
  readonly clock?: Clock;
  readonly random?: RandomSource;
  /** Version ids for rotations this process starts itself (`rotateNow`). */
  readonly newVersionId?: () => string;
}

/**
 * The four steps of a Secrets Manager rotation, for a token secret. Each step is idempotent, because Secrets Manager
 * retries a failed invocation with the same version id:
 * - `createSecret` writes the pending version: a new token, and the replaced one with its grace expiry;
 * - `setSecret` has nothing to do: the identity provider (Okta, Entra) learns the new key only from an admin;
 * - `testSecret` checks the pending value before it can become current;
 * - `finishSecret` moves AWSCURRENT to the pending version, which the authorizer then reads.
 */
export class TokenRotation {
  private readonly graceMs: number;
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly newVersionId: () => string;

  constructor(
    private readonly store: VersionedSecretStore,
    options: TokenRotationOptions = {},
  ) {
    this.graceMs = options.graceMs ?? DEFAULT_GRACE_HOURS * 3_600_000;
    if (!Number.isFinite(this.graceMs) || this.graceMs < 0) throw new RotationError('the grace period must be >= 0');
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? randomBytes;
    this.newVersionId = options.newVersionId ?? randomUUID;
  }

  async createSecret(secretId: string, versionId: string): Promise<RotationResult> {
    const current = await this.current(secretId);
    const stages = await this.store.stages(secretId);
    if (stages.get(versionId)?.includes(CURRENT)) return { orgId: current.secret.orgId, outcome: 'already-current' };

    // Stryker disable next-line StringLiteral: an absent pending value and any other non-JSON text both parse as no token secret
    const existing = parseTokenSecret((await this.store.readPending(secretId, versionId)) ?? '');
    if (existing) return { orgId: existing.orgId, outcome: 'pending-exists', ...expiry(existing) };

    const next = rotatedSecret(current.secret, {
      newToken: newOrgToken(current.secret.orgId, this.random),
      now: this.clock.now(),
      graceMs: this.graceMs,
    });
    await this.store.putPending(secretId, versionId, JSON.stringify(next));
    return { orgId: next.orgId, outcome: 'created', ...expiry(next) };
  }

  async setSecret(secretId: string, versionId: string): Promise<RotationResult> {
    const current = await this.current(secretId);
    await this.pendingVersion(secretId, versionId);
    return { orgId: current.secret.orgId, outcome: 'nothing-to-set' };
  }

  async testSecret(secretId: string, versionId: string): Promise<RotationResult> {
    const current = await this.current(secretId);
    const stages = await this.pendingVersion(secretId, versionId);
    if (stages === 'already-current') return { orgId: current.secret.orgId, outcome: 'already-current' };
    const raw = await this.store.readPending(secretId, versionId);
    // Secrets Manager tests a rotation configuration (RotateImmediately=false) with a pending copy of the current
    // value; nothing was generated, so there is nothing to check and nothing that finishing could break.
    if (raw === undefined || raw === current.value) {
      return { orgId: current.secret.orgId, outcome: 'configuration-check' };
    }
    const pending = parseTokenSecret(raw);
    const problems = pendingSecretProblems(pending, current.secret);
    if (problems.length > 0) {
      throw new RotationError(`pending version ${versionId} of ${secretId} is not usable: ${problems.join('; ')}`);
    }
    return { orgId: current.secret.orgId, outcome: 'tested', ...expiry(pending!) };
  }

  async finishSecret(secretId: string, versionId: string): Promise<RotationResult> {
    const current = await this.current(secretId);
    const stages = await this.pendingVersion(secretId, versionId);
    if (stages === 'already-current') return { orgId: current.secret.orgId, outcome: 'already-current' };
    // Stryker disable next-line StringLiteral: an absent pending value and any other non-JSON text both parse as no token secret
    const pending = parseTokenSecret((await this.store.readPending(secretId, versionId)) ?? '');
    await this.store.promote(secretId, versionId, current.versionId);
    return { orgId: current.secret.orgId, outcome: 'promoted', ...(pending ? expiry(pending) : {}) };
  }

  /**
   * Runs the four steps at once with a new version id, as the admin command does: the new token is current when this
   * returns. Returns the new secret value, which holds the token to hand to the admin.
   */
  async rotateNow(secretId: string): Promise<{ readonly versionId: string; readonly secret: TokenSecret }> {
    const versionId = this.newVersionId();
    await this.createSecret(secretId, versionId);
    await this.setSecret(secretId, versionId);
    await this.testSecret(secretId, versionId);
    await this.finishSecret(secretId, versionId);
    const current = await this.current(secretId);
    if (current.versionId !== versionId) {
      throw new RotationError(`another rotation of ${secretId} finished at the same time; run the rotation again`);
    }
    return { versionId, secret: current.secret };
  }

  /**
   * Ends the grace period now: a version holding only the current token becomes current. It is written as pending and
   * then promoted, like a rotation, so the AWSPENDING label ends on the current version (a label left on an older
   * version would make Secrets Manager refuse the next RotateSecret as "a rotation is in progress").
   */
  async revokePrevious(secretId: string): Promise<{ readonly revoked: boolean; readonly orgId: string }> {
    const current = await this.current(secretId);
    if (current.secret.previousToken === undefined) return { revoked: false, orgId: current.secret.orgId };
    const versionId = this.newVersionId();
    await this.store.putPending(secretId, versionId, JSON.stringify(withoutPreviousToken(current.secret)));
    await this.store.promote(secretId, versionId, current.versionId);
    return { revoked: true, orgId: current.secret.orgId };
  }

  private async current(secretId: string): Promise<{ versionId: string; value: string; secret: TokenSecret }> {
    const version = await this.store.readCurrent(secretId);
    if (!version) throw new RotationError(`secret ${secretId} has no current version`);
    const secret = parseTokenSecret(version.value);
    if (!secret) throw new RotationError(`the current version of ${secretId} is not a token secret`);
    return { versionId: version.versionId, value: version.value, secret };
  }

  /** Steps after createSecret act only on a version still labelled AWSPENDING: another rotation may have replaced it. */
  private async pendingVersion(secretId: string, versionId: string): Promise<'pending' | 'already-current'> {
    // Stryker disable next-line ArrayDeclaration: an unknown version and one with neither label are refused alike just below
    const stages = (await this.store.stages(secretId)).get(versionId) ?? [];
    if (stages.includes(CURRENT)) return 'already-current';
    if (!stages.includes(PENDING)) {
      throw new RotationError(`version ${versionId} of ${secretId} is not pending: another rotation replaced it`);
    }
    return 'pending';
  }
}

function expiry(secret: TokenSecret): { previousTokenExpiresAt?: string } {
  // Stryker disable next-line ConditionalExpression: a property set to undefined reads as absent to the adapters and JSON
  return secret.previousTokenExpiresAt === undefined ? {} : { previousTokenExpiresAt: secret.previousTokenExpiresAt };
}
