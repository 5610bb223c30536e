import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface TokenSecretProps {
  /** Organization the token belongs to; stored beside the token so the secret names its owner. */
  readonly orgId: string;
}

/**
 * An organization's SCIM token in Secrets Manager, generated at deploy time. The secret's JSON is
 * `{"orgId": "...", "token": "..."}`; the token is 64 characters of [A-Za-z0-9], about 381 bits of entropy.
 */
export class TokenSecret extends Construct {
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: TokenSecretProps) {
    super(scope, id);

    // Id 'Resource' keeps the logical id short and stable; a test pins it.
    this.secret = new secretsmanager.Secret(this, 'Resource', {
      description: `SCIM API key of organization ${props.orgId}: paste the "token" field into the identity provider`,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ orgId: props.orgId }),
        generateStringKey: 'token',
        passwordLength: 64,
        // Letters and digits only: the key is pasted into Okta's and Entra's header fields and must survive that.
        excludePunctuation: true,
        includeSpace: false,
      },
      // Deleting the stack must not cut off a customer's live Okta integration.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The rotation Lambda (token-rotation construct) is attached, but it runs on a schedule only when the tokenRotationDays context is set: the customer must paste each new key into Okta, so unattended rotation would stop provisioning once the grace period ends.',
    });
  }
}
