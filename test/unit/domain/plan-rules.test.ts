import type { GroupRef } from '../../../lambda/domain/groups';
import type { LicenseRecord } from '../../../lambda/domain/licenses';
import {
  bestPlan,
  InvalidPlanError,
  MAX_PLAN_GROUPS,
  MAX_PLAN_RANK,
  MembershipPlanPolicy,
  type PlanCatalog,
  type PlanPolicyReads,
  PlanSeatRefusedError,
  PlanService,
  type PlanState,
  planInUseError,
  planOfGroup,
} from '../../../lambda/domain/plans';
import { MAX_SEATS } from '../../../lambda/domain/seat-limits';
import type { UserRecord } from '../../../lambda/domain/users';
import { InMemoryOrganizationRepository } from '../../support/in-memory/organizations';
import { InMemoryPlanRepository } from '../../support/in-memory/plans';

const ORG = 'acme';

function planService() {
  const repository = new InMemoryPlanRepository(new InMemoryOrganizationRepository());
  return { repository, service: new PlanService(repository) };
}

describe('PlanService refuses what the rules do not allow', () => {
  it.each([
    ['a name with a character outside the pattern after a valid start', { name: 'pro plan', groups: ['G'] }],
    ['a name of 41 characters', { name: 'p'.repeat(41), groups: ['G'] }],
  ])('refuses %s', async (_, input) => {
    const { service } = planService();

    await expect(service.setPlan(ORG, input)).rejects.toThrow(InvalidPlanError);
    expect((await service.catalog(ORG)).plans).toEqual([]);
  });

  it.each([
    [{ name: 'pro', groups: [' ', ''] }, `a plan names 1 to ${MAX_PLAN_GROUPS} groups (by displayName or id)`],
    [
      { name: 'pro', groups: Array.from({ length: MAX_PLAN_GROUPS + 1 }, (_, n) => `G${n}`) },
      `a plan names 1 to ${MAX_PLAN_GROUPS} groups (by displayName or id)`,
    ],
    [{ name: 'pro', groups: ['G', 'g'.repeat(257)] }, 'a group name has at most 256 characters'],
    [{ name: 'pro', groups: ['G'], seatLimit: MAX_SEATS + 1 }, `seats must be a whole number from 0 to ${MAX_SEATS}`],
    [{ name: 'pro', groups: ['G'], rank: MAX_PLAN_RANK + 1 }, `rank must be a whole number from 0 to ${MAX_PLAN_RANK}`],
    [{ name: 'pro', groups: ['G'], rank: -1 }, `rank must be a whole number from 0 to ${MAX_PLAN_RANK}`],
    [{ name: 'pro', groups: ['G'], rank: 1.5 }, `rank must be a whole number from 0 to ${MAX_PLAN_RANK}`],
  ])('refuses %j', async (input, message) => {
    const { service } = planService();

    await expect(service.setPlan(ORG, input)).rejects.toThrow(new InvalidPlanError(message));
  });

  it('accepts the largest lists, names, seat limits and ranks the rules allow', async () => {
    const { service } = planService();
    const groups = Array.from({ length: MAX_PLAN_GROUPS }, (_, n) => `${n}${'g'.repeat(250)}`);

    const plan = await service.setPlan(ORG, {
      name: 'p'.repeat(40),
      groups: [...groups.slice(1), 'g'.repeat(256)],
      seatLimit: MAX_SEATS,
      rank: MAX_PLAN_RANK,
    });

    expect(plan).toMatchObject({ seatLimit: MAX_SEATS, rank: MAX_PLAN_RANK });
    expect(plan.groups).toHaveLength(MAX_PLAN_GROUPS);
  });

  it('keeps the rank of a plan defined again without one', async () => {
    const { service } = planService();
    await service.setPlan(ORG, { name: 'basic', groups: ['G'], rank: 3 });
    await service.setPlan(ORG, { name: 'pro', groups: ['P'], rank: 9 });

    await expect(service.setPlan(ORG, { name: 'basic', groups: ['G2'] })).resolves.toMatchObject({ rank: 3 });
  });
});

