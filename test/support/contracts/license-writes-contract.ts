import { SeatLimitError, UniquenessError } from '../../../lambda/domain/errors';
import type { EmailOutbox } from '../../../lambda/domain/license-resend';
import type {
  EmailIntent,
  LicenseLookup,
  LicenseReader,
  LicenseRecord,
  LicenseWrite,
} from '../../../lambda/domain/licenses';
import type { OrganizationRepository } from '../../../lambda/domain/organizations';
import type { OutboxRedriveStore } from '../../../lambda/domain/outbox-redrive';
import type { UserRecord, UserRepository } from '../../../lambda/domain/users';
import { freshOrgId, idAt, nextVersion, userRecord } from './records';

/** The ports that together hold what a user change links to it: licenses, seats and the outbox. */
export interface LicensedStores {
  /** A user repository whose transactions carry the license writes. */
  readonly users: UserRepository;
  readonly licenses: LicenseReader & LicenseLookup;
  readonly organizations: OrganizationRepository;
  readonly outbox: EmailOutbox & OutboxRedriveStore;
}

/**
 * How license writes commit with a user change, whatever stores them: all together or not at all, a seat taken only
 * while one is free (SeatLimitError otherwise), a license revoked once, an email event queued once. Run against the
 * in-memory fakes and the DynamoDB adapters on DynamoDB Local.
 */
