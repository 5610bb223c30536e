import type { Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { createApp } from '../../bin/app';
import { STACK_NAME } from '../../lambda/contract/deployment';
import { CDK_JSON_CONTEXT, NO_BUNDLING, SENDER_EMAIL } from './support/app';

function buildApp() {
  return createApp({ context: { ...CDK_JSON_CONTEXT, senderEmail: SENDER_EMAIL, ...NO_BUNDLING } });
}

describe('cdk-nag AwsSolutions gate', () => {
  it('finds no unacknowledged warning or error in the app', () => {
    const app = buildApp();

    const report = new AwsSolutionsChecks().validateScope(app);

    // Listed one per line so a failure names the rule and the construct.
    const findings = report.violations.flatMap((violation) =>
      violation.violatingResources.map((resource) => `${violation.ruleName} ${resource.constructPath}`),
    );
    expect(findings).toEqual([]);
  });

  it('lets the app synthesize with the plugin registered, as `cdk synth` does', () => {
    const app = buildApp();

    expect(() => app.synth()).not.toThrow();
  });

  it('fails synthesis on a finding nobody acknowledged', () => {
    const app = buildApp();
    new secretsmanager.Secret(app.node.findChild(STACK_NAME) as Stack, 'UnrotatedSecret');

    expect(() => app.synth()).toThrow(/AwsSolutions-SMG4/);
  });
});
