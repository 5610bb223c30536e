import { deriveLicenseKey, LicenseKeys } from '../../../lambda/domain/license-keys';
import {
  greetingName,
  isLicenseWrite,
  type LicenseLookup,
  LicensePolicy,
  type LicenseReader,
  type LicenseRecord,
  LicenseValidator,
  type LicenseWrite,
  type SeatUsage,
} from '../../../lambda/domain/licenses';
import type { UserRecord } from '../../../lambda/domain/users';

const SECRET = Buffer.from('s'.repeat(40));
const AT = new Date('2026-03-01T10:00:00.000Z');
const keys = new LicenseKeys({ signingKey: async () => SECRET });

class FakeLicenseReader implements LicenseReader {
  readonly licenses: LicenseRecord[] = [];
  readonly seats = new Map<string, SeatUsage>();
  reads = 0;

  async activeLicenseOf(orgId: string, userId: string): Promise<LicenseRecord | undefined> {
    this.reads++;
    return this.licenses.find(
      (license) => license.orgId === orgId && license.userId === userId && license.status === 'active',
    );
  }

  async seatUsage(orgId: string): Promise<SeatUsage> {
    this.reads++;
    return this.seats.get(orgId) ?? { used: 0 };
  }
}

function user(overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    orgId: 'default',
    id: '01900000-0000-7000-8000-0000000000aa',
    userName: 'ada@example.com',
    active: true,
    lookupEmail: 'ada@example.com',
    emails: [{ value: 'ada@example.com', type: 'work' }],
    document: { userName: 'ada@example.com', name: { givenName: 'Ada', familyName: 'Lovelace' } },
    version: 1,
    created: AT.toISOString(),
    lastModified: AT.toISOString(),
    ...overrides,
  };
}

function activeLicense(overrides: Partial<LicenseRecord> = {}): LicenseRecord {
  return {
    orgId: 'default',
    licenseId: 'lic-old',
    userId: user().id,
    status: 'active',
    issuedAt: AT.toISOString(),
    keyHash: 'hash-old',
    keyHint: 'WXYZ',
    ...overrides,
  };
}

function setup(options: { seatLimit?: number } = {}) {
  const reader = new FakeLicenseReader();
  let next = 0;
  const policy = new LicensePolicy({
    reader,
    keys,
    newId: () => `lic-${++next}`,
    configuredSeatLimit: (orgId) => (orgId === 'default' ? options.seatLimit : undefined),
  });
  return { reader, policy };
}

const kinds = (writes: readonly LicenseWrite[]) => writes.map((write) => write.kind);

