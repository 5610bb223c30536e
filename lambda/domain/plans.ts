import { foldCase } from './case-fold';
import { type Clock, systemClock } from './clock';
import { isDeliverableAddress } from './email-address';
import { DomainError } from './errors';
import type { GroupRef, MembershipChange, MembershipPolicy } from './groups';
import {
  type EmailIntent,
  greetingName,
  type LicensePlanWrite,
  type LicenseRecord,
  type LicenseWrite,
} from './licenses';
import { compareText } from './list-order';
import { MAX_SEATS } from './seat-limits';
import type { LinkedWrite, UserRecord } from './users';

/**
 * License plans by group. An organization maps SCIM groups (by displayName or id) to plans; each plan has a rank and
 * an optional seat limit. A user's plan is the highest-ranked plan among its groups that had a seat for it, else the
 * organization's default plan (the organization's `plan`).
 *
 * Where the plan lives: on the user's active license (`plan`, absent for the default plan, so changing the default
 * plan applies to every such user at once), with a `planVersion` counted up by every membership change of a mapped
 * group. Each plan's seats are a counter on the plan's item, taken under the condition `seatsUsed < seatLimit` inside
 * the transaction of the membership change, exactly as the organization's seats are taken with a user's license.
 *
 * A join whose plan has no free seat is still recorded (refusing a group PATCH would fail Okta's group push for every
 * member of it): the user gets the best plan that has a seat (or keeps the default), and its license records the
 * refused plan (`planSeatRefused`), which the admin API's license listing shows. The user is not upgraded later by
 * itself when a seat frees up: the next membership change of that user in a mapped group (or a push of the group
 * again, after removing and re-adding it) computes its plan again.
 */

/** Plan names: what the desktop app receives; short, lower-case, no spaces. */
export const PLAN_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,39}$/;
/** Groups one plan may name. */
export const MAX_PLAN_GROUPS = 50;
export const MAX_PLAN_RANK = 1000;

export interface PlanDefinition {
  readonly name: string;
  /** The higher rank wins when a user's groups map to several plans. */
  readonly rank: number;
  /** Undefined: no limit of its own (the organization's seats still bound every license). */
  readonly seatLimit?: number;
  /** Group displayNames (compared without regard to case) or group ids. */
  readonly groups: readonly string[];
}

export interface PlanState extends PlanDefinition {
  /** Active licenses on this plan. */
  readonly seatsUsed: number;
}

export interface PlanCatalog {
  /** The organization's `plan`: what users outside every mapped group have. */
  readonly defaultPlan?: string;
  readonly plans: readonly PlanState[];
}

/** The admin asked for a plan the rules do not allow (a bad name, rank, seat count or group list). */
export class InvalidPlanError extends DomainError {}

/** A plan still has licenses on it: deleting it would leave them on a plan nobody can see or count. */
export class PlanInUseError extends DomainError {}

/** Plan definitions and the default plan, on the organization. */
export interface PlanRepository {
  /** The organization's plans (by rank, highest first) and its default plan, read consistently. */
  catalog(orgId: string): Promise<PlanCatalog>;
  /** Creates or replaces a plan's definition; its seat counter is kept. Answers the plan afterwards. */
  putPlan(orgId: string, plan: PlanDefinition): Promise<PlanState>;
  /** Sets (undefined: removes) the organization's default plan. */
  setDefaultPlan(orgId: string, plan: string | undefined): Promise<void>;
  /**
   * Deletes a plan no license is on, in one conditional write: NotFoundError when there is no such plan,
   * PlanInUseError (naming the count) when seats of it are in use.
   */
  deletePlan(orgId: string, plan: string): Promise<void>;
}

/** Sets plans up for the admin API and the CLI. */
export class PlanService {
  constructor(private readonly repository: PlanRepository) {}

  catalog(orgId: string): Promise<PlanCatalog> {
    return this.repository.catalog(orgId);
  }

