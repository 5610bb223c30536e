import { NotFoundError } from '../../../lambda/domain/errors';
import {
  type PlanCatalog,
  type PlanDefinition,
  type PlanRepository,
  type PlanState,
  planInUseError,
} from '../../../lambda/domain/plans';
import type { InMemoryOrganizationRepository } from './organizations';

/**
 * Plan items in memory, as the DynamoDB adapter keeps them next to the organization item: a definition replaced by
 * `putPlan` keeps its seat counter; the default plan is the organization's `plan`. InMemoryLicenseStore takes and frees
 * the seats (`plan.seat` writes) on the same records.
 */
export class InMemoryPlanRepository implements PlanRepository {
  private readonly plans = new Map<string, PlanState>();

  constructor(readonly organizations: InMemoryOrganizationRepository) {}

  async catalog(orgId: string): Promise<PlanCatalog> {
    const plans = [...this.plans.entries()]
      .filter(([key]) => key.startsWith(`${orgId}#`))
      .map(([, plan]) => ({ ...plan }))
      .sort((a, b) => b.rank - a.rank);
    const defaultPlan = this.organizations.peek(orgId)?.plan;
    return { plans, ...(defaultPlan !== undefined ? { defaultPlan } : {}) };
  }

  async putPlan(orgId: string, plan: PlanDefinition): Promise<PlanState> {
    const seatsUsed = this.plans.get(planKey(orgId, plan.name))?.seatsUsed ?? 0;
    const state: PlanState = { ...plan, groups: [...plan.groups], seatsUsed };
    this.plans.set(planKey(orgId, plan.name), state);
    return { ...state };
  }

  async setDefaultPlan(orgId: string, plan: string | undefined): Promise<void> {
    this.organizations.setPlan(orgId, plan);
  }

  async deletePlan(orgId: string, plan: string): Promise<void> {
    const state = this.plans.get(planKey(orgId, plan));
    if (!state) throw new NotFoundError(`plan ${plan} not found`);
    if (state.seatsUsed > 0) throw planInUseError(plan, state.seatsUsed);
    this.plans.delete(planKey(orgId, plan));
  }

  peek(orgId: string, plan: string): PlanState | undefined {
    const state = this.plans.get(planKey(orgId, plan));
    return state && { ...state };
  }

  addSeats(orgId: string, plan: string, delta: number): void {
    const state = this.plans.get(planKey(orgId, plan));
    if (state) this.plans.set(planKey(orgId, plan), { ...state, seatsUsed: state.seatsUsed + delta });
  }
}

function planKey(orgId: string, plan: string): string {
  return `${orgId}#${plan}`;
}
