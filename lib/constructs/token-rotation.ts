import * as path from 'node:path';
import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { DEFAULT_GRACE_HOURS } from '../../lambda/contract/deployment';
import { encodeEnvironment } from '../../lambda/contract/environment';
import { ServiceFunction } from './service-function';

const SECRETS_MANAGER_PRINCIPAL = 'secretsmanager.amazonaws.com';

export interface TokenRotationProps {
  /** The default organization's token secret, deployed with the stack. */
  readonly secret: secretsmanager.ISecret;
  /**
   * Name prefix of the other organizations' token secrets (`<prefix><orgId>`), which the admin command creates.
   * @default `<stack name>/org-token/`
   */
  readonly orgSecretPrefix?: string;
  /**
   * Rotate automatically this often. Off by default: Okta and Entra learn a new key only when an admin pastes it, so
   * a schedule suits deployments whose admins act on the rotation (within the grace period).
   * @default - no schedule; rotation runs on `aws secretsmanager rotate-secret` or `npm run admin -- token rotate`
   */
  readonly automaticallyAfter?: Duration;
  /**
   * How long the replaced token keeps working after a rotation.
   * @default 72
   */
  readonly graceHours?: number;
}

/**
 * The rotation Lambda of organization token secrets, attached to the default organization's secret (with or without
 * a schedule) and allowed to rotate every organization secret under the prefix; the admin command attaches it to the
 * secrets it creates.
 */
export class TokenRotation extends Construct {
  readonly function: ServiceFunction;
  readonly orgSecretPrefix: string;
  /** ARN pattern of every organization secret (Secrets Manager appends `-` and 6 characters to a secret's name). */
  readonly orgSecretsArnPattern: string;

  constructor(scope: Construct, id: string, props: TokenRotationProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.orgSecretPrefix = props.orgSecretPrefix ?? `${stack.stackName}/org-token/`;
    this.orgSecretsArnPattern = stack.formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${this.orgSecretPrefix}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const graceHours = props.graceHours ?? DEFAULT_GRACE_HOURS;

    this.function = new ServiceFunction(this, 'Function', {
      entry: path.join(__dirname, '..', '..', 'lambda', 'handlers', 'token-rotation.ts'),
      description: 'Rotates organization SCIM API keys, keeping the replaced key valid for a grace period',
      environment: encodeEnvironment({ tokenGraceHours: graceHours, serviceName: 'scim-token-rotation' }),
    });

    // Duration 0 attaches the Lambda without RotationRules: rotation then runs only when someone asks for it.
    // rotateImmediatelyOnUpdate false: deploying must never replace the key an identity provider is using.
    props.secret.addRotationSchedule('RotationSchedule', {
      rotationLambda: this.function.function,
      automaticallyAfter: props.automaticallyAfter ?? Duration.days(0),
      rotateImmediatelyOnUpdate: false,
    });

    // addRotationSchedule lets the Secrets Manager service principal invoke the function without a condition, so a
    // rotation configured in any other account could invoke it too (the confused deputy). Only this account's
    // secrets (the default one and those the admin command creates) may.
    for (const child of this.function.function.node.children) {
      if (child instanceof lambda.CfnPermission && child.principal === SECRETS_MANAGER_PRINCIPAL) {
        child.sourceAccount = stack.account;
      }
    }

    this.function.function.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'RotateOrganizationTokens',
        actions: [
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
        ],
        resources: [this.orgSecretsArnPattern],
      }),
    );

    Validations.of(this.function).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Action::secretsmanager:GetRandomPassword]',
        reason: 'Added by addRotationSchedule; GetRandomPassword has no resource-level permissions.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${wildcardFinding(this, this.orgSecretsArnPattern)}]`,
        reason:
          'Organization secrets are created at run time by the admin command; the wildcard is limited to names under this stack prefix.',
      },
    );
  }

  /** Lets `grantee` read the current value of every organization's token secret (the authorizer). */
  grantReadOrgSecrets(grantee: ServiceFunction): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadOrganizationTokens',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [this.orgSecretsArnPattern],
      }),
    );
    Validations.of(grantee).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${wildcardFinding(this, this.orgSecretsArnPattern)}]`,
      reason:
        'A token names its organization, whose secret is created at run time; the wildcard is limited to names under this stack prefix.',
    });
  }
}

/**
 * The resource as cdk-nag names it in a finding id: the ARN's CloudFormation join flattened, each `Ref` to a pseudo
 * parameter written `<AWS::Region>`.
 */
function wildcardFinding(scope: Construct, arn: string): string {
  const resolved: unknown = Stack.of(scope).resolve(arn);
  if (typeof resolved === 'string') return resolved;
  const join = (resolved as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) throw new Error(`cannot name the cdk-nag finding of ${JSON.stringify(resolved)}`);
  return join[1].map((part) => (typeof part === 'string' ? part : `<${(part as { Ref: string }).Ref}>`)).join(join[0]);
}
