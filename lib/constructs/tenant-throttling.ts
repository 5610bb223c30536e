import { Aws } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { Construct } from 'constructs';
import {
  DEFAULT_THROTTLE_TIER,
  THROTTLE_TIER_NAMES,
  THROTTLE_TIERS,
  type ThrottleTier,
  usageKeys,
} from '../../lambda/contract/throttle-tiers';

export interface TenantThrottlingProps {
  readonly api: apigateway.RestApi;
  readonly stage: apigateway.Stage;
}

/**
 * Per-organization rate and burst: one usage plan per tier of lambda/contract/throttle-tiers.ts, each with one API key
 * per slot, plus the default organization's own key and the key organizations without a slot share (both in the
 * default tier). API Gateway throttles each key of a plan separately; the authorizer answers the organization's key as
 * `usageIdentifierKey`. The stage throttle stays the ceiling over all organizations together.
 */
export class TenantThrottling extends Construct {
  readonly plans: Readonly<Record<ThrottleTier, apigateway.UsagePlan>>;
  /** Prefix of every key value; the authorizer gets it as `USAGE_KEY_PREFIX`. */
  readonly keyPrefix: string;

  constructor(scope: Construct, id: string, props: TenantThrottlingProps) {
    super(scope, id);
    this.keyPrefix = usageKeys.prefix(Aws.STACK_NAME);

    const plans = {} as Record<ThrottleTier, apigateway.UsagePlan>;
    for (const tier of THROTTLE_TIER_NAMES) {
      const settings = THROTTLE_TIERS[tier];
      const plan = new apigateway.UsagePlan(this, `${capitalized(tier)}Plan`, {
        description: `SCIM requests of one organization in the ${tier} tier`,
        apiStages: [{ api: props.api, stage: props.stage }],
        throttle: { rateLimit: settings.rateLimit, burstLimit: settings.burstLimit },
      });
      for (let slot = 0; slot < settings.slots; slot++) {
        this.addKey(plan, `${capitalized(tier)}Key${slot}`, usageKeys.ofSlot(this.keyPrefix, { tier, slot }));
      }
      plans[tier] = plan;
    }
    const defaultPlan = plans[DEFAULT_THROTTLE_TIER];
    this.addKey(defaultPlan, 'DefaultOrganizationKey', usageKeys.ofDefaultOrganization(this.keyPrefix));
    this.addKey(defaultPlan, 'UnassignedKey', usageKeys.unassigned(this.keyPrefix));
    this.plans = plans;
  }

  private addKey(plan: apigateway.UsagePlan, id: string, value: string): void {
    // Not a secret: with the key source AUTHORIZER, API Gateway never takes a key from a request.
    const key = new apigateway.ApiKey(this, id, {
      value,
      enabled: true,
      description: 'Usage-plan key of SCIM throttling',
    });
    plan.addApiKey(key);
  }
}

function capitalized(value: string): string {
  return `${value.charAt(0).toUpperCase()}${value.slice(1)}`;
}
