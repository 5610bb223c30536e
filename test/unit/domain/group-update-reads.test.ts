import { type GroupEdit, GroupService, type MembershipPolicy } from '../../../lambda/domain/groups';
import { MembershipPlanPolicy, type PlanPolicyReads } from '../../../lambda/domain/plans';
import type { PrefetchedReads } from '../../../lambda/domain/users';
import { idAt, userRecord } from '../../support/contracts/records';
import { steppingClock } from '../../support/in-memory/clock';
import { InMemoryGroupRepository } from '../../support/in-memory/groups';
import { InMemoryMemberDirectory, InMemoryUserRepository } from '../../support/in-memory/users';

/**
 * The reads around a group change: the membership policy's own reads start with the group's, and a PATCH's answer
 * reads the members of the changed group next to its new version.
 */

const ORG = 'acme';

async function setup(membership?: MembershipPolicy) {
  const users = new InMemoryUserRepository();
  for (const n of [1, 2, 3]) await users.create(userRecord(ORG, n), []);
  const repository = new InMemoryGroupRepository();
  let next = 100;
  const service = new GroupService(repository, new InMemoryMemberDirectory(users), {
    clock: steppingClock(),
    newId: () => idAt(next++),
    backoff: async () => {},
    ...(membership ? { membership } : {}),
  });
  return { service, repository };
}

const add = (...ns: number[]): GroupEdit => ({ kind: 'addMembers', userIds: ns.map(idAt) });

describe('GroupService.updateWithMembers', () => {
  it('answers the new version with the members the change left, up to the limit', async () => {
    const { service } = await setup();
    const { group } = await service.create(ORG, { displayName: 'Ops', memberIds: [idAt(1)] });

    const changed = await service.updateWithMembers(ORG, group.id, () => [add(2, 3)], 2);

    expect(changed.group).toMatchObject({ id: group.id, version: 2 });
    expect(changed.members.map((member) => member.userId)).toEqual([idAt(1), idAt(2)]);
  });

  it('answers the current group and its members when the change changes nothing', async () => {
    const { service } = await setup();
    const { group } = await service.create(ORG, { displayName: 'Ops', memberIds: [idAt(1)] });

    const unchanged = await service.updateWithMembers(ORG, group.id, () => [add(1)], 10);

    expect(unchanged.group).toMatchObject({ id: group.id, version: 1 });
    expect(unchanged.members.map((member) => member.userId)).toEqual([idAt(1)]);
  });

  it('answers the members after a rename too, which is written conditionally on the version', async () => {
    const { service } = await setup();
    const { group } = await service.create(ORG, { displayName: 'Ops', memberIds: [idAt(3)] });

    const renamed = await service.updateWithMembers(
      ORG,
      group.id,
      () => [{ kind: 'setDisplayName', displayName: 'Operations' }, add(2)],
      10,
    );

    expect(renamed.group).toMatchObject({ displayName: 'Operations', version: 2 });
    expect(renamed.members.map((member) => member.userId)).toEqual([idAt(2), idAt(3)]);
  });
});

describe('the membership policy reads', () => {
  function recordingPolicy(order: string[]) {
    const seen: (PrefetchedReads | undefined)[] = [];
    const policy: MembershipPolicy = {
      prefetch: (orgId) => {
        order.push(`prefetch ${orgId}`);
        return { catalog: Promise.resolve('catalog') };
      },
      plan: async (_group, _change, _refused, prefetched) => {
        seen.push(prefetched);
        return new Map();
      },
    };
    return { policy, seen };
  }

  it('are started before the group is read, and handed to the plan', async () => {
    const order: string[] = [];
    const { policy, seen } = recordingPolicy(order);
    const { service, repository } = await setup(policy);
    const { group } = await service.create(ORG, { displayName: 'Ops', memberIds: [] });
    const get = repository.get.bind(repository);
    repository.get = async (orgId, id) => {
      order.push('group');
      return get(orgId, id);
    };
    order.length = 0;
    seen.length = 0;

    await service.update(ORG, group.id, () => [add(1)]);

    expect(order.slice(0, 2)).toEqual([`prefetch ${ORG}`, 'group']);
    expect(seen).toHaveLength(1);
    await expect(seen[0]?.catalog).resolves.toBe('catalog');
  });

  it('are not started for a group created without members', async () => {
    const order: string[] = [];
    const { policy, seen } = recordingPolicy(order);
    const { service } = await setup(policy);

    await service.create(ORG, { displayName: 'Empty', memberIds: [] });
    await service.create(ORG, { displayName: 'Full', memberIds: [idAt(1)] });

    expect(order).toEqual([`prefetch ${ORG}`]);
    expect(seen[0]).toBeUndefined();
    await expect(seen[1]?.catalog).resolves.toBe('catalog');
  });
});

describe('MembershipPlanPolicy', () => {
  /** A policy over an organization with no plans, counting its catalog reads. */
  function countingPolicy() {
    const catalog = jest.fn(async () => ({ plans: [] }));
    const policy = new MembershipPlanPolicy({
      plans: { catalog } as unknown as PlanPolicyReads['plans'],
      activeLicenseOf: async () => undefined,
      groupsOfUser: async () => [],
      user: async () => undefined,
    });
    return { policy, catalog };
  }

  it('reads no plan catalog for a change that adds and removes no one', async () => {
    const { policy, catalog } = countingPolicy();

    const writes = await policy.plan({ orgId: ORG, id: idAt(100), displayName: 'Ops' }, { add: [], remove: [] });

    expect(writes.size).toBe(0);
    expect(catalog).not.toHaveBeenCalled();
  });

  it('uses the catalog read started with the group instead of reading it again', async () => {
    const { policy, catalog } = countingPolicy();
    const prefetched = policy.prefetch(ORG);
    expect(catalog).toHaveBeenCalledTimes(1);

    await policy.plan(
      { orgId: ORG, id: idAt(100), displayName: 'Ops' },
      { add: [{ userId: idAt(1) }], remove: [] },
      new Set(),
      prefetched,
    );

    expect(catalog).toHaveBeenCalledTimes(1);
  });
});