describe('LicensePolicy', () => {
  it('issues a license, takes a seat and enqueues the key email when a user is created active', async () => {
    const { policy } = setup({ seatLimit: 5 });

    const writes = await policy.plan({ orgId: 'default', after: user(), at: AT });

    const expected = deriveLicenseKey(SECRET, 'default', 'lic-1');
    expect(writes).toEqual([
      {
        kind: 'license.issue',
        license: {
          orgId: 'default',
          licenseId: 'lic-1',
          userId: user().id,
          status: 'active',
          issuedAt: AT.toISOString(),
          keyHash: expected.hash,
          keyHint: expected.hint,
        },
      },
      { kind: 'license.seat', orgId: 'default', delta: 1, defaultLimit: 5 },
      {
        kind: 'license.email',
        email: {
          eventId: 'lic-1.issued',
          type: 'license-issued',
          orgId: 'default',
          licenseId: 'lic-1',
          userId: user().id,
          recipient: 'ada@example.com',
          keyHint: expected.hint,
          displayName: 'Ada',
          createdAt: AT.toISOString(),
        },
      },
    ]);
  });

  it('never puts the key itself into a write', async () => {
    const { policy } = setup();

    const writes = await policy.plan({ orgId: 'default', after: user(), at: AT });

    const key = deriveLicenseKey(SECRET, 'default', 'lic-1').key;
    expect(JSON.stringify(writes)).not.toContain(key);
    expect(JSON.stringify(writes)).not.toContain(key.replace(/-/g, ''));
  });

  it('issues nothing for a user created inactive', async () => {
    const { policy, reader } = setup();

    const writes = await policy.plan({ orgId: 'default', after: user({ active: false }), at: AT });

    expect(writes).toEqual([]);
    expect(reader.reads).toBe(0);
  });

  it('plans the seat take with the configured limit without reading seat usage: the transaction decides', async () => {
    const { policy, reader } = setup({ seatLimit: 50 });
    reader.seats.set('default', { used: 50 });

    const writes = await policy.plan({ orgId: 'default', after: user(), at: AT });

    expect(writes[1]).toEqual({ kind: 'license.seat', orgId: 'default', delta: 1, defaultLimit: 50 });
    expect(reader.reads).toBe(0);
  });

  it('has no limit for an organization without a configured or own limit', async () => {
    const { policy, reader } = setup();
    reader.seats.set('acme', { used: 10_000 });

    const writes = await policy.plan({ orgId: 'acme', after: user({ orgId: 'acme' }), at: AT });

    expect(kinds(writes)).toEqual(['license.issue', 'license.seat', 'license.email']);
    expect(writes[1]).toEqual({ kind: 'license.seat', orgId: 'acme', delta: 1 });
  });

  it('issues a new license with a new key on reactivation', async () => {
    const { policy } = setup();

    const writes = await policy.plan({
      orgId: 'default',
      before: user({ active: false }),
      after: user({ active: true, version: 2 }),
      at: AT,
    });

    expect(kinds(writes)).toEqual(['license.issue', 'license.seat', 'license.email']);
    expect(writes[0]).toMatchObject({ license: { licenseId: 'lic-1', status: 'active' } });
  });

  it.each([
    ['deactivation', { after: user({ active: false, version: 2 }) }, 'deactivated'],
    ['deletion', { after: undefined }, 'deleted'],
  ])('revokes the active license, frees the seat and enqueues the notice on %s', async (_name, change, reason) => {
    const { policy, reader } = setup();
    reader.licenses.push(activeLicense());

    const writes = await policy.plan({ orgId: 'default', before: user(), ...change, at: AT });

    expect(writes).toEqual([
      {
        kind: 'license.revoke',
        orgId: 'default',
        userId: user().id,
        licenseId: 'lic-old',
        revokedAt: AT.toISOString(),
        reason,
      },
      { kind: 'license.seat', orgId: 'default', delta: -1 },
      {
        kind: 'license.email',
        email: expect.objectContaining({
          eventId: 'lic-old.revoked',
          type: 'license-revoked',
          licenseId: 'lic-old',
          keyHint: 'WXYZ',
          reason,
          recipient: 'ada@example.com',
        }),
      },
    ]);
  });

  it('changes nothing when an inactive user is deactivated again', async () => {
    const { policy } = setup();

    const writes = await policy.plan({
      orgId: 'default',
      before: user({ active: false }),
      after: user({ active: false, version: 2 }),
      at: AT,
    });

    expect(writes).toEqual([]);
  });

  it('keeps the license on a profile update that leaves active unchanged', async () => {
    const { policy, reader } = setup();
    reader.licenses.push(activeLicense());

    const writes = await policy.plan({
      orgId: 'default',
      before: user(),
      after: user({ version: 2, lookupEmail: 'ada.l@example.com', document: { name: { givenName: 'Augusta' } } }),
      at: AT,
    });

    expect(writes).toEqual([]);
    expect(reader.reads).toBe(0);
  });

  it('revokes nothing when a deactivated user has no active license', async () => {
    const { policy } = setup();

    const writes = await policy.plan({
      orgId: 'default',
      before: user(),
      after: user({ active: false, version: 2 }),
      at: AT,
    });

    expect(writes).toEqual([]);
  });

  it('deletes an inactive user without writes when its license was already revoked', async () => {
    const { policy, reader } = setup();
    reader.licenses.push(activeLicense({ status: 'revoked' }));

    const writes = await policy.plan({ orgId: 'default', before: user({ active: false }), at: AT });

    expect(writes).toEqual([]);
  });

  it('revokes the license and frees the seat when an inactive user still holding an active license is deleted', async () => {
    const { policy, reader } = setup();
    reader.licenses.push(activeLicense());

    const writes = await policy.plan({ orgId: 'default', before: user({ active: false }), at: AT });

    expect(writes).toEqual([
      {
        kind: 'license.revoke',
        orgId: 'default',
        userId: user().id,
        licenseId: 'lic-old',
        revokedAt: AT.toISOString(),
        reason: 'deleted',
      },
      { kind: 'license.seat', orgId: 'default', delta: -1 },
      {
        kind: 'license.email',
        email: expect.objectContaining({ type: 'license-revoked', reason: 'deleted', licenseId: 'lic-old' }),
      },
    ]);
  });

  it('sends the key to the lookup address (the primary email), not to the first email listed', async () => {
    const { policy } = setup();
    const ada = user({
      lookupEmail: 'ada.primary@example.com',
      emails: [
        { value: 'ada.home@example.org', type: 'home' },
        { value: 'ada.primary@example.com', type: 'work' },
      ],
    });

    const writes = await policy.plan({ orgId: 'default', after: ada, at: AT });

    expect(writes[2]).toMatchObject({ kind: 'license.email', email: { recipient: 'ada.primary@example.com' } });
  });

  it('sends the key to the first email listed when the user has no lookup address, without surrounding spaces', async () => {
    const { policy } = setup();
    const ada = user({
      lookupEmail: undefined,
      emails: [{ value: ' ada.home@example.org ' }, { value: 'ada.work@example.com' }],
    });

    const writes = await policy.plan({ orgId: 'default', after: ada, at: AT });

    expect(writes[2]).toMatchObject({ kind: 'license.email', email: { recipient: 'ada.home@example.org' } });
  });

  it('sends the revocation notice to the lookup address as well', async () => {
    const { policy, reader } = setup();
    reader.licenses.push(activeLicense());
    const ada = user({
      lookupEmail: 'ada.primary@example.com',
      emails: [
        { value: 'ada.home@example.org', type: 'home' },
        { value: 'ada.primary@example.com', type: 'work' },
      ],
    });

    const writes = await policy.plan({ orgId: 'default', before: ada, at: AT });

    expect(writes[2]).toMatchObject({ kind: 'license.email', email: { recipient: 'ada.primary@example.com' } });
  });

  it('issues the license without an email intent when the only address is blank', async () => {
    const { policy } = setup();

    const writes = await policy.plan({
      orgId: 'default',
      after: user({ lookupEmail: '  ', emails: [{ value: '  ' }] }),
      at: AT,
    });

    expect(kinds(writes)).toEqual(['license.issue', 'license.seat']);
  });

  it('still issues the license when the user has no email address, without an email intent', async () => {
    const { policy } = setup();

    const writes = await policy.plan({
      orgId: 'default',
      after: user({ lookupEmail: undefined, emails: [] }),
      at: AT,
    });

    expect(kinds(writes)).toEqual(['license.issue', 'license.seat']);
  });

  it('plans again from scratch (a new license id) when called twice, writing nothing itself', async () => {
    const { policy } = setup();

    const first = await policy.plan({ orgId: 'default', after: user(), at: AT });
    const second = await policy.plan({ orgId: 'default', after: user(), at: AT });

    expect(first[0]).toMatchObject({ license: { licenseId: 'lic-1' } });
    expect(second[0]).toMatchObject({ license: { licenseId: 'lic-2' } });
  });
});

