import {
  NotFoundError,
  PreconditionFailedError,
  SeatLimitError,
  UniquenessError,
  VersionConflictError,
} from '../../../lambda/domain/errors';
import { GroupService } from '../../../lambda/domain/groups';
import { LicenseKeys } from '../../../lambda/domain/license-keys';
import { LicensePolicy } from '../../../lambda/domain/licenses';
import { type UserProfile, type UserRecord, UserService } from '../../../lambda/domain/users';
import { idAt } from '../../support/contracts/records';
import { steppingClock } from '../../support/in-memory/clock';
import { InMemoryGroupRepository } from '../../support/in-memory/groups';
import { InMemoryLicenseStore } from '../../support/in-memory/licenses';
import { InMemoryMemberDirectory, InMemoryUserRepository } from '../../support/in-memory/users';

const ORG = 'acme';

function sequentialIds(from = 1): () => string {
  let n = from;
  return () => idAt(n++);
}

function profile(userName: string, extra: Partial<UserProfile> = {}): UserProfile {
  const email = userName.toLowerCase();
  return {
    userName,
    active: true,
    lookupEmail: email,
    emails: [{ value: email, type: 'work' }],
    document: { userName, name: { givenName: 'Ada', familyName: 'Lovelace' } },
    ...extra,
  };
}

/** The change a PATCH makes: one attribute of the document, on whatever copy the service hands it. */
function withAttribute(name: string, value: unknown) {
  return (current: UserRecord): UserProfile => ({ ...current, document: { ...current.document, [name]: value } });
}

function setup() {
  const repository = new InMemoryUserRepository();
  const service = new UserService(repository, { clock: steppingClock(), newId: sequentialIds() });
  return { repository, service, interleaving: repository.interleaving };
}

