import { THROTTLE_TIERS } from '../../lambda/contract/throttle-tiers';
import { logicalIdOf, synthScimStack } from './support/app';

const { stack, template } = synthScimStack();
const apiId = logicalIdOf(stack.scimApi.api);
const stageId = logicalIdOf(stack.scimApi.stage);
const json = (value: unknown) => JSON.stringify(value);

describe('per-organization throttling', () => {
  it('takes the usage-plan key from the authorizer, never from a request header', () => {
    expect(template.findResources('AWS::ApiGateway::RestApi')[apiId]?.Properties.ApiKeySourceType).toBe('AUTHORIZER');
  });

  it('requires the key on every SCIM method, and not on the unauthenticated license validation', () => {
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method'));
    const scim = methods.filter((method) => method.Properties.AuthorizationType === 'CUSTOM');
    const validation = template.findResources('AWS::ApiGateway::Method')[logicalIdOf(stack.licenseValidation.method)];

    expect(scim).toHaveLength(2);
    for (const method of scim) expect(method.Properties.ApiKeyRequired).toBe(true);
    expect(validation?.Properties.AuthorizationType).toBe('NONE');
    expect(validation?.Properties.ApiKeyRequired).not.toBe(true);
  });

  it.each(Object.entries(THROTTLE_TIERS))('has a %s plan on the stage with its rate and burst', (tier, settings) => {
    const plan =
      template.findResources('AWS::ApiGateway::UsagePlan')[
        logicalIdOf(stack.tenantThrottling.plans[tier as 'standard'])
      ];

    expect(plan?.Properties).toMatchObject({
      ApiStages: [{ ApiId: { Ref: apiId }, Stage: { Ref: stageId } }],
      Throttle: { RateLimit: settings.rateLimit, BurstLimit: settings.burstLimit },
    });
    expect(plan?.Properties.Quota).toBeUndefined();
  });

  it('keeps the stage throttle above every tier: it stays the ceiling of all organizations together', () => {
    const stage = template.findResources('AWS::ApiGateway::Stage')[stageId]!.Properties;
    const stageDefaults = (
      stage.MethodSettings as { HttpMethod: string; ThrottlingRateLimit?: number; ThrottlingBurstLimit?: number }[]
    ).find((setting) => setting.HttpMethod === '*');

    for (const settings of Object.values(THROTTLE_TIERS)) {
      expect(stageDefaults?.ThrottlingRateLimit).toBeGreaterThan(settings.rateLimit);
      expect(stageDefaults?.ThrottlingBurstLimit).toBeGreaterThan(settings.burstLimit);
    }
  });

  it('creates one key per slot of each tier, plus the default organization and the shared key, each in its plan', () => {
    const keys = template.findResources('AWS::ApiGateway::ApiKey');
    const planKeys = Object.values(template.findResources('AWS::ApiGateway::UsagePlanKey'));
    const slots = Object.values(THROTTLE_TIERS).reduce((sum, settings) => sum + settings.slots, 0);
    const standardPlan = logicalIdOf(stack.tenantThrottling.plans.standard);
    const keyValueOf = (keyId: string) => json(keys[keyId]?.Properties.Value);
    const planOf = (suffix: string) =>
      planKeys.find((planKey) => keyValueOf((planKey.Properties.KeyId as { Ref: string }).Ref).includes(suffix))
        ?.Properties.UsagePlanId;

    expect(Object.keys(keys)).toHaveLength(slots + 2);
    expect(planKeys).toHaveLength(slots + 2);
    expect(planOf('-scim-usage-key-default')).toEqual({ Ref: standardPlan });
    expect(planOf('-scim-usage-key-unassigned')).toEqual({ Ref: standardPlan });
    expect(planOf('-scim-usage-key-large-009')).toEqual({ Ref: logicalIdOf(stack.tenantThrottling.plans.large) });
    expect(planOf('-scim-usage-key-standard-029')).toEqual({ Ref: standardPlan });
    for (const key of Object.values(keys)) expect(key.Properties.Enabled).toBe(true);
  });

  it('tells the admin command line the plan of each tier', () => {
    const output = template.toJSON().Outputs.UsagePlans;

    expect(json(output.Value)).toContain(logicalIdOf(stack.tenantThrottling.plans.large));
  });
});
