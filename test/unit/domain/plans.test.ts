import { NotFoundError } from '../../../lambda/domain/errors';
import { type GroupEdit, GroupService } from '../../../lambda/domain/groups';
import {
  type IssueLicenseWrite,
  LicensePolicy,
  type LicenseRecord,
  LicenseValidator,
} from '../../../lambda/domain/licenses';
import {
  InvalidPlanError,
  MembershipPlanPolicy,
  PlanInUseError,
  PlanService,
  planOfIssuedLicense,
} from '../../../lambda/domain/plans';
import { idAt, userRecord } from '../../support/contracts/records';
import { steppingClock } from '../../support/in-memory/clock';
import { InMemoryGroupRepository } from '../../support/in-memory/groups';
import { Interleaving } from '../../support/in-memory/interleaving';
import { InMemoryLicenseStore } from '../../support/in-memory/licenses';
import { InMemoryOrganizationRepository } from '../../support/in-memory/organizations';
import { InMemoryPlanRepository } from '../../support/in-memory/plans';
import { InMemoryMemberDirectory, InMemoryUserRepository } from '../../support/in-memory/users';

const ORG = 'acme';

function planService() {
  const repository = new InMemoryPlanRepository(new InMemoryOrganizationRepository());
  return { repository, service: new PlanService(repository) };
}

describe('PlanService', () => {
  it('defines a plan by groups with seats, ranked above every plan defined before unless a rank is given', async () => {
    const { service } = planService();

    await service.setPlan(ORG, { name: 'basic', groups: ['Everyone'] });
    const pro = await service.setPlan(ORG, { name: 'pro', groups: [' Bruno Pro ', 'Bruno Pro'], seatLimit: 20 });
    await service.setPlan(ORG, { name: 'trial', groups: ['Trial'], rank: 0 });

    expect(pro).toEqual({ name: 'pro', rank: 1, seatLimit: 20, groups: ['Bruno Pro'], seatsUsed: 0 });
    expect((await service.catalog(ORG)).plans.map((plan) => [plan.name, plan.rank])).toEqual([
      ['pro', 1],
      ['basic', 0],
      ['trial', 0],
    ]);
  });

  it('keeps the rank and the seats in use when a plan is defined again', async () => {
    const { service, repository } = planService();
    await service.setPlan(ORG, { name: 'pro', groups: ['Pro'], seatLimit: 5, rank: 7 });
    repository.addSeats(ORG, 'pro', 3);

    const changed = await service.setPlan(ORG, { name: 'pro', groups: ['Pro', 'Pro EU'], seatLimit: 10 });

    expect(changed).toEqual({ name: 'pro', rank: 7, seatLimit: 10, groups: ['Pro', 'Pro EU'], seatsUsed: 3 });
  });

  it('sets and removes the default plan on the organization', async () => {
    const { service } = planService();

    await service.setDefaultPlan(ORG, 'basic');
    const set = await service.catalog(ORG);
    await service.setDefaultPlan(ORG, undefined);

    expect(set).toEqual({ defaultPlan: 'basic', plans: [] });
    expect(await service.catalog(ORG)).toEqual({ plans: [] });
  });

  it.each([
    ['a name with spaces', { name: 'Pro Plan', groups: ['Pro'] }, /plan name/],
    ['no group', { name: 'pro', groups: [' '] }, /1 to 50 groups/],
    ['negative seats', { name: 'pro', groups: ['Pro'], seatLimit: -1 }, /seats must be/],
    ['a fractional rank', { name: 'pro', groups: ['Pro'], rank: 1.5 }, /rank must be/],
  ])('refuses %s, naming the rule', async (_case, input, message) => {
    const { service } = planService();

    await expect(service.setPlan(ORG, input)).rejects.toThrow(InvalidPlanError);
    await expect(service.setPlan(ORG, input)).rejects.toThrow(message);
    expect((await service.catalog(ORG)).plans).toEqual([]);
  });
});

/**
 * Users 1..6 of ORG with active licenses (license `L<n>`), except user 6, who has none; plans `pro` (group "Bruno
 * Pro", `proSeats` seats, rank 10) and `team` (group "Team" by name, rank 5), default plan `basic`.
 */
