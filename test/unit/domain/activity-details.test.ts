import {
  type ActivityRecord,
  clientOf,
  groupActivityRecord,
  isActivityWrite,
  licenseEffectsOf,
  seatsOverTime,
  truncateDetail,
  userOperation,
} from '../../../lambda/domain/activity';
import type { LicenseRecord, LicenseWrite } from '../../../lambda/domain/licenses';
import type { UserChange, UserRecord } from '../../../lambda/domain/users';

const at = new Date('2026-11-29T12:00:00.000Z');

describe('what a record keeps of the request', () => {
  it('keeps a User-Agent trimmed and cut to 200 characters, and none that is blank', () => {
    expect(clientOf('  Okta SCIM Client 1.0.0 \n')).toBe('Okta SCIM Client 1.0.0');
    expect(clientOf(`  ${'x'.repeat(300)}`)).toBe('x'.repeat(200));
    expect(clientOf('   ')).toBeUndefined();
    expect(clientOf(undefined)).toBeUndefined();
  });

  it('keeps a SCIM error detail up to 500 characters', () => {
    expect(truncateDetail('d'.repeat(600))).toBe('d'.repeat(500));
    expect(truncateDetail('short')).toBe('short');
    expect(truncateDetail(undefined)).toBeUndefined();
  });

  it('tells its own linked write apart from the others', () => {
    expect(isActivityWrite({ kind: 'activity.record' })).toBe(true);
    expect(isActivityWrite({ kind: 'license.issue' })).toBe(false);
  });
});

describe('licenseEffectsOf', () => {
  const license: LicenseRecord = {
    orgId: 'acme',
    licenseId: 'lic-1',
    userId: 'user-1',
    status: 'active',
    issuedAt: at.toISOString(),
    keyHash: 'h',
    keyHint: 'K',
  };

  it('names a plan seat refused on a new license, with its user and plan', () => {
    const writes: LicenseWrite[] = [
      { kind: 'license.issue', license: { ...license, planSeatRefused: 'pro' } },
      { kind: 'license.seat', orgId: 'acme', delta: 1 },
    ];

    expect(licenseEffectsOf(writes)).toEqual({
      effects: ['license issued', 'plan seat refused'],
      seatDelta: 1,
      licenseId: 'lic-1',
      planSeatsRefused: [{ userId: 'user-1', plan: 'pro' }],
    });
  });

  it('names neither a license nor refusals when the writes had none', () => {
    const freed: LicenseWrite = { kind: 'license.seat', orgId: 'acme', delta: -1 };

    expect(licenseEffectsOf([freed])).toEqual({
      effects: [],
      seatDelta: -1,
    });
  });
});

describe('userOperation', () => {
  const user = (active: boolean) => ({ active }) as UserRecord;
  const change = (before: boolean, after: boolean): UserChange => ({
    orgId: 'acme',
    before: user(before),
    after: user(after),
    at,
  });

  it.each([
    ['put', 'replace'],
    ['PATCH', 'patch'],
    ['patch', 'patch'],
    ['POST', 'update'],
    [undefined, 'update'],
  ])('names a change of an active user carried by %s as %s', (method, operation) => {
    expect(userOperation(change(true, true), method)).toBe(operation);
    expect(userOperation(change(false, false), method)).toBe(operation);
  });
});

describe('groupActivityRecord counts', () => {
  const group = { orgId: 'acme', id: 'g1', displayName: 'Engineering' };

  it('counts the members an update added or removed, and leaves out a count of none', () => {
    const added = groupActivityRecord(
      { kind: 'update', group, membersAdded: 2, membersRemoved: 0 },
      undefined,
      at,
      'a',
    );
    const removed = groupActivityRecord(
      { kind: 'update', group, membersAdded: 0, membersRemoved: 1 },
      undefined,
      at,
      'b',
    );

    expect(added.membersAdded).toBe(2);
    expect(added).not.toHaveProperty('membersRemoved');
    expect(removed.membersRemoved).toBe(1);
    expect(removed).not.toHaveProperty('membersAdded');
  });
});

describe('seatsOverTime', () => {
  const record = (seatDelta: number | undefined, name: string): ActivityRecord => ({
    orgId: 'acme',
    activityId: name,
    at: at.toISOString(),
    operation: 'create',
    resourceType: 'User',
    name,
    result: 'ok',
    licenseEffects: [],
    ...(seatDelta === undefined ? {} : { seatDelta }),
  });

  it('shows only the changes that moved a seat', () => {
    const points = seatsOverTime([record(1, 'ada'), record(0, 'grace'), record(undefined, 'bob')], 1);

    expect(points.map((point) => [point.name, point.seatsUsed])).toEqual([['ada', 1]]);
  });
});
