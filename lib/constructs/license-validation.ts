import * as path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { encodeEnvironment } from '../../lambda/contract/environment';
import { VALIDATE_LICENSE_PATH } from '../../lambda/contract/routes';
import { IndexNames } from '../../lambda/contract/tables';
import { ServiceFunction } from './service-function';

/** Path of the validation endpoint below the stage, beside `/scim/v2`. */

export interface LicenseValidationProps {
  /** The REST API's root resource; the route is added beside `/scim/v2`. */
  readonly root: apigateway.IResource;
  /** The deployed stage, for this method's own throttling. */
  readonly stage: apigateway.Stage;
  readonly table: dynamodb.ITable;
  /** The license signing key: the MAC of a key is checked before any read. */
  readonly signingKey: secretsmanager.ISecret;
  /** Table names and the default organization, as every handler reads them (`configFromEnv`). */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Requests per second for the validation method, separate from SCIM's stage limit.
   * @default 20
   */
  readonly throttlingRateLimit?: number;
  /** @default 40 */
  readonly throttlingBurstLimit?: number;
}

/**
 * `POST /licenses/validate` for the desktop app: no SCIM token (a license key is the credential), its own throttle,
 * and a function that can read license items and the key lookup index, and nothing else.
 */
export class LicenseValidation extends Construct {
  readonly function: ServiceFunction;
  readonly method: apigateway.Method;

  constructor(scope: Construct, id: string, props: LicenseValidationProps) {
    super(scope, id);

    this.function = new ServiceFunction(this, 'Function', {
      entry: path.join(__dirname, '..', '..', 'lambda', 'handlers', 'validate-license.ts'),
      description: 'Answers whether a license key is valid, for the desktop app',
      environment: {
        ...props.environment,
        ...encodeEnvironment({ signingKeySecretId: props.signingKey.secretArn, serviceName: 'license-validation' }),
      },
    });
    props.signingKey.grantRead(this.function);
    this.function.function.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadLicenses',
        actions: ['dynamodb:GetItem', 'dynamodb:Query'],
        resources: [props.table.tableArn, `${props.table.tableArn}/index/${IndexNames.lookup}`],
      }),
    );

    const resource = props.root.resourceForPath(VALIDATE_LICENSE_PATH);
    this.method = resource.addMethod(
      'POST',
      new apigateway.LambdaIntegration(this.function.function, { proxy: true, allowTestInvoke: false }),
      { authorizationType: apigateway.AuthorizationType.NONE },
    );
    Validations.of(this.method).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'The desktop app calls this with a license key, which is the credential: keys are MAC-checked before any read, answers reveal no personal data, and the method has its own throttle.',
    });
    Validations.of(this.method).acknowledge({
      id: 'AwsSolutions-COG4',
      reason: 'End users of the desktop app have no Cognito identity; the license key in the body is what is checked.',
    });

    // The stage's method settings come from its construct; this method's throttle is appended to them.
    const cfnStage = props.stage.node.defaultChild as apigateway.CfnStage;
    const existing = cfnStage.methodSettings;
    if (existing !== undefined && !Array.isArray(existing)) {
      throw new Error('the stage method settings are not a list; cannot add the validation throttle');
    }
    cfnStage.methodSettings = [
      ...(existing ?? []),
      {
        resourcePath: `/${VALIDATE_LICENSE_PATH.replace(/\//g, '~1')}`,
        httpMethod: 'POST',
        throttlingRateLimit: props.throttlingRateLimit ?? 20,
        throttlingBurstLimit: props.throttlingBurstLimit ?? 40,
        metricsEnabled: true,
        loggingLevel: 'ERROR',
        // Bodies hold license keys.
        dataTraceEnabled: false,
      },
    ];
  }
}
