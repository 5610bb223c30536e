import {
  InvalidReferenceError,
  NotFoundError,
  PreconditionFailedError,
  UniquenessError,
  VersionConflictError,
} from '../../../lambda/domain/errors';
import { type GroupEdit, type GroupRecord, GroupService } from '../../../lambda/domain/groups';
import { idAt, userRecord } from '../../support/contracts/records';
import { steppingClock } from '../../support/in-memory/clock';
import { InMemoryGroupRepository } from '../../support/in-memory/groups';
import { InMemoryMemberDirectory, InMemoryUserRepository } from '../../support/in-memory/users';

const ORG = 'acme';

/** Users 1..5 of ORG (ids `idAt(1)`…), user 3 with a displayName, and user 9 in another organization. */
async function seededUsers(): Promise<InMemoryUserRepository> {
  const users = new InMemoryUserRepository();
  for (const n of [1, 2, 3, 4, 5]) {
    await users.create(
      userRecord(ORG, n, n === 3 ? { document: { userName: 'user3@example.com', displayName: 'Third User' } } : {}),
      [],
    );
  }
  await users.create(userRecord('other-org', 9), []);
  return users;
}

async function setup() {
  const users = await seededUsers();
  const repository = new InMemoryGroupRepository();
  const directory = new InMemoryMemberDirectory(users);
  const backoff = jest.fn(async (_attempt: number) => {});
  let next = 100;
  const service = new GroupService(repository, directory, {
    clock: steppingClock(),
    newId: () => idAt(next++),
    backoff,
  });
  return { service, repository, directory, backoff, interleaving: repository.interleaving };
}

const memberIds = async (service: GroupService, groupId: string) =>
  (await service.members(ORG, groupId)).map((member) => member.userId);
const add = (...ns: number[]): GroupEdit => ({ kind: 'addMembers', userIds: ns.map(idAt) });
const remove = (...ns: number[]): GroupEdit => ({ kind: 'removeMembers', userIds: ns.map(idAt) });
const replace = (...ns: number[]): GroupEdit => ({ kind: 'replaceMembers', userIds: ns.map(idAt) });

