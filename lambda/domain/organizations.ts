import { randomBytes } from 'node:crypto';
import { THROTTLE_TIERS, type ThrottleSlot, type ThrottleTier } from '../contract/throttle-tiers';
import { type Clock, systemClock } from './clock';
import { DomainError, NotFoundError } from './errors';
import { MAX_SEATS } from './seat-limits';
import {
  CURRENT,
  DEFAULT_GRACE_HOURS,
  graceState,
  newOrgToken,
  PENDING,
  type RandomSource,
  TokenRotation,
  type VersionedSecretStore,
} from './token-rotation';
import { parseTokenSecret, type TokenSecret } from './tokens';

export { MAX_SEATS };

/**
 * Organizations: each customer of the portal, with its own Okta, SCIM API key, seats, users, groups and licenses.
 *
 * Storage contract (licenses table, shared by the seat accounting and the organization admin):
 * - organization item: pk `ORG#<orgId>`, sk `ORG`, attributes `orgId`, `name`, `seatLimit` (number; absent means no
 *   limit), `seatsUsed` (number; absent means 0), `plan` (string), `createdAt` (ISO), `scimDisabledAt` (ISO; absent
 *   means SCIM is enabled), `gsi1pk` `ORGS`, `gsi1sk` orgId.
 * - a seat is taken with `ADD seatsUsed 1` under the condition `attribute_not_exists(seatLimit) OR seatsUsed < seatLimit`
 *   (with `if_not_exists`), inside the transaction that issues the license; freed with `ADD seatsUsed -1`.
 * - `throttleTier` and `throttleSlot`: the organization's own usage-plan API key (see lambda/contract/throttle-tiers.ts);
 *   absent, it shares the `unassigned` key. Each taken slot also has a claim item, pk `THROTTLE#<tier>`, sk
 *   `SLOT#<nnn>`, attribute `orgId`, written with `attribute_not_exists`, so no two organizations share a key.
 * The default organization may have no item until its first seat is taken; its limit then comes from configuration.
 */
export interface Organization {
  readonly orgId: string;
  readonly name: string;
  /** Undefined: no limit. */
  readonly seatLimit?: number;
  readonly seatsUsed: number;
  /** The product plan shown to the desktop app when it validates a key. */
  readonly plan?: string;
  readonly createdAt: string;
  /** Its own API key in a tier's usage plan; undefined: the shared `unassigned` key (the default organization: its own). */
  readonly throttleSlot?: ThrottleSlot;
  /**
   * Set while SCIM is disabled: the authorizer then refuses the organization's API keys (the keys, users and
   * licenses stay). Absent means enabled, so items written before the flag existed stay enabled.
   */
  readonly scimDisabledAt?: string;
}

/** Organization ids: lower-case letters, digits and dashes, so they fit in tokens (`scim_<orgId>_…`) and keys. */
export const ORG_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * Token secrets of organizations other than the default one are named `<prefix><orgId>`. The stack passes its own
 * prefix (so two stacks in one account do not share secrets); the local stack and tests use this one.
 */
export const DEFAULT_ORG_SECRET_PREFIX = 'scim-license-portal/org-token/';

/** An organization with this id already exists (or its token secret does). */
export class OrganizationExistsError extends DomainError {}

/** The admin asked for something the organization rules do not allow (a bad name, id or seat count). */
export class InvalidOrganizationError extends DomainError {}

/** Organization items. */
export interface OrganizationRepository {
  /** Writes a new organization; OrganizationExistsError when the id is taken. */
  create(organization: Organization): Promise<void>;
  get(orgId: string): Promise<Organization | undefined>;
  /** Every organization with an item, ordered by id. */
  list(): Promise<Organization[]>;
  /**
   * Sets the seat limit (undefined: no limit) and returns the organization afterwards. `createAs` creates the item
   * when it does not exist (the default organization has none until configured); without it a missing organization
   * gives undefined.
   */
  setSeatLimit(
    orgId: string,
    seatLimit: number | undefined,
    createAs?: Pick<Organization, 'name' | 'createdAt'>,
  ): Promise<Organization | undefined>;
  /**
   * Disables SCIM from `disabledAt` (undefined: enables it) and returns the organization afterwards; `createAs` as in
   * setSeatLimit.
   */
  setScimDisabled(
    orgId: string,
    disabledAt: string | undefined,
    createAs?: Pick<Organization, 'name' | 'createdAt'>,
  ): Promise<Organization | undefined>;
  /** Removes an organization whose creation could not be completed. */
  delete(orgId: string): Promise<void>;
  /** The slots of a tier that have a claim item. */
  takenThrottleSlots(tier: ThrottleTier): Promise<ReadonlySet<number>>;
  /** Writes the slot's claim for the organization; false when another organization holds it. */
  claimThrottleSlot(slot: ThrottleSlot, orgId: string): Promise<boolean>;
  /** Records the slot on the organization item (`createAs` as in setSeatLimit); undefined when it does not exist. */
  setThrottleSlot(
    orgId: string,
    slot: ThrottleSlot,
    createAs?: Pick<Organization, 'name' | 'createdAt'>,
  ): Promise<Organization | undefined>;
  /** Deletes the slot's claim if the organization holds it. */
  releaseThrottleSlot(slot: ThrottleSlot, orgId: string): Promise<void>;
}

