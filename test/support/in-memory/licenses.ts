import { VersionConflictError } from '../../../lambda/domain/errors';
import type { ClaimResult, OutboxStore } from '../../../lambda/domain/license-mail';
import type { EmailOutbox } from '../../../lambda/domain/license-resend';
import {
  type EmailIntent,
  type EnqueueEmailWrite,
  isLicenseWrite,
  type LicenseLookup,
  type LicenseReader,
  type LicenseRecord,
  type LicenseWrite,
  type SeatUsage,
  seatLimitError,
} from '../../../lambda/domain/licenses';
import type { OutboxRedriveStore, RedriveOutcome, UnsentEmail } from '../../../lambda/domain/outbox-redrive';
import { PlanSeatRefusedError } from '../../../lambda/domain/plans';
import type { LinkedWrite } from '../../../lambda/domain/users';
import { InMemoryOrganizationRepository } from './organizations';
import { compareIds } from './paging';
import { InMemoryPlanRepository } from './plans';

/**
 * A condition of a linked write failed for a reason the domain has no error for (a license revoked twice, an outbox
 * event written twice). The DynamoDB adapter lets its cancelled transaction through in these cases; this is its
 * stand-in: an error that is not a DomainError, so the protocol layer answers 500.
 */
export class LinkedWriteConditionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LinkedWriteConditionError';
  }
}

/** Where a repository's transaction puts the writes the domain links to it, checked first and then applied. */
export interface LinkedWriteStore {
  /**
   * The error the whole transaction fails with because of these writes, or undefined when every condition holds.
   * A refused seat wins over other failures, as the DynamoDB adapter reports it (LicensedUserRepository).
   */
  check(writes: readonly LinkedWrite[]): Error | undefined;
  /** Applies writes that `check` accepted. Must not yield, so check and apply are one atomic step. */
  apply(writes: readonly LinkedWrite[]): void;
}

/** An outbox item: the intent as written in the user's transaction, plus the mailer's marks. */
export interface OutboxItem {
  readonly intent: EmailIntent;
  leaseUntil?: number;
  sentAt?: string;
  messageId?: string;
  failedAt?: string;
  failure?: string;
  redriveRequestedAt?: string;
  heldAt?: string;
  attempts: number;
}

/**
 * The licenses table in memory: licenses, the outbox, and the seat counters (on the organizations' records), with
 * the conditions the DynamoDB translator writes (dynamodb-license-writes.ts): a license is issued once, only an active
 * license is revoked, a seat is taken only while one is free (the organization's own limit, else the configured one),
 * an outbox event is written once. Implements the reads of the license policy and validation, the admin's
 * `EmailOutbox`, and the mailer's and the redrive's outbox ports.
 */
