import { UniquenessError, VersionConflictError } from '../../../lambda/domain/errors';
import type {
  GroupMember,
  GroupRecord,
  GroupRepository,
  MemberDirectory,
  MembershipChange,
} from '../../../lambda/domain/groups';
import type { UserRepository } from '../../../lambda/domain/users';
import { readListWays } from './paging';
import { freshOrgId, groupRecord, idAt, nextGroupVersion, userRecord } from './records';

const noChange: MembershipChange = { add: [], remove: [] };
const member = (n: number, display?: string): GroupMember =>
  display === undefined ? { userId: idAt(n) } : { userId: idAt(n), display };

/**
 * What every `GroupRepository` must do: run against the in-memory fake (test/unit) and the DynamoDB adapter on
 * DynamoDB Local (test/integration). `make` is called before each case; cases isolate themselves by organization id.
 */
export function describeGroupRepositoryContract(name: string, make: () => GroupRepository | Promise<GroupRepository>) {
  describe(`GroupRepository contract: ${name}`, () => {
    let repository: GroupRepository;
    let org: string;

    beforeEach(async () => {
      repository = await make();
      org = freshOrgId();
    });

    async function created(n: number, members: GroupMember[] = [], overrides: Partial<GroupRecord> = {}) {
      const group = groupRecord(org, n, overrides);
      await repository.create(group, members);
      return group;
    }

    describe('create, get and members', () => {
      it('returns the group and its members in user id order, at most `limit` of them', async () => {
        const group = await created(1, [member(103, 'C'), member(101, 'A'), member(102)], { externalId: 'ext-1' });

        const found = await repository.get(org, group.id);
        const members = await repository.members(org, group.id);
        const firstTwo = await repository.members(org, group.id, { limit: 2 });
        const elsewhere = await repository.get(freshOrgId(), group.id);

        expect(found).toEqual(group);
        expect(members).toEqual([member(101, 'A'), member(102), member(103, 'C')]);
        expect(firstTwo).toEqual([member(101, 'A'), member(102)]);
        expect(elsewhere).toBeUndefined();
      });

      it('refuses a displayName taken in another case with UniquenessError, per organization', async () => {
        const first = await created(1, [], { displayName: 'Engineering' });

        const again = repository.create(groupRecord(org, 2, { displayName: 'ENGINEERING' }), [member(101)]);
        const elsewhere = repository.create(groupRecord(freshOrgId(), 2, { displayName: 'Engineering' }), []);

        await expect(again).rejects.toThrow(UniquenessError);
        await expect(elsewhere).resolves.toBeUndefined();
        expect(await repository.get(org, first.id)).toEqual(first);
        expect(await repository.get(org, idAt(2))).toBeUndefined();
        expect(await repository.groupsOfUser(org, idAt(101))).toEqual([]);
      });
    });

    describe('update, conditional on the version read', () => {
      it('writes the group and its membership change together', async () => {
        const group = await created(1, [member(101, 'A'), member(102, 'B')]);
        const next = nextGroupVersion(group, { externalId: 'ext-new' });

        await repository.update(group, next, {
          add: [member(103, 'C'), member(101, 'A renamed')],
          remove: [idAt(102)],
        });

        expect(await repository.get(org, group.id)).toEqual(next);
        expect(await repository.members(org, group.id)).toEqual([member(101, 'A renamed'), member(103, 'C')]);
      });

      it('treats removing a non-member as nothing to do', async () => {
        const group = await created(1, [member(101)]);

        await repository.update(group, nextGroupVersion(group), { add: [], remove: [idAt(999)] });

        expect(await repository.members(org, group.id)).toEqual([member(101)]);
      });

      it('refuses a stale version with VersionConflictError and writes neither group nor members', async () => {
        const group = await created(1, [member(101)]);
        const winner = nextGroupVersion(group, { displayName: 'Winner' });
        await repository.update(group, winner, { add: [member(102)], remove: [] });

        const loser = repository.update(group, nextGroupVersion(group, { displayName: 'Loser' }), {
          add: [member(103)],
          remove: [idAt(101)],
        });

        await expect(loser).rejects.toThrow(VersionConflictError);
        expect(await repository.get(org, group.id)).toEqual(winner);
        expect(await repository.members(org, group.id)).toEqual([member(101), member(102)]);
        expect(await repository.find(org, { displayName: 'Loser' })).toEqual([]);
      });

      it('refuses to update a deleted group with VersionConflictError', async () => {
        const group = await created(1);
        await repository.delete(group);

        const update = repository.update(group, nextGroupVersion(group), { add: [member(101)], remove: [] });

        await expect(update).rejects.toThrow(VersionConflictError);
        expect(await repository.get(org, group.id)).toBeUndefined();
      });

      it('refuses a rename onto a taken displayName with UniquenessError and writes nothing', async () => {
        await created(1, [], { displayName: 'Taken' });
        const group = await created(2, [member(101)], { displayName: 'Free' });

        const rename = repository.update(group, nextGroupVersion(group, { displayName: 'taken' }), {
          add: [member(102)],
          remove: [],
        });

        await expect(rename).rejects.toThrow(UniquenessError);
        expect(await repository.get(org, group.id)).toEqual(group);
        expect(await repository.members(org, group.id)).toEqual([member(101)]);
      });

      it('frees the old displayName on a rename', async () => {
        const group = await created(1, [], { displayName: 'Old name' });
        const renamed = nextGroupVersion(group, { displayName: 'New name' });
        await repository.update(group, renamed, noChange);

        const reuse = repository.create(groupRecord(org, 2, { displayName: 'old NAME' }), []);
        const clash = repository.create(groupRecord(org, 3, { displayName: 'new name' }), []);

        await expect(reuse).resolves.toBeUndefined();
        await expect(clash).rejects.toThrow(UniquenessError);
        expect(await repository.find(org, { displayName: 'NEW NAME' })).toEqual([renamed]);
      });

      it('writes a membership change larger than one transaction completely', async () => {
        const group = await created(1, [member(100)]);
        const added = Array.from({ length: 150 }, (_, i) => member(1000 + i));

        await repository.update(group, nextGroupVersion(group), { add: added, remove: [idAt(100)] });
        const grown = await repository.get(org, group.id);
        await repository.update(nextGroupVersion(group), nextGroupVersion(nextGroupVersion(group)), {
          add: [],
          remove: added.slice(0, 120).map((m) => m.userId),
        });

        expect(grown?.version).toBe(2);
        expect(await repository.members(org, group.id)).toEqual(added.slice(120));
      });
    });

    describe("a user's groups", () => {
      it("lists the user's groups in id order with their current displayName", async () => {
        const second = await created(2, [member(101)], { displayName: 'Second' });
        await created(1, [member(101), member(102)], { displayName: 'First' });
        await created(3, [member(102)], { displayName: 'Third' });
        await repository.update(second, nextGroupVersion(second, { displayName: 'Second renamed' }), noChange);

        const groups = await repository.groupsOfUser(org, idAt(101));
        const elsewhere = await repository.groupsOfUser(freshOrgId(), idAt(101));

        expect(groups).toEqual([
          { id: idAt(1), displayName: 'First' },
          { id: idAt(2), displayName: 'Second renamed' },
        ]);
        expect(elsewhere).toEqual([]);
      });

      it('removes a user from every group, and only that user, idempotently', async () => {
        await created(1, [member(101), member(102)]);
        await created(2, [member(101)]);
        const other = freshOrgId();
        await repository.create(groupRecord(other, 1), [member(101)]);

        const before = await repository.get(org, idAt(2));
        await repository.removeUserFromAllGroups(org, idAt(101), '2026-11-29T12:00:00.000Z');
        await repository.removeUserFromAllGroups(org, idAt(101), '2026-11-29T12:00:01.000Z');

        expect(await repository.get(org, idAt(2))).toEqual(
          expect.objectContaining({ version: before!.version + 1, lastModified: '2026-11-29T12:00:00.000Z' }),
        );
        expect(await repository.groupsOfUser(org, idAt(101))).toEqual([]);
        expect(await repository.members(org, idAt(1))).toEqual([member(102)]);
        expect(await repository.members(org, idAt(2))).toEqual([]);
        expect(await repository.groupsOfUser(other, idAt(101))).toEqual([{ id: idAt(1), displayName: 'Group 1' }]);
      });
    });

    describe('delete, conditional on the version read', () => {
      it('refuses a stale version with VersionConflictError and keeps the group', async () => {
        const group = await created(1);
        const changed = nextGroupVersion(group);
        await repository.update(group, changed, noChange);

        await expect(repository.delete(group)).rejects.toThrow(VersionConflictError);
        expect(await repository.get(org, group.id)).toEqual(changed);
      });

      it('hides a deleted group from its members at once and purges its memberships idempotently', async () => {
        const group = await created(1, [member(101), member(102)], { displayName: 'Doomed', externalId: 'doomed' });
        const keep = await created(2, [member(101)]);

        await repository.delete(group);
        const groupsBeforePurge = await repository.groupsOfUser(org, idAt(101));
        await repository.purgeMembers(org, group.id);
        await repository.purgeMembers(org, group.id);

        expect(groupsBeforePurge).toEqual([{ id: keep.id, displayName: keep.displayName }]);
        expect(await repository.get(org, group.id)).toBeUndefined();
        expect(await repository.members(org, group.id)).toEqual([]);
        expect(await repository.members(org, keep.id)).toEqual([member(101)]);
        expect(await repository.find(org, { displayName: 'Doomed' })).toEqual([]);
        expect(await repository.find(org, { externalId: 'doomed' })).toEqual([]);
        expect(await repository.list(org, { startIndex: 1, count: 10 })).toEqual({ totalResults: 1, items: [keep] });
        await expect(repository.create(groupRecord(org, 3, { displayName: 'doomed' }), [])).resolves.toBeUndefined();
      });
    });

    describe('purging a deleted group within a deadline, and membership lookups', () => {
      it('answers which users are members, strongly consistently', async () => {
        const group = await created(1, [member(101), member(102)]);

        expect(await repository.membersAmong(org, group.id, [idAt(101), idAt(103), idAt(102)])).toEqual(
          new Set([idAt(101), idAt(102)]),
        );
        expect(await repository.membersAmong(org, group.id, [idAt(104)])).toEqual(new Set());
      });

      it('remembers a deleted group until its purge finishes; a passed deadline purges nothing', async () => {
        const group = await created(1, [member(101), member(102)]);
        await created(2, [member(101)]);

        await repository.delete(group);
        const pending = await repository.deletedGroups(org, 10);
        const outOfTime = await repository.purgeMembers(org, group.id, { deadline: Date.now() - 1 });
        const stillThere = await repository.members(org, group.id);
        const finished = await repository.purgeMembers(org, group.id, { deadline: Date.now() + 60_000 });

        expect(pending).toEqual([group.id]);
        expect(outOfTime).toBe(false);
        expect(stillThere).toEqual([member(101), member(102)]);
        expect(finished).toBe(true);
        expect(await repository.members(org, group.id)).toEqual([]);
        expect(await repository.deletedGroups(org, 10)).toEqual([]);
      });
    });

    describe('find and list', () => {
      it('finds by displayName in any case, externalId exactly, and id; every criterion must hold', async () => {
        const group = await created(1, [], { displayName: 'Sales EMEA', externalId: 'EXT-1' });
        await created(2, [], { displayName: 'Sales US', externalId: 'ext-1' });

        const byName = await repository.find(org, { displayName: 'sales emea' });
        const byExternalId = await repository.find(org, { externalId: 'EXT-1' });
        const byId = await repository.find(org, { id: group.id });
        const mismatch = await repository.find(org, { displayName: 'Sales EMEA', externalId: 'ext-1' });
        const elsewhere = await repository.find(freshOrgId(), { displayName: 'Sales EMEA' });

        expect(byName).toEqual([group]);
        expect(byExternalId).toEqual([group]);
        expect(byId).toEqual([group]);
        expect(mismatch).toEqual([]);
        expect(elsewhere).toEqual([]);
      });

      it('lists in creation order by startIndex and by cursor, with totalResults of the whole list', async () => {
        const groups = [await created(4), await created(2), await created(5), await created(1), await created(3)];
        const ids = groups.map((group) => group.id).sort();

        // Five items in pages of two: the last page is short. A last page that is exactly full is left out on purpose:
        // the DynamoDB adapter then still answers a nextCursor (leading to one empty page), the fake does not.
        const ways = await readListWays((page) => repository.list(org, page), ids);

        expect(ways.all).toEqual({ totalResults: 5, items: [...groups].sort((a, b) => (a.id < b.id ? -1 : 1)) });
        expect(ways.startIndexIds).toEqual([ids.slice(0, 2), ids.slice(2, 4), ids.slice(4)]);
        expect(ways.startIndexTotals).toEqual([5, 5, 5]);
        expect(ways.pastTheEnd).toEqual({ totalResults: 5, items: [] });
        expect(ways.none).toEqual({ totalResults: 5, items: [] });
        expect(ways.cursorIds).toEqual(ids);
        expect(ways.cursorPages.at(-1)?.nextCursor).toBeUndefined();
      });

      it('lists by displayName through the fold, both ways, and moves a renamed group', async () => {
        const names = ['Sales', 'émile fans', 'admins', 'ZOË', 'Berlin'];
        const groups: GroupRecord[] = [];
        for (const [n, displayName] of names.entries()) groups.push(await created(n + 1, [], { displayName }));
        const renamed = nextGroupVersion(groups[2] as GroupRecord, { displayName: 'Zürich' });
        await repository.update(groups[2] as GroupRecord, renamed, { add: [], remove: [] });
        const idsOf = (order: string[]) => order.map((name) => groups[names.indexOf(name)]?.id as string);
        const ascending = idsOf(['Berlin', 'Sales', 'ZOË', 'admins', 'émile fans']);

        const up = await readListWays(
          (page) => repository.list(org, page, { by: 'name', descending: false }),
          ascending,
        );
        const down = await readListWays(
          (page) => repository.list(org, page, { by: 'name', descending: true }),
          ascending,
        );

        expect(up.allIds).toEqual(ascending);
        expect(up.all.items[3]).toEqual(renamed);
        expect(up.startIndexIds).toEqual([ascending.slice(0, 2), ascending.slice(2, 4), ascending.slice(4)]);
        expect(up.cursorIds).toEqual(ascending);
        expect(down.allIds).toEqual([...ascending].reverse());
        expect(down.cursorIds).toEqual([...ascending].reverse());
      });
    });
  });
}

/**
 * What every `MemberDirectory` must answer, over users written through the matching `UserRepository`: which ids are
 * users of the organization, each shown by its displayName, else its userName.
 */
export function describeMemberDirectoryContract(
  name: string,
  make: () =>
    | { users: UserRepository; directory: MemberDirectory }
    | Promise<{ users: UserRepository; directory: MemberDirectory }>,
) {
  describe(`MemberDirectory contract: ${name}`, () => {
    it('finds the users of the organization only, shown by displayName else userName', async () => {
      const { users, directory } = await make();
      const org = freshOrgId();
      const other = freshOrgId();
      await users.create(userRecord(org, 1, { document: { displayName: 'Ada Lovelace' } }), []);
      await users.create(userRecord(org, 2, { userName: 'grace@example.com', document: { displayName: '  ' } }), []);
      await users.create(userRecord(other, 3), []);

      const found = await directory.findUsers(org, [idAt(1), idAt(2), idAt(3), idAt(4), idAt(1)]);

      expect(new Map(found)).toEqual(
        new Map([
          [idAt(1), { display: 'Ada Lovelace' }],
          [idAt(2), { display: 'grace@example.com' }],
        ]),
      );
    });
  });
}
