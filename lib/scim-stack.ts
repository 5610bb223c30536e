import * as path from 'node:path';
import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { DEFAULT_ORG_ID } from '../lambda/contract/deployment';
import { type BundledEmailTemplates, encodeEnvironment } from '../lambda/contract/environment';
import { LICENSE_EVENT_SOURCE } from '../lambda/contract/license-events';
import { VALIDATE_LICENSE_PATH } from '../lambda/contract/routes';
import { AdminApi } from './constructs/admin-api';
import { DataTables } from './constructs/data-tables';
import { LicenseEvents } from './constructs/license-events';
import { LicenseMailer } from './constructs/license-mailer';
import { LicenseSigningKey } from './constructs/license-signing-key';
import { LicenseValidation } from './constructs/license-validation';
import { Operations, type OperationsProps } from './constructs/operations';
import { ScimApi } from './constructs/scim-api';
import { SenderIdentity } from './constructs/sender-identity';
import { ServiceFunction } from './constructs/service-function';
import { TenantThrottling } from './constructs/tenant-throttling';
import { TokenRotation } from './constructs/token-rotation';
import { TokenSecret } from './constructs/token-secret';

const HANDLERS_DIR = path.join(__dirname, '..', 'lambda', 'handlers');

export interface ScimStackProps extends StackProps {
  /** Address license emails come from; the stack creates its SES identity. */
  readonly senderEmail: string;
  /**
   * Seat limit of the default organization (CDK context `seats`); an organization item's own limit wins.
   * @default - no limit
   */
  readonly seats?: number;
  /**
   * Rotate every organization's SCIM API key automatically this often (CDK context `tokenRotationDays`).
   * @default - no schedule: keys rotate when an admin asks (`npm run admin -- token rotate`)
   */
  readonly tokenRotationDays?: number;
  /**
   * Hours a rotated-out key keeps working, for the admin to paste the new one into Okta (CDK context `tokenGraceHours`).
   * @default 72
   */
  readonly tokenGraceHours?: number;
  /**
   * Reserved concurrency of the SCIM function (CDK context `scimConcurrency`): caps how many requests it runs at once.
   * Off by default because a new account's concurrency quota is often 10, too small to reserve any.
   * @default - no reservation
   */
  readonly scimConcurrency?: number;
  /**
   * Address subscribed to the alarm topic (CDK context `alarmEmail`).
   * @default - no subscription
   */
  readonly alarmEmail?: string;
  /**
   * Alarm thresholds (see the README's alarm table).
   * @default - the defaults of OperationsProps
   */
  readonly alarmThresholds?: AlarmThresholds;
  /**
   * Days the per-organization activity log keeps a record (CDK context `activityRetentionDays`), by TTL.
   * @default 90
   */
  readonly activityRetentionDays?: number;
  /**
   * Product name in the license emails (CDK context `productName`).
   * @default 'License Portal'
   */
  readonly productName?: string;
  /**
   * Support address in the license emails (CDK context `supportEmail`).
   * @default - no support line
   */
  readonly supportEmail?: string;
  /**
   * The operator's email bodies, read and checked from CDK context `emailTemplatesDir` by bin/app.ts.
   * @default - the built-in templates
   */
  readonly emailTemplates?: BundledEmailTemplates;
  /** @default 50 */
  readonly throttlingRateLimit?: number;
  /** @default 100 */
  readonly throttlingBurstLimit?: number;
  /**
   * The license portal backend's role: allowed to call the admin API (`execute-api:Invoke` on `/admin/*` only).
   * @default - nobody; grant with `stack.adminApi.grantInvoke(role)` or a policy on the `AdminInvokeArn` output
   */
  readonly adminPrincipal?: iam.IGrantable;
}

export type AlarmThresholds = Pick<
  OperationsProps,
  | 'serverErrorRate'
  | 'latencyP99'
  | 'latencyEvaluationPeriods'
  | 'functionErrors'
  | 'authorizerFailures'
  | 'tableThrottles'
  | 'licenseEventsIteratorAge'
>;

/** The SCIM provisioning backend: composes the constructs, holds no resource definitions of its own. */
export class ScimStack extends Stack {
  readonly tables: DataTables;
  readonly tokenSecret: TokenSecret;
  readonly sender: SenderIdentity;
  readonly scimFunction: ServiceFunction;
  readonly authorizerFunction: ServiceFunction;
  readonly tokenRotation: TokenRotation;
  readonly scimApi: ScimApi;
  readonly seats: number | undefined;
  readonly licenseSigningKey: LicenseSigningKey;
  readonly licenseMailer: LicenseMailer;
  /** The license events bus and its publisher on the licenses table stream. */
  readonly licenseEvents: LicenseEvents;
  readonly licenseValidation: LicenseValidation;
  readonly operations: Operations;
  readonly tenantThrottling: TenantThrottling;
  readonly adminApi: AdminApi;