  async setPlan(
    orgId: string,
    input: { name: string; groups: readonly string[]; seatLimit?: number; rank?: number },
  ): Promise<PlanState> {
    const name = validPlanName(input.name);
    const groups = [...new Set(input.groups.map((group) => group.trim()).filter((group) => group !== ''))];
    if (groups.length === 0 || groups.length > MAX_PLAN_GROUPS) {
      throw new InvalidPlanError(`a plan names 1 to ${MAX_PLAN_GROUPS} groups (by displayName or id)`);
    }
    if (groups.some((group) => group.length > 256))
      throw new InvalidPlanError('a group name has at most 256 characters');
    const seatLimit = input.seatLimit;
    if (seatLimit !== undefined && (!Number.isInteger(seatLimit) || seatLimit < 0 || seatLimit > MAX_SEATS)) {
      throw new InvalidPlanError(`seats must be a whole number from 0 to ${MAX_SEATS}`);
    }
    let rank = input.rank;
    if (rank === undefined) {
      // A new plan ranks above every other by default: mapping a group to a plan usually means an upgrade.
      const { plans } = await this.repository.catalog(orgId);
      rank = plans.find((plan) => plan.name === name)?.rank ?? Math.max(0, ...plans.map((plan) => plan.rank + 1));
    }
    if (!Number.isInteger(rank) || rank < 0 || rank > MAX_PLAN_RANK) {
      throw new InvalidPlanError(`rank must be a whole number from 0 to ${MAX_PLAN_RANK}`);
    }
    // Stryker disable next-line ConditionalExpression: a property set to undefined reads as absent to the adapters and JSON
    return this.repository.putPlan(orgId, { name, groups, rank, ...(seatLimit !== undefined ? { seatLimit } : {}) });
  }

  async setDefaultPlan(orgId: string, plan: string | undefined): Promise<void> {
    await this.repository.setDefaultPlan(orgId, plan === undefined ? undefined : validPlanName(plan));
  }

  /**
   * Only a plan without licenses goes: its members keep what they have until their groups change, so the admin maps
   * the plan's groups elsewhere (or removes its members) first. A license taking a seat of it at the same time fails
   * the seat's condition (the plan item is gone) and is planned again without the plan.
   */
  async deletePlan(orgId: string, plan: string): Promise<void> {
    await this.repository.deletePlan(orgId, validPlanName(plan));
  }
}

export function planInUseError(plan: string, seatsUsed: number): PlanInUseError {
  return new PlanInUseError(
    `plan ${plan} has ${seatsUsed} license${seatsUsed === 1 ? '' : 's'} on it; map its groups to another plan or remove their members first`,
  );
}

function validPlanName(name: string): string {
  if (!PLAN_NAME_PATTERN.test(name)) {
    throw new InvalidPlanError(
      'a plan name is 1 to 40 lower-case letters, digits, dots, dashes or underscores, starting with a letter or digit',
    );
  }
  return name;
}

// ---------------------------------------------------------------- plans at membership time

/** A refused plan seat: the plan had no seat left for the user when the membership change was written. */
export interface PlanSeatRefusal {
  readonly userId: string;
  readonly plan: string;
}

/** Plans' seats were all taken when the membership change was written: plan again without them for those users. */
export class PlanSeatRefusedError extends DomainError {
  constructor(
    readonly refusals: readonly PlanSeatRefusal[],
    options?: { cause?: unknown },
  ) {
    super(
      `no seat left on ${refusals.map((refusal) => `plan ${refusal.plan} for user ${refusal.userId}`).join(', ')}`,
      options,
    );
  }
}

/** What planning a membership change reads. */
export interface PlanPolicyReads {
  readonly plans: Pick<PlanRepository, 'catalog'>;
  /** The user's active license (with `plan` and `planVersion`), read consistently. */
  activeLicenseOf(orgId: string, userId: string): Promise<LicenseRecord | undefined>;
  /** The groups the user belongs to now, read consistently (read after the license, see `plan`). */
  groupsOfUser(orgId: string, userId: string): Promise<readonly GroupRef[]>;
  /** The user, for the plan change email's address and greeting. */
  user(orgId: string, userId: string): Promise<UserRecord | undefined>;
}

/** The group whose membership changes, as it is after the change. */
export interface PlannedGroup extends GroupRef {
  readonly orgId: string;
}

/** Per member of a membership change, the writes that must commit in the same transaction as its membership. */
export type MemberLinkedWrites = ReadonlyMap<string, readonly LinkedWrite[]>;

