import { NotFoundError } from '../../../lambda/domain/errors';
import { isMembershipRemoval, type LeaveGroupWrite } from '../../../lambda/domain/groups';
import type { LinkedWrite } from '../../../lambda/domain/users';
import { type UserProfile, UserService } from '../../../lambda/domain/users';
import { idAt } from '../../support/contracts/records';
import { steppingClock } from '../../support/in-memory/clock';
import { InMemoryUserRepository } from '../../support/in-memory/users';

/**
 * A user's delete removes its group memberships inside its own transaction when the groups can say which writes do it,
 * and falls back to the cleanup after the commit when they cannot, or when the first attempt lost a race.
 */

const ORG = 'acme';

function profile(userName: string): UserProfile {
  return { userName, active: true, lookupEmail: userName, emails: [], document: { userName } };
}

function leave(userId: string, groupId: string): LeaveGroupWrite {
  return { kind: 'membership.leave', orgId: ORG, groupId, userId, modifiedAt: '2026-11-30T00:00:00.000Z' };
}

function setup(removals: (orgId: string, userId: string) => Promise<readonly LinkedWrite[] | undefined>) {
  const committed: LinkedWrite[][] = [];
  const repository = new InMemoryUserRepository({
    check: () => undefined,
    apply: (writes) => {
      committed.push([...writes]);
    },
  });
  const onDeleted = jest.fn(async (_orgId: string, _userId: string) => {});
  let n = 1;
  const service = new UserService(repository, {
    clock: steppingClock(),
    newId: () => idAt(n++),
    removalsOnDelete: removals,
    onDeleted,
    backoff: async () => {},
  });
  return { service, repository, committed, onDeleted };
}

describe('a user delete leaving its groups', () => {
  it('writes the removals with the delete itself and runs no cleanup afterwards', async () => {
    const { service, committed, onDeleted } = setup(async (_orgId, userId) => [
      leave(userId, 'g1'),
      leave(userId, 'g2'),
    ]);
    const user = await service.create(ORG, profile('ada@example.com'));
    committed.length = 0;

    await service.delete(ORG, user.id);

    expect(committed).toEqual([[leave(user.id, 'g1'), leave(user.id, 'g2')]]);
    expect(onDeleted).not.toHaveBeenCalled();
    await expect(service.get(ORG, user.id)).rejects.toThrow(NotFoundError);
  });

  it('cleans up after the commit when the removals do not fit one transaction', async () => {
    const { service, committed, onDeleted } = setup(async () => undefined);
    const user = await service.create(ORG, profile('ada@example.com'));
    committed.length = 0;

    await service.delete(ORG, user.id);

    expect(committed).toEqual([[]]);
    expect(onDeleted.mock.calls).toEqual([[ORG, user.id]]);
  });

  it('retries a delete that lost a race without the removals, then cleans up after the commit', async () => {
    const reads: string[] = [];
    const { service, repository, committed, onDeleted } = setup(async (_orgId, userId) => {
      reads.push(userId);
      return [leave(userId, 'g1')];
    });
    const user = await service.create(ORG, profile('ada@example.com'));
    committed.length = 0;
    repository.interleaving.beforeNextWrite(async () => {
      await service.update(ORG, user.id, (current) => ({ ...current, document: { ...current.document, title: 'x' } }));
    });

    await service.delete(ORG, user.id);

    expect(reads).toEqual([user.id]);
    // The concurrent update's commit, then the delete's second attempt, which carries no removal.
    expect(committed.at(-1)).toEqual([]);
    expect(onDeleted.mock.calls).toEqual([[ORG, user.id]]);
    await expect(service.get(ORG, user.id)).rejects.toThrow(NotFoundError);
  });

  it('reads the removals alongside the user, not after it', async () => {
    const order: string[] = [];
    const { service, repository } = setup(async () => {
      order.push('removals');
      return [];
    });
    const user = await service.create(ORG, profile('ada@example.com'));
    const get = repository.get.bind(repository);
    repository.get = async (orgId, id) => {
      order.push('user');
      return get(orgId, id);
    };

    await service.delete(ORG, user.id);

    expect(order).toEqual(['removals', 'user']);
  });
});

describe('isMembershipRemoval', () => {
  it('tells the writes that leave groups from every other linked write', () => {
    expect(isMembershipRemoval(leave('u1', 'g1'))).toBe(true);
    expect(isMembershipRemoval({ kind: 'membership.none-added' })).toBe(true);
    expect(isMembershipRemoval({ kind: 'license.revoke' })).toBe(false);
    expect(isMembershipRemoval({ kind: 'membership' })).toBe(false);
    expect(isMembershipRemoval({ kind: '' })).toBe(false);
  });
});
