import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  EMAIL_OUTCOMES,
  METRIC_NAMES,
  METRIC_SERVICES,
  METRICS_NAMESPACE,
  REJECTION_REASONS,
} from '../../lambda/contract/metrics';
import type { LicenseEvents } from './license-events';
import type { LicenseMailer } from './license-mailer';

/** Counted from the access log: API Gateway publishes no metric of its own for 429s. */
export const THROTTLED_REQUESTS_METRIC = 'ThrottledRequests';

/** A function on the dashboard, with an errors alarm unless another signal stands in for it. */
export interface MonitoredFunction {
  /** Short name in graphs and alarm names, e.g. `Scim`. */
  readonly label: string;
  readonly function: lambda.IFunction;
  /**
   * Alarm on the function's Lambda `Errors`. The authorizer answers every refused key by throwing, which Lambda counts
   * as an error, so its alarm watches `AuthorizerFailures` instead.
   * @default true
   */
  readonly errorsAlarm?: boolean;
}

export interface MonitoredTable {
  readonly label: string;
  readonly table: dynamodb.ITable;
}

export interface OperationsProps {
  /** The stage Okta calls; its API Gateway metrics (ApiName and Stage dimensions) feed the graphs and alarms. */
  readonly stage: apigateway.Stage;
  /** The stage's access log (one JSON line per request with `status`): 429s are counted from it. */
  readonly accessLogGroup: logs.ILogGroup;
  readonly functions: readonly MonitoredFunction[];
  readonly tables: readonly MonitoredTable[];
  /** Its dead-letter queue, SES configuration set and alarms join the dashboard and the topic. */
  readonly mailer: LicenseMailer;
  /**
   * The license events publisher and the email feedback recorder: their dead-letter queues, the publisher's stream
   * backlog and the feedback rule's failed deliveries join the dashboard and the topic. Pass their functions in
   * `functions` too, for their errors alarms and per-function graphs.
   */
  readonly licenseEvents: LicenseEvents;
  /**
   * Age of the oldest licenses stream record the license events publisher has not handled yet (`IteratorAge` maximum
   * over 5 minutes) that raises its backlog alarm: consumers get license events that late, and a record older than
   * 12 hours goes to the dead-letter queue unpublished.
   * @default Duration.minutes(5)
   */
  readonly licenseEventsIteratorAge?: Duration;
  /**
   * Address subscribed to the alarm topic (CDK context `alarmEmail`); AWS emails it a confirmation link first.
   * @default - no subscription: subscribe to the `AlarmTopicArn` output yourself
   */
  readonly alarmEmail?: string;
  /**
   * Share of requests answered 5xx over 5 minutes that raises the server error alarm. Every 5xx is a defect or an
   * outage (input never causes one), so the default is low.
   * @default 0.05 (5 %)
   */
  readonly serverErrorRate?: number;
  /**
   * p99 of the stage's latency that, held for `latencyEvaluationPeriods` five-minute periods, raises the latency alarm.
   * @default Duration.seconds(3)
   */
  readonly latencyP99?: Duration;
  /** @default 3 (15 minutes) */
  readonly latencyEvaluationPeriods?: number;
  /**
   * Lambda errors of one function within 5 minutes that raise its alarm.
   * @default 1
   */
  readonly functionErrors?: number;
  /**
   * Authorizer failures (a key could not be checked: API Gateway answers 500) within 5 minutes.
   * @default 1
   */
  readonly authorizerFailures?: number;
  /**
   * Read and write throttle events of one table within 5 minutes.
   * @default 1
   */
  readonly tableThrottles?: number;
}

const FIVE_MINUTES = Duration.minutes(5);
const ONE_MINUTE = Duration.minutes(1);

/**
 * What the people who run the service look at: one CloudWatch dashboard, and alarms that all notify one encrypted SNS
 * topic (the mailer's dead-letter, backlog, bounce and complaint alarms included).
 */
