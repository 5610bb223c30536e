import { activityRow } from '../../../cli/output';
import { ActivityRecordJson } from '../../../lambda/admin/schemas';
import {
  ActivityPolicy,
  type ActivityRecord,
  type GroupActivity,
  groupActivityRecord,
  type RecordActivityWrite,
  seatsOverTime,
} from '../../../lambda/domain/activity';
import type { LicenseWrite } from '../../../lambda/domain/licenses';
import type { UserChangePolicy, UserRecord } from '../../../lambda/domain/users';
import { refusalRecord } from '../../../lambda/wiring/activity';

const at = new Date('2025-03-01T10:00:00.000Z');

function user(active: boolean): UserRecord {
  return {
    orgId: 'acme',
    id: 'u1',
    userName: 'jane@acme.test',
    active,
    emails: [{ value: 'jane.private@example.com' }],
    document: { userName: 'jane@acme.test' },
    version: 1,
    created: at.toISOString(),
    lastModified: at.toISOString(),
  };
}

const license = {
  orgId: 'acme',
  licenseId: 'l1',
  userId: 'u1',
  status: 'active' as const,
  issuedAt: at.toISOString(),
  keyHash: 'hash',
  keyHint: 'ABCD',
};

const issuing: UserChangePolicy = {
  plan: async (change): Promise<LicenseWrite[]> =>
    change.after?.active && !change.before?.active
      ? [
          { kind: 'license.issue', license },
          { kind: 'license.seat', orgId: 'acme', delta: 1 },
          {
            kind: 'license.email',
            email: {
              eventId: 'l1.issued',
              type: 'license-issued',
              orgId: 'acme',
              licenseId: 'l1',
              userId: 'u1',
              recipient: 'jane.private@example.com',
              keyHint: 'ABCD',
              createdAt: at.toISOString(),
            },
          },
        ]
      : change.before?.active && !change.after?.active
        ? [
            {
              kind: 'license.revoke',
              orgId: 'acme',
              userId: 'u1',
              licenseId: 'l1',
              revokedAt: at.toISOString(),
              reason: 'deactivated',
            },
            { kind: 'license.seat', orgId: 'acme', delta: -1 },
          ]
        : [],
};

function recordOf(writes: readonly { kind: string }[]): ActivityRecord {
  const last = writes[writes.length - 1] as RecordActivityWrite;
  expect(last.kind).toBe('activity.record');
  return last.record;
}

describe('ActivityPolicy', () => {
  const policy = new ActivityPolicy(issuing, {
    context: () => ({ method: 'POST', client: 'Okta SCIM Client 1.0.0' }),
    newId: () => 'a1',
  });

  it('appends the record after the license writes, naming their effects, the client and no email address', async () => {
    const writes = await policy.plan({ orgId: 'acme', after: user(true), at });

    expect(writes.map((write) => write.kind)).toEqual([
      'license.issue',
      'license.seat',
      'license.email',
      'activity.record',
    ]);
    const record = recordOf(writes);
    expect(record).toEqual({
      orgId: 'acme',
      activityId: 'a1',
      at: at.toISOString(),
      operation: 'create',
      method: 'POST',
      resourceType: 'User',
      resourceId: 'u1',
      name: 'jane@acme.test',
      client: 'Okta SCIM Client 1.0.0',
      result: 'ok',
      licenseEffects: ['license issued', 'email queued'],
      seatDelta: 1,
      licenseId: 'l1',
    });
    expect(JSON.stringify(record)).not.toContain('private');
    expect(JSON.stringify(record)).not.toContain('hash');
  });

  it('names a deactivation and a reactivation by the state change, whatever method carried it', async () => {
    const deactivated = recordOf(await policy.plan({ orgId: 'acme', before: user(true), after: user(false), at }));
    const reactivated = recordOf(await policy.plan({ orgId: 'acme', before: user(false), after: user(true), at }));

    expect(deactivated).toMatchObject({ operation: 'deactivate', licenseEffects: ['license revoked'], seatDelta: -1 });
    expect(reactivated).toMatchObject({ operation: 'reactivate', licenseEffects: ['license issued', 'email queued'] });
  });

  it('names replace, patch and delete, and records changes without a request or a license policy', async () => {
    const put = new ActivityPolicy(undefined, { context: () => ({ method: 'PUT' }), newId: () => 'a2' });
    const patch = new ActivityPolicy(undefined, { context: () => ({ method: 'patch' }), newId: () => 'a3' });
    const bare = new ActivityPolicy(undefined, { newId: () => 'a4' });

    expect(recordOf(await put.plan({ orgId: 'acme', before: user(true), after: user(true), at }))).toMatchObject({
      operation: 'replace',
      licenseEffects: [],
    });
    expect(recordOf(await patch.plan({ orgId: 'acme', before: user(true), after: user(true), at })).operation).toBe(
      'patch',
    );
    const deleted = recordOf(await bare.plan({ orgId: 'acme', before: user(false), at }));
    expect(deleted).toMatchObject({ operation: 'delete', name: 'jane@acme.test' });
    expect(deleted.client).toBeUndefined();
    expect(deleted.method).toBeUndefined();
  });
});