export function describeLicensedUserRepositoryContract(
  name: string,
  make: () => LicensedStores | Promise<LicensedStores>,
) {
  describe(`licensed UserRepository contract: ${name}`, () => {
    let stores: LicensedStores;
    let org: string;

    beforeEach(async () => {
      stores = await make();
      org = freshOrgId();
    });

    function license(user: UserRecord, n: number): LicenseRecord {
      return {
        orgId: org,
        licenseId: idAt(n),
        userId: user.id,
        status: 'active',
        issuedAt: user.created,
        keyHash: `hash-${org}-${n}`,
        keyHint: `H${n}`,
      };
    }

    function email(user: UserRecord, eventId: string): EmailIntent {
      return {
        eventId,
        type: 'license-issued',
        orgId: org,
        licenseId: idAt(1000),
        userId: user.id,
        recipient: user.lookupEmail ?? 'nobody@example.com',
        keyHint: 'H',
        createdAt: user.created,
      };
    }

    function issue(user: UserRecord, n: number, defaultLimit?: number): LicenseWrite[] {
      return [
        { kind: 'license.issue', license: license(user, n) },
        { kind: 'license.seat', orgId: org, delta: 1, ...(defaultLimit !== undefined ? { defaultLimit } : {}) },
        { kind: 'license.email', email: email(user, `${idAt(n)}.issued`) },
      ];
    }

    function revoke(user: UserRecord, n: number): LicenseWrite[] {
      return [
        {
          kind: 'license.revoke',
          orgId: org,
          userId: user.id,
          licenseId: idAt(n),
          revokedAt: '2026-06-01T00:00:00.000Z',
          reason: 'deactivated',
        },
        { kind: 'license.seat', orgId: org, delta: -1 },
      ];
    }

    it('commits the license, the seat and the email with the user', async () => {
      const user = userRecord(org, 1);

      await stores.users.create(user, issue(user, 100));

      expect(await stores.users.get(org, user.id)).toEqual(user);
      expect(await stores.licenses.activeLicenseOf(org, user.id)).toEqual(license(user, 100));
      expect(await stores.licenses.findByKeyHash(license(user, 100).keyHash)).toEqual({ license: license(user, 100) });
      expect(await stores.licenses.seatUsage(org)).toEqual({ used: 1 });
      expect((await stores.outbox.listUnsent(org)).map((e) => e.eventId)).toEqual([`${idAt(100)}.issued`]);
    });

    it("refuses a user beyond the organization's own seat limit with SeatLimitError and writes nothing", async () => {
      await stores.organizations.create({ orgId: org, name: 'Limited', seatLimit: 1, seatsUsed: 0, createdAt: 'x' });
      const first = userRecord(org, 1);
      await stores.users.create(first, issue(first, 100));
      const second = userRecord(org, 2);

      const refused = stores.users.create(second, issue(second, 101));

      await expect(refused).rejects.toThrow(SeatLimitError);
      await expect(refused).rejects.toThrow('1 of 1 in use');
      expect(await stores.users.get(org, second.id)).toBeUndefined();
      expect(await stores.users.find(org, { userName: second.userName })).toEqual([]);
      expect(await stores.licenses.activeLicenseOf(org, second.id)).toBeUndefined();
      expect(await stores.licenses.seatUsage(org)).toEqual({ used: 1, limit: 1 });
      expect(await stores.outbox.listUnsent(org)).toHaveLength(1);
    });

    it('applies the configured limit to an organization without an item, creating the item with the first seat', async () => {
      const first = userRecord(org, 1);
      await stores.users.create(first, issue(first, 100, 1));
      const second = userRecord(org, 2);

      const refused = stores.users.create(second, issue(second, 101, 1));

      await expect(refused).rejects.toThrow(SeatLimitError);
      expect(await stores.organizations.get(org)).toEqual({ orgId: org, name: org, seatsUsed: 1, createdAt: '' });
      expect((await stores.organizations.list()).map((o) => o.orgId)).toContain(org);
    });

    it('reports a taken userName before a refused seat', async () => {
      await stores.organizations.create({ orgId: org, name: 'Full', seatLimit: 0, seatsUsed: 0, createdAt: 'x' });
      await stores.users.create(userRecord(org, 1, { userName: 'taken@example.com' }), []);
      const clash = userRecord(org, 2, { userName: 'Taken@example.com' });

      await expect(stores.users.create(clash, issue(clash, 100))).rejects.toThrow(UniquenessError);
    });

    it('revokes with the user change and frees the seat; a second revocation fails and writes nothing', async () => {
      const user = userRecord(org, 1);
      await stores.users.create(user, issue(user, 100));
      const inactive = nextVersion(user, { active: false });
      await stores.users.update(user, inactive, revoke(user, 100));

      const again = stores.users.update(inactive, nextVersion(inactive, { externalId: 'x' }), revoke(user, 100));

      await expect(again).rejects.toThrow();
      expect(await stores.users.get(org, user.id)).toEqual(inactive);
      expect(await stores.licenses.activeLicenseOf(org, user.id)).toBeUndefined();
      expect(await stores.licenses.findByKeyHash(license(user, 100).keyHash)).toEqual({
        license: {
          ...license(user, 100),
          status: 'revoked',
          revokedAt: '2026-06-01T00:00:00.000Z',
          revocationReason: 'deactivated',
        },
      });
      expect(await stores.licenses.seatUsage(org)).toEqual({ used: 0 });
    });

    it('finds the newest active license of a user', async () => {
      const user = userRecord(org, 1);
      await stores.users.create(user, issue(user, 100));
      const inactive = nextVersion(user, { active: false });
      await stores.users.update(user, inactive, revoke(user, 100));
      const active = nextVersion(inactive, { active: true });
      await stores.users.update(inactive, active, issue(user, 101));

      expect(await stores.licenses.activeLicenseOf(org, user.id)).toEqual(license(user, 101));
      expect(await stores.licenses.seatUsage(org)).toEqual({ used: 1 });
    });

    it('queues an email event once: a second enqueue of its id fails, through a user change or on its own', async () => {
      const user = userRecord(org, 1);
      await stores.outbox.enqueue(email(user, 'event-1'));

      const duplicate: LicenseWrite = { kind: 'license.email', email: email(user, 'event-1') };
      const withUser = stores.users.create(user, [duplicate]);
      const alone = stores.outbox.enqueue(email(user, 'event-1'));

      await expect(withUser).rejects.toThrow();
      await expect(alone).rejects.toThrow();
      expect(await stores.users.get(org, user.id)).toBeUndefined();
      expect(await stores.outbox.listUnsent(org)).toEqual([
        { orgId: org, eventId: 'event-1', type: 'license-issued', createdAt: user.created },
      ]);
    });
  });
}