/** Plans the members' reads in parallel, this many at a time. */
const PLAN_CONCURRENCY = 8;

/** The plan consequences of group membership changes (GroupService calls it, then writes them with the memberships). */
/** The plan catalog, read alongside the group a change is planned for. */
export type PlanPrefetch = {
  readonly catalog: Promise<PlanCatalog>;
};

export class MembershipPlanPolicy implements MembershipPolicy<PlanPrefetch> {
  private readonly clock: Clock;

  constructor(
    private readonly reads: PlanPolicyReads,
    options: { clock?: Clock } = {},
  ) {
    this.clock = options.clock ?? systemClock;
  }

  /**
   * The plan writes of each member whose membership `change` changes in `group`, when the group is mapped to a plan.
   * `refused`: plans already found full for a user in this request (`<userId>#<plan>`), which it is planned without.
   *
   * The license is read before the user's groups, and the license write is conditional on the plan version read: a
   * concurrent membership change of the same user that commits first counts the version up, so this one is planned
   * again with that membership visible. Every change of the user's plan is thus computed from its real groups.
   */
  prefetch(orgId: string): PlanPrefetch {
    return { catalog: this.reads.plans.catalog(orgId) };
  }

  async plan(
    group: PlannedGroup,
    change: Pick<MembershipChange, 'add' | 'remove'>,
    refused: ReadonlySet<string> = new Set(),
    prefetched?: PlanPrefetch,
  ): Promise<MemberLinkedWrites> {
    const writes = new Map<string, readonly LinkedWrite[]>();
    if (change.add.length === 0 && change.remove.length === 0) return writes;
    const catalog = await (prefetched?.catalog ?? this.reads.plans.catalog(group.orgId));
    if (!planOfGroup(catalog, group)) return writes;
    const affected: { userId: string; joins: boolean }[] = [
      ...change.add.map((member) => ({ userId: member.userId, joins: true })),
      ...change.remove.map((userId) => ({ userId, joins: false })),
    ];
    let next = 0;
    const worker = async () => {
      // Stryker disable next-line EqualityOperator: a worker reading past the end finds no member and skips it just below
      while (next < affected.length) {
        const member = affected[next++];
        if (!member) continue;
        const planned = await this.planMember(group, catalog, member.userId, member.joins, refused);
        // Stryker disable next-line ConditionalExpression,EqualityOperator: an empty list of writes for a member writes nothing, as no entry does
        if (planned.length > 0) writes.set(member.userId, planned);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PLAN_CONCURRENCY, affected.length) }, worker));
    return writes;
  }

  private async planMember(
    group: PlannedGroup,
    catalog: PlanCatalog,
    userId: string,
    joins: boolean,
    refused: ReadonlySet<string>,
  ): Promise<LicenseWrite[]> {
    const license = await this.reads.activeLicenseOf(group.orgId, userId);
    // No active license, no plan: a license issued later computes its plan from the groups (planOfIssuedLicense).
    if (!license) return [];
    const groups = (await this.reads.groupsOfUser(group.orgId, userId)).filter((ref) => ref.id !== group.id);
    if (joins) groups.push({ id: group.id, displayName: group.displayName });
    const { plan, seatRefused } = bestPlan(catalog, groups, (name) => refused.has(`${userId}#${name}`));
    const at = this.clock.now().toISOString();
    const expectedVersion = license.planVersion ?? 0;
    const writes: LicenseWrite[] = [];
    const planWrite: LicensePlanWrite = {
      kind: 'license.plan',
      orgId: group.orgId,
      userId,
      licenseId: license.licenseId,
      expectedVersion,
      // Stryker disable next-line ConditionalExpression: a property set to undefined reads as absent to the adapters and JSON
      ...(plan !== undefined ? { plan } : {}),
      // Stryker disable next-line ConditionalExpression: a property set to undefined reads as absent to the adapters and JSON
      ...(seatRefused !== undefined ? { seatRefused } : {}),
      at,
    };
    writes.push(planWrite);
    if (plan === license.plan) return writes;
    const known = new Set(catalog.plans.map((candidate) => candidate.name));
    if (license.plan !== undefined && known.has(license.plan)) {
      writes.push({ kind: 'plan.seat', orgId: group.orgId, plan: license.plan, delta: -1, userId });
    }
    if (plan !== undefined) writes.push({ kind: 'plan.seat', orgId: group.orgId, plan, delta: 1, userId });
    const email = await this.planEmail(license, plan ?? catalog.defaultPlan, expectedVersion + 1, at);
    if (email) writes.push({ kind: 'license.email', email });
    return writes;
  }

  private async planEmail(
    license: LicenseRecord,
    plan: string | undefined,
    version: number,
    at: string,
  ): Promise<EmailIntent | undefined> {
    const user = await this.reads.user(license.orgId, license.userId);
    const recipient = (user?.lookupEmail ?? user?.emails[0]?.value)?.trim();
    if (!user || recipient === undefined || !isDeliverableAddress(recipient)) return undefined;
    const displayName = greetingName(user);
    return {
      // One email per plan version: a retried transaction cannot queue a second one.
      eventId: `${license.licenseId}.plan.${version}`,
      type: 'plan-changed',
      orgId: license.orgId,
      licenseId: license.licenseId,
      userId: license.userId,
      recipient,
      keyHint: license.keyHint,
      ...(displayName !== undefined ? { displayName } : {}),
      ...(plan !== undefined ? { plan } : {}),
      createdAt: at,
    };
  }
}

