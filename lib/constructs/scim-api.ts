import { Duration, Fn, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { DEFAULT_SECRET_CACHE_TTL_MS } from '../../lambda/contract/deployment';
import { GATEWAY_ERROR_TEXTS, type GatewayErrorText } from '../../lambda/contract/gateway-errors';
import { ERROR_SCHEMA, SCIM_CONTENT_TYPE } from '../../lambda/contract/http';
import { SCIM_BASE_PATH } from '../../lambda/contract/routes';

/** Path of the SCIM base below the stage; Okta's "SCIM connector base URL" ends with it. */

/** A revoked token must stop working within this, end to end. */
const REVOCATION_DELAY_LIMIT = Duration.seconds(60);
/**
 * API Gateway caches an authorizer answer per Authorization header, and the authorizer function caches the secret it
 * checked the token against: the two caches add up, so the stage's share is what the function's cache leaves.
 */
const MAX_AUTHORIZER_CACHE_TTL = Duration.seconds(
  REVOCATION_DELAY_LIMIT.toSeconds() - DEFAULT_SECRET_CACHE_TTL_MS / 1000,
);
const DEFAULT_AUTHORIZER_CACHE_TTL = MAX_AUTHORIZER_CACHE_TTL;

export interface ScimApiProps {
  /** Serves every SCIM route (Lambda proxy integration). */
  readonly handler: lambda.IFunction;
  /** REQUEST authorizer: maps the Authorization header to an organization id. */
  readonly authorizerHandler: lambda.IFunction;
  /** @default 'v1' */
  readonly stageName?: string;
  /**
   * Steady-state requests per second for the whole stage. Okta sends a few per second per organization.
   * @default 50
   */
  readonly throttlingRateLimit?: number;
  /**
   * Burst bucket size; imports and group pushes arrive in bursts.
   * @default 100
   */
  readonly throttlingBurstLimit?: number;
  /**
   * How long API Gateway reuses an authorizer answer; at most 30 s. Added to the authorizer's own 30 s secret cache,
   * it bounds how long a revoked token keeps working (at most 60 s).
   * @default Duration.seconds(30)
   */
  readonly authorizerCacheTtl?: Duration;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * A WAFv2 web ACL (REGIONAL scope) to associate with the stage.
   * @default - no web ACL
   */
  readonly webAclArn?: string;
  /**
   * Create the regional, account-wide role API Gateway needs to write execution logs. Set to false when the account
   * already has one configured (only one exists per account and region).
   * @default true
   */
  readonly manageCloudWatchRole?: boolean;
}

interface GatewayError extends GatewayErrorText {
  readonly type: apigateway.ResponseType;
}

/** API Gateway's own errors as SCIM error bodies (texts shared with the local stack). */
const GATEWAY_ERRORS: readonly GatewayError[] = [
  { type: apigateway.ResponseType.UNAUTHORIZED, ...GATEWAY_ERROR_TEXTS.unauthorized },
  { type: apigateway.ResponseType.ACCESS_DENIED, ...GATEWAY_ERROR_TEXTS.accessDenied },
  { type: apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN, ...GATEWAY_ERROR_TEXTS.notFound },
  {
    type: apigateway.ResponseType.THROTTLED,
    ...GATEWAY_ERROR_TEXTS.throttled,
    // Integer seconds, as RFC 9110 allows and Okta's retry logic expects.
    headers: { 'Retry-After': '1' },
  },
  { type: apigateway.ResponseType.REQUEST_TOO_LARGE, ...GATEWAY_ERROR_TEXTS.tooLarge },
  { type: apigateway.ResponseType.INTEGRATION_TIMEOUT, ...GATEWAY_ERROR_TEXTS.timeout },
  // Every other 4xx API Gateway produces itself; the SCIM function answers its own errors.
  { type: apigateway.ResponseType.DEFAULT_4XX, ...GATEWAY_ERROR_TEXTS.rejected },
  { type: apigateway.ResponseType.DEFAULT_5XX, ...GATEWAY_ERROR_TEXTS.internal },
];

/**
 * The REST API Okta and Entra call: `/scim/v2` and everything below it go to the SCIM function behind a Lambda
 * authorizer, on a throttled, logged and traced stage whose own errors are SCIM error bodies.
 * Later constructs add routes beside `/scim/v2` through `root`.
 */
export class ScimApi extends Construct {
  readonly api: apigateway.RestApi;
  /** The API's root resource, for routes outside SCIM (they bring their own authorization). */
  readonly root: apigateway.IResource;
  /** The `/scim/v2` resource. */
  readonly scimResource: apigateway.Resource;
  readonly authorizer: apigateway.RequestAuthorizer;
  readonly stage: apigateway.Stage;
  readonly accessLogGroup: logs.LogGroup;
  /** Absolute SCIM base URL, `https://…/<stage>/scim/v2`. */
  readonly scimBaseUrl: string;

  constructor(scope: Construct, id: string, props: ScimApiProps) {
    super(scope, id);

    const cacheTtl = props.authorizerCacheTtl ?? DEFAULT_AUTHORIZER_CACHE_TTL;
    if (cacheTtl.toSeconds() > MAX_AUTHORIZER_CACHE_TTL.toSeconds()) {
      throw new Error(
        `authorizerCacheTtl must be at most ${MAX_AUTHORIZER_CACHE_TTL.toSeconds()} seconds (the authorizer caches the ` +
          `secret for another ${DEFAULT_SECRET_CACHE_TTL_MS / 1000} s), got ${cacheTtl.toSeconds()}`,
      );
    }
    const stageName = props.stageName ?? 'v1';
    const retention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const manageCloudWatchRole = props.manageCloudWatchRole ?? true;

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.api = new apigateway.RestApi(this, 'Api', {
      description: 'SCIM 2.0 provisioning API for Okta and Entra ID',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      // Per-organization throttling: the usage-plan key comes from the authorizer's usageIdentifierKey.
      apiKeySourceType: apigateway.ApiKeySourceType.AUTHORIZER,
      cloudWatchRole: manageCloudWatchRole,
      // Other APIs in the account may rely on the account-wide logging role after this stack is gone.
      cloudWatchRoleRemovalPolicy: manageCloudWatchRole ? RemovalPolicy.RETAIN : undefined,
      deployOptions: {
        stageName,
        throttlingRateLimit: props.throttlingRateLimit ?? 50,
        throttlingBurstLimit: props.throttlingBurstLimit ?? 100,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        // Request and response bodies hold personal data (names, emails): never log them.
        dataTraceEnabled: false,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: accessLogFormat(),
      },
    });
    this.stage = this.api.deploymentStage;
    this.root = this.api.root;

    // API Gateway creates the execution log group on first use with no expiry; own it first to set one.
    const executionLogs = new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: Fn.join('', ['API-Gateway-Execution-Logs_', this.api.restApiId, '/', stageName]),
      retention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage.node.addDependency(executionLogs);

    this.authorizer = new apigateway.RequestAuthorizer(this, 'Authorizer', {
      handler: props.authorizerHandler,
      identitySources: [apigateway.IdentitySource.header('Authorization')],
      resultsCacheTtl: cacheTtl,
    });

    const integration = new apigateway.LambdaIntegration(props.handler, { proxy: true, allowTestInvoke: false });
    this.scimResource = this.api.root.addResource('scim').addResource('v2');
    const methodOptions: apigateway.MethodOptions = {
      authorizer: this.authorizer,
      authorizationType: apigateway.AuthorizationType.CUSTOM,
      // Meters and throttles each organization by its usage plan (see TenantThrottling).
      apiKeyRequired: true,
    };
    // The base itself goes to the function too, so a request to the bare base URL gets the function's SCIM answer.
    this.scimResource.addMethod('ANY', integration, methodOptions);
    this.scimResource.addResource('{proxy+}').addMethod('ANY', integration, methodOptions);

    for (const error of GATEWAY_ERRORS) {
      const body = JSON.stringify({ schemas: [ERROR_SCHEMA], status: String(error.status), detail: error.detail });
      this.api.addGatewayResponse(`Gateway${error.type.responseType}`, {
        type: error.type,
        statusCode: String(error.status),
        // Static header values are single-quoted literals in gateway responses.
        responseHeaders: Object.fromEntries(
          Object.entries({ 'Content-Type': SCIM_CONTENT_TYPE, ...error.headers }).map(([name, value]) => [
            name,
            `'${value}'`,
          ]),
        ),
        // The template is picked by the request's content type; Okta sends application/scim+json, others JSON.
        templates: { 'application/json': body, 'application/scim+json': body },
      });
    }

    if (props.webAclArn) {
      new wafv2.CfnWebACLAssociation(this, 'WebAcl', {
        resourceArn: this.stage.stageArn,
        webAclArn: props.webAclArn,
      });
    } else {
      Validations.of(this.stage).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason:
          'WAF is opt-in (webAclArn) because of its fixed monthly cost: every SCIM route needs a valid API key checked by the Lambda authorizer, and the stage is throttled.',
      });
    }

    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason:
        'SCIM bodies are validated in the SCIM function with zod: SCIM attribute names are case-insensitive and schemas are extensible (URN-keyed extensions), which API Gateway JSON-schema models cannot express.',
    });
    Validations.of(this.scimResource).acknowledge({
      id: 'AwsSolutions-COG4',
      reason:
        'SCIM clients (Okta, Entra ID) authenticate with a bearer API key, not Cognito tokens; the Lambda authorizer checks it against Secrets Manager.',
    });
    if (manageCloudWatchRole) {
      const cloudWatchRole = this.api.node.findChild('CloudWatchRole');
      Validations.of(cloudWatchRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'The account-wide API Gateway logging role serves every API in the region, so it needs the AWS-maintained policy for all API Gateway log groups.',
      });
    }

    this.scimBaseUrl = this.api.urlForPath(SCIM_BASE_PATH);
  }
}

/** One JSON line per request. No headers (the Authorization header is a credential) and no bodies or query strings. */
function accessLogFormat(): apigateway.AccessLogFormat {
  const field = apigateway.AccessLogField;
  return apigateway.AccessLogFormat.custom(
    JSON.stringify({
      requestId: field.contextRequestId(),
      extendedRequestId: field.contextExtendedRequestId(),
      requestTime: field.contextRequestTime(),
      ip: field.contextIdentitySourceIp(),
      userAgent: field.contextIdentityUserAgent(),
      httpMethod: field.contextHttpMethod(),
      resourcePath: field.contextResourcePath(),
      path: field.contextPath(),
      status: field.contextStatus(),
      responseLength: field.contextResponseLength(),
      responseLatency: field.contextResponseLatency(),
      integrationLatency: field.contextIntegrationLatency(),
      orgId: field.contextAuthorizer('orgId'),
      authorizerError: field.contextAuthorizerError(),
      errorType: field.contextErrorResponseType(),
      errorMessage: field.contextErrorMessage(),
      xrayTraceId: field.contextXrayTraceId(),
    }),
  );
}
