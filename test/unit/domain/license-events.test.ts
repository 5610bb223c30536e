import { activityToItem } from '../../../lambda/adapters/dynamodb-activity';
import { licenseToItem } from '../../../lambda/adapters/dynamodb-license-writes';
import { LICENSE_EVENT_SCHEMAS, LICENSE_EVENT_TYPES } from '../../../lambda/contract/license-events';
import type { ActivityRecord } from '../../../lambda/domain/activity';
import { type LicenseEvent, licenseEventsOf } from '../../../lambda/domain/license-events';
import type { LicenseRecord } from '../../../lambda/domain/licenses';
import { validateAgainstSchema } from '../../support/json-schema';

const license: LicenseRecord = {
  orgId: 'acme',
  licenseId: 'lic-1',
  userId: 'user-1',
  status: 'active',
  issuedAt: '2026-11-29T10:00:00.000Z',
  keyHash: 'hash',
  keyHint: 'AB12',
};
const issued = licenseToItem(license);
const revoked = {
  ...issued,
  status: 'revoked',
  revokedAt: '2026-11-29T11:00:00.000Z',
  revocationReason: 'deactivated',
};

function activity(overrides: Partial<ActivityRecord>): Record<string, unknown> {
  const record: ActivityRecord = {
    orgId: 'acme',
    activityId: 'act-1',
    at: '2026-11-29T12:00:00.000Z',
    operation: 'deactivate',
    resourceType: 'User',
    resourceId: 'user-1',
    name: 'jane@acme.example',
    result: 'ok',
    licenseEffects: ['license revoked', 'email queued'],
    licenseId: 'lic-1',
    seatDelta: -1,
    ...overrides,
  };
  return activityToItem(record, 0);
}

function expectValid(events: readonly LicenseEvent[]): void {
  for (const event of events) {
    expect(validateAgainstSchema(event.detail, LICENSE_EVENT_SCHEMAS[event.detailType])).toEqual([]);
  }
}

