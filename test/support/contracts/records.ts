import { randomBytes } from 'node:crypto';
import { uuidV7 } from '../../../lambda/domain/clock';
import type { GroupRecord } from '../../../lambda/domain/groups';
import type { UserRecord } from '../../../lambda/domain/users';

const BASE_MS = Date.parse('2026-01-01T00:00:00.000Z');

/**
 * A fresh organization id per test: the DynamoDB runs of a contract share one set of tables, and every key starts
 * with the organization id, so tests cannot see each other's items.
 */
export function freshOrgId(): string {
  return `contract-${randomBytes(5).toString('hex')}`;
}

/** The `n`th id of a test: ids sort by `n`, as the service's time-ordered ids sort by creation. */
export function idAt(n: number): string {
  return uuidV7(BASE_MS + n, Buffer.alloc(10, n % 256));
}

export function userRecord(orgId: string, n: number, overrides: Partial<UserRecord> = {}): UserRecord {
  const userName = overrides.userName ?? `user${n}@example.com`;
  const email = overrides.lookupEmail ?? userName.toLowerCase();
  return {
    orgId,
    id: idAt(n),
    userName,
    active: true,
    lookupEmail: email,
    emails: [{ value: email, type: 'work' }],
    document: { userName, name: { givenName: `Given${n}`, familyName: 'Tester' } },
    version: 1,
    created: new Date(BASE_MS + n).toISOString(),
    lastModified: new Date(BASE_MS + n).toISOString(),
    ...overrides,
  };
}

/** The next version of `user` with some fields changed, as the service computes it. */
export function nextVersion(user: UserRecord, changes: Partial<UserRecord> = {}): UserRecord {
  return {
    ...user,
    ...changes,
    version: user.version + 1,
    lastModified: new Date(Date.parse(user.lastModified) + 1000).toISOString(),
  };
}

export function groupRecord(orgId: string, n: number, overrides: Partial<GroupRecord> = {}): GroupRecord {
  return {
    orgId,
    id: idAt(n),
    displayName: `Group ${n}`,
    version: 1,
    created: new Date(BASE_MS + n).toISOString(),
    lastModified: new Date(BASE_MS + n).toISOString(),
    ...overrides,
  };
}

export function nextGroupVersion(group: GroupRecord, changes: Partial<GroupRecord> = {}): GroupRecord {
  return {
    ...group,
    ...changes,
    version: group.version + 1,
    lastModified: new Date(Date.parse(group.lastModified) + 1000).toISOString(),
  };
}