describe('UserService', () => {
  describe('create', () => {
    it('stores version 1 with the id and time it was given', async () => {
      const { service, repository } = setup();

      const user = await service.create(ORG, profile('ada@example.com'));

      expect(user).toMatchObject({ orgId: ORG, id: idAt(1), version: 1, created: '2026-05-01T08:00:01.000Z' });
      expect(user.lastModified).toBe(user.created);
      expect(await repository.get(ORG, user.id)).toEqual(user);
    });

    it('refuses a userName another user has in a different case', async () => {
      const { service } = setup();
      await service.create(ORG, profile('ada@example.com'));

      const again = service.create(ORG, profile('ADA@example.com'));

      await expect(again).rejects.toThrow(UniquenessError);
      expect((await service.list(ORG, { startIndex: 1, count: 10 })).totalResults).toBe(1);
    });
  });

  describe('update after a concurrent change', () => {
    it('recomputes the change on the fresh copy when another request won once', async () => {
      const { service, interleaving } = setup();
      const user = await service.create(ORG, profile('ada@example.com'));
      interleaving.beforeNextWrite(async () => {
        await service.update(ORG, user.id, withAttribute('title', 'set concurrently'));
      });
      const change = jest.fn(withAttribute('department', 'R&D'));

      const updated = await service.update(ORG, user.id, change);

      expect(change).toHaveBeenCalledTimes(2);
      expect(change.mock.calls[1]?.[0]).toMatchObject({ version: 2, document: { title: 'set concurrently' } });
      expect(updated).toMatchObject({ version: 3, document: { title: 'set concurrently', department: 'R&D' } });
      expect(await service.get(ORG, user.id)).toEqual(updated);
    });

    it('keeps every concurrent change when it loses twice in a row', async () => {
      const { service, interleaving } = setup();
      const user = await service.create(ORG, profile('ada@example.com'));
      interleaving.beforeEachOfNextWrites(2, async (attempt) => {
        await service.update(ORG, user.id, withAttribute(`concurrent${attempt}`, attempt));
      });
      const change = jest.fn(withAttribute('department', 'R&D'));

      const updated = await service.update(ORG, user.id, change);

      expect(change).toHaveBeenCalledTimes(3);
      expect(updated.version).toBe(4);
      expect(updated.document).toMatchObject({ concurrent1: 1, concurrent2: 2, department: 'R&D' });
    });

    it('gives up with VersionConflictError after a bounded number of attempts and leaves the winners in place', async () => {
      const { service, interleaving } = setup();
      const user = await service.create(ORG, profile('ada@example.com'));
      const races = 50;
      interleaving.beforeEachOfNextWrites(races, async (attempt) => {
        await service.update(ORG, user.id, withAttribute('winner', attempt));
      });
      const change = jest.fn(withAttribute('department', 'R&D'));

      const update = service.update(ORG, user.id, change);

      await expect(update).rejects.toThrow(VersionConflictError);
      const attempts = change.mock.calls.length;
      expect(attempts).toBeGreaterThan(2);
      expect(attempts).toBeLessThan(races);
      const stored = await service.get(ORG, user.id);
      expect(stored).toMatchObject({ version: 1 + attempts, document: { winner: attempts } });
      expect(stored.document).not.toHaveProperty('department');
    });

    it('does not retry a conditional update (If-Match): the conflict goes back to the client', async () => {
      const { service, interleaving } = setup();
      const user = await service.create(ORG, profile('ada@example.com'));
      interleaving.beforeNextWrite(async () => {
        await service.update(ORG, user.id, withAttribute('title', 'concurrent'));
      });
      const change = jest.fn(withAttribute('department', 'R&D'));

      const update = service.update(ORG, user.id, change, { ifMatch: 1 });

      await expect(update).rejects.toThrow(VersionConflictError);
      expect(change).toHaveBeenCalledTimes(1);
      expect((await service.get(ORG, user.id)).document).not.toHaveProperty('department');
    });

    it('refuses a stale If-Match without writing, and a missing user with NotFoundError', async () => {
      const { service } = setup();
      const user = await service.create(ORG, profile('ada@example.com'));
      await service.update(ORG, user.id, withAttribute('title', 'v2'));

      const stale = service.update(ORG, user.id, withAttribute('title', 'v3'), { ifMatch: 1 });
      const missing = service.update(ORG, idAt(99), withAttribute('title', 'x'));

      await expect(stale).rejects.toThrow(PreconditionFailedError);
      await expect(missing).rejects.toThrow(NotFoundError);
      expect(await service.get(ORG, user.id)).toMatchObject({ version: 2, document: { title: 'v2' } });
    });

    it('reports a rename onto a taken userName as UniquenessError without retrying', async () => {
      const { service } = setup();
      await service.create(ORG, profile('taken@example.com'));
      const user = await service.create(ORG, profile('ada@example.com'));
      const change = jest.fn((current: UserRecord) => ({ ...current, userName: 'Taken@example.com' }));

      await expect(service.update(ORG, user.id, change)).rejects.toThrow(UniquenessError);
      expect(change).toHaveBeenCalledTimes(1);
      expect(await service.get(ORG, user.id)).toEqual(user);
    });
  });

  describe('delete', () => {
    it('deletes the fresh copy when another request changed the user in between', async () => {
      const { service, repository, interleaving } = setup();
      const onDeleted = jest.fn(async () => {});
      const deleting = new UserService(repository, { onDeleted });
      const user = await service.create(ORG, profile('ada@example.com'));
      interleaving.beforeNextWrite(async () => {
        await service.update(ORG, user.id, withAttribute('title', 'concurrent'));
      });

      await deleting.delete(ORG, user.id);

      await expect(service.get(ORG, user.id)).rejects.toThrow(NotFoundError);
      expect(onDeleted).toHaveBeenCalledTimes(1);
      expect(onDeleted).toHaveBeenCalledWith(ORG, user.id);
    });

    it('does not retry a conditional delete (If-Match) that lost a race, and keeps the user', async () => {
      const { service, interleaving } = setup();
      const user = await service.create(ORG, profile('ada@example.com'));
      interleaving.beforeNextWrite(async () => {
        await service.update(ORG, user.id, withAttribute('title', 'concurrent'));
      });

      await expect(service.delete(ORG, user.id, { ifMatch: 1 })).rejects.toThrow(VersionConflictError);
      expect(await service.get(ORG, user.id)).toMatchObject({ version: 2 });
    });

    it('refuses a stale If-Match with PreconditionFailedError', async () => {
      const { service } = setup();
      const user = await service.create(ORG, profile('ada@example.com'));
      await service.update(ORG, user.id, withAttribute('title', 'v2'));

      await expect(service.delete(ORG, user.id, { ifMatch: 1 })).rejects.toThrow(PreconditionFailedError);
      expect(await service.get(ORG, user.id)).toMatchObject({ version: 2 });
    });
  });

  describe('cleanup of group memberships', () => {
    function wired() {
      const users = new InMemoryUserRepository();
      const groupRepository = new InMemoryGroupRepository();
      const groups = new GroupService(groupRepository, new InMemoryMemberDirectory(users), {
        clock: steppingClock(),
        newId: sequentialIds(500),
        backoff: async () => {},
      });
      const service = new UserService(users, {
        clock: steppingClock(),
        newId: sequentialIds(),
        onDeleted: (orgId, userId) => groups.removeUserFromAllGroups(orgId, userId),
      });
      return { service, groups, groupRepository };
    }

    it('removes a deleted user from every group it belonged to, and no one else', async () => {
      const { service, groups } = wired();
      const ada = await service.create(ORG, profile('ada@example.com'));
      const grace = await service.create(ORG, profile('grace@example.com'));
      const { group: one } = await groups.create(ORG, { displayName: 'One', memberIds: [ada.id, grace.id] });
      const { group: two } = await groups.create(ORG, { displayName: 'Two', memberIds: [ada.id] });

      await service.delete(ORG, ada.id);

      expect(await groups.groupsOfUser(ORG, ada.id)).toEqual([]);
      expect((await groups.members(ORG, one.id)).map((m) => m.userId)).toEqual([grace.id]);
      expect(await groups.members(ORG, two.id)).toEqual([]);
      expect(await groups.groupsOfUser(ORG, grace.id)).toEqual([{ id: one.id, displayName: 'One' }]);
    });

    it('finishes an interrupted cleanup when the DELETE is repeated (answered 404)', async () => {
      const { service, groups, groupRepository } = wired();
      const ada = await service.create(ORG, profile('ada@example.com'));
      await groups.create(ORG, { displayName: 'One', memberIds: [ada.id] });
      jest.spyOn(groupRepository, 'removeUserFromAllGroups').mockRejectedValueOnce(new Error('throttled'));

      const first = service.delete(ORG, ada.id);
      await expect(first).rejects.toThrow('throttled');
      const membershipsLeft = await groups.groupsOfUser(ORG, ada.id);
      const second = service.delete(ORG, ada.id);

      expect(membershipsLeft).toHaveLength(1);
      await expect(second).rejects.toThrow(NotFoundError);
      expect(await groups.groupsOfUser(ORG, ada.id)).toEqual([]);
    });
  });

  describe('license effects through the license port', () => {
    const keys = new LicenseKeys({ signingKey: async () => Buffer.from('k'.repeat(40)) });

    function licensed(options: { seatLimit?: number } = {}) {
      const licenses = new InMemoryLicenseStore();
      const repository = new InMemoryUserRepository(licenses);
      const clock = steppingClock();
      const policy = new LicensePolicy({
        reader: licenses,
        keys,
        newId: sequentialIds(1000),
        configuredSeatLimit: () => options.seatLimit,
      });
      const service = new UserService(repository, { clock, newId: sequentialIds(), policy });
      return { licenses, service, interleaving: repository.interleaving };
    }

    const deactivate = (current: UserRecord): UserProfile => ({ ...current, active: false });
    const activate = (current: UserRecord): UserProfile => ({ ...current, active: true });
    const outboxTypes = (licenses: InMemoryLicenseStore) => licenses.outboxOf(ORG).map((item) => item.intent.type);

    it('issues a license, takes a seat and queues the key email with the user, then revokes on deactivation', async () => {
      const { service, licenses } = licensed();

      const user = await service.create(ORG, profile('ada@example.com'));
      const issued = licenses.licensesOf(ORG, user.id);
      const seatsAfterCreate = await licenses.seatUsage(ORG);
      await service.update(ORG, user.id, deactivate);

      expect(issued).toEqual([expect.objectContaining({ status: 'active', userId: user.id })]);
      expect(seatsAfterCreate).toEqual({ used: 1 });
      expect(licenses.licensesOf(ORG, user.id)).toEqual([
        expect.objectContaining({ status: 'revoked', revocationReason: 'deactivated' }),
      ]);
      expect(await licenses.seatUsage(ORG)).toEqual({ used: 0 });
      expect(licenses.outboxOf(ORG).map((item) => [item.intent.type, item.intent.recipient])).toEqual([
        ['license-issued', 'ada@example.com'],
        ['license-revoked', 'ada@example.com'],
      ]);
    });

    it('keeps the license when a profile change leaves the user active', async () => {
      const { service, licenses } = licensed();
      const user = await service.create(ORG, profile('ada@example.com'));

      await service.update(ORG, user.id, withAttribute('title', 'Engineer'));

      expect(licenses.licensesOf(ORG, user.id)).toEqual([expect.objectContaining({ status: 'active' })]);
      expect(outboxTypes(licenses)).toEqual(['license-issued']);
    });

    it('refuses a user beyond the seat limit and writes nothing for it', async () => {
      const { service, licenses } = licensed({ seatLimit: 1 });
      await service.create(ORG, profile('ada@example.com'));

      const second = service.create(ORG, profile('grace@example.com'));

      await expect(second).rejects.toThrow(SeatLimitError);
      await expect(second).rejects.toThrow('1 of 1 in use');
      expect(await service.find(ORG, { userName: 'grace@example.com' })).toEqual([]);
      expect(await licenses.seatUsage(ORG)).toEqual({ used: 1 });
      expect(outboxTypes(licenses)).toEqual(['license-issued']);
    });

    it('refuses the user whose transaction finds the last seat taken after its check', async () => {
      const { service, licenses, interleaving } = licensed({ seatLimit: 1 });
      interleaving.beforeNextWrite(async () => {
        await service.create(ORG, profile('grace@example.com'));
      });

      const late = service.create(ORG, profile('ada@example.com'));

      await expect(late).rejects.toThrow(SeatLimitError);
      expect(await service.find(ORG, { userName: 'ada@example.com' })).toEqual([]);
      expect(await licenses.seatUsage(ORG)).toEqual({ used: 1 });
    });

    it('issues exactly one license when a reactivation races with a profile change', async () => {
      const { service, licenses, interleaving } = licensed();
      const user = await service.create(ORG, profile('ada@example.com', { active: false }));
      interleaving.beforeNextWrite(async () => {
        await service.update(ORG, user.id, withAttribute('title', 'concurrent'));
      });

      const reactivated = await service.update(ORG, user.id, activate);

      expect(reactivated).toMatchObject({ active: true, version: 3, document: { title: 'concurrent' } });
      expect(licenses.licensesOf(ORG, user.id)).toEqual([expect.objectContaining({ status: 'active' })]);
      expect(await licenses.seatUsage(ORG)).toEqual({ used: 1 });
      expect(outboxTypes(licenses)).toEqual(['license-issued']);
    });

    it('revokes once when two deactivations race', async () => {
      const { service, licenses, interleaving } = licensed();
      const user = await service.create(ORG, profile('ada@example.com'));
      interleaving.beforeNextWrite(async () => {
        await service.update(ORG, user.id, deactivate);
      });

      const second = await service.update(ORG, user.id, deactivate);

      expect(second).toMatchObject({ active: false, version: 3 });
      expect(licenses.licensesOf(ORG, user.id)).toEqual([
        expect.objectContaining({ status: 'revoked', revocationReason: 'deactivated' }),
      ]);
      expect(await licenses.seatUsage(ORG)).toEqual({ used: 0 });
      expect(outboxTypes(licenses)).toEqual(['license-issued', 'license-revoked']);
    });

    it('revokes the license and frees the seat when an active user is deleted', async () => {
      const { service, licenses } = licensed({ seatLimit: 1 });
      const user = await service.create(ORG, profile('ada@example.com'));

      await service.delete(ORG, user.id);
      const replacement = service.create(ORG, profile('grace@example.com'));

      expect(licenses.licensesOf(ORG, user.id)).toEqual([
        expect.objectContaining({ status: 'revoked', revocationReason: 'deleted' }),
      ]);
      await expect(replacement).resolves.toMatchObject({ userName: 'grace@example.com' });
      expect(await licenses.seatUsage(ORG)).toEqual({ used: 1 });
    });
  });
});
