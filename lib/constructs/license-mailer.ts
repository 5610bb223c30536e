import * as path from 'node:path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  BUNDLED_EMAIL_TEMPLATES,
  type BundledEmailTemplates,
  encodeEnvironment,
} from '../../lambda/contract/environment';
import { OUTBOX_PATTERNS } from '../../lambda/contract/outbox-stream-filter';
import { ServiceFunction } from './service-function';

/** The tag SES adds to every message sent with a configuration set. */
const SES_CONFIGURATION_SET_TAG = 'ses:configuration-set';

export interface LicenseMailerProps {
  /** The licenses table; its stream carries the outbox items. */
  readonly table: dynamodb.ITable;
  /** The verified sender identity; the function may send from it and from nothing else. */
  readonly identity: ses.IEmailIdentity;
  readonly senderEmail: string;
  /** The license signing key: the mailer derives the key it emails. */
  readonly signingKey: secretsmanager.ISecret;
  /** Table names and the default organization, as every handler reads them (`configFromEnv`). */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Product name in the emails.
   * @default 'License Portal'
   */
  readonly productName?: string;
  /**
   * Support address in the emails.
   * @default - no support line
   */
  readonly supportEmail?: string;
  /**
   * The operator's email bodies, already checked (bin/app.ts). They travel in the function's code, not its
   * environment (4 KB for all variables), and the environment names them by digest.
   * @default - the built-in templates
   */
  readonly emailTemplates?: BundledEmailTemplates;
  /**
   * Outbox records per invocation.
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * Retries of a failing record before it goes to the dead-letter queue. With the handler's own backoff (up to 20 s
   * between attempts) the default rides out an SES outage of several hours.
   * @default 1000
   */
  readonly retryAttempts?: number;
  /**
   * Records older than this go to the dead-letter queue (streams keep records 24 hours).
   * @default Duration.hours(12)
   */
  readonly maxRecordAge?: Duration;
}

/**
 * The outbox consumer: a function on the licenses table's stream (outbox inserts and redrives only) that sends each license email
 * once through SES v2. Failed records are retried with backoff and batch bisection, reported one by one (partial
 * batch responses), and finally described in an encrypted SQS dead-letter queue whose alarm fires on the first
 * message. A configuration set suppresses addresses that bounce or complain and publishes every sending event as
 * CloudWatch metrics, with alarms on bounces and complaints.
 */
