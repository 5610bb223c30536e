import { UniquenessError, VersionConflictError } from '../../../lambda/domain/errors';
import type { UserRecord, UserRepository } from '../../../lambda/domain/users';
import { readListWays } from './paging';
import { freshOrgId, nextVersion, userRecord } from './records';

/**
 * What every `UserRepository` must do, whatever stores it: the in-memory fake (test/unit) and the DynamoDB adapter on
 * DynamoDB Local (test/integration) run these same cases, so the fake the service tests rely on cannot drift from the
 * adapter production uses. `make` is called before each case; cases isolate themselves by organization id.
 */
export function describeUserRepositoryContract(name: string, make: () => UserRepository | Promise<UserRepository>) {
  describe(`UserRepository contract: ${name}`, () => {
    let repository: UserRepository;
    let org: string;

    beforeEach(async () => {
      repository = await make();
      org = freshOrgId();
    });

    async function created(n: number, overrides: Partial<UserRecord> = {}): Promise<UserRecord> {
      const user = userRecord(org, n, overrides);
      await repository.create(user, []);
      return user;
    }

    describe('create and get', () => {
      it('returns what was created, and nothing for an unknown id or another organization', async () => {
        const user = await created(1, { externalId: 'ext-1', document: { userName: 'x', nested: { a: [1, 2] } } });

        const found = await repository.get(org, user.id);
        const unknown = await repository.get(org, userRecord(org, 2).id);
        const elsewhere = await repository.get(freshOrgId(), user.id);

        expect(found).toEqual(user);
        expect(unknown).toBeUndefined();
        expect(elsewhere).toBeUndefined();
      });

      it('refuses a userName taken in another case with UniquenessError and keeps the first user', async () => {
        const first = await created(1, { userName: 'Ada@Example.com' });

        const second = repository.create(userRecord(org, 2, { userName: 'ada@EXAMPLE.COM' }), []);

        await expect(second).rejects.toThrow(UniquenessError);
        expect(await repository.get(org, first.id)).toEqual(first);
        expect(await repository.get(org, userRecord(org, 2).id)).toBeUndefined();
        expect((await repository.list(org, { startIndex: 1, count: 10 })).totalResults).toBe(1);
      });

      it('lets two organizations use the same userName', async () => {
        const other = freshOrgId();
        await created(1, { userName: 'same@example.com' });

        await repository.create(userRecord(other, 1, { userName: 'same@example.com' }), []);

        expect(await repository.find(other, { userName: 'same@example.com' })).toHaveLength(1);
        expect(await repository.find(org, { userName: 'same@example.com' })).toHaveLength(1);
      });
    });

    describe('update, conditional on the version read', () => {
      it('writes the next version', async () => {
        const user = await created(1);
        const next = nextVersion(user, { active: false, document: { ...user.document, title: 'Engineer' } });

        await repository.update(user, next, []);

        expect(await repository.get(org, user.id)).toEqual(next);
      });

      it('refuses a stale version with VersionConflictError and writes nothing', async () => {
        const user = await created(1);
        const winner = nextVersion(user, { externalId: 'winner' });
        await repository.update(user, winner, []);

        const loser = repository.update(user, nextVersion(user, { externalId: 'loser' }), []);

        await expect(loser).rejects.toThrow(VersionConflictError);
        expect(await repository.get(org, user.id)).toEqual(winner);
      });

      it('refuses to update a deleted user with VersionConflictError', async () => {
        const user = await created(1);
        await repository.delete(user, []);

        const update = repository.update(user, nextVersion(user), []);

        await expect(update).rejects.toThrow(VersionConflictError);
        expect(await repository.get(org, user.id)).toBeUndefined();
      });

      it('refuses a rename onto a taken userName (any case) with UniquenessError and writes nothing', async () => {
        await created(1, { userName: 'taken@example.com' });
        const user = await created(2, { userName: 'free@example.com' });

        const rename = repository.update(user, nextVersion(user, { userName: 'TAKEN@example.com' }), []);

        await expect(rename).rejects.toThrow(UniquenessError);
        expect(await repository.get(org, user.id)).toEqual(user);
        expect(await repository.find(org, { userName: 'free@example.com' })).toEqual([user]);
      });

      it('reports a stale version before a taken userName', async () => {
        await created(1, { userName: 'taken@example.com' });
        const user = await created(2);
        await repository.update(user, nextVersion(user), []);

        const stale = repository.update(user, nextVersion(user, { userName: 'taken@example.com' }), []);

        await expect(stale).rejects.toThrow(VersionConflictError);
      });

      it('frees the old userName on a rename and keeps the claim on a change of case only', async () => {
        const user = await created(1, { userName: 'old@example.com' });
        const renamed = nextVersion(user, { userName: 'new@example.com' });
        await repository.update(user, renamed, []);
        const recased = nextVersion(renamed, { userName: 'NEW@example.com' });
        await repository.update(renamed, recased, []);

        const reuseOld = repository.create(userRecord(org, 2, { userName: 'OLD@example.com' }), []);
        const takeNew = repository.create(userRecord(org, 3, { userName: 'new@example.com' }), []);

        await expect(reuseOld).resolves.toBeUndefined();
        await expect(takeNew).rejects.toThrow(UniquenessError);
        expect(await repository.find(org, { userName: 'new@EXAMPLE.com' })).toEqual([recased]);
      });
    });

    describe('delete, conditional on the version read', () => {
      it('refuses a stale version with VersionConflictError and keeps the user', async () => {
        const user = await created(1);
        const changed = nextVersion(user);
        await repository.update(user, changed, []);

        const stale = repository.delete(user, []);

        await expect(stale).rejects.toThrow(VersionConflictError);
        expect(await repository.get(org, user.id)).toEqual(changed);
      });

      it('removes the user from reads, lookups, the list and its count, and frees the userName', async () => {
        const keep = await created(1);
        const user = await created(2, { userName: 'gone@example.com', externalId: 'gone' });

        await repository.delete(user, []);

        expect(await repository.get(org, user.id)).toBeUndefined();
        expect(await repository.find(org, { userName: 'gone@example.com' })).toEqual([]);
        expect(await repository.find(org, { externalId: 'gone' })).toEqual([]);
        expect(await repository.list(org, { startIndex: 1, count: 10 })).toEqual({ totalResults: 1, items: [keep] });
        await expect(repository.create(userRecord(org, 3, { userName: 'Gone@example.com' }), [])).resolves.toBe(
          undefined,
        );
      });

      it('refuses to delete a user twice with VersionConflictError', async () => {
        const user = await created(1);
        await repository.delete(user, []);

        await expect(repository.delete(user, [])).rejects.toThrow(VersionConflictError);
      });
    });

    describe('find', () => {
      it('finds by userName in any case, externalId exactly, lookup email in any case, and id', async () => {
        const ada = await created(1, { userName: 'Ada@Example.com', externalId: 'EXT-ada' });
        await created(2, { userName: 'grace@example.com', externalId: 'ext-ada' });

        const byUserName = await repository.find(org, { userName: 'ada@example.COM' });
        const byExternalId = await repository.find(org, { externalId: 'EXT-ada' });
        const byEmail = await repository.find(org, { email: { value: 'ADA@example.com' } });
        const byTypedEmail = await repository.find(org, { email: { value: 'ada@example.com', type: 'WORK' } });
        const byOtherType = await repository.find(org, { email: { value: 'ada@example.com', type: 'home' } });
        const byId = await repository.find(org, { id: ada.id });

        expect(byUserName).toEqual([ada]);
        expect(byExternalId).toEqual([ada]);
        expect(byEmail).toEqual([ada]);
        expect(byTypedEmail).toEqual([ada]);
        expect(byOtherType).toEqual([]);
        expect(byId).toEqual([ada]);
      });

      it('requires every criterion to hold and stays inside the organization', async () => {
        const ada = await created(1, { userName: 'ada@example.com', externalId: 'ext-ada' });

        const both = await repository.find(org, { userName: 'ada@example.com', externalId: 'ext-ada' });
        const mismatch = await repository.find(org, { userName: 'ada@example.com', externalId: 'ext-grace' });
        const idAndName = await repository.find(org, { id: ada.id, userName: 'grace@example.com' });
        const elsewhere = await repository.find(freshOrgId(), { userName: 'ada@example.com' });

        expect(both).toEqual([ada]);
        expect(mismatch).toEqual([]);
        expect(idAndName).toEqual([]);
        expect(elsewhere).toEqual([]);
      });

      it('finds every user sharing an externalId', async () => {
        const one = await created(1, { externalId: 'shared' });
        const two = await created(2, { externalId: 'shared' });

        const found = await repository.find(org, { externalId: 'shared' });

        expect([...found].sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual([one, two]);
      });
    });

    describe('list', () => {
      it('lists in creation order by startIndex and by cursor, with totalResults of the whole list', async () => {
        // Created out of id order: the list follows the ids (time-ordered in production), not the write order.
        const users = [await created(3), await created(1), await created(5), await created(2), await created(4)];
        const ids = users.map((user) => user.id).sort();

        // Five items in pages of two: the last page is short.
        const ways = await readListWays((page) => repository.list(org, page), ids);

        expect(ways.all).toEqual({ totalResults: 5, items: [...users].sort((a, b) => (a.id < b.id ? -1 : 1)) });
        expect(ways.startIndexIds).toEqual([ids.slice(0, 2), ids.slice(2, 4), ids.slice(4)]);
        expect(ways.startIndexTotals).toEqual([5, 5, 5]);
        expect(ways.pastTheEnd).toEqual({ totalResults: 5, items: [] });
        expect(ways.none).toEqual({ totalResults: 5, items: [] });
        expect(ways.cursorIds).toEqual(ids);
        expect(ways.cursorPages[0]?.nextCursor).toBe(ids[1]);
        expect(ways.cursorPages.at(-1)?.nextCursor).toBeUndefined();
      });

      it('ends an exactly full last page without a nextCursor', async () => {
        const users = [await created(1), await created(2), await created(3), await created(4)];
        const ids = users.map((user) => user.id).sort();

        const first = await repository.list(org, { startIndex: 1, count: 2, cursor: '' });
        const second = await repository.list(org, { startIndex: 1, count: 2, cursor: first.nextCursor });
        const whole = await repository.list(org, { startIndex: 1, count: 4, cursor: '' });

        expect(first.items.map((user) => user.id)).toEqual(ids.slice(0, 2));
        expect(first.nextCursor).toBe(ids[1]);
        expect(second.items.map((user) => user.id)).toEqual(ids.slice(2));
        expect(second.nextCursor).toBeUndefined();
        expect(whole.items).toHaveLength(4);
        expect(whole.nextCursor).toBeUndefined();
      });

      it('lists by userName through the fold, in byte order, both ways, by startIndex and by cursor', async () => {
        // Created in an order unrelated to the names; `Émile` folds to `émile`, whose first byte sorts after `z`.
        const names = ['zoë@example.com', 'Émile@example.com', 'adam@example.com', 'Bea@example.com', 'ÇA@example.com'];
        const users: UserRecord[] = [];
        for (const [n, userName] of names.entries()) users.push(await created(n + 1, { userName }));
        const idsOf = (order: string[]) => order.map((name) => users[names.indexOf(name)]?.id as string);
        const ascending = idsOf([
          'adam@example.com',
          'Bea@example.com',
          'zoë@example.com',
          'ÇA@example.com',
          'Émile@example.com',
        ]);

        const up = await readListWays(
          (page) => repository.list(org, page, { by: 'name', descending: false }),
          ascending,
        );
        const down = await readListWays(
          (page) => repository.list(org, page, { by: 'name', descending: true }),
          ascending,
        );

        expect(up.allIds).toEqual(ascending);
        expect(up.startIndexIds).toEqual([ascending.slice(0, 2), ascending.slice(2, 4), ascending.slice(4)]);
        expect(up.startIndexTotals).toEqual([5, 5, 5]);
        expect(up.cursorIds).toEqual(ascending);
        expect(up.cursorPages.at(-1)?.nextCursor).toBeUndefined();
        const descending = [...ascending].reverse();
        expect(down.allIds).toEqual(descending);
        expect(down.startIndexIds).toEqual([descending.slice(0, 2), descending.slice(2, 4), descending.slice(4)]);
        expect(down.cursorIds).toEqual(descending);
      });

      it('lists newest first in descending creation order', async () => {
        const users = [await created(2), await created(1), await created(3)];
        const ids = users.map((user) => user.id).sort();
        const descending = [...ids].reverse();

        const ways = await readListWays((page) => repository.list(org, page, { by: 'id', descending: true }), ids);

        expect(ways.allIds).toEqual(descending);
        expect(ways.startIndexIds).toEqual([descending.slice(0, 2), descending.slice(2), []]);
        expect(ways.cursorIds).toEqual(descending);
      });

      it('moves a renamed user in the userName order, drops a deleted one, and continues a cursor past both', async () => {
        const a = await created(1, { userName: 'a@example.com' });
        const b = await created(2, { userName: 'b@example.com' });
        const c = await created(3, { userName: 'c@example.com' });
        const byName = { by: 'name', descending: false } as const;
        const first = await repository.list(org, { startIndex: 1, count: 2, cursor: '' }, byName);

        await repository.update(a, nextVersion(a, { userName: 'd@example.com' }), []);
        await repository.delete(b, []);
        const rest = await repository.list(org, { startIndex: 1, count: 2, cursor: first.nextCursor }, byName);
        const whole = await repository.list(org, { startIndex: 1, count: 10 }, byName);

        expect(first.items.map((user) => user.id)).toEqual([a.id, b.id]);
        expect(rest.items.map((user) => user.userName)).toEqual(['c@example.com', 'd@example.com']);
        expect(whole).toEqual({ totalResults: 2, items: [c, nextVersion(a, { userName: 'd@example.com' })] });
      });

      it('gives an organization without users an empty list', async () => {
        const list = await repository.list(org, { startIndex: 1, count: 10 });

        expect(list).toEqual({ totalResults: 0, items: [] });
      });
    });
  });
}
