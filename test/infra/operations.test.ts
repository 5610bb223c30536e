import { App, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { ScimStack } from '../../lib/scim-stack';
import { CDK_JSON_CONTEXT, logicalIdOf, NO_BUNDLING, SENDER_EMAIL, synthScimStack } from './support/app';

const { stack, template } = synthScimStack({ alarmEmail: 'ops@example.com' });
const alarms = template.findResources('AWS::CloudWatch::Alarm');
const topicId = logicalIdOf(stack.operations.topic);
const json = (value: unknown) => JSON.stringify(value);

function alarmProps(alarm: cloudwatch.Alarm) {
  const props = alarms[logicalIdOf(alarm)]?.Properties;
  if (!props) throw new Error(`no alarm ${alarm.node.path}`);
  return props;
}

/** The metric names an alarm on a math expression reads. */
function mathMetricNames(props: Record<string, unknown>): string[] {
  return (props.Metrics as { MetricStat?: { Metric: { MetricName: string } } }[])
    .flatMap((query) => (query.MetricStat ? [query.MetricStat.Metric.MetricName] : []))
    .sort();
}

describe('alarm topic', () => {
  it('is encrypted with a rotating key that CloudWatch may use, and refuses requests without TLS', () => {
    const topic = template.findResources('AWS::SNS::Topic')[topicId]!;
    const keyId = (topic.Properties.KmsMasterKeyId as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
    const key = template.findResources('AWS::KMS::Key')[keyId];
    const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy')).filter((policy) =>
      json(policy.Properties.Topics).includes(topicId),
    );

    expect(key?.Properties.EnableKeyRotation).toBe(true);
    expect(json(key?.Properties.KeyPolicy)).toContain('"Service":"cloudwatch.amazonaws.com"');
    expect(json(policies)).toContain('"aws:SecureTransport":"false"');
  });

  it('subscribes the alarmEmail context address, and nobody without it', () => {
    const without = synthScimStack().template;

    expect(Object.values(template.findResources('AWS::SNS::Subscription')).map((s) => s.Properties)).toEqual([
      { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: { Ref: topicId } },
    ]);
    expect(without.findResources('AWS::SNS::Subscription')).toEqual({});
  });

  it('refuses an alarmEmail that is not an address', () => {
    expect(() => synthScimStack({ alarmEmail: 'ops' })).toThrow('CDK context "alarmEmail" must be an email address');
  });

  it('is notified by every alarm of the stack, and by nothing else', () => {
    const actions = Object.values(alarms).map((alarm) => alarm.Properties.AlarmActions);

    expect(Object.keys(alarms)).toHaveLength(20);
    expect(new Set(actions.map(json))).toEqual(new Set([json([{ Ref: topicId }])]));
  });
});

describe('alarms', () => {
  const { operations, licenseMailer, licenseEvents } = stack;

  it.each([
    ['5xx share', operations.serverErrorAlarm, 'AWS/ApiGateway', '5XXError', 'Average', 0.05, 300, 1],
    ['p99 latency', operations.latencyAlarm, 'AWS/ApiGateway', 'Latency', undefined, 3000, 300, 3],
    [
      'authorizer failures',
      operations.authorizerFailureAlarm,
      'ScimLicensePortal',
      'AuthorizerFailures',
      'Sum',
      1,
      300,
      1,
    ],
    [
      'mail dead-letter queue',
      licenseMailer.deadLetterAlarm,
      'AWS/SQS',
      'ApproximateNumberOfMessagesVisible',
      'Maximum',
      1,
      60,
      1,
    ],
    ['mailer backlog', licenseMailer.iteratorAgeAlarm, 'AWS/Lambda', 'IteratorAge', 'Maximum', 900_000, 300, 1],
    ['bounces', licenseMailer.bounceAlarm, 'AWS/SES', 'Bounce', 'Sum', 1, 3600, 1],
    ['complaints', licenseMailer.complaintAlarm, 'AWS/SES', 'Complaint', 'Sum', 1, 3600, 1],
    [
      'license events dead-letter queue',
      operations.licenseEventsDeadLetterAlarm,
      'AWS/SQS',
      'ApproximateNumberOfMessagesVisible',
      'Maximum',
      1,
      60,
      1,
    ],
    [
      'license events backlog',
      operations.licenseEventsIteratorAgeAlarm,
      'AWS/Lambda',
      'IteratorAge',
      'Maximum',
      300_000,
      300,
      1,
    ],
    [
      'email feedback dead-letter queue',
      operations.emailFeedbackDeadLetterAlarm,
      'AWS/SQS',
      'ApproximateNumberOfMessagesVisible',
      'Maximum',
      1,
      60,
      1,
    ],
    [
      'email feedback rule failures',
      operations.emailFeedbackRuleFailureAlarm,
      'AWS/Events',
      'FailedInvocations',
      'Sum',
      1,
      300,
      1,
    ],
  ])('%s: %s %s over %s s', (_name, alarm, namespace, metricName, statistic, threshold, period, evaluationPeriods) => {
    const props = alarmProps(alarm);

    expect(props).toMatchObject({ Namespace: namespace, MetricName: metricName, Threshold: threshold });
    expect(props.Period).toBe(period);
    expect(props.EvaluationPeriods).toBe(evaluationPeriods);
    if (statistic) expect(props.Statistic).toBe(statistic);
    else expect(props.ExtendedStatistic).toBe('p99');
    expect(props.AlarmActions).toEqual([{ Ref: topicId }]);
    expect(props.TreatMissingData).toBe('notBreaching');
  });

  it.each([
    ['license events', () => operations.licenseEventsDeadLetterAlarm, () => licenseEvents.deadLetterQueue],
    ['email feedback', () => operations.emailFeedbackDeadLetterAlarm, () => licenseEvents.feedbackDeadLetterQueue],
  ])('fires on the first message in the %s dead-letter queue', (_name, alarm, queue) => {
    const props = alarmProps(alarm());

    expect(props.Dimensions).toEqual([
      { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(queue()), 'QueueName'] } },
    ]);
    expect(props.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
  });

  it('watches the stream backlog of the license events publisher, above the threshold', () => {
    const props = alarmProps(operations.licenseEventsIteratorAgeAlarm);

    expect(props.Dimensions).toEqual([
      { Name: 'FunctionName', Value: { Ref: logicalIdOf(licenseEvents.function.function) } },
    ]);
    expect(props.ComparisonOperator).toBe('GreaterThanThreshold');
  });

  it('takes the license events backlog threshold from alarmThresholds', () => {
    const app = new App({ context: { ...CDK_JSON_CONTEXT, ...NO_BUNDLING } });
    const custom = new ScimStack(app, 'Custom', {
      senderEmail: SENDER_EMAIL,
      alarmThresholds: { licenseEventsIteratorAge: Duration.minutes(30) },
    });

    expect(
      Template.fromStack(custom).findResources('AWS::CloudWatch::Alarm')[
        logicalIdOf(custom.operations.licenseEventsIteratorAgeAlarm)
      ]?.Properties.Threshold,
    ).toBe(1_800_000);
  });

  it('watches the failed deliveries of the email feedback rule on the default bus (RuleName only)', () => {
    const props = alarmProps(operations.emailFeedbackRuleFailureAlarm);

    expect(props.Dimensions).toEqual([{ Name: 'RuleName', Value: { Ref: logicalIdOf(licenseEvents.feedbackRule) } }]);
    expect(props.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
  });

  it('watches the stage Okta calls, not the whole API', () => {
    const dimensions = alarmProps(operations.serverErrorAlarm).Dimensions as { Name: string }[];

    expect(dimensions.map((dimension) => dimension.Name).sort()).toEqual(['ApiName', 'Stage']);
  });

  it('watches the authorizer failures the authorizer emits, with its service dimension', () => {
    expect(alarmProps(operations.authorizerFailureAlarm).Dimensions).toEqual([
      { Name: 'service', Value: 'scim-authorizer' },
    ]);
  });

  it.each(['Scim', 'Mailer', 'Validation', 'TokenRotation', 'LicenseEvents', 'EmailFeedback'])(
    'raises an alarm on the first error of the %s function in 5 minutes',
    (label) => {
      const props = alarmProps(operations.functionErrorAlarms[label]!);

      expect(props).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: topicId }],
      });
    },
  );

  it('has no Lambda errors alarm on the authorizer, whose refusals of bad keys are Lambda errors', () => {
    expect(Object.keys(operations.functionErrorAlarms).sort()).toEqual([
      'EmailFeedback',
      'LicenseEvents',
      'Mailer',
      'Scim',
      'TokenRotation',
      'Validation',
    ]);
  });

  it.each([
    ['Users', stack.tables.users],
    ['Groups', stack.tables.groups],
    ['Licenses', stack.tables.licenses],
  ])('raises an alarm on the first read or write throttle of the %s table in 5 minutes', (label, table) => {
    const props = alarmProps(operations.tableThrottleAlarms[label]!);
    const queries = props.Metrics as { MetricStat?: { Metric: { Dimensions: unknown }; Period: number } }[];

    expect(mathMetricNames(props)).toEqual(['ReadThrottleEvents', 'WriteThrottleEvents']);
    expect(queries.filter((query) => query.MetricStat).map((query) => query.MetricStat!.Period)).toEqual([300, 300]);
    expect(json(queries)).toContain(json([{ Name: 'TableName', Value: { Ref: logicalIdOf(table) } }]));
    expect(props).toMatchObject({ Threshold: 1, EvaluationPeriods: 1, AlarmActions: [{ Ref: topicId }] });
  });
});

