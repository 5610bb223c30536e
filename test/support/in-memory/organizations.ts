import type { ThrottleSlot, ThrottleTier } from '../../../lambda/contract/throttle-tiers';
import {
  type Organization,
  OrganizationExistsError,
  type OrganizationGate,
  type OrganizationGateReader,
  type OrganizationRepository,
} from '../../../lambda/domain/organizations';
import { compareIds } from './paging';

/** An organization as stored: the seat accounting may create one with nothing but its id and counter. */
type StoredOrganization = Omit<Organization, 'name' | 'createdAt'> & { name?: string; createdAt?: string };

/**
 * Organization items as `OrganizationRepository` documents them. The seat accounting (InMemoryLicenseStore) changes
 * `seatsUsed` on the same records, and creates a bare record when the organization has none, as the DynamoDB seat
 * update creates the default organization's item.
 */
export class InMemoryOrganizationRepository implements OrganizationRepository, OrganizationGateReader {
  private readonly items = new Map<string, StoredOrganization>();

  async create(organization: Organization): Promise<void> {
    if (this.items.has(organization.orgId)) {
      throw new OrganizationExistsError(`organization ${organization.orgId} already exists`);
    }
    this.items.set(organization.orgId, { ...organization });
  }

  async get(orgId: string): Promise<Organization | undefined> {
    return this.peek(orgId);
  }

  async list(): Promise<Organization[]> {
    return [...this.items.values()].sort((a, b) => compareIds(a.orgId, b.orgId)).map(toOrganization);
  }

  async setSeatLimit(
    orgId: string,
    seatLimit: number | undefined,
    createAs?: Pick<Organization, 'name' | 'createdAt'>,
  ): Promise<Organization | undefined> {
    return this.upsert(orgId, createAs, ({ seatLimit: _previous, ...rest }) =>
      seatLimit === undefined ? rest : { ...rest, seatLimit },
    );
  }

  async setScimDisabled(
    orgId: string,
    disabledAt: string | undefined,
    createAs?: Pick<Organization, 'name' | 'createdAt'>,
  ): Promise<Organization | undefined> {
    return this.upsert(orgId, createAs, ({ scimDisabledAt: _previous, ...rest }) =>
      disabledAt === undefined ? rest : { ...rest, scimDisabledAt: disabledAt },
    );
  }

  async gateOf(orgId: string): Promise<OrganizationGate> {
    const item = this.items.get(orgId);
    return {
      scimEnabled: item?.scimDisabledAt === undefined,
      ...(item?.throttleSlot ? { throttleSlot: item.throttleSlot } : {}),
    };
  }

  async delete(orgId: string): Promise<void> {
    this.items.delete(orgId);
  }

  /** `<tier>#<slot>` → orgId */
  readonly throttleClaims = new Map<string, string>();

  async takenThrottleSlots(tier: ThrottleTier): Promise<ReadonlySet<number>> {
    return new Set(
      [...this.throttleClaims.keys()]
        .filter((claim) => claim.startsWith(`${tier}#`))
        .map((claim) => Number(claim.split('#')[1])),
    );
  }

  async claimThrottleSlot(slot: ThrottleSlot, orgId: string): Promise<boolean> {
    const claim = `${slot.tier}#${slot.slot}`;
    const holder = this.throttleClaims.get(claim);
    if (holder !== undefined && holder !== orgId) return false;
    this.throttleClaims.set(claim, orgId);
    return true;
  }

  async setThrottleSlot(
    orgId: string,
    throttleSlot: ThrottleSlot,
    createAs?: Pick<Organization, 'name' | 'createdAt'>,
  ): Promise<Organization | undefined> {
    return this.upsert(orgId, createAs, (item) => ({ ...item, throttleSlot }));
  }

  async releaseThrottleSlot(slot: ThrottleSlot, orgId: string): Promise<void> {
    const claim = `${slot.tier}#${slot.slot}`;
    if (this.throttleClaims.get(claim) === orgId) this.throttleClaims.delete(claim);
  }

  /**
   * Changes an organization's item, creating it from `createAs` when there is none. Only what the item lacks is
   * filled in: an existing organization keeps its name and creation time.
   */
  private upsert(
    orgId: string,
    createAs: Pick<Organization, 'name' | 'createdAt'> | undefined,
    change: (item: StoredOrganization) => StoredOrganization,
  ): Organization | undefined {
    const existing = this.items.get(orgId);
    if (!existing && !createAs) return undefined;
    const updated = change({
      orgId,
      seatsUsed: 0,
      ...existing,
      name: existing?.name ?? createAs?.name,
      createdAt: existing?.createdAt ?? createAs?.createdAt,
    });
    this.items.set(orgId, updated);
    return toOrganization(updated);
  }

  /** A synchronous read for the seat accounting, which checks and changes seats without yielding. */
  peek(orgId: string): Organization | undefined {
    const item = this.items.get(orgId);
    return item && toOrganization(item);
  }

  /** Sets (undefined: removes) the default plan, creating a bare item when there is none, as the plan adapter does. */
  setPlan(orgId: string, plan: string | undefined): void {
    const { plan: _previous, ...rest } = this.items.get(orgId) ?? { orgId, seatsUsed: 0 };
    this.items.set(orgId, plan === undefined ? rest : { ...rest, plan });
  }

  /** Adds `delta` to `seatsUsed`, creating a bare item (id and counter only) when there is none. */
  addSeats(orgId: string, delta: number): void {
    const existing = this.items.get(orgId) ?? { orgId, seatsUsed: 0 };
    this.items.set(orgId, { ...existing, seatsUsed: existing.seatsUsed + delta });
  }
}

function toOrganization(item: StoredOrganization): Organization {
  return { ...item, name: item.name ?? item.orgId, createdAt: item.createdAt ?? '' };
}
