import { type Clock, type IdGenerator, systemClock, uuidV7 } from './clock';
import type { GroupRecord } from './groups';
import type { LicenseWrite } from './licenses';
import { isLicenseWrite } from './licenses';
import type { LinkedWrite, PrefetchedReads, PrefetchIntent, UserChange, UserChangePolicy } from './users';

/**
 * The per-organization activity log: what happened to whom, through which client, and what it did to licenses. It
 * answers a support question ("why did Jane not get her key?") without reading logs.
 *
 * A change is recorded by a linked write in the change's own transaction, so a change without its record cannot
 * exist. A refused request changes nothing, so its record is written on its own, best effort.
 *
 * A record holds no token, no key and no email address: the userName (or a group's displayName) is the only
 * personal data, because it is what an admin searches by.
 */

export const ACTIVITY_OPERATIONS = [
  'create',
  'replace',
  'patch',
  'deactivate',
  'reactivate',
  'delete',
  'membership',
  'update',
  /** The mail provider reported a license email bounced or complained of (not a SCIM change). */
  'email feedback',
] as const;
export type ActivityOperation = (typeof ACTIVITY_OPERATIONS)[number];

export type ActivityResourceType = 'User' | 'Group';

export const LICENSE_EFFECTS = [
  'license issued',
  'license revoked',
  'email queued',
  'seat refused',
  /** A user's groups gave it a plan with no seat left: it got a lower plan (or the default), see domain/plans.ts. */
  'plan seat refused',
  'email bounced',
  'email complained',
] as const;
export type LicenseEffect = (typeof LICENSE_EFFECTS)[number];

export interface ActivityRecord {
  readonly orgId: string;
  /** Time-ordered (UUIDv7): the log's order within one millisecond. */
  readonly activityId: string;
  readonly at: string;
  readonly operation: ActivityOperation;
  /** The HTTP method of the request, when the change came from one. */
  readonly method?: string;
  readonly resourceType: ActivityResourceType;
  readonly resourceId?: string;
  /** The userName, or the group's displayName. */
  readonly name?: string;
  /** The client's User-Agent (Okta, Entra ID, a script). */
  readonly client?: string;
  readonly result: 'ok' | 'refused';
  /** HTTP status of a refused request. */
  readonly status?: number;
  readonly scimType?: string;
  /** The SCIM error's detail of a refused request. */
  readonly detail?: string;
  readonly licenseEffects: readonly LicenseEffect[];
  /** +1 when the change took a seat, -1 when it freed one: `usage` sums these. */
  readonly seatDelta?: number;
  /** The license the change issued or revoked. */
  readonly licenseId?: string;
  /** Membership changes of a group. */
  readonly membersAdded?: number;
  readonly membersRemoved?: number;
  /** Who was refused a seat on which plan by this change (ids, not names: a group change lists its members so). */
  readonly planSeatsRefused?: readonly PlanSeatRefusalRecord[];
}

export interface PlanSeatRefusalRecord {
  readonly userId: string;
  readonly plan: string;
}

/** Linked to a change: written in the change's transaction. */
export interface RecordActivityWrite extends LinkedWrite {
  readonly kind: 'activity.record';
  readonly record: ActivityRecord;
}

export function isActivityWrite(write: LinkedWrite): write is RecordActivityWrite {
  return write.kind === 'activity.record';
}

/** What the request adds to a record: set per request by the handler, read while a change is planned. */
export interface ActivityContext {
  readonly method?: string;
  readonly client?: string;
}

/** Default retention of the log, in days (CDK context `activityRetentionDays`). */
export const DEFAULT_ACTIVITY_RETENTION_DAYS = 90;

/** Longest User-Agent kept: enough to tell Okta's and Entra's connectors and their versions apart. */
const MAX_CLIENT_LENGTH = 200;
/** Longest SCIM error detail kept. */
const MAX_DETAIL_LENGTH = 500;

export function clientOf(userAgent: string | undefined): string | undefined {
  const trimmed = userAgent?.trim();
  return trimmed ? trimmed.slice(0, MAX_CLIENT_LENGTH) : undefined;
}