/** What the authorizer needs of an organization whose API key matched, from one read of its item. */
export interface OrganizationGate {
  /** False while the organization's SCIM is disabled; true for organizations without an item (the default one). */
  readonly scimEnabled: boolean;
  /** Its own usage-plan key; undefined: none of its own. */
  readonly throttleSlot?: ThrottleSlot;
}

export interface OrganizationGateReader {
  gateOf(orgId: string): Promise<OrganizationGate>;
}

/**
 * Remembers an enabled organization's gate for `ttlMs`, like the token secret cache beside it: disabling, or moving
 * the organization to another throttle tier, takes effect within the authorizer's caches (at most a minute) without a
 * read per request. A disabled answer is not remembered, so enabling again works at once; only requests with a valid
 * key of a disabled organization read. A failed read must not refuse provisioning (the key itself was verified): it
 * answers the last gate read, else enabled without a slot of its own, and is reported to `onError`.
 */
export class CachedOrganizationGate implements OrganizationGateReader {
  private readonly cache = new Map<string, { gate: OrganizationGate; readAt: number }>();

  constructor(
    private readonly reader: OrganizationGateReader,
    private readonly ttlMs: number,
    private readonly options: {
      readonly clock?: Clock;
      readonly onError?: (orgId: string, error: unknown) => void;
    } = {},
  ) {}

  async gateOf(orgId: string): Promise<OrganizationGate> {
    const now = (this.options.clock ?? systemClock).now().getTime();
    const cached = this.cache.get(orgId);
    if (cached && now - cached.readAt < this.ttlMs) return cached.gate;
    let gate: OrganizationGate;
    try {
      gate = await this.reader.gateOf(orgId);
    } catch (error) {
      this.options.onError?.(orgId, error);
      return cached?.gate ?? { scimEnabled: true };
    }
    // Only organizations whose key was just verified get here, so the cache is bounded by the real organizations.
    if (gate.scimEnabled) this.cache.set(orgId, { gate, readAt: now });
    else this.cache.delete(orgId);
    return gate;
  }
}

/** The organization already has an API key: it can only be rotated. */
export class TokenExistsError extends DomainError {}

/** Rotation configuration of a token secret, as Secrets Manager reports it. */
export interface RotationSettings {
  /** A rotation Lambda is attached, so `aws secretsmanager rotate-secret` works. */
  readonly rotationEnabled: boolean;
  /** Automatic rotation interval, when scheduled. */
  readonly automaticallyAfterDays?: number;
  readonly scheduleExpression?: string;
  readonly lastRotatedAt?: string;
  readonly nextRotationAt?: string;
}

export interface CreatedSecret {
  /** The rotation Lambda could be attached to the new secret. */
  readonly rotationAttached: boolean;
  /** Why attaching it failed; the secret and its token work regardless. */
  readonly rotationError?: string;
}

/** Token secrets: the versioned store the rotation uses, plus creating a secret and reading its rotation settings. */
export interface TokenStore extends VersionedSecretStore {
  /** Creates the secret `secretId` for organization `orgId`; OrganizationExistsError when it exists. */
  createSecret(secretId: string, orgId: string, value: string): Promise<CreatedSecret>;
  rotationSettings(secretId: string): Promise<RotationSettings>;
}

export interface OrganizationServiceOptions {
  /** The organization of the deployed (or local) default token secret. */
  readonly defaultOrgId: string;
  /** Secret id of an organization's token: the default secret for the default organization, else `<prefix><orgId>`. */
  readonly secretIdOf: (orgId: string) => string;
  readonly clock?: Clock;
  readonly random?: RandomSource;
}

