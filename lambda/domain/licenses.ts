import type { IdGenerator } from './clock';
import { isDeliverableAddress } from './email-address';
import { SeatLimitError } from './errors';
import type { DerivedLicenseKey, KeyCheck } from './license-keys';
import type { LinkedWrite, PrefetchedReads, PrefetchIntent, UserChange, UserChangePolicy, UserRecord } from './users';

/**
 * Licenses follow the user's `active` state, whatever route changes it:
 * - a user created active, or reactivated, gets a new license (new key) and takes a seat;
 * - deactivation and deletion revoke the user's active license and free its seat;
 * - a change that leaves `active` as it was changes no license and sends nothing (a profile update keeps the key).
 * Each license event also enqueues one email (the transactional outbox). Everything is expressed as LinkedWrites
 * that commit in the same DynamoDB transaction as the user write, or not at all.
 */

export type LicenseStatus = 'active' | 'revoked';
export type RevocationReason = 'deactivated' | 'deleted';

export interface LicenseRecord {
  readonly orgId: string;
  readonly licenseId: string;
  readonly userId: string;
  readonly status: LicenseStatus;
  readonly issuedAt: string;
  readonly revokedAt?: string;
  readonly revocationReason?: RevocationReason;
  /** SHA-256 of the canonical key: what validation looks up. */
  readonly keyHash: string;
  /** Last characters of the key, shown to admins. */
  readonly keyHint: string;
  /** The plan its user's groups give it (domain/plans.ts); undefined: the organization's default plan. */
  readonly plan?: string;
  /** Counted up by every membership change of a mapped group: the condition of the next plan change. */
  readonly planVersion?: number;
  /** A plan the user's groups gave it but that had no seat left when the membership changed. */
  readonly planSeatRefused?: string;
}

export type EmailEventType = 'license-issued' | 'license-revoked' | 'plan-changed';

/** An email to send, written to the outbox in the license change's transaction. Holds no key: the mailer derives it. */
export interface EmailIntent {
  /** One per license event (`<licenseId>.issued`): the outbox refuses a second intent with the same id. */
  readonly eventId: string;
  readonly type: EmailEventType;
  readonly orgId: string;
  readonly licenseId: string;
  readonly userId: string;
  readonly recipient: string;
  /** Last characters of the key, named in the deactivation email. */
  readonly keyHint: string;
  /** How the email greets the user. */
  readonly displayName?: string;
  readonly reason?: RevocationReason;
  /** The plan a `plan-changed` email announces; undefined when the organization has no default plan. */
  readonly plan?: string;
  readonly createdAt: string;
}

export interface IssueLicenseWrite extends LinkedWrite {
  readonly kind: 'license.issue';
  readonly license: LicenseRecord;
}

export interface RevokeLicenseWrite extends LinkedWrite {
  readonly kind: 'license.revoke';
  readonly orgId: string;
  readonly userId: string;
  readonly licenseId: string;
  readonly revokedAt: string;
  readonly reason: RevocationReason;
}

/** Takes (+1) or frees (-1) one of the organization's seats; taking is conditional on a free seat. */
export interface SeatChangeWrite extends LinkedWrite {
  readonly kind: 'license.seat';
  readonly orgId: string;
  readonly delta: 1 | -1;
  /** The configured limit, applied when the organization item sets none. Undefined: no limit. */
  readonly defaultLimit?: number;
}

export interface EnqueueEmailWrite extends LinkedWrite {
  readonly kind: 'license.email';
  readonly email: EmailIntent;
}

/** Changes the plan recorded on an active license, conditional on the plan version read (domain/plans.ts). */
export interface LicensePlanWrite extends LinkedWrite {
  readonly kind: 'license.plan';
  readonly orgId: string;
  readonly userId: string;
  readonly licenseId: string;
  /** The plan version read with the license (0 when it has none): the write's condition. */
  readonly expectedVersion: number;
  /** Undefined: the default plan. */
  readonly plan?: string;
  /** The plan this change wanted but found no seat on, recorded on the license; undefined clears it. */
  readonly seatRefused?: string;
  readonly at: string;
}