describe('GroupService', () => {
  describe('create', () => {
    it('stores the group with each member shown by displayName else userName, duplicates folded', async () => {
      const { service } = await setup();

      const { group, members } = await service.create(ORG, {
        displayName: 'Engineering',
        memberIds: [idAt(3), idAt(1), idAt(3)],
      });

      expect(group).toMatchObject({ orgId: ORG, id: idAt(100), displayName: 'Engineering', version: 1 });
      expect(members).toEqual([
        { userId: idAt(1), display: 'user1@example.com' },
        { userId: idAt(3), display: 'Third User' },
      ]);
      expect(await service.members(ORG, group.id)).toEqual(members);
    });

    it('refuses members that are not users of the organization, naming them, and writes nothing', async () => {
      const { service, directory } = await setup();
      const lookup = jest.spyOn(directory, 'findUsers');

      const create = service.create(ORG, { displayName: 'Mixed', memberIds: [idAt(1), idAt(9), 'not-an-id'] });

      await expect(create).rejects.toThrow(InvalidReferenceError);
      await expect(create).rejects.toThrow(`unknown user id(s): ${idAt(9)}, not-an-id`);
      expect(lookup.mock.calls[0]?.[1]).toEqual([idAt(1), idAt(9)]);
      expect(await service.find(ORG, { displayName: 'Mixed' })).toEqual([]);
    });

    it('refuses a displayName taken in another case', async () => {
      const { service } = await setup();
      await service.create(ORG, { displayName: 'Engineering', memberIds: [] });

      const again = service.create(ORG, { displayName: 'ENGINEERING', memberIds: [idAt(1)] });

      await expect(again).rejects.toThrow(UniquenessError);
      expect(await service.groupsOfUser(ORG, idAt(1))).toEqual([]);
    });
  });

  describe('membership folding', () => {
    it('applies the edits of one request in order and writes only their net effect on the membership', async () => {
      const { service, repository } = await setup();
      const { group } = await service.create(ORG, { displayName: 'G', memberIds: [idAt(1), idAt(2)] });
      const changeMembers = jest.spyOn(repository, 'changeMembers');

      const updated = await service.update(ORG, group.id, () => [add(3, 4), remove(3, 1), add(1), remove(2, 5)]);

      expect(changeMembers).toHaveBeenCalledTimes(1);
      const change = changeMembers.mock.calls[0]?.[1];
      expect(change?.add.map((m) => m.userId)).toEqual([idAt(4)]);
      expect(change?.remove).toEqual([idAt(2)]);
      expect(updated.version).toBe(2);
      expect(await memberIds(service, group.id)).toEqual([idAt(1), idAt(4)]);
    });

    it('lets the last edit of a user win, and writes nothing for a request without changes', async () => {
      const { service, repository } = await setup();
      const { group } = await service.create(ORG, { displayName: 'G', memberIds: [idAt(1)] });
      const update = jest.spyOn(repository, 'update');
      const changeMembers = jest.spyOn(repository, 'changeMembers');

      const nothing = await service.update(ORG, group.id, () => [{ kind: 'setDisplayName', displayName: 'G' }]);
      await service.update(ORG, group.id, () => [add(2), remove(2), remove(1), add(1)]);

      expect(nothing).toEqual(group);
      expect(update.mock.calls.length + changeMembers.mock.calls.length).toBe(0);
      expect(await memberIds(service, group.id)).toEqual([idAt(1)]);
    });

    it('writes nothing for adding existing members or removing non-members, and keeps the version', async () => {
      const { service, repository } = await setup();
      const { group } = await service.create(ORG, { displayName: 'G', memberIds: [idAt(1), idAt(2)] });
      const update = jest.spyOn(repository, 'update');
      const changeMembers = jest.spyOn(repository, 'changeMembers');

      const readded = await service.update(ORG, group.id, () => [add(1, 2)]);
      const removedNobody = await service.update(ORG, group.id, () => [remove(3, 4), remove(9)]);
      const mixed = await service.update(ORG, group.id, () => [add(1, 2, 3), remove(4, 5)]);

      expect(readded).toEqual(group);
      expect(removedNobody).toEqual(group);
      expect(changeMembers).toHaveBeenCalledTimes(1);
      expect(update).not.toHaveBeenCalled();
      expect(changeMembers.mock.calls[0]?.[1]).toEqual({
        add: [{ userId: idAt(3), display: 'Third User' }],
        remove: [],
      });
      expect(mixed.version).toBe(2);
      expect(await memberIds(service, group.id)).toEqual([idAt(1), idAt(2), idAt(3)]);
    });

    it('writes only the difference for a full push, and nothing for an unchanged one', async () => {
      const { service, repository } = await setup();
      const { group } = await service.create(ORG, { displayName: 'G', memberIds: [idAt(1), idAt(2), idAt(3)] });
      const update = jest.spyOn(repository, 'update');

      const unchanged = await service.replace(ORG, group.id, {
        displayName: 'G',
        memberIds: [idAt(3), idAt(1), idAt(2)],
      });
      const pushed = await service.replace(ORG, group.id, { displayName: 'G', memberIds: [idAt(2), idAt(4)] });

      expect(unchanged.version).toBe(1);
      expect(update).toHaveBeenCalledTimes(1);
      const change = update.mock.calls[0]?.[2];
      expect(change?.add.map((m) => m.userId)).toEqual([idAt(4)]);
      expect([...(change?.remove ?? [])].sort()).toEqual([idAt(1), idAt(3)]);
      expect(pushed.version).toBe(2);
      expect(await memberIds(service, group.id)).toEqual([idAt(2), idAt(4)]);
    });

    it('lets a replace followed by edits in the same request start from an empty group', async () => {
      const { service } = await setup();
      const { group } = await service.create(ORG, { displayName: 'G', memberIds: [idAt(1), idAt(2)] });

      await service.update(ORG, group.id, () => [add(5), replace(3), add(4), remove(3)]);

      expect(await memberIds(service, group.id)).toEqual([idAt(4)]);
    });

    it('refuses an edit adding an unknown user and changes nothing, the rest of the request included', async () => {
      const { service } = await setup();
      const { group } = await service.create(ORG, { displayName: 'G', memberIds: [idAt(1)] });

      const update = service.update(ORG, group.id, () => [
        { kind: 'setDisplayName', displayName: 'Renamed' },
        add(2, 9),
        remove(1),
      ]);

      await expect(update).rejects.toThrow(InvalidReferenceError);
      expect(await service.get(ORG, group.id)).toEqual(group);
      expect(await memberIds(service, group.id)).toEqual([idAt(1)]);
    });
  });

  describe('update after a concurrent change', () => {
    it('recomputes the edits on the fresh copy when another request won once', async () => {
      const { service, interleaving, backoff } = await setup();
      const { group } = await service.create(ORG, { displayName: 'G', memberIds: [idAt(1)] });
      interleaving.beforeNextWrite(async () => {
        await service.update(ORG, group.id, () => [add(2), { kind: 'setDisplayName', displayName: 'Renamed' }]);
      });
      const change = jest.fn((_current: GroupRecord): GroupEdit[] => [
        add(3),
        { kind: 'setExternalId', externalId: 'ext-3' },
      ]);

      const updated = await service.update(ORG, group.id, change);

      expect(change).toHaveBeenCalledTimes(2);
      expect(change.mock.calls[1]?.[0]).toMatchObject({ version: 2, displayName: 'Renamed' });
      expect(updated).toMatchObject({ version: 3, displayName: 'Renamed', externalId: 'ext-3' });
      expect(await memberIds(service, group.id)).toEqual([idAt(1), idAt(2), idAt(3)]);
      expect(backoff.mock.calls).toEqual([[1]]);
    });

    it('lets membership changes of different users commute: no retry, and each counts the version up', async () => {
      const { service, interleaving, backoff } = await setup();
      const { group } = await service.create(ORG, { displayName: 'G', memberIds: [idAt(1)] });
      interleaving.beforeNextWrite(async () => {
        await service.update(ORG, group.id, () => [add(2)]);
      });
      const change = jest.fn((): GroupEdit[] => [add(3)]);

      const updated = await service.update(ORG, group.id, change);

      expect(change).toHaveBeenCalledTimes(1);
      expect(backoff).not.toHaveBeenCalled();
      expect(updated.version).toBe(3);
      expect(await memberIds(service, group.id)).toEqual([idAt(1), idAt(2), idAt(3)]);
    });

    it('does not undo a concurrent removal when a full push loses the race twice', async () => {
      const { service, interleaving, backoff } = await setup();
      const { group } = await service.create(ORG, { displayName: 'G', memberIds: [idAt(1), idAt(2)] });
      interleaving
        .beforeNextWrite(async () => {
          await service.update(ORG, group.id, () => [add(4)]);
        })
        .beforeNextWrite(async () => {
          await service.update(ORG, group.id, () => [remove(1)]);
        });

      const pushed = await service.replace(ORG, group.id, { displayName: 'G', memberIds: [idAt(2), idAt(3)] });

      expect(pushed.version).toBe(4);
      expect(await memberIds(service, group.id)).toEqual([idAt(2), idAt(3)]);
      expect(backoff.mock.calls).toEqual([[1], [2]]);
    });

    it('gives up with VersionConflictError after a bounded number of attempts', async () => {
      const { service, interleaving, backoff } = await setup();
      const { group } = await service.create(ORG, { displayName: 'G', memberIds: [] });
      interleaving.beforeEachOfNextWrites(50, async (attempt) => {
        await service.update(ORG, group.id, () => [{ kind: 'setExternalId', externalId: `winner-${attempt}` }]);
      });
      const change = jest.fn((): GroupEdit[] => [add(1), { kind: 'setExternalId', externalId: 'loser' }]);

      const update = service.update(ORG, group.id, change);

      await expect(update).rejects.toThrow(VersionConflictError);
      const attempts = change.mock.calls.length;
      expect(attempts).toBeGreaterThan(2);
      expect(attempts).toBeLessThan(50);
      expect(backoff).toHaveBeenCalledTimes(attempts - 1);
      expect(await service.get(ORG, group.id)).toMatchObject({ externalId: `winner-${attempts}` });
      expect(await service.members(ORG, group.id)).toEqual([]);
    });

    it('does not retry a conditional update (If-Match), and refuses a stale one before writing', async () => {
      const { service, interleaving } = await setup();
      const { group } = await service.create(ORG, { displayName: 'G', memberIds: [] });
      interleaving.beforeNextWrite(async () => {
        await service.update(ORG, group.id, () => [add(2)]);
      });

      const raced = service.update(ORG, group.id, () => [add(1)], { ifMatch: 1 });
      await expect(raced).rejects.toThrow(VersionConflictError);
      const stale = service.update(ORG, group.id, () => [add(1)], { ifMatch: 1 });

      await expect(stale).rejects.toThrow(PreconditionFailedError);
      expect(await memberIds(service, group.id)).toEqual([idAt(2)]);
    });

    it('reports a rename onto a taken displayName as UniquenessError', async () => {
      const { service } = await setup();
      await service.create(ORG, { displayName: 'Taken', memberIds: [] });
      const { group } = await service.create(ORG, { displayName: 'Free', memberIds: [] });

      const rename = service.update(ORG, group.id, () => [{ kind: 'setDisplayName', displayName: 'TAKEN' }]);

      await expect(rename).rejects.toThrow(UniquenessError);
      expect(await service.get(ORG, group.id)).toEqual(group);
    });
  });

  describe('delete and cleanup', () => {
    it('deletes the group and purges its memberships, after a concurrent change too', async () => {
      const { service, interleaving } = await setup();
      const { group } = await service.create(ORG, { displayName: 'G', memberIds: [idAt(1), idAt(2)] });
      const { group: kept } = await service.create(ORG, { displayName: 'Kept', memberIds: [idAt(1)] });
      interleaving.beforeNextWrite(async () => {
        await service.update(ORG, group.id, () => [add(3)]);
      });

      await service.delete(ORG, group.id);

      await expect(service.get(ORG, group.id)).rejects.toThrow(NotFoundError);
      expect(await service.members(ORG, group.id)).toEqual([]);
      expect(await service.groupsOfUser(ORG, idAt(1))).toEqual([{ id: kept.id, displayName: 'Kept' }]);
      expect(await service.groupsOfUser(ORG, idAt(3))).toEqual([]);
      await expect(service.create(ORG, { displayName: 'g', memberIds: [] })).resolves.toBeDefined();
    });

    it('finishes an interrupted purge when the DELETE is repeated (answered 404)', async () => {
      const { service, repository } = await setup();
      const { group } = await service.create(ORG, { displayName: 'G', memberIds: [idAt(1), idAt(2)] });
      jest.spyOn(repository, 'purgeMembers').mockRejectedValueOnce(new Error('throttled'));

      await expect(service.delete(ORG, group.id)).rejects.toThrow('throttled');
      const hiddenAtOnce = await service.groupsOfUser(ORG, idAt(1));
      const leftBehind = await memberIds(service, group.id);
      const repeated = service.delete(ORG, group.id);

      expect(hiddenAtOnce).toEqual([]);
      expect(leftBehind).toEqual([idAt(1), idAt(2)]);
      await expect(repeated).rejects.toThrow(NotFoundError);
      expect(await service.members(ORG, group.id)).toEqual([]);
    });

    it('answers before a big purge ends; the next group DELETE of the organization continues it', async () => {
      const { service, repository } = await setup();
      const { group } = await service.create(ORG, { displayName: 'Big', memberIds: [idAt(1), idAt(2), idAt(3)] });
      const { group: other } = await service.create(ORG, { displayName: 'Other', memberIds: [] });
      repository.purgeStep = 2;

      await service.delete(ORG, group.id);
      const hiddenAtOnce = await service.groupsOfUser(ORG, idAt(3));
      const leftBehind = await memberIds(service, group.id);
      const pendingAfterFirst = await repository.deletedGroups(ORG, 10);
      repository.purgeStep = Number.POSITIVE_INFINITY;
      await service.delete(ORG, other.id);

      expect(hiddenAtOnce).toEqual([]);
      expect(leftBehind).toEqual([idAt(3)]);
      expect(pendingAfterFirst).toEqual([group.id]);
      expect(await memberIds(service, group.id)).toEqual([]);
      expect(await repository.deletedGroups(ORG, 10)).toEqual([]);
      expect(await service.purgeDeleted(ORG, Date.now() + 1000)).toBe(true);
    });

    it('does not retry a conditional delete (If-Match) that lost a race', async () => {
      const { service, interleaving } = await setup();
      const { group } = await service.create(ORG, { displayName: 'G', memberIds: [idAt(1)] });
      interleaving.beforeNextWrite(async () => {
        await service.update(ORG, group.id, () => [add(2)]);
      });

      await expect(service.delete(ORG, group.id, { ifMatch: 1 })).rejects.toThrow(VersionConflictError);
      expect(await memberIds(service, group.id)).toEqual([idAt(1), idAt(2)]);
    });

    it("removes a deleted user from the organization's groups only", async () => {
      const { service, repository } = await setup();
      const { group } = await service.create(ORG, { displayName: 'G', memberIds: [idAt(1), idAt(2)] });
      await repository.create(
        { orgId: 'other-org', id: idAt(200), displayName: 'Elsewhere', version: 1, created: 'x', lastModified: 'x' },
        [{ userId: idAt(1) }],
      );

      await service.removeUserFromAllGroups(ORG, idAt(1));

      expect(await memberIds(service, group.id)).toEqual([idAt(2)]);
      expect(await service.groupsOfUser('other-org', idAt(1))).toEqual([{ id: idAt(200), displayName: 'Elsewhere' }]);
    });
  });
});
