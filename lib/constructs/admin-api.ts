import * as path from 'node:path';
import { Stack, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { encodeEnvironment } from '../../lambda/contract/environment';
import { PROBLEM_CONTENT_TYPE } from '../../lambda/contract/http';
import { ADMIN_BASE_PATH } from '../../lambda/contract/routes';
import { IndexNames } from '../../lambda/contract/tables';
import { ServiceFunction } from './service-function';

export interface AdminApiProps {
  /** The REST API the SCIM routes live on; the admin routes are added beside them. */
  readonly api: apigateway.RestApi;
  readonly usersTable: dynamodb.ITable;
  /** Organizations, licenses, the outbox and the idempotency records. */
  readonly licensesTable: dynamodb.ITable;
  /** The default organization's token secret (rotated and read through the API). */
  readonly defaultTokenSecret: secretsmanager.ISecret;
  /** Name prefix of the other organizations' token secrets, which the API creates. */
  readonly orgSecretPrefix: string;
  /** ARN pattern of those secrets. */
  readonly orgSecretsArnPattern: string;
  /** Attached to the secrets the API creates. */
  readonly rotationFunction: lambda.IFunction;
  /** Table names and the default organization, as every handler reads them. */
  readonly environment: Readonly<Record<string, string>>;
  /** @default 72 */
  readonly tokenGraceHours?: number;
  /**
   * The portal backend's role (or any principal) allowed to call the admin API; more can be added with `grantInvoke`.
   * @default - nobody until `grantInvoke` is called or a policy grants `invokeArn`
   */
  readonly adminPrincipal?: iam.IGrantable;
}

/**
 * `/admin/{proxy+}` on the same REST API, AWS_IAM authorization on every method (API Gateway checks the SigV4 signature
 * and `execute-api:Invoke`; no Lambda authorizer, so a SCIM key never reaches it), and the admin function with the
 * grants its use cases need.
 */
export class AdminApi extends Construct {
  readonly function: ServiceFunction;
  readonly method: apigateway.Method;
  /** `arn:aws:execute-api:<region>:<account>:<api>/<stage>/*\/admin/*`: what a caller must be allowed to invoke. */
  readonly invokeArn: string;
  /** `https://<api>/<stage>/admin`. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: AdminApiProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.function = new ServiceFunction(this, 'Function', {
      entry: path.join(__dirname, '..', '..', 'lambda', 'handlers', 'admin.ts'),
      description: "The license portal's admin API: organizations, API keys, seats and licenses",
      environment: {
        ...props.environment,
        ...encodeEnvironment({
          tokenSecretId: props.defaultTokenSecret.secretArn,
          orgSecretPrefix: props.orgSecretPrefix,
          tokenRotationFunctionArn: props.rotationFunction.functionArn,
          tokenGraceHours: props.tokenGraceHours,
          stackName: stack.stackName,
          serviceName: 'admin',
        }),
      },
    });
    const fn = this.function;

    props.licensesTable.grantReadWriteData(fn);
    fn.function.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadUserNames',
        actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
        // The license history finds a user by userName: one Query of that index, nothing else of the users table.
        resources: [props.usersTable.tableArn, `${props.usersTable.tableArn}/index/${IndexNames.byUserName}`],
      }),
    );
    props.defaultTokenSecret.grantRead(fn);
    props.defaultTokenSecret.grantWrite(fn);
    fn.function.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'RotateDefaultToken',
        actions: ['secretsmanager:UpdateSecretVersionStage'],
        resources: [props.defaultTokenSecret.secretArn],
      }),
    );
    fn.function.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ManageOrganizationTokens',
        actions: [
          'secretsmanager:CreateSecret',
          'secretsmanager:TagResource',
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
          'secretsmanager:RotateSecret',
        ],
        resources: [props.orgSecretsArnPattern],
      }),
    );
    // Attaching rotation to a new secret (RotateSecret with a Lambda) needs permission to invoke that Lambda.
    props.rotationFunction.grantInvoke(fn);

    const resource = props.api.root.resourceForPath(ADMIN_BASE_PATH).addResource('{proxy+}');
    this.method = resource.addMethod(
      'ANY',
      new apigateway.LambdaIntegration(fn.function, { proxy: true, allowTestInvoke: false }),
      { authorizationType: apigateway.AuthorizationType.IAM },
    );

    this.invokeArn = props.api.arnForExecuteApi('*', `${ADMIN_BASE_PATH}/*`, props.api.deploymentStage.stageName);
    this.url = props.api.urlForPath(ADMIN_BASE_PATH);
    if (props.adminPrincipal) this.grantInvoke(props.adminPrincipal);

    // Only AWS_IAM methods produce these: the admin API's callers get problem details, whatever the SCIM side uses.
    for (const [type, detail] of [
      [apigateway.ResponseType.INVALID_SIGNATURE, 'The SigV4 signature does not match: sign the request again.'],
      [apigateway.ResponseType.EXPIRED_TOKEN, 'The credentials or the signature expired: sign with fresh credentials.'],
    ] as const) {
      props.api.addGatewayResponse(`Gateway${type.responseType}`, {
        type,
        statusCode: '403',
        responseHeaders: { 'Content-Type': `'${PROBLEM_CONTENT_TYPE}'` },
        templates: {
          'application/json': JSON.stringify({ type: 'about:blank', title: 'Forbidden', status: 403, detail }),
        },
      });
    }

    Validations.of(this.method).acknowledge({
      id: 'AwsSolutions-COG4',
      reason:
        "The admin API's caller is the license portal's backend, an AWS role: IAM authorization (SigV4) identifies it, not a Cognito user pool.",
    });
    const tableLogicalId = stack.getLogicalId(props.licensesTable.node.defaultChild as dynamodb.CfnTable);
    Validations.of(fn).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::<${tableLogicalId}.Arn>/index/*]`,
        reason:
          'Organization and license listings query the indexes of the licenses table; the wildcard is limited to them.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${wildcardFinding(this, props.orgSecretsArnPattern)}]`,
        reason:
          'Organization secrets are created by this API at run time; the wildcard is limited to names under this stack prefix.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(props.rotationFunction.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
        reason: 'grantInvoke covers the versions of the rotation function it attaches to new secrets.',
      },
    );
  }

  /** Lets `grantee` call every admin route, and nothing else of the API: `execute-api:Invoke` on `invokeArn`. */
  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: [this.invokeArn],
    });
    const policy = grant.principalStatement && grantee.grantPrincipal;
    if (policy && Construct.isConstruct(grantee) && Stack.of(grantee) === Stack.of(this)) {
      Validations.of(grantee).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${wildcardFinding(this, this.invokeArn)}]`,
        reason: 'Every method of the admin routes (/admin/* on this stage) and nothing else of the API.',
      });
    }
    return grant;
  }
}

/** The resource as cdk-nag names it in a finding id: the ARN's join flattened, each `Ref` written `<AWS::Region>`. */
function wildcardFinding(scope: Construct, arn: string): string {
  const resolved: unknown = Stack.of(scope).resolve(arn);
  if (typeof resolved === 'string') return resolved;
  const join = (resolved as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) throw new Error(`cannot name the cdk-nag finding of ${JSON.stringify(resolved)}`);
  return join[1].map((part) => (typeof part === 'string' ? part : `<${(part as { Ref: string }).Ref}>`)).join(join[0]);
}