describe('refusalRecord', () => {
  const request = {
    method: 'POST',
    path: '/Users',
    headers: { 'user-agent': 'Okta SCIM Client 1.0.0', authorization: 'Bearer secret-token' },
    body: JSON.stringify({ userName: 'late@acme.test', emails: [{ value: 'late.private@example.com' }] }),
    orgId: 'acme',
  };
  const seatRefusal = {
    status: 403,
    body: JSON.stringify({ status: '403', detail: 'no license seats available: 1 of 1 in use' }),
  };

  it('records a refused create with its SCIM error and the refused seat, without the token or email address', () => {
    const record = refusalRecord(request, seatRefusal, at);

    expect(record).toMatchObject({
      orgId: 'acme',
      at: at.toISOString(),
      operation: 'create',
      method: 'POST',
      resourceType: 'User',
      name: 'late@acme.test',
      client: 'Okta SCIM Client 1.0.0',
      result: 'refused',
      status: 403,
      detail: 'no license seats available: 1 of 1 in use',
      licenseEffects: ['seat refused'],
    });
    expect(JSON.stringify(record)).not.toMatch(/secret-token|private/);
  });

  it('records a refused group change by displayName and id, with its scimType', () => {
    const record = refusalRecord(
      { ...request, method: 'PUT', path: '/Groups/g1', body: '{"displayName":"Sales"}' },
      { status: 409, body: JSON.stringify({ scimType: 'uniqueness', detail: 'taken' }) },
      at,
    );

    expect(record).toMatchObject({
      operation: 'replace',
      resourceType: 'Group',
      resourceId: 'g1',
      name: 'Sales',
      scimType: 'uniqueness',
      licenseEffects: [],
    });
  });

  it.each([
    ['a success', { ...request }, { status: 201, body: '{}' }],
    ['a server failure', { ...request }, { status: 500, body: '{}' }],
    ['a read', { ...request, method: 'GET' }, seatRefusal],
    ['a search', { ...request, path: '/Users/.search' }, seatRefusal],
    ['another path', { ...request, path: '/Schemas' }, seatRefusal],
  ])('records nothing for %s', (_label, req, response) => {
    expect(refusalRecord(req, response, at)).toBeUndefined();
  });

  it('names nobody when the body is not a JSON object', () => {
    expect(refusalRecord({ ...request, body: '{oops' }, { status: 400, body: '' }, at)?.name).toBeUndefined();
  });
});