describe('greetingName', () => {
  it('prefers the given name, then the display name', () => {
    expect(greetingName({ document: { name: { givenName: ' Ada ' }, displayName: 'A. L.' } })).toBe('Ada');
    expect(greetingName({ document: { displayName: 'A. L.' } })).toBe('A. L.');
    expect(greetingName({ document: {} })).toBeUndefined();
  });
  it('falls back to the display name when the given name is blank or the name is not an object', () => {
    expect(greetingName({ document: { name: { givenName: '   ' }, displayName: 'A. L.' } })).toBe('A. L.');
    expect(greetingName({ document: { name: 'Ada', displayName: 'A. L.' } })).toBe('A. L.');
    expect(greetingName({ document: { name: null, displayName: 'A. L.' } })).toBe('A. L.');
    expect(greetingName({ document: { displayName: '  ' } })).toBeUndefined();
  });

  it('cuts a very long name to 100 characters', () => {
    expect(greetingName({ document: { name: { givenName: 'A'.repeat(300) } } })).toBe('A'.repeat(100));
  });
});

describe('isLicenseWrite', () => {
  it.each(['license.issue', 'license.revoke', 'license.seat', 'license.email'])('recognises %s', (kind) => {
    expect(isLicenseWrite({ kind })).toBe(true);
  });

  it('does not take another linked write for a license write', () => {
    expect(isLicenseWrite({ kind: 'group.member' })).toBe(false);
  });
});

