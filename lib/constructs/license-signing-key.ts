import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { SIGNING_KEY_FIELD } from '../../lambda/contract/deployment';

/** Every call that deletes the signing key, or replaces or moves its value. */
export const PROTECTED_ACTIONS = [
  'secretsmanager:DeleteSecret',
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecret',
  'secretsmanager:RotateSecret',
  'secretsmanager:UpdateSecretVersionStage',
  'secretsmanager:CancelRotateSecret',
];

/**
 * The secret every license key is derived from (HMAC-SHA256, see lambda/domain/license-keys.ts), generated at deploy
 * time: `{"signingKey": "<64 letters and digits>"}`, about 381 bits. Whoever holds it can derive any key, so only
 * the functions that issue, email or check keys may read it.
 */
export class LicenseSigningKey extends Construct {
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    // Id 'Resource' keeps the logical id short and stable; a test pins it.
    this.secret = new secretsmanager.Secret(this, 'Resource', {
      description: 'Signing key of license keys: every emailed key is derived from it. Never rotate or delete it.',
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: SIGNING_KEY_FIELD,
        passwordLength: 64,
        excludePunctuation: true,
        includeSpace: false,
      },
      // Losing it invalidates every key customers hold.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // RETAIN protects against a stack deletion, not against an API call: an administrator's DeleteSecret or a stray
    // PutSecretValue would invalidate every key in customers' hands. The resource policy denies those to everyone,
    // administrators included. Deliberately not denied: the policy calls themselves, so CloudFormation can still
    // update or remove this statement, and a deliberate change stays possible in two steps (drop the policy, then act).
    this.secret.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'NeverDeleteOrOverwriteTheSigningKey',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: PROTECTED_ACTIONS,
        resources: ['*'],
      }),
    );

    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the license signing key would invalidate every license key already emailed to users; keys are revoked one by one instead (deactivation), and the secret is readable only by the license functions.',
    });
  }
}