describe('seatsOverTime', () => {
  it('walks back from the seats in use now, over the changes that moved a seat', () => {
    const base = { orgId: 'acme', resourceType: 'User' as const, result: 'ok' as const, licenseEffects: [] };
    const records: ActivityRecord[] = [
      { ...base, activityId: '1', at: 't1', operation: 'create', name: 'a', seatDelta: 1 },
      { ...base, activityId: '2', at: 't2', operation: 'patch', name: 'a' },
      { ...base, activityId: '3', at: 't3', operation: 'create', name: 'b', seatDelta: 1 },
      { ...base, activityId: '4', at: 't4', operation: 'deactivate', name: 'a', seatDelta: -1 },
    ];

    expect(seatsOverTime(records, 5)).toEqual([
      { at: 't1', seatsUsed: 5, operation: 'create', name: 'a' },
      { at: 't3', seatsUsed: 6, operation: 'create', name: 'b' },
      { at: 't4', seatsUsed: 5, operation: 'deactivate', name: 'a' },
    ]);
  });
});

describe('group activity records', () => {
  const group = { orgId: 'acme', id: 'g1', displayName: 'Engineering' };
  const change = (kind: GroupActivity['kind'], membersAdded = 0, membersRemoved = 0): GroupActivity => ({
    kind,
    group,
    membersAdded,
    membersRemoved,
  });
  const okta = { method: 'patch', client: 'Okta SCIM Client 1.0.0' };

  it('names the group by displayName and counts a membership change, removals of none included', () => {
    const record = groupActivityRecord(change('members', 3), okta, at, 'a1');

    expect(record).toEqual({
      orgId: 'acme',
      activityId: 'a1',
      at: at.toISOString(),
      operation: 'membership',
      method: 'PATCH',
      resourceType: 'Group',
      resourceId: 'g1',
      name: 'Engineering',
      client: 'Okta SCIM Client 1.0.0',
      result: 'ok',
      licenseEffects: [],
      membersAdded: 3,
      membersRemoved: 0,
    });
  });

  it.each([
    ['create', 'POST', 'create'],
    ['update', 'PUT', 'replace'],
    ['update', 'PATCH', 'patch'],
    ['update', undefined, 'update'],
    ['delete', 'DELETE', 'delete'],
  ] as const)('records a %s by %s as %s, with counts only when members changed', (kind, method, operation) => {
    const record = groupActivityRecord(change(kind), method ? { method } : undefined, at, 'a1');

    expect(record.operation).toBe(operation);
    expect(record.method).toBe(method);
    expect(record).not.toHaveProperty('membersAdded');
    expect(record).not.toHaveProperty('membersRemoved');
    expect(record).not.toHaveProperty('client');
  });

  it('keeps the counts of a replace that changed members', () => {
    const record = groupActivityRecord(change('update', 0, 2), { method: 'PUT' }, at, 'a1');

    expect(record).toMatchObject({ operation: 'replace', membersRemoved: 2 });
    expect(record).not.toHaveProperty('membersAdded');
  });

  it('shows the member counts in the admin command line table', () => {
    // As the command line gets it: through the admin API's JSON.
    const row = activityRow(ActivityRecordJson.parse(groupActivityRecord(change('members', 2, 1), okta, at, 'a1')));

    expect(row).toEqual([
      at.toISOString(),
      'membership',
      'Group',
      'Engineering',
      'ok',
      '+2 members, -1 members',
      'Okta SCIM Client 1.0.0',
    ]);
  });

  it('records the members a membership change left without a seat on their plan', () => {
    const refused = { ...change('members', 2), planSeatsRefused: [{ userId: 'u7', plan: 'pro' }] };

    const record = groupActivityRecord(refused, okta, at, 'a1');
    const row = activityRow(ActivityRecordJson.parse(record));

    expect(record).toMatchObject({
      licenseEffects: ['plan seat refused'],
      membersAdded: 2,
      planSeatsRefused: [{ userId: 'u7', plan: 'pro' }],
    });
    expect(row[5]).toBe('plan seat refused, +2 members, -0 members');
  });
});