export function truncateDetail(detail: string | undefined): string | undefined {
  return detail === undefined ? undefined : detail.slice(0, MAX_DETAIL_LENGTH);
}

/** What the license writes of a change did, in the order an admin reads them. */
export function licenseEffectsOf(writes: readonly LinkedWrite[]): {
  effects: LicenseEffect[];
  seatDelta?: number;
  licenseId?: string;
  planSeatsRefused?: PlanSeatRefusalRecord[];
} {
  const licenseWrites = writes.filter(isLicenseWrite) as LicenseWrite[];
  const effects: LicenseEffect[] = [];
  let seatDelta: number | undefined;
  let licenseId: string | undefined;
  const planSeatsRefused: PlanSeatRefusalRecord[] = [];
  for (const write of licenseWrites) {
    if (write.kind === 'license.issue') {
      effects.push('license issued');
      licenseId = write.license.licenseId;
      if (write.license.planSeatRefused !== undefined) {
        effects.push('plan seat refused');
        planSeatsRefused.push({ userId: write.license.userId, plan: write.license.planSeatRefused });
      }
    } else if (write.kind === 'license.revoke') {
      effects.push('license revoked');
      licenseId = write.licenseId;
    } else if (write.kind === 'license.seat') {
      seatDelta = (seatDelta ?? 0) + write.delta;
    }
  }
  if (licenseWrites.some((write) => write.kind === 'license.email')) effects.push('email queued');
  return {
    effects,
    // Stryker disable next-line ConditionalExpression: a property set to undefined reads as absent to the adapters and JSON
    ...(seatDelta !== undefined ? { seatDelta } : {}),
    // Stryker disable next-line ConditionalExpression: a property set to undefined reads as absent to the adapters and JSON
    ...(licenseId !== undefined ? { licenseId } : {}),
    ...(planSeatsRefused.length > 0 ? { planSeatsRefused } : {}),
  };
}

/** Which operation a user change was: the state change wins over the method that carried it. */
export function userOperation(change: UserChange, method: string | undefined): ActivityOperation {
  if (!change.before) return 'create';
  if (!change.after) return 'delete';
  if (change.before.active && !change.after.active) return 'deactivate';
  if (!change.before.active && change.after.active) return 'reactivate';
  const upper = method?.toUpperCase();
  if (upper === 'PUT') return 'replace';
  if (upper === 'PATCH') return 'patch';
  return 'update';
}

/**
 * A group change as its repository writes it: `members` is a change of the member list alone (PATCH add/remove),
 * `update` anything else that keeps the group (PUT, a rename). A change too large for one transaction is written in
 * several, each with its own record counting the members that transaction adds and removes.
 */
export interface GroupActivity {
  readonly kind: 'create' | 'update' | 'members' | 'delete';
  readonly group: Pick<GroupRecord, 'orgId' | 'id' | 'displayName'>;
  readonly membersAdded: number;
  readonly membersRemoved: number;
  /** Members this transaction put on a lower plan than their groups give, for lack of a seat. */
  readonly planSeatsRefused?: readonly PlanSeatRefusalRecord[];
}

const GROUP_OPERATIONS = { create: 'create', members: 'membership', delete: 'delete' } as const;

/** The record of a group change: its displayName is the only name in it, and members are counted, never listed. */
export function groupActivityRecord(
  change: GroupActivity,
  context: ActivityContext | undefined,
  at: Date,
  activityId: string,
): ActivityRecord {
  const method = context?.method?.toUpperCase();
  const operation: ActivityOperation =
    change.kind === 'update'
      ? method === 'PUT'
        ? 'replace'
        : method === 'PATCH'
          ? 'patch'
          : 'update'
      : GROUP_OPERATIONS[change.kind];
  const counted = change.kind === 'members';
  const refusals = change.planSeatsRefused ?? [];
  return {
    orgId: change.group.orgId,
    activityId,
    at: at.toISOString(),
    operation,
    // Stryker disable next-line ConditionalExpression: a property set to undefined reads as absent to the adapters and JSON
    ...(method !== undefined ? { method } : {}),
    resourceType: 'Group',
    resourceId: change.group.id,
    name: change.group.displayName,
    ...(context?.client !== undefined ? { client: context.client } : {}),
    result: 'ok',
    licenseEffects: refusals.length > 0 ? ['plan seat refused'] : [],
    ...(counted || change.membersAdded > 0 ? { membersAdded: change.membersAdded } : {}),
    ...(counted || change.membersRemoved > 0 ? { membersRemoved: change.membersRemoved } : {}),
    ...(refusals.length > 0 ? { planSeatsRefused: refusals } : {}),
  };
}