describe('dashboard', () => {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  const body = json(dashboards[0]?.Properties.DashboardBody);

  it('is one dashboard', () => {
    expect(dashboards).toHaveLength(1);
  });

  it.each([
    'SCIM requests per minute by status class',
    'SCIM requests per minute by resource and status class',
    '429 Too Many Requests per minute',
    'Gateway latency (ms)',
    'Refused SCIM API keys per minute by reason',
    'Function duration p99 (ms)',
    'Function duration p50 (ms)',
    'Function errors per minute',
    'Function throttles per minute',
    'Function concurrency (max)',
    'DynamoDB throttle events per table',
    'DynamoDB system errors per table',
    'DynamoDB user errors',
    'License emails per 5 minutes by outcome',
    'SES events per 5 minutes',
    'Mail dead-letter queue depth',
    'License events published',
    'Email feedback recorder',
    'License events and email feedback dead-letter queue depths',
  ])('shows %s', (title) => {
    expect(body).toContain(title);
  });

  /** The dashboard's widgets, with every CloudFormation reference in the body read as `REF`. */
  function widgets(): { properties: { title: string; metrics: unknown[][] } }[] {
    const parts = (dashboards[0]!.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
    const text = parts.map((part) => (typeof part === 'string' ? part : 'REF')).join('');
    return JSON.parse(text).widgets;
  }

  /** `[namespace, metric name, label]` of each metric of the widget whose title starts so. */
  function metricsOf(title: string): string[][] {
    const widget = widgets().find((candidate) => candidate.properties.title?.startsWith(title));
    if (!widget) throw new Error(`no widget ${title}`);
    return widget.properties.metrics.map((metric) => {
      const options = metric[metric.length - 1] as { label?: string };
      return [metric[0] as string, metric[1] as string, options.label ?? ''];
    });
  }

  it.each([
    'Function duration p99',
    'Function duration p50',
    'Function errors per minute',
    'Function throttles per minute',
    'Function concurrency',
  ])('graphs every function of the stack in %s', (title) => {
    expect(metricsOf(title).map(([, , label]) => label)).toEqual([
      'Scim',
      'Authorizer',
      'Mailer',
      'Validation',
      'TokenRotation',
      'LicenseEvents',
      'EmailFeedback',
    ]);
  });

  it('graphs the license events publisher: its batches, errors and stream backlog', () => {
    expect(metricsOf('License events published')).toEqual([
      ['AWS/Lambda', 'Invocations', 'invocations'],
      ['AWS/Lambda', 'Errors', 'errors'],
      ['AWS/Lambda', 'IteratorAge', 'stream iterator age (ms)'],
    ]);
  });

  it('graphs the email feedback rule and recorder, deliveries to failures', () => {
    expect(metricsOf('Email feedback recorder')).toEqual([
      ['AWS/Events', 'Invocations', 'rule deliveries'],
      ['AWS/Lambda', 'Invocations', 'recorder invocations'],
      ['AWS/Lambda', 'Errors', 'recorder errors'],
      ['AWS/Events', 'InvocationsSentToDlq', 'sent to dead-letter queue'],
      ['AWS/Events', 'FailedInvocations', 'lost (failed invocations)'],
    ]);
  });

  it('graphs the depth of both event dead-letter queues', () => {
    expect(metricsOf('License events and email feedback dead-letter queue depths')).toEqual([
      ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'license events'],
      ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'email feedback'],
    ]);
  });

  it('reads the custom metrics under the names and dimensions the handlers emit', () => {
    for (const reason of ['missing', 'malformed', 'unknown-organization', 'mismatch', 'expired']) {
      expect(body).toContain(`\\"RejectedTokens\\",\\"reason\\",\\"${reason}\\",\\"service\\",\\"scim-authorizer\\"`);
    }
    for (const outcome of ['sent', 'refused', 'failed', 'duplicate']) {
      expect(body).toContain(`\\"LicenseEmails\\",\\"outcome\\",\\"${outcome}\\",\\"service\\",\\"license-mailer\\"`);
    }
    expect(body).toContain('MetricName=\\\\\\"ScimRequests\\\\\\"');
  });

  it('counts 429s from the access log, whose status field is a string', () => {
    const filters = Object.values(template.findResources('AWS::Logs::MetricFilter'));

    expect(filters.map((filter) => filter.Properties)).toEqual([
      {
        FilterPattern: '{ $.status = "429" }',
        LogGroupName: { Ref: logicalIdOf(stack.scimApi.accessLogGroup) },
        MetricTransformations: [
          { MetricName: 'ThrottledRequests', MetricNamespace: 'ScimLicensePortal', MetricValue: '1' },
        ],
      },
    ]);
  });
});