/** Takes (+1, conditional on a free seat of the plan) or frees (-1) a seat of a plan. */
export interface PlanSeatWrite extends LinkedWrite {
  readonly kind: 'plan.seat';
  readonly orgId: string;
  readonly plan: string;
  readonly delta: 1 | -1;
  /** Whose change takes or frees it: what a refusal names. */
  readonly userId: string;
}

export type LicenseWrite =
  | IssueLicenseWrite
  | RevokeLicenseWrite
  | SeatChangeWrite
  | EnqueueEmailWrite
  | LicensePlanWrite
  | PlanSeatWrite;

const LICENSE_WRITE_KINDS: ReadonlySet<string> = new Set([
  'license.issue',
  'license.revoke',
  'license.seat',
  'license.email',
  'license.plan',
  'plan.seat',
]);

export function isLicenseWrite(write: LinkedWrite): write is LicenseWrite {
  return LICENSE_WRITE_KINDS.has(write.kind);
}

export interface SeatUsage {
  readonly used: number;
  /** The organization item's own limit; undefined when it sets none. */
  readonly limit?: number;
}

/** Reads of licenses and seats (never writes). */
export interface LicenseReader {
  /** The user's active license, read consistently; undefined when there is none. What revocation plans from. */
  activeLicenseOf(orgId: string, userId: string): Promise<LicenseRecord | undefined>;
  /** The organization's seats, for admins and tests: issuing never reads it, the transaction's condition decides. */
  seatUsage(orgId: string): Promise<SeatUsage>;
}

/** Derives the key of a license (the key itself stays with the caller). */
export interface LicenseKeyDeriver {
  derive(orgId: string, licenseId: string): Promise<DerivedLicenseKey>;
}

export interface LicensePolicyOptions {
  readonly reader: LicenseReader;
  readonly keys: LicenseKeyDeriver;
  readonly newId: IdGenerator;
  /** Seat limit from configuration (CDK context `seats` for the default organization). @default no limit */
  readonly configuredSeatLimit?: (orgId: string) => number | undefined;
  /**
   * The plan of a license issued to an existing user (reactivation), from the groups it is in now (domain/plans.ts).
   * @default every license starts on the default plan
   */
  readonly planOf?: (orgId: string, userId: string) => Promise<IssuedPlan>;
}

/** The plan a new license starts on (undefined: the default plan), and a better one that had no seat left. */
export interface IssuedPlan {
  readonly plan?: string;
  readonly seatRefused?: string;
}

/** The names of the prefetched reads: the user's active license, and the plan a new license of the user gets. */
// Stryker disable next-line StringLiteral: the two names only need to differ; each is written and read through its constant
const ACTIVE_LICENSE = 'license.active';
// Stryker disable next-line StringLiteral: the two names only need to differ; each is written and read through its constant
const ISSUED_PLAN = 'license.plan';

/** The refusal Okta shows in its task list: it says what is wrong and what to do. */
export function seatLimitError(used: number, limit: number, options?: { cause?: unknown }): SeatLimitError {
  return new SeatLimitError(
    `no license seats available: ${used} of ${limit} in use; deactivate a user or raise the organization's seat limit, then retry`,
    options,
  );
}

/** The UserChangePolicy of licenses. `plan` only reads, so UserService can call it again after a version conflict. */
export class LicensePolicy implements UserChangePolicy {
  constructor(private readonly options: LicensePolicyOptions) {}

  /**
   * Revocation needs the active license, a reactivation the plan of the user's groups: each read alongside the user
   * when the change may need it.
   */
  prefetch(orgId: string, userId: string, intent: PrefetchIntent): PrefetchedReads {
    const planOf = this.options.planOf;
    return {
      ...(intent.deactivation ? { [ACTIVE_LICENSE]: this.options.reader.activeLicenseOf(orgId, userId) } : {}),
      ...(intent.activation && planOf ? { [ISSUED_PLAN]: planOf(orgId, userId) } : {}),
    };
  }