export interface ActivityPolicyOptions {
  /** The request the change belongs to, if any. */
  readonly context?: () => ActivityContext | undefined;
  readonly clock?: Clock;
  readonly newId?: IdGenerator;
}

/**
 * Wraps the policy that plans a user change's other writes (licenses) and adds the change's activity record, built
 * from those writes, as the last linked write: the record commits with the change or not at all.
 */
export class ActivityPolicy implements UserChangePolicy {
  private readonly clock: Clock;
  private readonly newId: IdGenerator;

  constructor(
    private readonly inner: UserChangePolicy | undefined,
    private readonly options: ActivityPolicyOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.newId = options.newId ?? (() => uuidV7(this.clock.now().getTime()));
  }

  prefetch(orgId: string, userId: string, intent: PrefetchIntent): PrefetchedReads {
    return this.inner?.prefetch?.(orgId, userId, intent) ?? {};
  }

  async plan(change: UserChange): Promise<readonly LinkedWrite[]> {
    const writes = this.inner ? await this.inner.plan(change) : [];
    const context = this.options.context?.();
    const user = change.after ?? change.before;
    const { effects, ...license } = licenseEffectsOf(writes);
    const client = context?.client;
    const record: ActivityRecord = {
      orgId: change.orgId,
      activityId: this.newId(),
      at: change.at.toISOString(),
      operation: userOperation(change, context?.method),
      // Stryker disable next-line ConditionalExpression: a property set to undefined reads as absent to the adapters and JSON
      ...(context?.method !== undefined ? { method: context.method.toUpperCase() } : {}),
      resourceType: 'User',
      ...(user ? { resourceId: user.id, name: user.userName } : {}),
      // Stryker disable next-line ConditionalExpression: a property set to undefined reads as absent to the adapters and JSON
      ...(client !== undefined ? { client } : {}),
      result: 'ok',
      licenseEffects: effects,
      ...license,
    };
    const activity: RecordActivityWrite = { kind: 'activity.record', record };
    return [...writes, activity];
  }
}

/** The log as the admin CLI reads it, newest last. */
export interface ActivityReader {
  /** The organization's records since `since` (inclusive), in time order. */
  since(orgId: string, since: Date): Promise<ActivityRecord[]>;
  /** One user's records (by userName, without regard to case) since `since`, in time order. */
  ofUser(orgId: string, userName: string, since: Date): Promise<ActivityRecord[]>;
}

/** Writes the records of refused requests, which have no transaction to join. */
export interface ActivityRecorder {
  record(record: ActivityRecord): Promise<void>;
}

export interface SeatPoint {
  readonly at: string;
  readonly seatsUsed: number;
  readonly operation: ActivityOperation;
  readonly name?: string;
}

/**
 * Seats in use after each change that took or freed one, computed backwards from the number in use now, so records
 * expired by the retention period do not skew it. The first point is the state before the first change shown.
 */
export function seatsOverTime(records: readonly ActivityRecord[], seatsUsedNow: number): SeatPoint[] {
  const changes = records.filter((record) => record.seatDelta !== undefined && record.seatDelta !== 0);
  const points: SeatPoint[] = [];
  let used = seatsUsedNow;
  for (let index = changes.length - 1; index >= 0; index--) {
    const record = changes[index]!;
    points.unshift({
      at: record.at,
      seatsUsed: used,
      operation: record.operation,
      // Stryker disable next-line ConditionalExpression: a property set to undefined reads as absent to the adapters and JSON
      ...(record.name !== undefined ? { name: record.name } : {}),
    });
    used -= record.seatDelta!;
  }
  return points;
}