export class LicenseMailer extends Construct {
  readonly function: ServiceFunction;
  readonly deadLetterQueue: sqs.Queue;
  readonly configurationSet: ses.ConfigurationSet;
  readonly deadLetterAlarm: cloudwatch.Alarm;
  /** The mailer is behind: a failing record is holding up the emails after it. */
  readonly iteratorAgeAlarm: cloudwatch.Alarm;
  readonly bounceAlarm: cloudwatch.Alarm;
  readonly complaintAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: LicenseMailerProps) {
    super(scope, id);

    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      // SES stops sending to these addresses (and reports a bounce) instead of hurting the account's reputation.
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
      reputationMetrics: true,
      sendingEnabled: true,
    });
    this.configurationSet.addEventDestination('Metrics', {
      // SES tags every message with its configuration set: one metric series per event type for this set.
      destination: ses.EventDestination.cloudWatchDimensions([
        { name: SES_CONFIGURATION_SET_TAG, source: ses.CloudWatchDimensionSource.MESSAGE_TAG, defaultValue: 'none' },
      ]),
      events: [
        ses.EmailSendingEvent.SEND,
        ses.EmailSendingEvent.DELIVERY,
        ses.EmailSendingEvent.BOUNCE,
        ses.EmailSendingEvent.COMPLAINT,
        ses.EmailSendingEvent.REJECT,
        ses.EmailSendingEvent.DELIVERY_DELAY,
        ses.EmailSendingEvent.RENDERING_FAILURE,
      ],
    });

    this.function = new ServiceFunction(this, 'Function', {
      entry: path.join(__dirname, '..', '..', 'lambda', 'handlers', 'mailer.ts'),
      description: 'Sends license emails from the outbox in the licenses table stream',
      // Room for the SES retries and the backoff wait before a failure is reported; below the 120 s send lease.
      timeout: Duration.seconds(60),
      environment: {
        ...props.environment,
        ...encodeEnvironment({
          signingKeySecretId: props.signingKey.secretArn,
          senderEmail: props.senderEmail,
          sesConfigurationSet: this.configurationSet.configurationSetName,
          productName: props.productName || undefined,
          supportEmail: props.supportEmail || undefined,
          emailTemplatesDigest: props.emailTemplates?.digest,
          serviceName: 'license-mailer',
        }),
      },
      define: props.emailTemplates
        ? { [BUNDLED_EMAIL_TEMPLATES]: JSON.stringify(props.emailTemplates.serialized) }
        : undefined,
    });
    const fn = this.function.function;

    // Sending needs both the identity and the configuration set the message names; nothing else.
    props.identity.grantSendEmail(this.function);
    iam.Grant.addToPrincipal({
      grantee: this.function,
      actions: ['ses:SendEmail'],
      resourceArns: [
        Stack.of(this).formatArn({
          service: 'ses',
          resource: 'configuration-set',
          resourceName: this.configurationSet.configurationSetName,
        }),
      ],
    });
    props.signingKey.grantRead(this.function);
    // The mailer records sends on outbox items and keeps the email budgets (counters and held emails, see
    // dynamodb-email-budget.ts) in the same table: item reads and writes and queries of the table, no index.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'RecordSends',
        actions: [
          'dynamodb:UpdateItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:DeleteItem',
          'dynamodb:Query',
        ],
        resources: [props.table.tableArn],
      }),
    );
    // Held emails are sent when their recipient's budget window reopens: a sweep every 5 minutes finds them.
    new events.Rule(this, 'HeldEmailSweep', {
      description: 'Sends license emails held by the email budget once their window reopens',
      schedule: events.Schedule.rate(Duration.minutes(5)),
      targets: [new targets.LambdaFunction(fn, { event: events.RuleTargetInput.fromObject({ sweep: 'held-emails' }) })],
    });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the dead-letter queue (on-failure destination) of the mailer stream event source mapping; a DLQ needs no DLQ of its own.',
    });

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'dynamodb:ListStreams (added by the stream event source mapping) and the X-Ray writes have no resource-level permissions; reading the stream itself is limited to the licenses table stream.',
    });
    fn.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: props.batchSize ?? 10,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: props.retryAttempts ?? 1000,
        maxRecordAge: props.maxRecordAge ?? Duration.hours(12),
        onFailure: new SqsDlq(this.deadLetterQueue),
        filters: OUTBOX_PATTERNS.map((pattern) =>
          lambda.FilterCriteria.filter(pattern as unknown as Record<string, unknown>),
        ),
      }),
    );
    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmDescription:
        'License emails were given up after all retries (SES down for hours, or a bug). The outbox items without sentAt in the licenses table are the emails not sent.',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.iteratorAgeAlarm = new cloudwatch.Alarm(this, 'IteratorAgeAlarm', {
      alarmDescription:
        'License emails are more than 15 minutes behind: the mailer keeps failing (see its logs), emails wait behind the failing one.',
      metric: fn.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(5) }),
      threshold: Duration.minutes(15).toMilliseconds(),
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const sesMetric = (metricName: string) => this.metricSesEvent(metricName);
    this.bounceAlarm = new cloudwatch.Alarm(this, 'BounceAlarm', {
      alarmDescription:
        'A license email bounced: the user did not get their key. SES suppresses the address; fix it in the identity provider and re-send.',
      metric: sesMetric('Bounce'),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.complaintAlarm = new cloudwatch.Alarm(this, 'ComplaintAlarm', {
      alarmDescription: 'A recipient marked a license email as spam; SES suppresses the address.',
      metric: sesMetric('Complaint'),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /**
   * A sending event of this mailer's configuration set (`Send`, `Delivery`, `Bounce`, `Complaint`, `Reject`, …).
   * @default statistic Sum over one hour
   */
  metricSesEvent(eventName: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/SES',
      metricName: eventName,
      dimensionsMap: { [SES_CONFIGURATION_SET_TAG]: this.configurationSet.configurationSetName },
      statistic: 'Sum',
      period: Duration.hours(1),
      ...props,
    });
  }
}