export interface CreateOrganizationInput {
  readonly name: string;
  /** @default no limit */
  readonly seatLimit?: number;
  /** @default derived from the name plus a random suffix */
  readonly orgId?: string;
}

export interface IssuedToken {
  readonly orgId: string;
  /** Shown once. */
  readonly token: string;
  readonly secretId: string;
  readonly secret: CreatedSecret;
}

export interface CreatedOrganization {
  readonly organization: Organization;
  /** Shown once: it is stored nowhere else than in the organization's secret. */
  readonly token: string;
  readonly secretId: string;
  readonly secret: CreatedSecret;
}

export interface TokenDetails {
  readonly secretId: string;
  /** When the current token was written (its secret version's creation). */
  readonly issuedAt?: string;
  readonly ageDays?: number;
  readonly inGracePeriod: boolean;
  readonly previousTokenExpiresAt?: string;
  /** A rotation has written a pending token that is not current yet. */
  readonly rotationInProgress: boolean;
  readonly rotation: RotationSettings;
}

export interface OrganizationDetails {
  readonly organization: Organization;
  /** False for the default organization when it has no item yet (its limit then comes from the deployment). */
  readonly stored: boolean;
  readonly seats: { readonly used: number; readonly limit?: number; readonly available?: number };
  /** Undefined when the organization has no token secret. */
  readonly token?: TokenDetails;
}

export interface RotatedToken {
  readonly orgId: string;
  /** The new token, shown once. */
  readonly token: string;
  /** When the replaced token stops working; absent with a zero grace period. */
  readonly previousTokenExpiresAt?: string;
}

const ID_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * Admin use cases on organizations: enabling SCIM for a new one (its item and its token secret), listing, showing,
 * seat limits, and the token's rotation and grace period.
 */
export class OrganizationService {
  private readonly clock: Clock;
  private readonly random: RandomSource;

  constructor(
    private readonly repository: OrganizationRepository,
    private readonly tokens: TokenStore,
    private readonly options: OrganizationServiceOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? randomBytes;
  }

  /**
   * Writes the organization, then its secret. When the secret cannot be created the item is removed again, so a
   * retry starts clean instead of leaving an organization nobody can authenticate as.
   */
  async create(input: CreateOrganizationInput): Promise<CreatedOrganization> {
    const organization = await this.createWithoutToken(input);
    const { orgId } = organization;
    const token = newOrgToken(orgId, this.random);
    const secretId = this.options.secretIdOf(orgId);
    let secret: CreatedSecret;
    try {
      secret = await this.tokens.createSecret(secretId, orgId, JSON.stringify({ orgId, token } satisfies TokenSecret));
    } catch (error) {
      await this.repository.delete(orgId);
      throw error;
    }
    return { organization, token, secretId, secret };
  }

  /**
   * Only the organization item: seats and licenses work, SCIM has no key until `issueFirstToken` (a portal that
   * registers customers first and lets their admin enable provisioning later).
   */
  async createWithoutToken(input: CreateOrganizationInput): Promise<Organization> {
    const name = validName(input.name);
    const seatLimit = input.seatLimit === undefined ? undefined : validSeats(input.seatLimit);
    const orgId = input.orgId ?? this.newOrgId(name);
    if (!ORG_ID_PATTERN.test(orgId)) {
      throw new InvalidOrganizationError(`organization id "${orgId}" must be lower-case letters, digits and dashes`);
    }
    if (orgId === this.options.defaultOrgId) {
      throw new OrganizationExistsError(`"${orgId}" is the default organization, which always exists`);
    }
    const organization: Organization = {
      orgId,
      name,
      // Stryker disable next-line ConditionalExpression: a property set to undefined reads as absent to the adapters and JSON
      ...(seatLimit === undefined ? {} : { seatLimit }),
      seatsUsed: 0,
      createdAt: this.clock.now().toISOString(),
    };
    await this.repository.create(organization);
    return organization;
  }

  /** The first API key of an organization created without one; TokenExistsError once it has a key. */
  async issueFirstToken(orgId: string): Promise<IssuedToken> {
    await this.organization(orgId);
    const secretId = this.options.secretIdOf(orgId);
    const exists = () =>
      new TokenExistsError(`organization ${orgId} already has an API key: rotate it to get a new one`);
    // Stryker disable next-line ConditionalExpression: creating a secret that exists fails with OrganizationExistsError, answered the same below; the read only spares that call
    if (await this.tokens.readCurrent(secretId)) throw exists();
    const token = newOrgToken(orgId, this.random);
    try {
      const secret = await this.tokens.createSecret(
        secretId,
        orgId,
        JSON.stringify({ orgId, token } satisfies TokenSecret),
      );
      return { orgId, token, secretId, secret };
    } catch (error) {
      // Two first-key requests at once: the other one's key stands.
      if (error instanceof OrganizationExistsError) throw exists();
      throw error;
    }
  }