export class InMemoryLicenseStore
  implements LinkedWriteStore, LicenseReader, LicenseLookup, EmailOutbox, OutboxStore, OutboxRedriveStore
{
  private readonly licenses = new Map<string, LicenseRecord>();
  private readonly outbox = new Map<string, OutboxItem>();

  constructor(
    readonly organizations: InMemoryOrganizationRepository = new InMemoryOrganizationRepository(),
    /** The plans whose seats `plan.seat` writes take and free. */
    readonly plans: InMemoryPlanRepository = new InMemoryPlanRepository(organizations),
  ) {}

  // --- linked writes of the user's transaction ---

  check(writes: readonly LinkedWrite[]): Error | undefined {
    let other: Error | undefined;
    for (const write of writes) {
      if (!isLicenseWrite(write)) return new Error(`no translator for linked write ${write.kind}`);
      const failure = this.failureOf(write);
      if (failure && (write.kind === 'license.seat' || write.kind === 'plan.seat')) return failure;
      other ??= failure;
    }
    return other;
  }

  apply(writes: readonly LinkedWrite[]): void {
    for (const write of writes) {
      if (isLicenseWrite(write)) this.applyOne(write);
    }
  }

  private failureOf(write: LicenseWrite): Error | undefined {
    switch (write.kind) {
      case 'license.issue':
        return this.licenses.has(licenseKey(write.license.orgId, write.license.userId, write.license.licenseId))
          ? new LinkedWriteConditionError(`license ${write.license.licenseId} exists`)
          : undefined;
      case 'license.revoke':
        return this.licenses.get(licenseKey(write.orgId, write.userId, write.licenseId))?.status === 'active'
          ? undefined
          : new LinkedWriteConditionError(`license ${write.licenseId} is not active`);
      case 'license.seat': {
        if (write.delta < 0) return undefined;
        const organization = this.organizations.peek(write.orgId);
        const used = organization?.seatsUsed ?? 0;
        const limit = organization?.seatLimit ?? write.defaultLimit;
        return limit !== undefined && used >= limit ? seatLimitError(used, limit) : undefined;
      }
      case 'license.email':
        return this.outbox.has(outboxKey(write.email.orgId, write.email.eventId))
          ? new LinkedWriteConditionError(`outbox event ${write.email.eventId} exists`)
          : undefined;
      case 'license.plan': {
        const license = this.licenses.get(licenseKey(write.orgId, write.userId, write.licenseId));
        return license?.status === 'active' && (license.planVersion ?? 0) === write.expectedVersion
          ? undefined
          : new VersionConflictError(`license ${write.licenseId} changed plan or status`);
      }
      case 'plan.seat': {
        if (write.delta < 0) return undefined;
        const plan = this.plans.peek(write.orgId, write.plan);
        return plan && (plan.seatLimit === undefined || plan.seatsUsed < plan.seatLimit)
          ? undefined
          : new PlanSeatRefusedError([{ userId: write.userId, plan: write.plan }]);
      }
    }
  }

  private applyOne(write: LicenseWrite): void {
    switch (write.kind) {
      case 'license.issue':
        this.licenses.set(licenseKey(write.license.orgId, write.license.userId, write.license.licenseId), {
          ...write.license,
        });
        return;
      case 'license.revoke': {
        const key = licenseKey(write.orgId, write.userId, write.licenseId);
        const license = this.licenses.get(key);
        if (license) {
          this.licenses.set(key, {
            ...license,
            status: 'revoked',
            revokedAt: write.revokedAt,
            revocationReason: write.reason,
          });
        }
        return;
      }
      case 'license.seat':
        this.organizations.addSeats(write.orgId, write.delta);
        return;
      case 'license.email':
        this.outbox.set(outboxKey(write.email.orgId, write.email.eventId), { intent: { ...write.email }, attempts: 0 });
        return;
      case 'license.plan': {
        const key = licenseKey(write.orgId, write.userId, write.licenseId);
        const license = this.licenses.get(key);
        if (!license) return;
        const { plan: _plan, planSeatRefused: _refused, ...rest } = license;
        this.licenses.set(key, {
          ...rest,
          planVersion: write.expectedVersion + 1,
          ...(write.plan !== undefined ? { plan: write.plan } : {}),
          ...(write.seatRefused !== undefined ? { planSeatRefused: write.seatRefused } : {}),
        });
        return;
      }
      case 'plan.seat':
        this.plans.addSeats(write.orgId, write.plan, write.delta);
        return;
    }
  }

  // --- reads (LicenseReader, LicenseLookup) ---

  async activeLicenseOf(orgId: string, userId: string): Promise<LicenseRecord | undefined> {
    // Newest first, as the adapter queries the user's partition backwards.
    return this.licensesOf(orgId, userId)
      .reverse()
      .find((license) => license.status === 'active');
  }

  async seatUsage(orgId: string): Promise<SeatUsage> {
    const organization = this.organizations.peek(orgId);
    const limit = organization?.seatLimit;
    return { used: organization?.seatsUsed ?? 0, ...(limit !== undefined ? { limit } : {}) };
  }

  async findByKeyHash(keyHash: string): Promise<{ license: LicenseRecord; plan?: string } | undefined> {
    const license = [...this.licenses.values()].find((candidate) => candidate.keyHash === keyHash);
    if (!license) return undefined;
    const plan = this.organizations.peek(license.orgId)?.plan;
    return { license: { ...license }, ...(plan !== undefined ? { plan } : {}) };
  }

  /** Every license of a user in issue order (license ids are time-ordered), for assertions. */
  licensesOf(orgId: string, userId: string): LicenseRecord[] {
    return [...this.licenses.values()]
      .filter((license) => license.orgId === orgId && license.userId === userId)
      .sort((a, b) => compareIds(a.licenseId, b.licenseId))
      .map((license) => ({ ...license }));
  }

  // --- the outbox (EmailOutbox, OutboxStore, OutboxRedriveStore) ---

  async enqueue(intent: EmailIntent): Promise<void> {
    const write: EnqueueEmailWrite = { kind: 'license.email', email: intent };
    const failure = this.check([write]);
    if (failure) throw failure;
    this.apply([write]);
  }

  /** The organization's outbox items in event id order, for assertions. */
  outboxOf(orgId: string): OutboxItem[] {
    return [...this.outbox.values()]
      .filter((item) => item.intent.orgId === orgId)
      .sort((a, b) => compareIds(a.intent.eventId, b.intent.eventId))
      .map((item) => ({ ...item }));
  }

  async claim(intent: EmailIntent, now: Date, leaseUntil: Date): Promise<ClaimResult> {
    const item = this.outbox.get(outboxKey(intent.orgId, intent.eventId));
    if (!item) return 'gone';
    if (item.sentAt !== undefined || item.failedAt !== undefined) return 'already-sent';
    if (item.leaseUntil !== undefined && item.leaseUntil >= now.getTime()) return 'in-progress';
    const abandoned = item.leaseUntil !== undefined;
    item.leaseUntil = leaseUntil.getTime();
    item.attempts++;
    delete item.redriveRequestedAt;
    return abandoned ? 'reclaimed' : 'claimed';
  }

  async markSent(intent: EmailIntent, messageId: string, at: Date): Promise<void> {
    const item = this.unfinished(intent);
    if (!item) return;
    item.sentAt = at.toISOString();
    item.messageId = messageId;
    delete item.leaseUntil;
  }

  async markFailed(intent: EmailIntent, reason: string, at: Date): Promise<void> {
    const item = this.unfinished(intent);
    if (!item) return;
    item.failedAt = at.toISOString();
    item.failure = reason.slice(0, 500);
    delete item.leaseUntil;
  }

  async release(intent: EmailIntent): Promise<void> {
    const item = this.outbox.get(outboxKey(intent.orgId, intent.eventId));
    if (item && item.sentAt === undefined) delete item.leaseUntil;
  }

  async markHeld(intent: EmailIntent, at: Date): Promise<void> {
    const item = this.unfinished(intent);
    if (!item) return;
    item.heldAt = at.toISOString();
    delete item.leaseUntil;
  }

  async listUnsent(orgId: string): Promise<UnsentEmail[]> {
    return this.outboxOf(orgId)
      .filter((item) => item.sentAt === undefined)
      .map(({ intent, failedAt }) => ({
        orgId: intent.orgId,
        eventId: intent.eventId,
        type: intent.type,
        createdAt: intent.createdAt,
        ...(failedAt !== undefined ? { failedAt } : {}),
      }));
  }

  async requestRedrive(email: UnsentEmail, now: Date, includeFailed: boolean): Promise<RedriveOutcome> {
    const item = this.outbox.get(outboxKey(email.orgId, email.eventId));
    if (!item) return 'gone';
    if (item.sentAt !== undefined) return 'sent';
    if (item.failedAt !== undefined && !includeFailed) return 'failed';
    if (item.leaseUntil !== undefined && item.leaseUntil >= now.getTime()) return 'in-progress';
    item.redriveRequestedAt = now.toISOString();
    if (includeFailed) {
      delete item.failedAt;
      delete item.failure;
    }
    return 'requested';
  }

  private unfinished(intent: EmailIntent): OutboxItem | undefined {
    const item = this.outbox.get(outboxKey(intent.orgId, intent.eventId));
    return item && item.sentAt === undefined && item.failedAt === undefined ? item : undefined;
  }
}

function licenseKey(orgId: string, userId: string, licenseId: string): string {
  return `${orgId}#${userId}#${licenseId}`;
}

function outboxKey(orgId: string, eventId: string): string {
  return `${orgId}#${eventId}`;
}