export class Operations extends Construct {
  readonly topic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly serverErrorAlarm: cloudwatch.Alarm;
  readonly latencyAlarm: cloudwatch.Alarm;
  readonly authorizerFailureAlarm: cloudwatch.Alarm;
  /** By function label. */
  readonly functionErrorAlarms: Readonly<Record<string, cloudwatch.Alarm>>;
  /** By table label. */
  readonly tableThrottleAlarms: Readonly<Record<string, cloudwatch.Alarm>>;
  /** License events the publisher gave up on (the publisher's dead-letter queue). */
  readonly licenseEventsDeadLetterAlarm: cloudwatch.Alarm;
  /** The publisher is behind on the licenses stream. */
  readonly licenseEventsIteratorAgeAlarm: cloudwatch.Alarm;
  /** Bounces and complaints the feedback recorder could not be given (the feedback rule's dead-letter queue). */
  readonly emailFeedbackDeadLetterAlarm: cloudwatch.Alarm;
  /** The feedback rule failed to deliver an event for good (`FailedInvocations`). */
  readonly emailFeedbackRuleFailureAlarm: cloudwatch.Alarm;
  /** Every alarm that notifies the topic. */
  readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const { stage, mailer, licenseEvents } = props;

    // CloudWatch can publish to an encrypted topic only with a customer managed key whose policy lets it use the key
    // (the AWS managed SNS key does not).
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the alarm notifications of the SCIM license portal',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'SCIM license portal alarms',
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));

    const throttled = new logs.MetricFilter(this, 'ThrottledRequestsFilter', {
      logGroup: props.accessLogGroup,
      filterPattern: logs.FilterPattern.stringValue('$.status', '=', '429'),
      metricNamespace: METRICS_NAMESPACE,
      metricName: THROTTLED_REQUESTS_METRIC,
      metricValue: '1',
    }).metric({ statistic: 'Sum', period: ONE_MINUTE, label: '429' });

    // Alarms.
    this.serverErrorAlarm = new cloudwatch.Alarm(this, 'ServerErrorRateAlarm', {
      alarmDescription:
        'The API answered 5xx to more than the threshold share of requests: a defect or an outage (DynamoDB, Lambda). See the SCIM function log for the request ids.',
      // 5XXError's average is the share of requests answered 5xx.
      metric: stage.metricServerError({ statistic: 'Average', period: FIVE_MINUTES }),
      threshold: props.serverErrorRate ?? 0.05,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.latencyAlarm = new cloudwatch.Alarm(this, 'LatencyP99Alarm', {
      alarmDescription:
        'The slowest 1 % of API requests took longer than the threshold for 15 minutes: Okta imports slow down and may time out.',
      metric: stage.metricLatency({ statistic: 'p99', period: FIVE_MINUTES }),
      threshold: (props.latencyP99 ?? Duration.seconds(3)).toMilliseconds(),
      evaluationPeriods: props.latencyEvaluationPeriods ?? 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.authorizerFailureAlarm = new cloudwatch.Alarm(this, 'AuthorizerFailureAlarm', {
      alarmDescription:
        'The authorizer could not check SCIM API keys (Secrets Manager unreachable or access denied): every SCIM request answers 500.',
      metric: customMetric(METRIC_NAMES.authorizerFailures, METRIC_SERVICES.authorizer, {}, FIVE_MINUTES),
      threshold: props.authorizerFailures ?? 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const functionErrorAlarms: Record<string, cloudwatch.Alarm> = {};
    for (const monitored of props.functions) {
      if (monitored.errorsAlarm === false) continue;
      functionErrorAlarms[monitored.label] = new cloudwatch.Alarm(this, `${monitored.label}ErrorsAlarm`, {
        alarmDescription: `The ${monitored.label} function failed (an unhandled error or a timeout); its log group has the stack trace.`,
        metric: monitored.function.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES }),
        threshold: props.functionErrors ?? 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    this.functionErrorAlarms = functionErrorAlarms;
    const tableThrottleAlarms: Record<string, cloudwatch.Alarm> = {};
    for (const { label, table } of props.tables) {
      tableThrottleAlarms[label] = new cloudwatch.Alarm(this, `${label}TableThrottleAlarm`, {
        alarmDescription: `DynamoDB throttled requests to the ${label} table (on-demand tables throttle above twice their previous peak or on a hot partition); clients get 503 or 500.`,
        metric: throttleEvents(table, FIVE_MINUTES, label),
        threshold: props.tableThrottles ?? 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    this.tableThrottleAlarms = tableThrottleAlarms;
    const publisher = licenseEvents.function.function;
    this.licenseEventsDeadLetterAlarm = deadLetterAlarm(
      this,
      'LicenseEventsDeadLetterAlarm',
      licenseEvents.deadLetterQueue,
      'License events were given up after all retries (the publisher kept failing, or the records aged past 12 hours): the vendor systems missed them. Each message names the stream records to republish.',
    );
    const iteratorAge = props.licenseEventsIteratorAge ?? Duration.minutes(5);
    this.licenseEventsIteratorAgeAlarm = new cloudwatch.Alarm(this, 'LicenseEventsIteratorAgeAlarm', {
      alarmDescription: `License events are more than ${iteratorAge.toHumanString()} behind the licenses table: the publisher keeps failing (see its logs) or cannot put events on the bus.`,
      metric: publisher.metric('IteratorAge', { statistic: 'Maximum', period: FIVE_MINUTES }),
      threshold: iteratorAge.toMilliseconds(),
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.emailFeedbackDeadLetterAlarm = deadLetterAlarm(
      this,
      'EmailFeedbackDeadLetterAlarm',
      licenseEvents.feedbackDeadLetterQueue,
      'SES bounces or complaints were not recorded (not delivered to the feedback recorder within 24 hours, or the recorder failed on them in all its attempts): their licenses do not show the email status. The messages hold the SES events.',
    );
    this.emailFeedbackRuleFailureAlarm = new cloudwatch.Alarm(this, 'EmailFeedbackRuleFailureAlarm', {
      alarmDescription:
        'The email feedback rule failed for good to hand a bounce or complaint to the feedback recorder, and could not put it in its dead-letter queue either: the event is lost.',
      metric: ruleMetric(licenseEvents.feedbackRule, 'FailedInvocations', FIVE_MINUTES),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.alarms = [
      this.serverErrorAlarm,
      this.latencyAlarm,
      this.authorizerFailureAlarm,
      ...Object.values(functionErrorAlarms),
      ...Object.values(tableThrottleAlarms),
      mailer.deadLetterAlarm,
      mailer.iteratorAgeAlarm,
      mailer.bounceAlarm,
      mailer.complaintAlarm,
      this.licenseEventsDeadLetterAlarm,
      this.licenseEventsIteratorAgeAlarm,
      this.emailFeedbackDeadLetterAlarm,
      this.emailFeedbackRuleFailureAlarm,
    ];
    const notify = new actions.SnsAction(this.topic);
    for (const alarm of this.alarms) alarm.addAlarmAction(notify);

    // Dashboard.
    const perMinute = { statistic: 'Sum', period: ONE_MINUTE };
    const percentiles = (label: string, metric: (options: cloudwatch.MetricOptions) => cloudwatch.IMetric) =>
      ['p50', 'p99'].map((statistic) => metric({ statistic, period: ONE_MINUTE, label: `${label} ${statistic}` }));
    const eachFunction = (
      metric: (fn: lambda.IFunction, options: cloudwatch.MetricOptions) => cloudwatch.IMetric,
      statistic: string,
    ) => props.functions.map(({ label, function: fn }) => metric(fn, { statistic, period: ONE_MINUTE, label }));
    const graph = (title: string, left: cloudwatch.IMetric[], width = 8) =>
      new cloudwatch.GraphWidget({ title, left, width, height: 6 });

    const count = stage.metricCount({ ...perMinute, label: 'all' });
    const clientErrors = stage.metricClientError({ ...perMinute, label: '4xx' });
    const serverErrors = stage.metricServerError({ ...perMinute, label: '5xx' });
    const successes = new cloudwatch.MathExpression({
      expression: 'FILL(requests, 0) - FILL(clientErrors, 0) - FILL(serverErrors, 0)',
      usingMetrics: { requests: count, clientErrors, serverErrors },
      label: '2xx and 3xx',
      period: ONE_MINUTE,
    });
    const byResource = new cloudwatch.MathExpression({
      expression: `SEARCH('{${METRICS_NAMESPACE},resource,service,statusClass} MetricName="${METRIC_NAMES.scimRequests}"', 'Sum', 60)`,
      usingMetrics: {},
      label: '',
      period: ONE_MINUTE,
    });
    const rejections = [
      ...REJECTION_REASONS.map((reason) =>
        customMetric(METRIC_NAMES.rejectedTokens, METRIC_SERVICES.authorizer, { reason }, ONE_MINUTE, reason),
      ),
      customMetric(METRIC_NAMES.authorizerFailures, METRIC_SERVICES.authorizer, {}, ONE_MINUTE, 'authorizer failed'),
    ];
    const emails = EMAIL_OUTCOMES.map((outcome) =>
      customMetric(
        METRIC_NAMES.licenseEmails,
        METRIC_SERVICES.mailer,
        { outcome },
        FIVE_MINUTES,
        outcome === 'failed' ? 'failed (retried)' : outcome,
      ),
    );
    const ses = ['Send', 'Delivery', 'Bounce', 'Complaint', 'Reject'].map((event) =>
      mailer.metricSesEvent(event, { period: FIVE_MINUTES, label: event }),
    );

    const publisherMetric = (metricName: string, statistic: string, label: string) =>
      publisher.metric(metricName, { statistic, period: ONE_MINUTE, label });
    const recorder = licenseEvents.feedbackFunction.function;
    const feedbackRule = (metricName: string, label: string) =>
      ruleMetric(licenseEvents.feedbackRule, metricName, ONE_MINUTE, label);
    const queueDepth = (queue: sqs.IQueue, label: string) =>
      queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: ONE_MINUTE, label });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(6),
      widgets: [
        [
          new cloudwatch.TextWidget({
            markdown:
              '# SCIM license portal\nRequests and latency of the API stage, the authorizer, each function, the tables, license email, license events and email feedback. Alarms notify one SNS topic (`AlarmTopicArn` output).',
            width: 8,
            height: 6,
          }),
          new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...this.alarms], width: 16, height: 6 }),
        ],
        [
          graph('SCIM requests per minute by status class', [count, successes, clientErrors, serverErrors, throttled]),
          graph('SCIM requests per minute by resource and status class', [byResource]),
          graph('429 Too Many Requests per minute (stage and usage plan throttles)', [throttled]),
        ],
        [
          graph('Gateway latency (ms)', [
            ...percentiles('latency', (options) => stage.metricLatency(options)),
            ...percentiles('integration', (options) => stage.metricIntegrationLatency(options)),
          ]),
          graph('Refused SCIM API keys per minute by reason', rejections),
          graph(
            'Function duration p99 (ms)',
            eachFunction((fn, options) => fn.metricDuration(options), 'p99'),
          ),
        ],
        [
          graph(
            'Function duration p50 (ms)',
            eachFunction((fn, options) => fn.metricDuration(options), 'p50'),
            6,
          ),
          graph(
            'Function errors per minute (the authorizer counts refused keys too)',
            eachFunction((fn, options) => fn.metricErrors(options), 'Sum'),
            6,
          ),
          graph(
            'Function throttles per minute',
            eachFunction((fn, options) => fn.metricThrottles(options), 'Sum'),
            6,
          ),
          graph(
            'Function concurrency (max)',
            eachFunction((fn, options) => fn.metric('ConcurrentExecutions', options), 'Maximum'),
            6,
          ),
        ],
        [
          graph(
            'DynamoDB throttle events per table',
            props.tables.map(({ label, table }) => throttleEvents(table, ONE_MINUTE, label)),
          ),
          graph(
            'DynamoDB system errors per table',
            props.tables.map(({ label, table }) => systemErrors(table, ONE_MINUTE, label)),
          ),
          graph('DynamoDB user errors (whole account and region)', [
            new cloudwatch.Metric({
              namespace: 'AWS/DynamoDB',
              metricName: 'UserErrors',
              statistic: 'Sum',
              period: ONE_MINUTE,
              label: 'user errors',
            }),
          ]),
        ],
        [
          graph('License emails per 5 minutes by outcome', emails),
          graph('SES events per 5 minutes (bounces and complaints alarm)', ses),
          new cloudwatch.GraphWidget({
            title: 'Mail dead-letter queue depth and mailer backlog',
            left: [
              mailer.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
                statistic: 'Maximum',
                period: ONE_MINUTE,
                label: 'dead-letter messages',
              }),
            ],
            right: [
              mailer.function.function.metric('IteratorAge', {
                statistic: 'Maximum',
                period: ONE_MINUTE,
                label: 'stream iterator age (ms)',
              }),
            ],
            width: 8,
            height: 6,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'License events published: publisher batches and errors per minute, stream backlog',
            left: [publisherMetric('Invocations', 'Sum', 'invocations'), publisherMetric('Errors', 'Sum', 'errors')],
            right: [publisherMetric('IteratorAge', 'Maximum', 'stream iterator age (ms)')],
            width: 8,
            height: 6,
          }),
          graph('Email feedback recorder: bounces and complaints per minute', [
            feedbackRule('Invocations', 'rule deliveries'),
            recorder.metricInvocations({ ...perMinute, label: 'recorder invocations' }),
            recorder.metricErrors({ ...perMinute, label: 'recorder errors' }),
            feedbackRule('InvocationsSentToDlq', 'sent to dead-letter queue'),
            feedbackRule('FailedInvocations', 'lost (failed invocations)'),
          ]),
          graph('License events and email feedback dead-letter queue depths', [
            queueDepth(licenseEvents.deadLetterQueue, 'license events'),
            queueDepth(licenseEvents.feedbackDeadLetterQueue, 'email feedback'),
          ]),
        ],
      ],
    });
  }
}

/** A metric of a rule on the default bus: those carry the RuleName dimension only. */
/** Fires on the first message of a dead-letter queue: each one is work given up after all retries. */
function deadLetterAlarm(scope: Construct, id: string, queue: sqs.IQueue, description: string): cloudwatch.Alarm {
  return new cloudwatch.Alarm(scope, id, {
    alarmDescription: description,
    metric: queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: ONE_MINUTE }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}

function ruleMetric(rule: events.IRule, metricName: string, period: Duration, label?: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Events',
    metricName,
    dimensionsMap: { RuleName: rule.ruleName },
    statistic: 'Sum',
    period,
    label,
  });
}

function customMetric(
  metricName: string,
  service: string,
  dimensions: Readonly<Record<string, string>>,
  period: Duration,
  label?: string,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    // Powertools adds `service` to every metric it emits.
    dimensionsMap: { service, ...dimensions },
    statistic: 'Sum',
    period,
    label,
  });
}