describe('LicenseValidator', () => {
  const derived = deriveLicenseKey(SECRET, 'default', 'lic-1');

  function validator(records: Record<string, { license: LicenseRecord; plan?: string }>) {
    let lookups = 0;
    const lookup: LicenseLookup = {
      findByKeyHash: async (hash) => {
        lookups++;
        return records[hash];
      },
    };
    return { validator: new LicenseValidator(keys, lookup), lookups: () => lookups };
  }

  it('answers valid with the plan for an active key', async () => {
    const { validator: subject } = validator({
      [derived.hash]: { license: activeLicense({ keyHash: derived.hash }), plan: 'team' },
    });

    const result = await subject.validate(derived.key);

    expect(result).toEqual({ valid: true, status: 'active', plan: 'team' });
  });

  it('answers invalid for a revoked key', async () => {
    const { validator: subject } = validator({
      [derived.hash]: { license: activeLicense({ keyHash: derived.hash, status: 'revoked' }) },
    });

    const result = await subject.validate(derived.key);

    expect(result).toEqual({ valid: false, reason: 'revoked' });
  });

  it('answers invalid for a well-formed key nobody issued', async () => {
    const { validator: subject } = validator({});

    const result = await subject.validate(derived.key);

    expect(result).toEqual({ valid: false, reason: 'unknown' });
  });

  it('rejects a tampered key without a lookup', async () => {
    const { validator: subject, lookups } = validator({});
    const tampered = (derived.key[0] === 'A' ? 'B' : 'A') + derived.key.slice(1);

    const result = await subject.validate(tampered);

    expect(result).toEqual({ valid: false, reason: 'checksum' });
    expect(lookups()).toBe(0);
  });
});

describe('LicensePolicy reads started alongside the user', () => {
  const deactivation = { deactivation: true, activation: false };

  it('reads the active license only for a change that may deactivate', async () => {
    const { reader, policy } = setup();

    expect(policy.prefetch('default', user().id, { deactivation: false, activation: false })).toEqual({});
    expect(reader.reads).toBe(0);
    policy.prefetch('default', user().id, deactivation);
    expect(reader.reads).toBe(1);
  });

  it("reads the plan of the user's groups alongside the user when the change may reactivate, and issues on it", async () => {
    const reader = new FakeLicenseReader();
    const planReads: string[] = [];
    const policy = new LicensePolicy({
      reader,
      keys,
      newId: () => 'lic-1',
      planOf: async (_orgId, userId) => {
        planReads.push(userId);
        return { plan: 'pro' };
      },
    });

    expect(policy.prefetch('default', user().id, { deactivation: false, activation: false })).toEqual({});
    const prefetched = policy.prefetch('default', user().id, { deactivation: false, activation: true });
    expect(planReads).toEqual([user().id]);
    const writes = await policy.plan({
      orgId: 'default',
      before: user({ active: false }),
      after: user({ version: 2 }),
      at: AT,
      prefetched,
    });

    expect(planReads).toEqual([user().id]);
    expect(writes).toContainEqual({ kind: 'plan.seat', orgId: 'default', plan: 'pro', delta: 1, userId: user().id });
    expect(writes).toContainEqual(
      expect.objectContaining({ kind: 'license.issue', license: expect.objectContaining({ plan: 'pro' }) }),
    );
  });

  it('revokes the license the early read found, without reading again', async () => {
    const { reader, policy } = setup();
    reader.licenses.push(activeLicense());
    const prefetched = policy.prefetch('default', user().id, deactivation);

    const writes = await policy.plan({
      orgId: 'default',
      before: user(),
      after: user({ active: false, version: 2 }),
      at: AT,
      prefetched,
    });

    expect(writes).toContainEqual(expect.objectContaining({ kind: 'license.revoke', licenseId: 'lic-old' }));
    expect(reader.reads).toBe(1);
  });

  it('confirms with a second read that an active user has no active license, which a concurrent issue could hide', async () => {
    const { reader, policy } = setup();
    const prefetched = policy.prefetch('default', user().id, deactivation);
    // Issued after the early read ran, in the transaction that made the user active.
    reader.licenses.push(activeLicense({ licenseId: 'lic-new' }));

    const writes = await policy.plan({
      orgId: 'default',
      before: user(),
      after: user({ active: false, version: 2 }),
      at: AT,
      prefetched,
    });

    expect(writes).toContainEqual(expect.objectContaining({ kind: 'license.revoke', licenseId: 'lic-new' }));
    expect(reader.reads).toBe(2);
  });

  it('trusts an early read that finds nothing when an inactive user is deleted', async () => {
    const { reader, policy } = setup();
    const prefetched = policy.prefetch('default', user().id, deactivation);

    const writes = await policy.plan({ orgId: 'default', before: user({ active: false }), at: AT, prefetched });

    expect(writes).toEqual([]);
    expect(reader.reads).toBe(1);
  });

  it('surfaces a failed early read when the plan needs it', async () => {
    const { reader, policy } = setup();
    reader.activeLicenseOf = async () => {
      throw new Error('DynamoDB unreachable');
    };
    const prefetched = policy.prefetch('default', user().id, deactivation);

    await expect(
      policy.plan({ orgId: 'default', before: user(), after: user({ active: false }), at: AT, prefetched }),
    ).rejects.toThrow('DynamoDB unreachable');
  });
});