describe('license events from the licenses table changes', () => {
  it('publishes License Issued for a new license item, with an id derived from the license', () => {
    const events = licenseEventsOf({ change: 'INSERT', newItem: issued });

    expect(events).toEqual([
      {
        detailType: LICENSE_EVENT_TYPES.licenseIssued,
        detail: {
          eventId: 'acme/lic-1/issued',
          orgId: 'acme',
          occurredAt: '2026-11-29T10:00:00.000Z',
          licenseId: 'lic-1',
          userId: 'user-1',
          keyHint: 'AB12',
        },
      },
    ]);
    expectValid(events);
  });

  it('publishes License Revoked once, for the change from active to revoked only', () => {
    const revocation = licenseEventsOf({ change: 'MODIFY', oldItem: issued, newItem: revoked });
    const laterChange = licenseEventsOf({ change: 'MODIFY', oldItem: revoked, newItem: { ...revoked, note: 'x' } });

    expect(revocation).toEqual([
      {
        detailType: LICENSE_EVENT_TYPES.licenseRevoked,
        detail: expect.objectContaining({
          eventId: 'acme/lic-1/revoked',
          occurredAt: '2026-11-29T11:00:00.000Z',
          reason: 'deactivated',
        }),
      },
    ]);
    expect(laterChange).toEqual([]);
    expectValid(revocation);
  });

  it('gives the same change the same event id, so a consumer can drop a republished one', () => {
    const first = licenseEventsOf({ change: 'MODIFY', oldItem: issued, newItem: revoked });
    const again = licenseEventsOf({ change: 'MODIFY', oldItem: issued, newItem: revoked });

    expect(again.map((event) => event.detail.eventId)).toEqual(first.map((event) => event.detail.eventId));
  });

  it('publishes a bounce or complaint written back to the license item, once per feedback', () => {
    const bounced = {
      ...issued,
      emailStatus: 'bounced',
      emailStatusAt: '2026-11-29T10:05:00.000Z',
      emailFeedbackId: 'fb-1',
      emailFeedbackOn: 'license-issued',
      emailBounceType: 'Permanent',
    };
    const complained = { ...bounced, emailStatus: 'complained', emailFeedbackId: 'fb-2', emailBounceType: undefined };

    const bounce = licenseEventsOf({ change: 'MODIFY', oldItem: issued, newItem: bounced });
    const same = licenseEventsOf({ change: 'MODIFY', oldItem: bounced, newItem: { ...bounced, other: 1 } });
    const complaint = licenseEventsOf({ change: 'MODIFY', oldItem: bounced, newItem: complained });

    expect(bounce).toEqual([
      {
        detailType: LICENSE_EVENT_TYPES.emailBounced,
        detail: {
          eventId: 'acme/lic-1/email-bounced/fb-1',
          orgId: 'acme',
          occurredAt: '2026-11-29T10:05:00.000Z',
          licenseId: 'lic-1',
          userId: 'user-1',
          email: 'license-issued',
          bounceType: 'Permanent',
        },
      },
    ]);
    expect(same).toEqual([]);
    expect(complaint.map((event) => event.detailType)).toEqual([LICENSE_EVENT_TYPES.emailComplained]);
    expectValid([...bounce, ...complaint]);
  });

  it('publishes User Deprovisioned for a deactivation or deletion that succeeded, with the license it revoked', () => {
    const deactivation = licenseEventsOf({ change: 'INSERT', newItem: activity({}) });
    const deletionWithoutLicense = licenseEventsOf({
      change: 'INSERT',
      newItem: activity({ operation: 'delete', activityId: 'act-2', licenseEffects: [], licenseId: undefined }),
    });

    expect(deactivation).toEqual([
      {
        detailType: LICENSE_EVENT_TYPES.userDeprovisioned,
        detail: {
          eventId: 'acme/activity/act-1',
          orgId: 'acme',
          occurredAt: '2026-11-29T12:00:00.000Z',
          userId: 'user-1',
          userName: 'jane@acme.example',
          operation: 'deactivate',
          licenseId: 'lic-1',
        },
      },
    ]);
    expect(deletionWithoutLicense[0]?.detail).toEqual(
      expect.objectContaining({ operation: 'delete', eventId: 'acme/activity/act-2' }),
    );
    expect(deletionWithoutLicense[0]?.detail).not.toHaveProperty('licenseId');
    expectValid([...deactivation, ...deletionWithoutLicense]);
  });

  it('publishes Seats Exhausted for a request refused for want of a seat, and nothing for other refusals', () => {
    const refused = {
      operation: 'create' as const,
      method: 'POST',
      resourceId: undefined,
      result: 'refused' as const,
      status: 403,
      detail: 'no license seats available: 1 of 1 in use',
      licenseId: undefined,
      seatDelta: undefined,
    };

    const seats = licenseEventsOf({
      change: 'INSERT',
      newItem: activity({ ...refused, licenseEffects: ['seat refused'] }),
    });
    const conflict = licenseEventsOf({
      change: 'INSERT',
      newItem: activity({ ...refused, status: 409, licenseEffects: [], detail: 'userName taken' }),
    });

    expect(seats).toEqual([
      {
        detailType: LICENSE_EVENT_TYPES.seatsExhausted,
        detail: {
          eventId: 'acme/activity/act-1',
          orgId: 'acme',
          occurredAt: '2026-11-29T12:00:00.000Z',
          userName: 'jane@acme.example',
          method: 'POST',
          detail: 'no license seats available: 1 of 1 in use',
        },
      },
    ]);
    expect(conflict).toEqual([]);
    expectValid(seats);
  });

  it('publishes nothing for other activity, expiring records, or other items', () => {
    const creates = licenseEventsOf({ change: 'INSERT', newItem: activity({ operation: 'create' }) });
    const expired = licenseEventsOf({ change: 'REMOVE', oldItem: activity({}) });
    const outbox = licenseEventsOf({ change: 'INSERT', newItem: { kind: 'outbox', orgId: 'acme' } });

    expect([...creates, ...expired, ...outbox]).toEqual([]);
  });
});