/**
 * The plan of a license issued to a user already in groups (reactivation): the best plan among its groups that has a
 * seat left as read now, else the default plan. The seat is then taken under the plan's condition in the license's
 * transaction; losing that race is a version conflict, and the next attempt reads the plan full and falls back.
 * Membership changes that commit while the license is issued find no active license and leave the plan to the next
 * one; the license reads the user's groups after the user, so it sees every membership committed before it.
 */
export async function planOfIssuedLicense(
  reads: Pick<PlanPolicyReads, 'plans' | 'groupsOfUser'>,
  orgId: string,
  userId: string,
): Promise<{ plan?: string; seatRefused?: string }> {
  const catalog = await reads.plans.catalog(orgId);
  // Stryker disable next-line ConditionalExpression: without plans the best plan is none either way; the shortcut spares reading the groups
  if (catalog.plans.length === 0) return {};
  const groups = await reads.groupsOfUser(orgId, userId);
  // Stryker disable next-line ConditionalExpression: without groups the best plan is none either way; the shortcut spares a computation
  if (groups.length === 0) return {};
  const full = new Set(
    catalog.plans
      .filter((plan) => plan.seatLimit !== undefined && plan.seatsUsed >= plan.seatLimit)
      .map((plan) => plan.name),
  );
  return bestPlan(catalog, groups, (name) => full.has(name));
}

/** The plan a group is mapped to (the highest-ranked one if several name it), matched by id or displayName. */
export function planOfGroup(catalog: PlanCatalog, group: GroupRef): PlanState | undefined {
  return rankOrder(catalog.plans).find((plan) => plan.groups.some((name) => names(name, group)));
}

function names(name: string, group: GroupRef): boolean {
  return name === group.id || foldCase(name) === foldCase(group.displayName);
}

/**
 * The highest-ranked plan among the groups' plans that is not refused (undefined: the default plan), and the best
 * plan that was refused on the way, if it ranks above the one chosen.
 */
export function bestPlan(
  catalog: PlanCatalog,
  groups: readonly GroupRef[],
  isRefused: (plan: string) => boolean,
): { plan?: string; seatRefused?: string } {
  const candidates = rankOrder(catalog.plans).filter((plan) =>
    groups.some((group) => plan.groups.some((name) => names(name, group))),
  );
  const chosen = candidates.find((plan) => !isRefused(plan.name));
  const refused = candidates.find((plan) => isRefused(plan.name));
  const refusedAbove = refused !== undefined && (chosen === undefined || refused.rank >= chosen.rank);
  return {
    ...(chosen !== undefined ? { plan: chosen.name } : {}),
    ...(refusedAbove ? { seatRefused: refused.name } : {}),
  };
}

/** Highest rank first; equal ranks by name, so the choice never depends on storage order. */
function rankOrder(plans: readonly PlanState[]): PlanState[] {
  return [...plans].sort((a, b) => b.rank - a.rank || compareText(a.name, b.name));
}