async function planWorld(options: { proSeats?: number } = {}) {
  const organizations = new InMemoryOrganizationRepository();
  const planRepository = new InMemoryPlanRepository(organizations);
  const store = new InMemoryLicenseStore(organizations, planRepository);
  const users = new InMemoryUserRepository();
  for (const n of [1, 2, 3, 4, 5, 6]) {
    await users.create(userRecord(ORG, n), []);
    if (n === 6) continue;
    const license: LicenseRecord = {
      orgId: ORG,
      licenseId: `L${n}`,
      userId: idAt(n),
      status: 'active',
      issuedAt: '2026-05-01T00:00:00.000Z',
      keyHash: `hash-${n}`,
      keyHint: `K00${n}`,
    };
    const issue: IssueLicenseWrite = { kind: 'license.issue', license };
    store.apply([issue]);
  }
  const plans = new PlanService(planRepository);
  await plans.setPlan(ORG, { name: 'pro', groups: ['Bruno Pro'], rank: 10, seatLimit: options.proSeats ?? 20 });
  await plans.setPlan(ORG, { name: 'team', groups: ['team'], rank: 5 });
  await plans.setDefaultPlan(ORG, 'basic');
  const repository = new InMemoryGroupRepository(new Interleaving(), store);
  const clock = steppingClock();
  const policy = new MembershipPlanPolicy(
    {
      plans: planRepository,
      activeLicenseOf: (orgId, userId) => store.activeLicenseOf(orgId, userId),
      groupsOfUser: (orgId, userId) => repository.groupsOfUser(orgId, userId),
      user: (orgId, userId) => users.get(orgId, userId),
    },
    { clock },
  );
  let next = 100;
  const groups = new GroupService(repository, new InMemoryMemberDirectory(users), {
    clock,
    newId: () => idAt(next++),
    backoff: async () => {},
    membership: policy,
  });
  const validator = new LicenseValidator({ check: async (input) => ({ ok: true, hash: input }) as never }, store);
  const planOf = async (n: number) => (await store.activeLicenseOf(ORG, idAt(n)))?.plan;
  const issuedPlanOf = (orgId: string, userId: string) =>
    planOfIssuedLicense(
      { plans: planRepository, groupsOfUser: (org, id) => repository.groupsOfUser(org, id) },
      orgId,
      userId,
    );
  return { store, planRepository, groups, validator, planOf, issuedPlanOf };
}

const add = (...ns: number[]): GroupEdit[] => [{ kind: 'addMembers', userIds: ns.map(idAt) }];
const remove = (...ns: number[]): GroupEdit[] => [{ kind: 'removeMembers', userIds: ns.map(idAt) }];

describe('plans by group membership', () => {
  it('moves a user who joins a mapped group to its plan with a seat, and back to the default plan when it leaves', async () => {
    const { groups, store, planRepository, validator, planOf } = await planWorld();
    const { group } = await groups.create(ORG, { displayName: 'Bruno Pro', memberIds: [] });

    await groups.update(ORG, group.id, () => add(1));
    const joined = { plan: await planOf(1), seats: planRepository.peek(ORG, 'pro')?.seatsUsed };
    const validWhilePro = await validator.validate('hash-1');
    await groups.update(ORG, group.id, () => remove(1));

    expect(joined).toEqual({ plan: 'pro', seats: 1 });
    expect(validWhilePro).toEqual({ valid: true, status: 'active', plan: 'pro' });
    expect(await planOf(1)).toBeUndefined();
    expect(await validator.validate('hash-1')).toEqual({ valid: true, status: 'active', plan: 'basic' });
    expect(planRepository.peek(ORG, 'pro')?.seatsUsed).toBe(0);
    expect(store.outboxOf(ORG).map((item) => [item.intent.eventId, item.intent.type, item.intent.plan])).toEqual([
      ['L1.plan.1', 'plan-changed', 'pro'],
      ['L1.plan.2', 'plan-changed', 'basic'],
    ]);
    expect(store.outboxOf(ORG)[0]?.intent).toMatchObject({ recipient: 'user1@example.com', keyHint: 'K001' });
  });

  it('records every membership when the plan runs out of seats; the users without a seat keep their plan', async () => {
    const { groups, store, planRepository, planOf } = await planWorld({ proSeats: 2 });
    const { group } = await groups.create(ORG, { displayName: 'Bruno Pro', memberIds: [] });

    const after = await groups.update(ORG, group.id, () => add(1, 2, 3, 4));

    expect((await groups.members(ORG, after.id)).map((member) => member.userId)).toEqual([1, 2, 3, 4].map(idAt));
    expect([await planOf(1), await planOf(2), await planOf(3), await planOf(4)]).toEqual([
      'pro',
      'pro',
      undefined,
      undefined,
    ]);
    expect((await store.activeLicenseOf(ORG, idAt(3)))?.planSeatRefused).toBe('pro');
    expect(planRepository.peek(ORG, 'pro')?.seatsUsed).toBe(2);
    expect(store.outboxOf(ORG).map((item) => item.intent.eventId)).toEqual(['L1.plan.1', 'L2.plan.1']);
  });

  it('gives the highest-ranked plan among the groups, and the next one when the user leaves that group', async () => {
    const { groups, planOf } = await planWorld();
    const { group: team } = await groups.create(ORG, { displayName: 'Team', memberIds: [idAt(1)] });
    const { group: pro } = await groups.create(ORG, { displayName: 'bruno pro', memberIds: [] });

    const inTeam = await planOf(1);
    await groups.update(ORG, pro.id, () => add(1));
    const inBoth = await planOf(1);
    await groups.update(ORG, pro.id, () => remove(1));

    expect([inTeam, inBoth, await planOf(1)]).toEqual(['team', 'pro', 'team']);
    expect(team.displayName).toBe('Team');
  });

  it('falls back to the next plan among the groups when the best one is full', async () => {
    const { groups, store, planOf } = await planWorld({ proSeats: 0 });
    await groups.create(ORG, { displayName: 'Team', memberIds: [idAt(2)] });
    const { group: pro } = await groups.create(ORG, { displayName: 'Bruno Pro', memberIds: [] });

    await groups.update(ORG, pro.id, () => add(2));

    expect(await planOf(2)).toBe('team');
    expect((await store.activeLicenseOf(ORG, idAt(2)))?.planSeatRefused).toBe('pro');
  });

  it('changes no plan for a group no plan names, nor for a member without an active license', async () => {
    const { groups, store, planRepository } = await planWorld();
    const { group: other } = await groups.create(ORG, { displayName: 'Everyone', memberIds: [] });
    const { group: pro } = await groups.create(ORG, { displayName: 'Bruno Pro', memberIds: [] });

    await groups.update(ORG, other.id, () => add(1));
    await groups.update(ORG, pro.id, () => add(6));

    expect((await store.activeLicenseOf(ORG, idAt(1)))?.planVersion).toBeUndefined();
    expect((await groups.members(ORG, pro.id)).map((member) => member.userId)).toEqual([idAt(6)]);
    expect(planRepository.peek(ORG, 'pro')?.seatsUsed).toBe(0);
    expect(store.outboxOf(ORG)).toEqual([]);
  });

  it("frees the plan's seat when the license is revoked", async () => {
    const { groups, store, planRepository } = await planWorld();
    const { group } = await groups.create(ORG, { displayName: 'Bruno Pro', memberIds: [] });
    await groups.update(ORG, group.id, () => add(5));
    const policy = new LicensePolicy({ reader: store, keys: { derive: async () => never() }, newId: () => 'unused' });

    const writes = await policy.plan({
      orgId: ORG,
      before: userRecord(ORG, 5),
      after: userRecord(ORG, 5, { active: false }),
      at: new Date('2026-05-02T00:00:00.000Z'),
    });
    store.apply(writes);

    expect(writes).toContainEqual({ kind: 'plan.seat', orgId: ORG, plan: 'pro', delta: -1, userId: idAt(5) });
    expect(planRepository.peek(ORG, 'pro')?.seatsUsed).toBe(0);
  });
});