  constructor(scope: Construct, id: string, props: ScimStackProps) {
    super(scope, id, props);
    this.seats = props.seats;

    this.tables = new DataTables(this, 'Tables');
    this.tokenSecret = new TokenSecret(this, 'TokenSecret', { orgId: DEFAULT_ORG_ID });
    this.sender = new SenderIdentity(this, 'Sender', { senderEmail: props.senderEmail });

    const { users, groups, licenses } = this.tables;
    this.licenseSigningKey = new LicenseSigningKey(this, 'LicenseSigningKey');
    const signingKey = this.licenseSigningKey.secret;
    const tableSettings = {
      usersTable: users.tableName,
      groupsTable: groups.tableName,
      licensesTable: licenses.tableName,
      defaultOrgId: DEFAULT_ORG_ID,
    };
    const tableEnvironment = encodeEnvironment(tableSettings);
    this.scimFunction = new ServiceFunction(this, 'ScimHandler', {
      entry: path.join(HANDLERS_DIR, 'scim.ts'),
      description: 'SCIM 2.0 Users and Groups endpoints',
      reservedConcurrentExecutions: props.scimConcurrency,
      environment: encodeEnvironment({
        ...tableSettings,
        signingKeySecretId: signingKey.secretArn,
        defaultOrgSeats: props.seats,
        activityRetentionDays: props.activityRetentionDays,
        serviceName: 'scim',
      }),
    });
    signingKey.grantRead(this.scimFunction);
    for (const table of this.tables.all) {
      table.grantReadWriteData(this.scimFunction);
      acknowledgeIndexWildcard(this.scimFunction, table);
    }

    this.authorizerFunction = new ServiceFunction(this, 'Authorizer', {
      entry: path.join(HANDLERS_DIR, 'authorizer.ts'),
      description: 'Maps a SCIM API key to its organization',
      environment: encodeEnvironment({
        defaultOrgId: DEFAULT_ORG_ID,
        tokenSecretId: this.tokenSecret.secret.secretArn,
        serviceName: 'scim-authorizer',
      }),
    });
    this.tokenSecret.secret.grantRead(this.authorizerFunction);

    // Organizations: one rotation Lambda for every organization's token secret; the authorizer reads the secret a
    // token names (`scim_<orgId>_…` → `<prefix><orgId>`).
    this.tokenRotation = new TokenRotation(this, 'TokenRotation', {
      secret: this.tokenSecret.secret,
      automaticallyAfter: props.tokenRotationDays === undefined ? undefined : Duration.days(props.tokenRotationDays),
      graceHours: props.tokenGraceHours,
    });
    for (const [name, value] of Object.entries(
      encodeEnvironment({ orgSecretPrefix: this.tokenRotation.orgSecretPrefix }),
    )) {
      this.authorizerFunction.function.addEnvironment(name, value);
    }
    this.tokenRotation.grantReadOrgSecrets(this.authorizerFunction);

    this.scimApi = new ScimApi(this, 'ScimApi', {
      handler: this.scimFunction.function,
      authorizerHandler: this.authorizerFunction.function,
      throttlingRateLimit: props.throttlingRateLimit,
      throttlingBurstLimit: props.throttlingBurstLimit,
    });

    // Each organization's own rate and burst: the authorizer answers its usage-plan key, read from its item.
    this.tenantThrottling = new TenantThrottling(this, 'TenantThrottling', {
      api: this.scimApi.api,
      stage: this.scimApi.stage,
    });
    for (const [name, value] of Object.entries(
      encodeEnvironment({ usageKeyPrefix: this.tenantThrottling.keyPrefix, licensesTable: licenses.tableName }),
    )) {
      this.authorizerFunction.function.addEnvironment(name, value);
    }
    this.authorizerFunction.function.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadOrganizationThrottleSlots',
        actions: ['dynamodb:GetItem'],
        resources: [licenses.tableArn],
        // Organization items only: the authorizer has no business with users' licenses.
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['ORG#*'] } },
      }),
    );

    // Licenses: emails from the outbox in the licenses table stream, and key validation for the desktop app.
    this.licenseMailer = new LicenseMailer(this, 'LicenseMailer', {
      table: licenses,
      identity: this.sender.emailIdentity,
      senderEmail: props.senderEmail,
      signingKey,
      environment: tableEnvironment,
      productName: props.productName,
      supportEmail: props.supportEmail,
      emailTemplates: props.emailTemplates,
    });
    this.licenseEvents = new LicenseEvents(this, 'LicenseEvents', {
      table: licenses,
      usersTable: users,
      configurationSet: this.licenseMailer.configurationSet,
      environment: tableEnvironment,
    });
    this.licenseValidation = new LicenseValidation(this, 'LicenseValidation', {
      root: this.scimApi.root,
      stage: this.scimApi.stage,
      table: licenses,
      signingKey,
      environment: tableEnvironment,
    });

    this.operations = new Operations(this, 'Operations', {
      stage: this.scimApi.stage,
      accessLogGroup: this.scimApi.accessLogGroup,
      functions: [
        { label: 'Scim', function: this.scimFunction.function },
        { label: 'Authorizer', function: this.authorizerFunction.function, errorsAlarm: false },
        { label: 'Mailer', function: this.licenseMailer.function.function },
        { label: 'Validation', function: this.licenseValidation.function.function },
        { label: 'TokenRotation', function: this.tokenRotation.function.function },
        { label: 'LicenseEvents', function: this.licenseEvents.function.function },
        { label: 'EmailFeedback', function: this.licenseEvents.feedbackFunction.function },
      ],
      tables: [
        { label: 'Users', table: users },
        { label: 'Groups', table: groups },
        { label: 'Licenses', table: licenses },
      ],
      mailer: this.licenseMailer,
      licenseEvents: this.licenseEvents,
      alarmEmail: props.alarmEmail,
      ...props.alarmThresholds,
    });

    // The license portal's admin API, on the same REST API under /admin, behind IAM.
    this.adminApi = new AdminApi(this, 'AdminApi', {
      api: this.scimApi.api,
      usersTable: users,
      licensesTable: licenses,
      defaultTokenSecret: this.tokenSecret.secret,
      orgSecretPrefix: this.tokenRotation.orgSecretPrefix,
      orgSecretsArnPattern: this.tokenRotation.orgSecretsArnPattern,
      rotationFunction: this.tokenRotation.function.function,
      environment: tableEnvironment,
      tokenGraceHours: props.tokenGraceHours,
      adminPrincipal: props.adminPrincipal,
    });

    new CfnOutput(this, 'ScimBaseUrl', {
      description: "Okta's SCIM connector base URL (Entra ID: Tenant URL)",
      value: this.scimApi.scimBaseUrl,
    });
    new CfnOutput(this, 'TokenSecretArn', {
      description: "Secrets Manager secret holding the default organization's SCIM API key",
      value: this.tokenSecret.secret.secretArn,
    });
    new CfnOutput(this, 'RevealTokenCommand', {
      description:
        'Prints the secret JSON; the API key to paste into Okta (HTTP Header) or Entra ID (Secret Token) is its "token" field',
      value: `aws secretsmanager get-secret-value --secret-id ${this.tokenSecret.secret.secretArn} --query SecretString --output text`,
    });
    // For operators; `npm run admin` itself reads only AdminApiUrl and acts through the admin API.
    new CfnOutput(this, 'OrgTokenSecretPrefix', {
      description: 'Name prefix of the token secrets of organizations created with `npm run admin -- org create`',
      value: this.tokenRotation.orgSecretPrefix,
    });
    new CfnOutput(this, 'TokenRotationFunctionArn', {
      description: 'Rotation Lambda of the organization token secrets',
      value: this.tokenRotation.function.function.functionArn,
    });
    new CfnOutput(this, 'ValidateLicenseUrl', {
      description: 'POST {"licenseKey": "…"} here from the desktop app',
      value: this.scimApi.api.urlForPath(VALIDATE_LICENSE_PATH),
    });
    new CfnOutput(this, 'LicenseMailDeadLetterQueueUrl', {
      description: 'License emails given up after all retries (its alarm fires on the first message)',
      value: this.licenseMailer.deadLetterQueue.queueUrl,
    });
    new CfnOutput(this, 'LicenseEventBusName', {
      description: `EventBridge bus of the license events (source ${LICENSE_EVENT_SOURCE}); add rules on it`,
      value: this.licenseEvents.bus.eventBusName,
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'SNS topic every alarm notifies (context alarmEmail subscribes an address)',
      value: this.operations.topic.topicArn,
    });
    new CfnOutput(this, 'UsagePlans', {
      description:
        'Usage plan id of each throttle tier (npm run admin -- org throttle moves organizations between them)',
      value: Stack.of(this).toJsonString(
        Object.fromEntries(Object.entries(this.tenantThrottling.plans).map(([tier, plan]) => [tier, plan.usagePlanId])),
      ),
    });
    new CfnOutput(this, 'AdminApiUrl', {
      description: 'The admin API (SigV4, service execute-api); its OpenAPI document is <url>/openapi.json',
      value: this.adminApi.url,
    });
    new CfnOutput(this, 'AdminInvokeArn', {
      description: 'Grant execute-api:Invoke on this ARN to the license portal backend role (the admin routes only)',
      value: this.adminApi.invokeArn,
    });
    new CfnOutput(this, 'UsersTableName', { description: 'Users table', value: users.tableName });
    new CfnOutput(this, 'LicensesTableName', {
      description: 'Licenses table: organizations, seats, licenses and the email outbox',
      value: licenses.tableName,
    });
  }
}

/** grantReadWriteData also covers the table's indexes as `<table arn>/index/*`; cdk-nag reports that wildcard. */
function acknowledgeIndexWildcard(fn: ServiceFunction, table: dynamodb.Table): void {
  const logicalId = Stack.of(table).getLogicalId(table.node.defaultChild as dynamodb.CfnTable);
  Validations.of(fn).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/index/*]`,
    reason: `Queries need every global secondary index of table ${table.node.id}; the wildcard is limited to that table's indexes.`,
  });
}