describe('plan error messages', () => {
  it('count the licenses still on a plan', () => {
    expect(planInUseError('pro', 1).message).toBe(
      'plan pro has 1 license on it; map its groups to another plan or remove their members first',
    );
    expect(planInUseError('pro', 2).message).toBe(
      'plan pro has 2 licenses on it; map its groups to another plan or remove their members first',
    );
  });

  it('name every plan and user refused a seat', () => {
    const error = new PlanSeatRefusedError([
      { userId: 'u1', plan: 'pro' },
      { userId: 'u2', plan: 'gold' },
    ]);

    expect(error.message).toBe('no seat left on plan pro for user u1, plan gold for user u2');
  });
});

function plan(name: string, rank: number, groups: string[], extra: Partial<PlanState> = {}): PlanState {
  return { name, rank, groups, seatsUsed: 0, ...extra };
}

describe('choosing a plan from groups', () => {
  const engineering: GroupRef = { id: 'g-eng', displayName: 'Engineering' };
  const sales: GroupRef = { id: 'g-sales', displayName: 'Sales' };
  const catalog: PlanCatalog = {
    defaultPlan: 'basic',
    plans: [
      plan('team', 5, ['engineering']),
      plan('pro', 10, ['g-sales', 'Engineering']),
      plan('beta', 10, ['SALES']),
      plan('lite', 1, ['Support']),
    ],
  };

  it('maps a group by id or by displayName in any case, to the highest-ranked plan, equal ranks by name', () => {
    expect(planOfGroup(catalog, engineering)?.name).toBe('pro');
    expect(planOfGroup(catalog, sales)?.name).toBe('beta');
    expect(planOfGroup(catalog, { id: 'g-support', displayName: 'support' })?.name).toBe('lite');
    expect(planOfGroup(catalog, { id: 'g-other', displayName: 'Other' })).toBeUndefined();
    expect(catalog.plans.map((candidate) => candidate.name)).toEqual(['team', 'pro', 'beta', 'lite']);
  });

  it('orders equal ranks by name whatever the storage order', () => {
    const reversed: PlanCatalog = { plans: [...catalog.plans].reverse() };

    expect(planOfGroup(reversed, sales)?.name).toBe('beta');
    expect(bestPlan(reversed, [sales], () => false)).toEqual({ plan: 'beta' });
  });

  it('gives the best plan among all the groups, none for no mapped group', () => {
    expect(bestPlan(catalog, [engineering], () => false)).toEqual({ plan: 'pro' });
    expect(bestPlan(catalog, [{ id: 'g-x', displayName: 'X' }, engineering], () => false)).toEqual({ plan: 'pro' });
    expect(bestPlan(catalog, [], () => false)).toEqual({});
  });

  it('skips refused plans and reports the best refused one only when it ranks at least as high as the chosen one', () => {
    expect(bestPlan(catalog, [engineering], (name) => name === 'pro')).toEqual({ plan: 'team', seatRefused: 'pro' });
    expect(bestPlan(catalog, [engineering], (name) => name === 'team')).toEqual({ plan: 'pro' });
    expect(bestPlan(catalog, [sales], (name) => name === 'beta')).toEqual({ plan: 'pro', seatRefused: 'beta' });
    expect(bestPlan(catalog, [engineering], () => true)).toEqual({ seatRefused: 'pro' });
  });
});