  /**
   * Disables or re-enables SCIM. While disabled the authorizer refuses the organization's keys (within a minute, its
   * caches); nothing else changes, so enabling it again restores provisioning with the same key.
   */
  async setScimEnabled(orgId: string, enabled: boolean): Promise<Organization> {
    const current = await this.organization(orgId);
    // Disabling twice keeps the first time: it says since when provisioning is off.
    const disabledAt = enabled ? undefined : (current.organization.scimDisabledAt ?? this.clock.now().toISOString());
    const updated = await this.repository.setScimDisabled(orgId, disabledAt, this.createAs(orgId));
    if (!updated) throw new NotFoundError(`organization ${orgId} does not exist`);
    return updated;
  }

  /** One organization, the default one included before it has an item. */
  async get(orgId: string): Promise<Organization> {
    return (await this.organization(orgId)).organization;
  }

  /** Every organization, the default one included even before it has an item. */
  async list(): Promise<Organization[]> {
    const organizations = await this.repository.list();
    if (organizations.some((organization) => organization.orgId === this.options.defaultOrgId)) return organizations;
    // The seat accounting may have created the default organization's item without the listing index keys.
    const defaultOrganization = (await this.repository.get(this.options.defaultOrgId)) ?? this.defaultOrganization();
    return [defaultOrganization, ...organizations];
  }

  async show(orgId: string): Promise<OrganizationDetails> {
    const { organization, stored } = await this.organization(orgId);
    const secretId = this.options.secretIdOf(orgId);
    const now = this.clock.now();
    const [current, stages, rotation] = await Promise.all([
      this.tokens.readCurrent(secretId),
      this.tokens.stages(secretId),
      this.tokens.rotationSettings(secretId),
    ]);
    const secret = current ? parseTokenSecret(current.value) : undefined;
    const token: TokenDetails | undefined = current && {
      secretId,
      ...(current.createdAt
        ? {
            issuedAt: current.createdAt.toISOString(),
            ageDays: Math.floor((now.getTime() - current.createdAt.getTime()) / 86_400_000),
          }
        : {}),
      ...(secret ? graceState(secret, now) : { inGracePeriod: false }),
      rotationInProgress: [...stages.values()].some((labels) => labels.includes(PENDING) && !labels.includes(CURRENT)),
      rotation,
    };
    const limit = organization.seatLimit;
    return {
      organization,
      stored,
      seats: {
        used: organization.seatsUsed,
        ...(limit === undefined ? {} : { limit, available: Math.max(0, limit - organization.seatsUsed) }),
      },
      ...(token ? { token } : {}),
    };
  }

  /** Sets the seat limit (undefined: no limit). Seats already taken stay taken even above a lowered limit. */
  async setSeats(orgId: string, seatLimit: number | undefined): Promise<Organization> {
    const seats = seatLimit === undefined ? undefined : validSeats(seatLimit);
    const updated = await this.repository.setSeatLimit(orgId, seats, this.createAs(orgId));
    if (!updated) throw new NotFoundError(`organization ${orgId} does not exist`);
    return updated;
  }

  /**
   * Gives the organization a key of its own in the tier's usage plan: a free slot is claimed, recorded on the
   * organization, then the previous slot is released. Asking for the tier it has changes nothing.
   */
  async setThrottleTier(orgId: string, tier: ThrottleTier): Promise<Organization> {
    const settings = THROTTLE_TIERS[tier];
    if (!settings) throw new InvalidOrganizationError(`unknown throttle tier "${tier}"`);
    const { organization, stored } = await this.organization(orgId);
    const previous = stored ? organization.throttleSlot : undefined;
    if (previous?.tier === tier) return organization;

    const taken = await this.repository.takenThrottleSlots(tier);
    let claimed: ThrottleSlot | undefined;
    for (let slot = 0; slot < settings.slots && !claimed; slot++) {
      // Stryker disable next-line ConditionalExpression: the claim is conditional, so claiming a taken slot fails as skipping it does; the check only spares the write
      if (taken.has(slot)) continue;
      // Another admin may take the same slot between the read and this write: the claim is conditional.
      if (await this.repository.claimThrottleSlot({ tier, slot }, orgId)) claimed = { tier, slot };
    }
    if (!claimed) {
      throw new InvalidOrganizationError(
        `throttle tier ${tier} is full (${settings.slots} organizations): raise its slots in ` +
          'lambda/contract/throttle-tiers.ts and deploy, or move an organization to another tier',
      );
    }
    const createAs =
      orgId === this.options.defaultOrgId
        ? { name: this.defaultOrganization().name, createdAt: this.clock.now().toISOString() }
        : undefined;
    const updated = await this.repository.setThrottleSlot(orgId, claimed, createAs);
    if (!updated) {
      await this.repository.releaseThrottleSlot(claimed, orgId);
      throw new NotFoundError(`organization ${orgId} does not exist`);
    }
    if (previous) await this.repository.releaseThrottleSlot(previous, orgId);
    return updated;
  }

