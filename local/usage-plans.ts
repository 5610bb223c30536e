import {
  LOCAL_USAGE_KEY_PREFIX,
  THROTTLE_TIERS,
  type ThrottleTierSettings,
  tierOfUsageKey,
} from '../lambda/contract/throttle-tiers';

/** Seconds to wait before retrying; 0 when the request may go on. */
export type UsagePlanCheck = (usageKey: string) => number;

export interface UsagePlanOptions {
  /** @default LOCAL_USAGE_KEY_PREFIX */
  readonly keyPrefix?: string;
  /** @default THROTTLE_TIERS */
  readonly tiers?: Readonly<Record<string, Pick<ThrottleTierSettings, 'rateLimit' | 'burstLimit'>>>;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * API Gateway's usage-plan throttling on one machine: a token bucket per API key (the authorizer's
 * `usageIdentifierKey`), with the rate and burst of the tier the key belongs to. A key no plan holds is not
 * throttled here (the deployed gateway refuses it; the authorizer never answers one).
 */
export function usagePlanThrottle(options: UsagePlanOptions = {}): UsagePlanCheck {
  const prefix = options.keyPrefix ?? LOCAL_USAGE_KEY_PREFIX;
  const tiers: UsagePlanOptions['tiers'] & object = options.tiers ?? THROTTLE_TIERS;
  const now = options.now ?? Date.now;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return (usageKey) => {
    const tier = tierOfUsageKey(prefix, usageKey);
    const settings = tier === undefined ? undefined : tiers[tier];
    if (!settings) return 0;
    const at = now();
    const bucket = buckets.get(usageKey) ?? { tokens: settings.burstLimit, at };
    const tokens = Math.min(settings.burstLimit, bucket.tokens + ((at - bucket.at) / 1000) * settings.rateLimit);
    if (tokens >= 1) {
      buckets.set(usageKey, { tokens: tokens - 1, at });
      return 0;
    }
    buckets.set(usageKey, { tokens, at });
    // Integer seconds, as the deployed gateway response says: at least 1.
    return Math.max(1, Math.ceil((1 - tokens) / settings.rateLimit));
  };
}