describe('MembershipPlanPolicy', () => {
  const NOW = new Date('2026-05-01T08:00:00.000Z');
  const group = { orgId: ORG, id: 'g-pro', displayName: 'Pro' };

  function license(userId: string): LicenseRecord {
    return {
      orgId: ORG,
      licenseId: `L-${userId}`,
      userId,
      status: 'active',
      issuedAt: NOW.toISOString(),
      keyHash: 'h',
      keyHint: 'K001',
      planVersion: 2,
    };
  }

  function user(userId: string, extra: Partial<UserRecord> = {}): UserRecord {
    return {
      orgId: ORG,
      id: userId,
      version: 1,
      created: NOW.toISOString(),
      lastModified: NOW.toISOString(),
      userName: `${userId}@example.com`,
      active: true,
      lookupEmail: `${userId}@example.com`,
      emails: [{ value: `${userId}@example.com` }],
      document: {},
      ...extra,
    };
  }

  function policy(options: { users?: Record<string, UserRecord>; catalog?: PlanCatalog; licensePlan?: string } = {}) {
    let reading = 0;
    let mostAtOnce = 0;
    const reads: PlanPolicyReads = {
      plans: { catalog: async () => options.catalog ?? { defaultPlan: 'basic', plans: [plan('pro', 1, ['Pro'])] } },
      activeLicenseOf: async (_orgId, userId) => {
        reading++;
        mostAtOnce = Math.max(mostAtOnce, reading);
        await new Promise((resolve) => setImmediate(resolve));
        reading--;
        return { ...license(userId), ...(options.licensePlan ? { plan: options.licensePlan } : {}) };
      },
      groupsOfUser: async () => [],
      user: async (_orgId, userId) => options.users?.[userId] ?? user(userId),
    };
    return { policy: new MembershipPlanPolicy(reads, { clock: { now: () => NOW } }), mostAtOnce: () => mostAtOnce };
  }

  const emailOf = (writes: ReadonlyMap<string, readonly { kind: string }[]>, userId: string) =>
    (writes.get(userId)?.find((write) => write.kind === 'license.email') as { email?: Record<string, unknown> })?.email;

  it('plans every member of a big change, at most 8 at a time', async () => {
    const { policy: planner, mostAtOnce } = policy();
    const members = Array.from({ length: 20 }, (_, n) => ({ userId: `u${n}` }));

    const writes = await planner.plan(group, { add: members, remove: ['r1', 'r2'] });

    expect([...writes.keys()].sort()).toEqual([...members.map((m) => m.userId), 'r1', 'r2'].sort());
    expect(mostAtOnce()).toBe(8);
  });

  it('plans a single member alone', async () => {
    const { policy: planner, mostAtOnce } = policy();

    const writes = await planner.plan(group, { add: [{ userId: 'u1' }], remove: [] });

    expect([...writes.keys()]).toEqual(['u1']);
    expect(mostAtOnce()).toBe(1);
  });

  it('plans nothing for a group no plan maps', async () => {
    const { policy: planner } = policy();

    const writes = await planner.plan(
      { orgId: ORG, id: 'g-x', displayName: 'Other' },
      { add: [{ userId: 'u1' }], remove: [] },
    );

    expect(writes.size).toBe(0);
  });

  it('emails the plan change to the lookup email, greeting the user by name', async () => {
    const { policy: planner } = policy({
      users: { u1: user('u1', { lookupEmail: 'ada@example.com', document: { name: { givenName: 'Ada' } } }) },
    });

    const writes = await planner.plan(group, { add: [{ userId: 'u1' }], remove: [] });

    expect(emailOf(writes, 'u1')).toEqual({
      eventId: 'L-u1.plan.3',
      type: 'plan-changed',
      orgId: ORG,
      licenseId: 'L-u1',
      userId: 'u1',
      recipient: 'ada@example.com',
      keyHint: 'K001',
      displayName: 'Ada',
      plan: 'pro',
      createdAt: NOW.toISOString(),
    });
  });

  it('emails the first address of a user without a lookup email, and names no plan when there is no default', async () => {
    const { policy: planner } = policy({
      users: {
        u1: user('u1', { lookupEmail: undefined, emails: [{ value: ' first@example.com ' }, { value: 'x@y.z' }] }),
      },
      catalog: { plans: [plan('pro', 1, ['Pro'])] },
      licensePlan: 'pro',
    });

    const writes = await planner.plan(group, { add: [], remove: ['u1'] });

    const email = emailOf(writes, 'u1');
    expect(email).toMatchObject({ recipient: 'first@example.com' });
    expect(email).not.toHaveProperty('plan');
    expect(email).not.toHaveProperty('displayName');
  });
});