  /**
   * Makes a new token current at once; the replaced one keeps working for `graceHours` (default 72), then stops.
   * Runs the same four steps as the rotation Lambda, so both paths write identical secret values.
   */
  async rotateToken(orgId: string, graceHours: number = DEFAULT_GRACE_HOURS): Promise<RotatedToken> {
    if (!Number.isFinite(graceHours) || graceHours < 0) {
      throw new InvalidOrganizationError('the grace period must be zero or more hours');
    }
    await this.organization(orgId);
    const rotation = new TokenRotation(this.tokens, {
      graceMs: graceHours * 3_600_000,
      clock: this.clock,
      random: this.random,
    });
    const { secret } = await rotation.rotateNow(this.options.secretIdOf(orgId));
    return {
      orgId,
      token: secret.token,
      ...(secret.previousTokenExpiresAt ? { previousTokenExpiresAt: secret.previousTokenExpiresAt } : {}),
    };
  }

  /** Ends the grace period now. `revoked` is false when no previous token was recorded. */
  async revokePreviousToken(orgId: string): Promise<{ readonly orgId: string; readonly revoked: boolean }> {
    await this.organization(orgId);
    // Stryker disable next-line ObjectLiteral: revoking the previous token reads no time
    const { revoked } = await new TokenRotation(this.tokens, { clock: this.clock }).revokePrevious(
      this.options.secretIdOf(orgId),
    );
    return { orgId, revoked };
  }

  private async organization(orgId: string): Promise<{ organization: Organization; stored: boolean }> {
    const organization = await this.repository.get(orgId);
    if (organization) return { organization, stored: true };
    if (orgId === this.options.defaultOrgId) return { organization: this.defaultOrganization(), stored: false };
    throw new NotFoundError(`organization ${orgId} does not exist`);
  }

  /** The default organization has no item until configured: a change creates it. */
  private createAs(orgId: string): Pick<Organization, 'name' | 'createdAt'> | undefined {
    return orgId === this.options.defaultOrgId
      ? { name: this.defaultOrganization().name, createdAt: this.clock.now().toISOString() }
      : undefined;
  }

  private defaultOrganization(): Organization {
    return { orgId: this.options.defaultOrgId, name: 'Default organization', seatsUsed: 0, createdAt: '' };
  }

  /** `<name as a slug>-<6 random characters>`: readable in logs and keys, and unguessable from the name alone. */
  private newOrgId(name: string): string {
    // Accents come apart from their letters under NFKD and are dropped, so "Ünïcode" reads "unicode", not "u-ni-code".
    const dashed = name
      .normalize('NFKD')
      // Stryker disable next-line Regex: removing each mark or each run of marks leaves the same text
      .replace(/\p{M}+/gu, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-');
    // Stryker disable next-line Regex: every run of other characters is one dash already, so one dash or a run is the same
    const trimmed = dashed.replace(/^-+|-+$/g, '');
    // Stryker disable next-line Regex: every run of other characters is one dash already, so one dash or a run is the same
    const slug = trimmed.slice(0, 24).replace(/-+$/, '') || 'org';
    const suffix = [...this.random(6)].map((byte) => ID_ALPHABET[byte & 31]).join('');
    return `${slug}-${suffix}`;
  }
}

function validName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || trimmed.length > 200) {
    throw new InvalidOrganizationError('the organization name must be 1 to 200 characters');
  }
  return trimmed;
}

function validSeats(seats: number): number {
  if (!Number.isInteger(seats) || seats < 0 || seats > MAX_SEATS) {
    throw new InvalidOrganizationError(`seats must be a whole number from 0 to ${MAX_SEATS}`);
  }
  return seats;
}
