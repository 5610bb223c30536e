import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { SIGNING_KEY_FIELD } from '../../lambda/contract/deployment';

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

    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the license signing key would invalidate every license key already emailed to users; keys are revoked one by one instead (deactivation), and the secret is readable only by the license functions.',
    });
  }
}