  async plan(change: UserChange): Promise<readonly LicenseWrite[]> {
    const wasActive = change.before?.active === true;
    const isActive = change.after?.active === true;
    if (change.after && isActive && !wasActive) {
      // A user just created is in no group yet: only a reactivated one may already be a member of a mapped group.
      const early = change.prefetched?.[ISSUED_PLAN] as Promise<IssuedPlan> | undefined;
      const planned =
        change.before && this.options.planOf ? await (early ?? this.options.planOf(change.orgId, change.after.id)) : {};
      return this.issue(change.orgId, change.after, change.at, planned);
    }
    if (change.before?.active === true && !isActive) {
      const reason = change.after ? 'deactivated' : 'deleted';
      return this.revoke(change.orgId, change.before, change.at, reason, change.prefetched);
    }
    if (change.before && !change.after) {
      // Deleting an inactive user: its license was revoked on deactivation. Anything still active (a user from before
      // licensing existed, say) is revoked now, so no seat stays taken by a user who is gone.
      return this.revoke(change.orgId, change.before, change.at, 'deleted', change.prefetched);
    }
    return [];
  }

  private async issue(orgId: string, user: UserRecord, at: Date, planned: IssuedPlan): Promise<LicenseWrite[]> {
    // No seat read here: the seat take is a condition inside the user's transaction, whose refusal names the numbers
    // (SeatLimitError), so a create costs one DynamoDB request and the check holds under any concurrency.
    const defaultLimit = this.options.configuredSeatLimit?.(orgId);
    const licenseId = this.options.newId();
    const key = await this.options.keys.derive(orgId, licenseId);
    const issuedAt = at.toISOString();
    const license: LicenseRecord = {
      orgId,
      licenseId,
      userId: user.id,
      status: 'active',
      issuedAt,
      keyHash: key.hash,
      keyHint: key.hint,
      // Stryker disable next-line ConditionalExpression: a property set to undefined reads as absent to the adapters and JSON
      ...(planned.plan !== undefined ? { plan: planned.plan } : {}),
      // Stryker disable next-line ConditionalExpression: a property set to undefined reads as absent to the adapters and JSON
      ...(planned.seatRefused !== undefined ? { planSeatRefused: planned.seatRefused } : {}),
    };
    const writes: LicenseWrite[] = [
      { kind: 'license.issue', license },
      // Stryker disable next-line ConditionalExpression: a property set to undefined reads as absent to the adapters and JSON
      { kind: 'license.seat', orgId, delta: 1, ...(defaultLimit !== undefined ? { defaultLimit } : {}) },
    ];
    // The plan's seat is taken in the same transaction, conditional on a free one; if another change took the last
    // seat since the plan was read, the change is planned again (a version conflict) and then falls back.
    if (planned.plan !== undefined) {
      writes.push({ kind: 'plan.seat', orgId, plan: planned.plan, delta: 1, userId: user.id });
    }
    const email = emailIntent('license-issued', license, user, issuedAt);
    if (email) writes.push({ kind: 'license.email', email });
    return writes;
  }

  private async revoke(
    orgId: string,
    user: UserRecord,
    at: Date,
    reason: RevocationReason,
    prefetched: PrefetchedReads | undefined,
  ): Promise<LicenseWrite[]> {
    const active = await activeLicenseFrom(this.options.reader, orgId, user, prefetched);
    if (!active) return [];
    const revokedAt = at.toISOString();
    const writes: LicenseWrite[] = [
      { kind: 'license.revoke', orgId, userId: user.id, licenseId: active.licenseId, revokedAt, reason },
      { kind: 'license.seat', orgId, delta: -1 },
    ];
    // The plan's seat follows the license: a revoked license holds none.
    if (active.plan !== undefined)
      writes.push({ kind: 'plan.seat', orgId, plan: active.plan, delta: -1, userId: user.id });
    const email = emailIntent('license-revoked', active, user, revokedAt, reason);
    if (email) writes.push({ kind: 'license.email', email });
    return writes;
  }
}

