import { LICENSE_EVENT_TYPES, type LicenseEventType } from '../contract/license-events';

/**
 * License events for the vendor's other systems, derived from the changes of the licenses table (its stream) rather
 * than published by the SCIM request itself: the request never waits for them, and an event exists exactly when its
 * fact committed.
 *
 * Which change carries which fact:
 * - a license item inserted: License Issued; its status changed from active to revoked: License Revoked;
 * - a license item whose email feedback changed (written back from SES): License Email Bounced or Complained;
 * - an activity record of a deactivation or deletion that succeeded: User Deprovisioned (also for users without a
 *   license, which have no license item);
 * - an activity record of a request refused for want of a seat: Seats Exhausted.
 * Every other change maps to nothing.
 */

export interface LicenseEvent {
  readonly detailType: LicenseEventType;
  /** Always carries `eventId`, `orgId` and `occurredAt` (see LICENSE_EVENT_SCHEMAS). */
  readonly detail: Readonly<Record<string, unknown>> & { readonly eventId: string };
}

/** One changed item of the licenses table, as plain values (unmarshalled). */
export interface ItemChange {
  readonly change: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly oldItem?: Readonly<Record<string, unknown>>;
  readonly newItem?: Readonly<Record<string, unknown>>;
}

/** Where license events go (an EventBridge bus, or the local stand-in). */
export interface LicenseEventPublisher {
  /** Publishes every event or throws; publishing an event again is harmless (consumers deduplicate on eventId). */
  publish(events: readonly LicenseEvent[]): Promise<void>;
}

/** The write-back of SES feedback on a license item (attributes beside the license's own). */
export type EmailFeedbackStatus = 'bounced' | 'complained';
export type LicenseEmailType = 'license-issued' | 'license-revoked';

/** A text attribute of an item; every caller reads an empty text as it reads an absent one. */
function str(item: Readonly<Record<string, unknown>> | undefined, name: string): string | undefined {
  const value = item?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** The events a change of the licenses table stands for (at most one today). */
export function licenseEventsOf(change: ItemChange): LicenseEvent[] {
  const item = change.newItem;
  if (!item || change.change === 'REMOVE') return [];
  if (item.kind === 'license') return licenseItemEvents(change.oldItem, item);
  if (item.kind === 'activity' && change.change === 'INSERT') return activityEvents(item);
  return [];
}

function licenseItemEvents(
  before: Readonly<Record<string, unknown>> | undefined,
  after: Readonly<Record<string, unknown>>,
): LicenseEvent[] {
  const orgId = str(after, 'orgId');
  const licenseId = str(after, 'licenseId');
  const userId = str(after, 'userId');
  if (!orgId || !licenseId || !userId) return [];
  const keyHint = str(after, 'keyHint') ?? '';
  const events: LicenseEvent[] = [];
  if (!before) {
    events.push({
      detailType: LICENSE_EVENT_TYPES.licenseIssued,
      detail: {
        eventId: `${orgId}/${licenseId}/issued`,
        orgId,
        occurredAt: str(after, 'issuedAt') ?? '',
        licenseId,
        userId,
        keyHint,
      },
    });
  }
  // A license is written active and revoked once (conditionally): active → revoked happens once per license.
  const wasActive = before ? before.status === 'active' : true;
  // Stryker disable next-line ConditionalExpression: only a revoked license has a revokedAt, and an event without its time is dropped below
  if (wasActive && after.status === 'revoked') {
    const reason = str(after, 'revocationReason');
    events.push({
      detailType: LICENSE_EVENT_TYPES.licenseRevoked,
      detail: {
        eventId: `${orgId}/${licenseId}/revoked`,
        orgId,
        occurredAt: str(after, 'revokedAt') ?? '',
        licenseId,
        userId,
        keyHint,
        reason: reason === 'deleted' ? 'deleted' : 'deactivated',
      },
    });
  }
  const feedbackId = str(after, 'emailFeedbackId');
  const status = str(after, 'emailStatus');
  if (
    feedbackId &&
    feedbackId !== str(before, 'emailFeedbackId') &&
    (status === 'bounced' || status === 'complained')
  ) {
    const email = str(after, 'emailFeedbackOn') === 'license-revoked' ? 'license-revoked' : 'license-issued';
    const bounceType = str(after, 'emailBounceType');
    events.push({
      detailType: status === 'bounced' ? LICENSE_EVENT_TYPES.emailBounced : LICENSE_EVENT_TYPES.emailComplained,
      detail: {
        eventId: `${orgId}/${licenseId}/email-${status}/${feedbackId}`,
        orgId,
        occurredAt: str(after, 'emailStatusAt') ?? '',
        licenseId,
        userId,
        email,
        ...(status === 'bounced' && bounceType ? { bounceType } : {}),
      },
    });
  }
  return events.filter((event) => event.detail.occurredAt !== '');
}

function activityEvents(record: Readonly<Record<string, unknown>>): LicenseEvent[] {
  const orgId = str(record, 'orgId');
  const activityId = str(record, 'activityId');
  const at = str(record, 'at');
  if (!orgId || !activityId || !at || record.resourceType !== 'User') return [];
  const eventId = `${orgId}/activity/${activityId}`;
  const name = str(record, 'name');
  if (record.result === 'ok' && (record.operation === 'deactivate' || record.operation === 'delete')) {
    const userId = str(record, 'resourceId');
    if (!userId || !name) return [];
    const licenseId = str(record, 'licenseId');
    // Stryker disable next-line ArrayDeclaration: a list holding no known effect answers every includes() below as an empty one does
    const effects = Array.isArray(record.licenseEffects) ? record.licenseEffects : [];
    return [
      {
        detailType: LICENSE_EVENT_TYPES.userDeprovisioned,
        detail: {
          eventId,
          orgId,
          occurredAt: at,
          userId,
          userName: name,
          operation: record.operation,
          ...(licenseId && effects.includes('license revoked') ? { licenseId } : {}),
        },
      },
    ];
  }
  // Stryker disable next-line ArrayDeclaration: a list holding no known effect answers every includes() below as an empty one does
  const effects = Array.isArray(record.licenseEffects) ? record.licenseEffects : [];
  if (record.result === 'refused' && effects.includes('seat refused')) {
    const method = str(record, 'method');
    return [
      {
        detailType: LICENSE_EVENT_TYPES.seatsExhausted,
        detail: {
          eventId,
          orgId,
          occurredAt: at,
          ...(name ? { userName: name } : {}),
          ...(method ? { method } : {}),
          detail: str(record, 'detail') ?? '',
        },
      },
    ];
  }
  return [];
}