describe('deleting a plan', () => {
  it('deletes a plan no license is on, and refuses one with seats in use, naming the count', async () => {
    const { groups, planRepository } = await planWorld();
    const plans = new PlanService(planRepository);
    const { group } = await groups.create(ORG, { displayName: 'Bruno Pro', memberIds: [] });
    await groups.update(ORG, group.id, () => add(1, 2));

    await plans.deletePlan(ORG, 'team');

    await expect(plans.deletePlan(ORG, 'pro')).rejects.toThrow(PlanInUseError);
    await expect(plans.deletePlan(ORG, 'pro')).rejects.toThrow('plan pro has 2 licenses on it');
    await expect(plans.deletePlan(ORG, 'team')).rejects.toThrow(NotFoundError);
    await expect(plans.deletePlan(ORG, 'Bad Name')).rejects.toThrow(InvalidPlanError);
    expect((await plans.catalog(ORG)).plans.map((plan) => plan.name)).toEqual(['pro']);
  });
});

describe('plans of licenses issued to members', () => {
  const at = new Date('2026-05-02T00:00:00.000Z');
  const keys = { derive: async () => ({ hash: 'h', hint: 'HINT' }) as never };

  it('issues a reactivated member its group plan and takes the seat, or the default plan naming a full plan', async () => {
    const { groups, store, issuedPlanOf } = await planWorld({ proSeats: 1 });
    const { group } = await groups.create(ORG, { displayName: 'Bruno Pro', memberIds: [] });
    await groups.update(ORG, group.id, () => add(6));
    let id = 0;
    const policy = new LicensePolicy({ reader: store, keys, newId: () => `N${id++}`, planOf: issuedPlanOf });
    const reactivate = (n: number) =>
      policy.plan({ orgId: ORG, before: userRecord(ORG, n, { active: false }), after: userRecord(ORG, n), at });

    const first = await reactivate(6);
    store.apply(first);
    await groups.update(ORG, group.id, () => add(1));
    const second = await reactivate(1);

    expect(first).toContainEqual(
      expect.objectContaining({ kind: 'license.issue', license: expect.objectContaining({ plan: 'pro' }) }),
    );
    expect(first).toContainEqual({ kind: 'plan.seat', orgId: ORG, plan: 'pro', delta: 1, userId: idAt(6) });
    const issued = second.find((write) => write.kind === 'license.issue');
    expect(issued && 'license' in issued ? issued.license : undefined).toMatchObject({ planSeatRefused: 'pro' });
    expect(issued && 'license' in issued ? issued.license.plan : 'none').toBeUndefined();
    expect(second.some((write) => write.kind === 'plan.seat')).toBe(false);
  });

  it('reads no group for a user just created: it is in none', async () => {
    const { store } = await planWorld();
    const policy = new LicensePolicy({ reader: store, keys, newId: () => 'N', planOf: async () => never() });

    const writes = await policy.plan({ orgId: ORG, after: userRecord(ORG, 9), at });

    expect(writes.map((write) => write.kind)).toEqual(['license.issue', 'license.seat', 'license.email']);
  });
});

function never(): never {
  throw new Error('not called');
}
