import { LOCAL_USAGE_KEY_PREFIX, tierOfUsageKey, usageKeys } from '../../../lambda/contract/throttle-tiers';
import { usagePlanThrottle } from '../../../local/usage-plans';

const prefix = LOCAL_USAGE_KEY_PREFIX;

describe('usage-plan keys', () => {
  it.each([
    [usageKeys.ofDefaultOrganization(prefix), 'standard'],
    [usageKeys.unassigned(prefix), 'standard'],
    [usageKeys.ofSlot(prefix, { tier: 'large', slot: 3 }), 'large'],
    [usageKeys.ofSlot(prefix, { tier: 'standard', slot: 29 }), 'standard'],
    [usageKeys.ofSlot(prefix, { tier: 'standard', slot: 30 }), undefined],
    [`${prefix}huge-001`, undefined],
    ['another-stack-scim-usage-key-default', undefined],
    [`${'x'.repeat(prefix.length)}large-003`, undefined],
    [`${prefix}x-large-003`, undefined],
    [`${prefix}large-0031`, undefined],
  ])('puts %s in the %s plan', (key, tier) => {
    expect(tierOfUsageKey(prefix, key)).toBe(tier);
  });

  it('name a slot by its tier and its number in three digits', () => {
    expect(usageKeys.ofSlot('s-', { tier: 'large', slot: 3 })).toBe('s-large-003');
  });

  it('are at least the 20 characters API Gateway wants, even for a one-letter stack', () => {
    expect(usageKeys.ofDefaultOrganization(usageKeys.prefix('A')).length).toBeGreaterThanOrEqual(20);
  });
});

describe('usagePlanThrottle', () => {
  it('lets a burst through, then refills at the tier rate, per key', () => {
    const clock = { t: 0 };
    const check = usagePlanThrottle({ tiers: { standard: { rateLimit: 2, burstLimit: 3 } }, now: () => clock.t });
    const key = usageKeys.unassigned(prefix);
    const other = usageKeys.ofDefaultOrganization(prefix);

    const burst = [check(key), check(key), check(key), check(key)];
    const otherKey = check(other);
    clock.t += 500;
    const afterHalfASecond = [check(key), check(key)];

    expect(burst).toEqual([0, 0, 0, 1]);
    expect(otherKey).toBe(0);
    expect(afterHalfASecond).toEqual([0, 1]);
  });

  it('says how many whole seconds a slow tier needs for the next request', () => {
    const check = usagePlanThrottle({ tiers: { standard: { rateLimit: 0.25, burstLimit: 1 } }, now: () => 0 });
    const key = usageKeys.unassigned(prefix);

    expect([check(key), check(key)]).toEqual([0, 4]);
  });

  it('does not throttle a key no plan holds', () => {
    const check = usagePlanThrottle({ tiers: { standard: { rateLimit: 1, burstLimit: 1 } }, now: () => 0 });

    expect([check('unknown'), check('unknown')]).toEqual([0, 0]);
  });
});