/** Metric ids are unique per graph or alarm: the table's label keeps them apart. */
function metricId(label: string, name: string): string {
  return `${label.charAt(0).toLowerCase()}${label.slice(1)}${name}`;
}

/** Read and write throttle events together; a table without either in a period counts 0. */
function throttleEvents(table: dynamodb.ITable, period: Duration, label: string): cloudwatch.MathExpression {
  const reads = metricId(label, 'Reads');
  const writes = metricId(label, 'Writes');
  return new cloudwatch.MathExpression({
    expression: `FILL(${reads}, 0) + FILL(${writes}, 0)`,
    usingMetrics: {
      [reads]: table.metric('ReadThrottleEvents', { statistic: 'Sum', period }),
      [writes]: table.metric('WriteThrottleEvents', { statistic: 'Sum', period }),
    },
    label,
    period,
  });
}

/** The operations the service calls; SystemErrors exists only per table and operation. */
const TABLE_OPERATIONS = [
  'GetItem',
  'BatchGetItem',
  'Query',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
  'TransactGetItems',
  'GetRecords',
] as const;

function systemErrors(table: dynamodb.ITable, period: Duration, label: string): cloudwatch.MathExpression {
  const usingMetrics: Record<string, cloudwatch.IMetric> = {};
  for (const operation of TABLE_OPERATIONS) {
    usingMetrics[metricId(label, operation)] = new cloudwatch.Metric({
      namespace: 'AWS/DynamoDB',
      metricName: 'SystemErrors',
      dimensionsMap: { TableName: table.tableName, Operation: operation },
      statistic: 'Sum',
      period,
    });
  }
  return new cloudwatch.MathExpression({
    expression: Object.keys(usingMetrics)
      .map((id) => `FILL(${id}, 0)`)
      .join(' + '),
    usingMetrics,
    label,
    period,
  });
}
