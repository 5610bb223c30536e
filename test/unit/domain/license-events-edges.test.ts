import { activityToItem } from '../../../lambda/adapters/dynamodb-activity';
import { licenseToItem } from '../../../lambda/adapters/dynamodb-license-writes';
import { LICENSE_EVENT_TYPES } from '../../../lambda/contract/license-events';
import type { ActivityRecord } from '../../../lambda/domain/activity';
import { licenseEventsOf } from '../../../lambda/domain/license-events';
import type { LicenseRecord } from '../../../lambda/domain/licenses';

const license: LicenseRecord = {
  orgId: 'acme',
  licenseId: 'lic-1',
  userId: 'user-1',
  status: 'active',
  issuedAt: '2026-11-29T10:00:00.000Z',
  keyHash: 'hash',
  keyHint: 'AB12',
};
const issued: Record<string, unknown> = licenseToItem(license);
const revoked = { ...issued, status: 'revoked', revokedAt: '2026-11-29T11:00:00.000Z', revocationReason: 'deleted' };

function activity(overrides: Partial<ActivityRecord>): Record<string, unknown> {
  const record: ActivityRecord = {
    orgId: 'acme',
    activityId: 'act-1',
    at: '2026-11-29T12:00:00.000Z',
    operation: 'delete',
    resourceType: 'User',
    resourceId: 'user-1',
    name: 'jane@acme.example',
    result: 'ok',
    licenseEffects: ['license revoked'],
    licenseId: 'lic-1',
    ...overrides,
  };
  return activityToItem(record, 0);
}

const types = (item: Record<string, unknown>, oldItem?: Record<string, unknown>) =>
  licenseEventsOf({ change: oldItem ? 'MODIFY' : 'INSERT', ...(oldItem ? { oldItem } : {}), newItem: item }).map(
    (event) => event.detailType,
  );

describe('license events: what a license item change must carry', () => {
  it.each(['orgId', 'licenseId', 'userId'])('publishes nothing for a license item without %s', (name) => {
    expect(types({ ...issued, [name]: undefined })).toEqual([]);
    expect(types({ ...issued, [name]: '' })).toEqual([]);
  });

  it('publishes nothing for an issued license without its time, and an empty key hint when it has none', () => {
    expect(types({ ...issued, issuedAt: undefined })).toEqual([]);
    expect(licenseEventsOf({ change: 'INSERT', newItem: { ...issued, keyHint: undefined } })[0]?.detail.keyHint).toBe(
      '',
    );
  });

  it('publishes a license inserted already revoked as issued and revoked, for a deletion', () => {
    const events = licenseEventsOf({ change: 'INSERT', newItem: revoked });

    expect(events.map((event) => event.detailType)).toEqual([
      LICENSE_EVENT_TYPES.licenseIssued,
      LICENSE_EVENT_TYPES.licenseRevoked,
    ]);
    expect(events[1]?.detail).toEqual({
      eventId: 'acme/lic-1/revoked',
      orgId: 'acme',
      occurredAt: '2026-11-29T11:00:00.000Z',
      licenseId: 'lic-1',
      userId: 'user-1',
      keyHint: 'AB12',
      reason: 'deleted',
    });
  });

  it('publishes no revocation without its time, and reads an unknown reason as a deactivation', () => {
    expect(types({ ...revoked, revokedAt: undefined }, issued)).toEqual([]);
    expect(
      licenseEventsOf({ change: 'MODIFY', oldItem: issued, newItem: { ...revoked, revocationReason: 'other' } })[0]
        ?.detail.reason,
    ).toBe('deactivated');
  });

  it('publishes email feedback only for a new feedback id with a bounced or complained status and a time', () => {
    const bounced = {
      ...issued,
      emailStatus: 'bounced',
      emailStatusAt: '2026-11-29T10:05:00.000Z',
      emailFeedbackId: 'fb-1',
      emailFeedbackOn: 'license-revoked',
    };

    expect(types({ ...bounced, emailStatus: 'sent' }, issued)).toEqual([]);
    expect(types({ ...bounced, emailFeedbackId: undefined }, issued)).toEqual([]);
    expect(types({ ...bounced, emailStatusAt: undefined }, issued)).toEqual([]);
    const events = licenseEventsOf({ change: 'MODIFY', oldItem: issued, newItem: bounced });
    expect(events[0]?.detail).toEqual({
      eventId: 'acme/lic-1/email-bounced/fb-1',
      orgId: 'acme',
      occurredAt: '2026-11-29T10:05:00.000Z',
      licenseId: 'lic-1',
      userId: 'user-1',
      email: 'license-revoked',
    });
    const complained = { ...bounced, emailStatus: 'complained', emailBounceType: 'Permanent' };
    expect(licenseEventsOf({ change: 'MODIFY', oldItem: issued, newItem: complained })[0]?.detail).not.toHaveProperty(
      'bounceType',
    );
  });
});