/**
 * The user's active license, from the read started alongside the user's when there was one. That read may have run
 * before a concurrent change committed: a license it shows that was revoked since fails the revocation's condition
 * (a version conflict, computed again); one it misses because it was issued since would go unrevoked, and an active
 * user without an active license is rare (users from before licensing), so that absence is confirmed by a read made
 * after the user's.
 */
async function activeLicenseFrom(
  reader: LicenseReader,
  orgId: string,
  user: UserRecord,
  prefetched: PrefetchedReads | undefined,
): Promise<LicenseRecord | undefined> {
  const early = prefetched?.[ACTIVE_LICENSE] as Promise<LicenseRecord | undefined> | undefined;
  const found = early ? await early : undefined;
  if (found || (early && !user.active)) return found;
  return reader.activeLicenseOf(orgId, user.id);
}

/**
 * Undefined when the user has no deliverable email address (none, or not one syntactically valid address: CR/LF,
 * several addresses, no domain): the license still changes, and an admin can re-send later.
 */
function emailIntent(
  type: EmailEventType,
  license: LicenseRecord,
  user: UserRecord,
  createdAt: string,
  reason?: RevocationReason,
): EmailIntent | undefined {
  const recipient = user.lookupEmail ?? user.emails[0]?.value;
  if (recipient === undefined || !isDeliverableAddress(recipient.trim())) return undefined;
  const displayName = greetingName(user);
  return {
    eventId: `${license.licenseId}.${type === 'license-issued' ? 'issued' : 'revoked'}`,
    type,
    orgId: license.orgId,
    licenseId: license.licenseId,
    userId: user.id,
    recipient: recipient.trim(),
    keyHint: license.keyHint,
    // Stryker disable next-line ConditionalExpression: a property set to undefined reads as absent to the adapters and JSON
    ...(displayName !== undefined ? { displayName } : {}),
    // Stryker disable next-line ConditionalExpression: a property set to undefined reads as absent to the adapters and JSON
    ...(reason !== undefined ? { reason } : {}),
    createdAt,
  };
}

/** The given name, else the display name, from the SCIM document. */
export function greetingName(user: Pick<UserRecord, 'document'>): string | undefined {
  const name = user.document.name;
  // Stryker disable next-line ConditionalExpression: a JSON value that is truthy but not an object (a string, a number) has no givenName either
  const given = name && typeof name === 'object' ? (name as Record<string, unknown>).givenName : undefined;
  for (const candidate of [given, user.document.displayName]) {
    if (typeof candidate === 'string' && candidate.trim() !== '') return candidate.trim().slice(0, 100);
  }
  return undefined;
}

/** What the product learns about a key: never who holds it. */
export type LicenseValidation =
  | { readonly valid: true; readonly status: 'active'; readonly plan?: string }
  | { readonly valid: false; readonly reason: 'malformed' | 'checksum' | 'unknown' | 'revoked' };

export interface LicenseLookup {
  /** The license with this key hash and its organization's (default) plan, read consistently. */
  findByKeyHash(keyHash: string): Promise<{ license: LicenseRecord; plan?: string } | undefined>;
}

export interface LicenseKeyChecker {
  check(input: string): Promise<KeyCheck>;
}

/** Answers the product's "is this key good?": format and MAC first (no read), then the stored license. */
export class LicenseValidator {
  constructor(
    private readonly keys: LicenseKeyChecker,
    private readonly lookup: LicenseLookup,
  ) {}

  async validate(input: string): Promise<LicenseValidation> {
    const checked = await this.keys.check(input);
    if (!checked.ok) return { valid: false, reason: checked.reason };
    const found = await this.lookup.findByKeyHash(checked.hash);
    if (!found) return { valid: false, reason: 'unknown' };
    if (found.license.status !== 'active') return { valid: false, reason: 'revoked' };
    // The license's own plan (from its groups), else the organization's default plan.
    const plan = found.license.plan ?? found.plan;
    // Stryker disable next-line ConditionalExpression: a property set to undefined reads as absent to the adapters and JSON
    return { valid: true, status: 'active', ...(plan !== undefined ? { plan } : {}) };
  }
}
