import { type AttributeValue, TransactionCanceledException, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { KeyFormats } from '../contract/keys';
import { OUTBOX_SORT_KEY } from '../contract/outbox-stream-filter';
import { VersionConflictError } from '../domain/errors';
import {
  type EmailIntent,
  isLicenseWrite,
  type LicensePlanWrite,
  type LicenseRecord,
  type LicenseWrite,
  type PlanSeatWrite,
  type RevokeLicenseWrite,
  type SeatChangeWrite,
  seatLimitError,
} from '../domain/licenses';
import type { ListOrder } from '../domain/list-order';
import type { LinkedWrite, ListPage, ScanPage, UserCriteria, UserRecord, UserRepository } from '../domain/users';
import { TransactionCancelledError } from './dynamodb-transactions';
import type { LinkedWriteTranslator } from './dynamodb-user-repository';

/**
 * The license items of the licenses table and how license changes become items of the user's transaction.
 *
 * - license `<org>#USER#<userId>` / `LICENSE#<licenseId>`: all licenses of a user in one partition, so the active one
 *   is found with a consistent query; `gsi1pk` `<org>#LICENSE` + `gsi1sk` licenseId list an organization's licenses
 *   in issue order (admin); `userKey` `<org>#<userId>` feeds the `byUser` index; `gsi2pk` `KEY#<sha256 of key>` is the
 *   validation lookup. Written once (`attribute_not_exists`); revocation is the only later change, and nothing ever
 *   makes a revoked license active again: reactivation issues a new license with a new key.
 * - outbox `<org>#OUTBOX#<eventId>` / `OUTBOX`: one email to send, put with `attribute_not_exists` (one email per
 *   license event), expiring by TTL. It holds no key: the mailer derives it. `gsi1pk` `<org>#OUTBOX` + `gsi1sk`
 *   eventId list an organization's outbox (`mail redrive`, see dynamodb-outbox.ts); items written before these
 *   attributes existed are not listed.
 * - organization `ORG#<orgId>` / `ORG` (contract in domain/organizations.ts): `seatsUsed` changes here, the take
 *   conditional on a free seat, so the limit holds under any concurrency.
 */

export const OUTBOX_SK = OUTBOX_SORT_KEY;
export const LICENSE_SK_PREFIX = 'LICENSE#';
/** Outbox items stay this long: enough for an operator to redrive unsent ones after an SES outage. */
export const OUTBOX_TTL_SECONDS = 14 * 24 * 3600;

export function orgItemKey(orgId: string): Record<string, AttributeValue> {
  return { pk: { S: `ORG#${orgId}` }, sk: { S: 'ORG' } };
}

/** A user's licenses live in the user's own partition, next to the user item. */
export function userLicensesPartition(orgId: string, userId: string): string {
  return KeyFormats.userPartition(orgId, userId);
}

export function licenseItemKey(orgId: string, userId: string, licenseId: string): Record<string, AttributeValue> {
  return { pk: { S: userLicensesPartition(orgId, userId) }, sk: { S: `${LICENSE_SK_PREFIX}${licenseId}` } };
}

export function outboxItemKey(orgId: string, eventId: string): Record<string, AttributeValue> {
  return { pk: { S: `${orgId}#OUTBOX#${eventId}` }, sk: { S: OUTBOX_SK } };
}

export function keyLookupPartition(keyHash: string): string {
  return `KEY#${keyHash}`;
}

export function licenseToItem(license: LicenseRecord): Record<string, unknown> {
  return {
    pk: userLicensesPartition(license.orgId, license.userId),
    sk: `${LICENSE_SK_PREFIX}${license.licenseId}`,
    gsi1pk: `${license.orgId}#LICENSE`,
    gsi1sk: license.licenseId,
    userKey: `${license.orgId}#${license.userId}`,
    gsi2pk: keyLookupPartition(license.keyHash),
    gsi2sk: 'LICENSE',
    kind: 'license',
    ...license,
  };
}

export function licenseFromItem(item: Record<string, unknown>): LicenseRecord {
  return {
    orgId: String(item.orgId),
    licenseId: String(item.licenseId),
    userId: String(item.userId),
    status: item.status === 'active' ? 'active' : 'revoked',
    issuedAt: String(item.issuedAt),
    ...(typeof item.revokedAt === 'string' ? { revokedAt: item.revokedAt } : {}),
    ...(item.revocationReason === 'deactivated' || item.revocationReason === 'deleted'
      ? { revocationReason: item.revocationReason }
      : {}),
    keyHash: String(item.keyHash),
    keyHint: String(item.keyHint),
    ...(typeof item.plan === 'string' ? { plan: item.plan } : {}),
    ...(typeof item.planVersion === 'number' ? { planVersion: item.planVersion } : {}),
    ...(typeof item.planSeatRefused === 'string' ? { planSeatRefused: item.planSeatRefused } : {}),
  };
}

/** A plan of an organization: `ORG#<orgId>` / `PLAN#<name>`, next to the organization item (one query reads both). */
export const PLAN_SK_PREFIX = 'PLAN#';

export function planItemKey(orgId: string, plan: string): Record<string, AttributeValue> {
  return { pk: { S: `ORG#${orgId}` }, sk: { S: `${PLAN_SK_PREFIX}${plan}` } };
}

export function outboxPartition(orgId: string): string {
  return `${orgId}#OUTBOX`;
}

export function outboxToItem(email: EmailIntent, expiresAt: number): Record<string, unknown> {
  return {
    pk: `${email.orgId}#OUTBOX#${email.eventId}`,
    sk: OUTBOX_SK,
    gsi1pk: outboxPartition(email.orgId),
    gsi1sk: email.eventId,
    kind: 'outbox',
    ...email,
    expiresAt,
  };
}

export interface LicenseWriteTranslatorOptions {
  readonly tableName: string;
  /** @default OUTBOX_TTL_SECONDS */
  readonly outboxTtlSeconds?: number;
}

/** Turns the license policy's writes into TransactWriteItems; other kinds are refused (nobody else translates them). */
export function createLicenseWriteTranslator(options: LicenseWriteTranslatorOptions): LinkedWriteTranslator {
  const TableName = options.tableName;
  const ttl = options.outboxTtlSeconds ?? OUTBOX_TTL_SECONDS;
  return (write: LinkedWrite): TransactWriteItem[] => {
    if (!isLicenseWrite(write)) throw new Error(`no translator for linked write ${write.kind}`);
    return [translate(TableName, ttl, write)];
  };
}

function translate(TableName: string, ttl: number, write: LicenseWrite): TransactWriteItem {
  switch (write.kind) {
    case 'license.issue':
      return {
        Put: {
          TableName,
          Item: marshall(licenseToItem(write.license), { removeUndefinedValues: true }),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      };
    case 'license.revoke':
      return {
        Update: {
          TableName,
          Key: licenseItemKey(write.orgId, write.userId, write.licenseId),
          UpdateExpression: 'SET #status = :revoked, revokedAt = :at, revocationReason = :reason',
          // Only an active license is revoked, so a seat is never freed twice.
          ConditionExpression: '#status = :active',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':revoked': { S: 'revoked' },
            ':active': { S: 'active' },
            ':at': { S: write.revokedAt },
            ':reason': { S: write.reason },
          },
        },
      };
    case 'license.seat':
      return seatUpdate(TableName, write);
    case 'license.plan':
      return planUpdate(TableName, write);
    case 'plan.seat':
      return planSeatUpdate(TableName, write);
    case 'license.email': {
      const expiresAt = Math.floor(Date.parse(write.email.createdAt) / 1000) + ttl;
      return {
        Put: {
          TableName,
          Item: marshall(outboxToItem(write.email, expiresAt), { removeUndefinedValues: true }),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      };
    }
  }
}

/**
 * Takes or frees a seat on the organization item. Taking is conditional on a free seat: the item's own `seatLimit`
 * when it has one, else the configured default limit, else no limit. `seatsUsed` absent counts as 0. On a failed
 * condition DynamoDB returns the item (`ALL_OLD`), so the refusal can name the numbers.
 */
function seatUpdate(TableName: string, write: SeatChangeWrite): TransactWriteItem {
  if (write.delta < 0) {
    return {
      Update: {
        TableName,
        Key: orgItemKey(write.orgId),
        UpdateExpression: 'ADD seatsUsed :delta',
        ExpressionAttributeValues: { ':delta': { N: '-1' } },
      },
    };
  }
  const ownLimit =
    '(attribute_exists(seatLimit) AND (seatsUsed < seatLimit OR (attribute_not_exists(seatsUsed) AND seatLimit > :zero)))';
  const values: Record<string, AttributeValue> = {
    ':zero': { N: '0' },
    ':one': { N: '1' },
    ':org': { S: write.orgId },
    ':orgs': { S: 'ORGS' },
  };
  let configured = 'attribute_not_exists(seatLimit)';
  if (write.defaultLimit !== undefined) {
    values[':default'] = { N: String(write.defaultLimit) };
    configured =
      write.defaultLimit > 0
        ? '(attribute_not_exists(seatLimit) AND (attribute_not_exists(seatsUsed) OR seatsUsed < :default))'
        : '(attribute_not_exists(seatLimit) AND seatsUsed < :default)';
  }
  return {
    Update: {
      TableName,
      Key: orgItemKey(write.orgId),
      // The default organization may have no item until its first seat: it gets its id and its place in the
      // organization list; name and creation time stay the admin's to set (the organization adapter defaults them).
      UpdateExpression:
        'SET seatsUsed = if_not_exists(seatsUsed, :zero) + :one, orgId = if_not_exists(orgId, :org), ' +
        'gsi1pk = if_not_exists(gsi1pk, :orgs), gsi1sk = if_not_exists(gsi1sk, :org)',
      ConditionExpression: `${ownLimit} OR ${configured}`,
      ExpressionAttributeValues: values,
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

/**
 * Records the license's plan. Only an active license changes plan, and only from the plan version read, so two
 * membership changes of one user never both apply what each computed without the other.
 */
function planUpdate(TableName: string, write: LicensePlanWrite): TransactWriteItem {
  const set = ['planVersion = :next', 'planChangedAt = :at'];
  const remove: string[] = [];
  const values: Record<string, AttributeValue> = {
    ':next': { N: String(write.expectedVersion + 1) },
    ':at': { S: write.at },
    ':active': { S: 'active' },
  };
  if (write.plan !== undefined) {
    set.push('#plan = :plan');
    values[':plan'] = { S: write.plan };
  } else remove.push('#plan');
  if (write.seatRefused !== undefined) {
    set.push('planSeatRefused = :refused');
    values[':refused'] = { S: write.seatRefused };
  } else remove.push('planSeatRefused');
  let version = 'attribute_not_exists(planVersion)';
  if (write.expectedVersion > 0) {
    version = 'planVersion = :expected';
    values[':expected'] = { N: String(write.expectedVersion) };
  }
  return {
    Update: {
      TableName,
      Key: licenseItemKey(write.orgId, write.userId, write.licenseId),
      UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
      ConditionExpression: `#status = :active AND ${version}`,
      ExpressionAttributeNames: { '#status': 'status', '#plan': 'plan' },
      ExpressionAttributeValues: values,
    },
  };
}

/**
 * Takes or frees a seat of a plan, on the plan's item. Taking is conditional on a free seat (`seatsUsed` starts at 0
 * when the plan is defined), so a plan's limit holds under any concurrency, like the organization's.
 */
function planSeatUpdate(TableName: string, write: PlanSeatWrite): TransactWriteItem {
  if (write.delta < 0) {
    return {
      Update: {
        TableName,
        Key: planItemKey(write.orgId, write.plan),
        UpdateExpression: 'ADD seatsUsed :delta',
        ExpressionAttributeValues: { ':delta': { N: '-1' } },
      },
    };
  }
  return {
    Update: {
      TableName,
      Key: planItemKey(write.orgId, write.plan),
      UpdateExpression: 'ADD seatsUsed :one',
      ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(seatLimit) OR seatsUsed < seatLimit)',
      ExpressionAttributeValues: { ':one': { N: '1' } },
    },
  };
}

/**
 * The seat refusal hidden in a cancelled transaction, if that is why it was cancelled. Linked writes are the last
 * items of the user's transaction, so the seat take's position follows from how many items each write became.
 */
export function seatRefusal(
  error: unknown,
  linked: readonly LinkedWrite[],
  translate: LinkedWriteTranslator,
): Error | undefined {
  if (!(error instanceof TransactionCancelledError)) return undefined;
  const seatIndex = linked.findIndex((write) => write.kind === 'license.seat' && (write as SeatChangeWrite).delta > 0);
  if (seatIndex < 0) return undefined;
  const sizes = linked.map((write) => translate(write).length);
  const total = sizes.reduce((sum, size) => sum + size, 0);
  const before = sizes.slice(0, seatIndex).reduce((sum, size) => sum + size, 0);
  const position = error.codes.length - total + before;
  if (!error.conditionFailedAt(position)) return undefined;
  const seat = linked[seatIndex] as SeatChangeWrite;
  const cause = error.cause instanceof TransactionCanceledException ? error.cause : undefined;
  const item = cause?.CancellationReasons?.[position]?.Item;
  const used = Number(item?.seatsUsed?.N ?? 0);
  const limit = item?.seatLimit?.N !== undefined ? Number(item.seatLimit.N) : (seat.defaultLimit ?? used);
  return seatLimitError(used, limit, { cause: error });
}

/**
 * The first linked write that `matches` and whose condition failed in a cancelled transaction, with its position among
 * the transaction's items (the linked writes' items come last, in order).
 */
function failedLinkedWrite(
  error: TransactionCancelledError,
  linked: readonly LinkedWrite[],
  translate: LinkedWriteTranslator,
  matches: (write: LinkedWrite) => boolean,
): LinkedWrite | undefined {
  const sizes = linked.map((write) => translate(write).length);
  let position = error.codes.length - sizes.reduce((sum, size) => sum + size, 0);
  for (const [index, write] of linked.entries()) {
    if (matches(write) && error.conditionFailedAt(position)) return write;
    position += sizes[index] ?? 0;
  }
  return undefined;
}

/**
 * A revocation whose license was revoked in the meantime: the license was read alongside the user, before a concurrent
 * change committed, so the change is computed again from fresh reads, like any version conflict.
 */
export function revocationConflict(
  error: unknown,
  linked: readonly LinkedWrite[],
  translate: LinkedWriteTranslator,
): Error | undefined {
  if (!(error instanceof TransactionCancelledError)) return undefined;
  const revoke = failedLinkedWrite(error, linked, translate, (write) => write.kind === 'license.revoke');
  return revoke
    ? new VersionConflictError(`the license of user ${(revoke as RevokeLicenseWrite).userId} changed`, { cause: error })
    : undefined;
}

/**
 * A plan seat taken by a license issue whose plan filled up since the plan was read: the change is computed again
 * from fresh reads (a version conflict), and then starts on a plan with a seat.
 */
export function planSeatConflict(
  error: unknown,
  linked: readonly LinkedWrite[],
  translate: LinkedWriteTranslator,
): Error | undefined {
  if (!(error instanceof TransactionCancelledError)) return undefined;
  const take = failedLinkedWrite(
    error,
    linked,
    translate,
    (write) => write.kind === 'plan.seat' && (write as PlanSeatWrite).delta > 0,
  );
  return take
    ? new VersionConflictError(`the last seat of plan ${(take as PlanSeatWrite).plan} was taken`, { cause: error })
    : undefined;
}

/**
 * A UserRepository whose transactions carry license writes: a transaction cancelled because the last seat was taken
 * in the meantime becomes the domain's SeatLimitError (HTTP 403), instead of an unexplained failure.
 */
export class LicensedUserRepository implements UserRepository {
  constructor(
    private readonly inner: UserRepository,
    /** The translator the inner repository uses, to locate the seat item in a cancelled transaction. */
    private readonly translate: LinkedWriteTranslator,
  ) {}

  async create(user: UserRecord, linked: readonly LinkedWrite[]): Promise<void> {
    try {
      await this.inner.create(user, linked);
    } catch (error) {
      throw seatRefusal(error, linked, this.translate) ?? error;
    }
  }

  async update(before: UserRecord, after: UserRecord, linked: readonly LinkedWrite[]): Promise<void> {
    try {
      await this.inner.update(before, after, linked);
    } catch (error) {
      throw (
        seatRefusal(error, linked, this.translate) ??
        planSeatConflict(error, linked, this.translate) ??
        revocationConflict(error, linked, this.translate) ??
        error
      );
    }
  }

  async delete(user: UserRecord, linked: readonly LinkedWrite[]): Promise<void> {
    try {
      await this.inner.delete(user, linked);
    } catch (error) {
      throw revocationConflict(error, linked, this.translate) ?? error;
    }
  }

  get(orgId: string, id: string): Promise<UserRecord | undefined> {
    return this.inner.get(orgId, id);
  }

  find(orgId: string, criteria: UserCriteria): Promise<UserRecord[]> {
    return this.inner.find(orgId, criteria);
  }

  list(
    orgId: string,
    page: { startIndex: number; count: number; cursor?: string },
    order?: ListOrder,
  ): Promise<ListPage<UserRecord>> {
    return this.inner.list(orgId, page, order);
  }

  scan(orgId: string, afterId: string | undefined, limit: number): Promise<ScanPage<UserRecord>> {
    return this.inner.scan(orgId, afterId, limit);
  }
}