describe('license events: what an activity record must carry', () => {
  it.each([
    ['orgId', { orgId: '' }],
    ['activityId', { activityId: '' }],
    ['time', { at: '' }],
  ])('publishes nothing for a record without its %s', (_, overrides) => {
    expect(types({ ...activity({}), ...overrides })).toEqual([]);
  });

  it('publishes nothing for a group record, or a deprovisioning without a user id or name', () => {
    expect(types(activity({ resourceType: 'Group' }))).toEqual([]);
    expect(types(activity({ resourceId: undefined }))).toEqual([]);
    expect(types(activity({ name: undefined }))).toEqual([]);
    expect(types(activity({ result: 'refused', licenseEffects: [] }))).toEqual([]);
  });

  it('publishes a deprovisioning of an activity record only when it is inserted', () => {
    expect(licenseEventsOf({ change: 'MODIFY', oldItem: activity({}), newItem: activity({}) })).toEqual([]);
  });

  it('names the license of a deprovisioning only when the change revoked it', () => {
    const events = licenseEventsOf({ change: 'INSERT', newItem: activity({ licenseEffects: ['email queued'] }) });

    expect(events[0]?.detail).not.toHaveProperty('licenseId');
    const withoutEffects = { ...activity({}), licenseEffects: 'license revoked' };
    expect(licenseEventsOf({ change: 'INSERT', newItem: withoutEffects })[0]?.detail).not.toHaveProperty('licenseId');
  });

  it('publishes Seats Exhausted without a name, a method or a detail when the record has none', () => {
    const events = licenseEventsOf({
      change: 'INSERT',
      newItem: activity({
        operation: 'create',
        result: 'refused',
        name: undefined,
        resourceId: undefined,
        licenseEffects: ['seat refused'],
        licenseId: undefined,
      }),
    });

    expect(events).toEqual([
      {
        detailType: LICENSE_EVENT_TYPES.seatsExhausted,
        detail: { eventId: 'acme/activity/act-1', orgId: 'acme', occurredAt: '2026-11-29T12:00:00.000Z', detail: '' },
      },
    ]);
    const notAList = { ...activity({ operation: 'create', result: 'refused' }), licenseEffects: 'seat refused' };
    expect(types(notAList)).toEqual([]);
  });
});

describe('license events: every other change maps to nothing', () => {
  it('publishes nothing for a removed item, even one that carries a new image', () => {
    expect(licenseEventsOf({ change: 'REMOVE', newItem: revoked })).toEqual([]);
  });

  it('publishes nothing for an item of another kind carrying an activity record’s fields', () => {
    expect(types({ ...activity({}), kind: 'outbox' })).toEqual([]);
  });

  it('publishes no Seats Exhausted for a record that succeeded, whatever its effects', () => {
    expect(types(activity({ operation: 'create', licenseEffects: ['seat refused'] }))).toEqual([]);
  });
});
