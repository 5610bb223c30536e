/**
 * Per-organization throttling: what the stack deploys (API Gateway usage plans and API keys), what the authorizer
 * answers (`usageIdentifierKey`), what the admin command line assigns and what the local gateway enforces.
 *
 * API Gateway throttles each API key of a usage plan separately, so each organization needs its own key. Keys are
 * created by the stack, not at run time: every tier has a fixed number of slots (one key each), and the admin command
 * line gives an organization a free slot of its tier (a claim item in the licenses table, written conditionally). An
 * organization without a slot shares the `unassigned` key (standard figures) with the others that have none; the
 * default organization has a key of its own. The stage throttle stays the hard ceiling over all of them.
 */
export interface ThrottleTierSettings {
  /** Steady requests per second of one organization. */
  readonly rateLimit: number;
  /** Requests an organization may send at once. */
  readonly burstLimit: number;
  /** Organizations the tier can hold: one API key each. */
  readonly slots: number;
}

export const THROTTLE_TIERS = {
  standard: { rateLimit: 10, burstLimit: 20, slots: 30 },
  large: { rateLimit: 25, burstLimit: 50, slots: 10 },
} as const satisfies Record<string, ThrottleTierSettings>;

export type ThrottleTier = keyof typeof THROTTLE_TIERS;

export const THROTTLE_TIER_NAMES = Object.keys(THROTTLE_TIERS) as ThrottleTier[];

/** The tier of the default organization's own key and of the key organizations without a slot share. */
export const DEFAULT_THROTTLE_TIER: ThrottleTier = 'standard';

export function isThrottleTier(value: unknown): value is ThrottleTier {
  return typeof value === 'string' && Object.hasOwn(THROTTLE_TIERS, value);
}

/** An organization's place in a tier: its API key. */
export interface ThrottleSlot {
  readonly tier: ThrottleTier;
  readonly slot: number;
}

/**
 * Usage-plan API key values. They are identifiers for metering, not secrets: with the key source AUTHORIZER, API
 * Gateway takes the key only from the authorizer's answer, never from a request header. API Gateway wants at least
 * 20 characters; the prefix names the stack so two stacks in one account and region do not share keys.
 */
export const usageKeys = {
  prefix: (stackName: string) => `${stackName}-scim-usage-key-`,
  ofDefaultOrganization: (prefix: string) => `${prefix}default`,
  unassigned: (prefix: string) => `${prefix}unassigned`,
  ofSlot: (prefix: string, { tier, slot }: ThrottleSlot) => `${prefix}${tier}-${String(slot).padStart(3, '0')}`,
};

/** The prefix the local stack and tests use. */
export const LOCAL_USAGE_KEY_PREFIX = usageKeys.prefix('local');

/**
 * The tier whose usage plan holds a key value, as the stack associates them: slot keys name their tier, the default
 * organization's and the shared key are in the default tier. Undefined for a value the stack never creates.
 */
export function tierOfUsageKey(prefix: string, value: string): ThrottleTier | undefined {
  if (!value.startsWith(prefix)) return undefined;
  const rest = value.slice(prefix.length);
  if (rest === 'default' || rest === 'unassigned') return DEFAULT_THROTTLE_TIER;
  const match = /^([a-z]+)-(\d{3})$/.exec(rest);
  if (!match || !isThrottleTier(match[1])) return undefined;
  return Number(match[2]) < THROTTLE_TIERS[match[1]].slots ? match[1] : undefined;
}
