import { InvalidPlanError, PlanService } from '../../../lambda/domain/plans';
import { InMemoryOrganizationRepository } from '../../support/in-memory/organizations';
import { InMemoryPlanRepository } from '../../support/in-memory/plans';

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
