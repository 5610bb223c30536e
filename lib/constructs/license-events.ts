import * as path from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { encodeEnvironment } from '../../lambda/contract/environment';
import { LICENSE_EVENT_SOURCE, LICENSE_EVENT_STREAM_PATTERNS } from '../../lambda/contract/license-events';
import { ServiceFunction } from './service-function';

export interface LicenseEventsProps {
  /** The licenses table; its stream carries the license items and activity records the events come from. */
  readonly table: dynamodb.ITable;
  /** The users table: a bounce's activity record names the user. */
  readonly usersTable: dynamodb.ITable;
  /** The license mailer's configuration set: its bounces and complaints are written back to the licenses. */
  readonly configurationSet: ses.ConfigurationSet;
  /** Table names and the default organization, as every handler reads them (`configFromEnv`). */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Days the bus's archive keeps the license events, so a consumer can replay what it missed.
   * @default 30
   */
  readonly archiveDays?: number;
}

/**
 * License events for the vendor's other systems: an EventBridge bus of its own (consumers add rules on it), and the
 * publisher, a function on the licenses table's stream that turns license items and activity records into events
 * (lambda/contract/license-events.ts). The SCIM path never waits for it. Records the publisher cannot publish after
 * its retries are described in an encrypted dead-letter queue; the stream keeps records 24 hours.
 *
 * Email feedback: the mailer's configuration set publishes bounces and complaints to the account's default bus (the
 * only bus SES publishes to); a rule there hands them to a function that writes them back to the license item and the
 * activity log, whose change the publisher then turns into a license event.
 */
export class LicenseEvents extends Construct {
  readonly bus: events.EventBus;
  readonly function: ServiceFunction;
  readonly deadLetterQueue: sqs.Queue;
  readonly feedbackFunction: ServiceFunction;
  readonly feedbackRule: events.Rule;
  /**
   * Bounce and complaint events that were not recorded: those EventBridge could not hand to the feedback function
   * (throttled, unavailable) and those the function failed on in all of its attempts.
   */
  readonly feedbackDeadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: LicenseEventsProps) {
    super(scope, id);

    // A bus holds no data beyond the archive, which is replay convenience: nothing to retain with the stack.
    this.bus = new events.EventBus(this, 'Bus', {
      description: `License events (source ${LICENSE_EVENT_SOURCE}): issued, revoked, deprovisioned, seats, email feedback`,
    });
    this.bus.archive('Archive', {
      description: 'License events kept for replay',
      eventPattern: { source: [LICENSE_EVENT_SOURCE] },
      retention: Duration.days(props.archiveDays ?? 30),
    });

    this.function = new ServiceFunction(this, 'Publisher', {
      entry: path.join(__dirname, '..', '..', 'lambda', 'handlers', 'license-events.ts'),
      description: 'Publishes license events from the licenses table stream to the license events bus',
      timeout: Duration.seconds(30),
      environment: {
        ...props.environment,
        ...encodeEnvironment({ eventBusName: this.bus.eventBusName, serviceName: 'license-events' }),
      },
    });
    this.bus.grantPutEventsTo(this.function);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the dead-letter queue (on-failure destination) of the license events stream mapping; a DLQ needs no DLQ of its own.',
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'dynamodb:ListStreams (added by the stream event source mapping) and the X-Ray writes have no resource-level permissions; reading the stream itself is limited to the licenses table stream.',
    });
    this.function.function.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 10,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: 1000,
        maxRecordAge: Duration.hours(12),
        onFailure: new SqsDlq(this.deadLetterQueue),
        filters: LICENSE_EVENT_STREAM_PATTERNS.map((pattern) =>
          lambda.FilterCriteria.filter(pattern as unknown as Record<string, unknown>),
        ),
      }),
    );

    // Email feedback. SES publishes to the default bus only; the rule matches this configuration set's events.
    const defaultBus = events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    props.configurationSet.addEventDestination('LicenseFeedback', {
      destination: ses.EventDestination.eventBus(defaultBus),
      events: [ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT],
    });
    this.feedbackFunction = new ServiceFunction(this, 'FeedbackRecorder', {
      entry: path.join(__dirname, '..', '..', 'lambda', 'handlers', 'email-feedback.ts'),
      description: 'Writes SES bounces and complaints of license emails back to the license and the activity log',
      environment: { ...props.environment, ...encodeEnvironment({ serviceName: 'email-feedback' }) },
    });
    // The license item update and the activity record, one transaction; the user read names the user.
    this.feedbackFunction.function.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'RecordEmailFeedback',
        actions: ['dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:GetItem'],
        resources: [props.table.tableArn],
      }),
    );
    this.feedbackFunction.function.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadUserNames',
        actions: ['dynamodb:GetItem'],
        resources: [props.usersTable.tableArn],
      }),
    );
    Validations.of(this.feedbackFunction).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'The X-Ray writes have no resource-level permissions.',
    });
    this.feedbackDeadLetterQueue = new sqs.Queue(this, 'FeedbackDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.feedbackDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the email feedback rule target; a DLQ needs no DLQ of its own.',
    });
    // EventBridge invokes the recorder asynchronously: the rule's dead-letter queue only catches failed deliveries,
    // so the function's own failures go to the same queue once Lambda's retries are spent.
    this.feedbackFunction.function.configureAsyncInvoke({
      onFailure: new SqsDestination(this.feedbackDeadLetterQueue),
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
    });
    this.feedbackRule = new events.Rule(this, 'FeedbackRule', {
      description: 'Bounces and complaints of license emails, to the feedback recorder',
      eventBus: defaultBus,
      eventPattern: {
        source: ['aws.ses'],
        detail: {
          eventType: ['Bounce', 'Complaint'],
          mail: { tags: { 'ses:configuration-set': [props.configurationSet.configurationSetName] } },
        },
      },
      targets: [
        new targets.LambdaFunction(this.feedbackFunction.function, {
          deadLetterQueue: this.feedbackDeadLetterQueue,
          maxEventAge: Duration.hours(24),
          retryAttempts: 185,
        }),
      ],
    });
  }
}
