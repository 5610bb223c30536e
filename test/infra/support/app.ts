import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { createApp } from '../../../bin/app';
import { STACK_NAME } from '../../../lambda/contract/deployment';
import type { ScimStack } from '../../../lib/scim-stack';

/** Skips esbuild: infra tests look at the template, not at the bundles. */
export const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] } as const;

/**
 * The feature flags of cdk.json: the CLI passes them to the app, a test must too, or the tests check a different
 * template (unminimized policies, another CloudWatch role default) than `cdk synth` produces.
 */
export const CDK_JSON_CONTEXT: Readonly<Record<string, unknown>> = JSON.parse(
  readFileSync(path.join(__dirname, '..', '..', '..', 'cdk.json'), 'utf8'),
).context;

export const SENDER_EMAIL = 'licenses@example.com';

/** The app exactly as `cdk synth` builds it (cdk-nag included), without bundling. */
export function synthScimStack(context: Record<string, unknown> = {}): { stack: ScimStack; template: Template } {
  const app = createApp({ context: { ...CDK_JSON_CONTEXT, senderEmail: SENDER_EMAIL, ...NO_BUNDLING, ...context } });
  const stack = app.node.findChild(STACK_NAME) as ScimStack;
  return { stack, template: Template.fromStack(stack) };
}

/** Logical id of an L2 construct's CloudFormation resource. */
export function logicalIdOf(construct: IConstruct): string {
  const resource = construct.node.defaultChild;
  if (!resource) throw new Error(`${construct.node.path} has no default child`);
  return Stack.of(construct).getLogicalId(resource as Parameters<Stack['getLogicalId']>[0]);
}

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

/** Every statement of the inline policies attached to a role, plus the role's managed policy ARNs. */
export function rolePermissions(
  template: Template,
  roleLogicalId: string,
): { statements: Statement[]; managedPolicies: unknown[] } {
  const role = template.findResources('AWS::IAM::Role')[roleLogicalId];
  if (!role) throw new Error(`no role ${roleLogicalId}`);
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
    (policy.Properties.Roles as unknown[]).some(
      (ref) => JSON.stringify(ref) === JSON.stringify({ Ref: roleLogicalId }),
    ),
  );
  return {
    statements: policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]),
    managedPolicies: role.Properties.ManagedPolicyArns ?? [],
  };
}

export function actionsOf(statements: readonly Statement[]): string[] {
  return statements.flatMap((statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]));
}
