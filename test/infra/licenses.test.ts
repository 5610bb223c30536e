import { Match } from 'aws-cdk-lib/assertions';
import { OUTBOX_INSERT_PATTERN, OUTBOX_REDRIVE_PATTERN } from '../../lambda/contract/outbox-stream-filter';
import { actionsOf, logicalIdOf, rolePermissions, SENDER_EMAIL, type Statement, synthScimStack } from './support/app';

const { stack, template } = synthScimStack({ seats: '50' });
const licensesTableId = logicalIdOf(stack.tables.licenses);
const signingKeyId = logicalIdOf(stack.licenseSigningKey.secret);
const mailerId = logicalIdOf(stack.licenseMailer.function.function);
const validationId = logicalIdOf(stack.licenseValidation.function.function);
const queueId = logicalIdOf(stack.licenseMailer.deadLetterQueue);
const configurationSetId = logicalIdOf(stack.licenseMailer.configurationSet);

function functionProps(logicalId: string) {
  return template.findResources('AWS::Lambda::Function')[logicalId]?.Properties;
}

function statementsOf(functionLogicalId: string): Statement[] {
  const roleId = (functionProps(functionLogicalId).Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return rolePermissions(template, roleId).statements;
}

function statementsWith(statements: readonly Statement[], prefix: string): Statement[] {
  return statements.filter((statement) => actionsOf([statement]).some((action) => action.startsWith(prefix)));
}

const json = (value: unknown) => JSON.stringify(value);

/** The licenses table stream has other consumers (the license events publisher): the mailer's mappings only. */
function mailerMappings() {
  return Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).filter(
    (mapping) => json(mapping.Properties.FunctionName) === json({ Ref: mailerId }),
  );
}

describe('license signing key', () => {
  it('is generated at deploy time, retained, and never in the template', () => {
    const secret = template.findResources('AWS::SecretsManager::Secret')[signingKeyId];

    expect(secret?.DeletionPolicy).toBe('Retain');
    expect(secret?.UpdateReplacePolicy).toBe('Retain');
    expect(secret?.Properties.GenerateSecretString).toMatchObject({
      SecretStringTemplate: '{}',
      GenerateStringKey: 'signingKey',
      PasswordLength: 64,
      ExcludePunctuation: true,
    });
    expect(secret?.Properties.SecretString).toBeUndefined();
  });

  it('has a resource policy denying everyone its deletion and any overwrite of its value', () => {
    const policies = Object.values(template.findResources('AWS::SecretsManager::ResourcePolicy')).filter(
      (policy) => json(policy.Properties.SecretId) === json({ Ref: signingKeyId }),
    );

    expect(policies).toHaveLength(1);
    expect(policies[0]?.Properties.ResourcePolicy.Statement).toEqual([
      {
        Sid: 'NeverDeleteOrOverwriteTheSigningKey',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: [
          'secretsmanager:CancelRotateSecret',
          'secretsmanager:DeleteSecret',
          'secretsmanager:PutSecretValue',
          'secretsmanager:RotateSecret',
          'secretsmanager:UpdateSecret',
          'secretsmanager:UpdateSecretVersionStage',
        ],
        Resource: '*',
      },
    ]);
  });

  it('is readable by the SCIM, mailer and validation functions only', () => {
    const readers = Object.entries(template.findResources('AWS::IAM::Policy'))
      .filter(([, policy]) => json(policy.Properties.PolicyDocument).includes(`"Ref":"${signingKeyId}"`))
      .flatMap(([, policy]) => (policy.Properties.Roles as { Ref: string }[]).map((role) => role.Ref))
      .sort();

    const roleOf = (fnId: string) => (functionProps(fnId).Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    expect(readers).toEqual(
      [roleOf(logicalIdOf(stack.scimFunction.function)), roleOf(mailerId), roleOf(validationId)].sort(),
    );
  });
});

describe('SCIM function', () => {
  it('gets the signing key ARN and the seat limit from the `seats` context', () => {
    expect(functionProps(logicalIdOf(stack.scimFunction.function)).Environment.Variables).toMatchObject({
      SIGNING_KEY_SECRET_ARN: { Ref: signingKeyId },
      DEFAULT_ORG_SEATS: '50',
    });
  });

  it('has no seat limit without the context', () => {
    const unlimited = synthScimStack();

    const variables =
      unlimited.template.findResources('AWS::Lambda::Function')[logicalIdOf(unlimited.stack.scimFunction.function)]
        ?.Properties.Environment.Variables;

    expect(variables.DEFAULT_ORG_SEATS).toBeUndefined();
  });
});

describe('license mailer', () => {
  it('consumes only outbox inserts and redrives of the licenses table stream, with retries, bisection and partial failures', () => {
    const mappings = mailerMappings();

    expect(mappings).toHaveLength(1);
    expect(mappings[0]?.Properties).toEqual({
      FunctionName: { Ref: mailerId },
      EventSourceArn: { 'Fn::GetAtt': [licensesTableId, 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 10,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 1000,
      MaximumRecordAgeInSeconds: 12 * 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
      FilterCriteria: {
        Filters: [
          { Pattern: JSON.stringify(OUTBOX_INSERT_PATTERN) },
          { Pattern: JSON.stringify(OUTBOX_REDRIVE_PATTERN) },
        ],
      },
    });
  });

  it('passes a redrive as an update of an outbox item that carries redriveRequestedAt', () => {
    const filters = mailerMappings()[0]?.Properties.FilterCriteria.Filters;

    const redrive = JSON.parse(filters?.[1]?.Pattern);

    expect(redrive).toEqual({
      eventName: ['MODIFY'],
      dynamodb: { NewImage: { sk: { S: ['OUTBOX'] }, redriveRequestedAt: { S: [{ exists: true }] } } },
    });
  });

  it('describes given-up records in an encrypted, TLS-only dead-letter queue with an alarm on the first one', () => {
    const queue = template.findResources('AWS::SQS::Queue')[queueId];
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy')).filter((policy) =>
      json(policy.Properties.Queues).includes(queueId),
    );
    const alarm = template.findResources('AWS::CloudWatch::Alarm')[logicalIdOf(stack.licenseMailer.deadLetterAlarm)];

    expect(queue?.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    expect(json(policies)).toContain('"aws:SecureTransport":"false"');
    expect(alarm?.Properties).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('may send only from the sender identity and through its configuration set', () => {
    const ses = statementsWith(statementsOf(mailerId), 'ses:');

    expect(actionsOf(ses).sort()).toEqual(['ses:SendEmail', 'ses:SendEmail', 'ses:SendRawEmail']);
    const resources = json(ses.map((statement) => statement.Resource));
    expect(resources).toContain(':identity/');
    expect(resources).toContain(logicalIdOf(stack.sender.emailIdentity));
    expect(resources).toContain(':configuration-set/');
    expect(resources).toContain(configurationSetId);
    expect(resources).not.toMatch(/"\*"/);
  });

  it('may only use items of the licenses table (sends and email budgets), not its indexes or other tables', () => {
    const dynamo = statementsWith(statementsOf(mailerId), 'dynamodb:');
    const writes = dynamo.filter((statement) => actionsOf([statement]).includes('dynamodb:UpdateItem'));
    const itemActions = ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'];

    expect(writes).toEqual([
      {
        Sid: 'RecordSends',
        Effect: 'Allow',
        Action: [...itemActions, 'dynamodb:UpdateItem'],
        Resource: { 'Fn::GetAtt': [licensesTableId, 'Arn'] },
      },
    ]);
    const others = actionsOf(dynamo).filter(
      (action) => action.startsWith('dynamodb:') && action !== 'dynamodb:UpdateItem' && !itemActions.includes(action),
    );
    expect(
      others.every((action) => /^dynamodb:(DescribeStream|GetRecords|GetShardIterator|ListStreams)$/.test(action)),
    ).toBe(true);
  });

  it('is invoked every 5 minutes to send held emails whose budget window reopened', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule'));
    const sweep = rules.find((rule) => JSON.stringify(rule.Properties.Targets).includes('held-emails'));

    expect(sweep?.Properties.ScheduleExpression).toBe('rate(5 minutes)');
    expect(JSON.stringify(sweep?.Properties.Targets)).toContain(mailerId);
  });

  it('gets the sender, the configuration set and the signing key ARN, and has time for retries', () => {
    const props = functionProps(mailerId);

    expect(props.Environment.Variables).toMatchObject({
      SENDER_EMAIL: SENDER_EMAIL,
      SES_CONFIGURATION_SET: { Ref: configurationSetId },
      SIGNING_KEY_SECRET_ARN: { Ref: signingKeyId },
      LICENSES_TABLE: { Ref: licensesTableId },
      POWERTOOLS_SERVICE_NAME: 'license-mailer',
    });
    expect(props.Timeout).toBe(60);
  });
});

describe('SES configuration set', () => {
  it('suppresses bounced and complaining addresses and publishes sending events as metrics', () => {
    template.hasResourceProperties('AWS::SES::ConfigurationSet', {
      SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
    });
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: { Ref: configurationSetId },
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: Match.arrayWith(['delivery', 'bounce', 'complaint', 'reject']),
        CloudWatchDestination: {
          DimensionConfigurations: [
            {
              DimensionName: 'ses:configuration-set',
              DimensionValueSource: 'messageTag',
              DefaultDimensionValue: 'none',
            },
          ],
        },
      },
    });
  });

  it.each([
    ['Bounce', stack.licenseMailer.bounceAlarm],
    ['Complaint', stack.licenseMailer.complaintAlarm],
  ])('raises an alarm on the first %s', (metricName, alarm) => {
    const props = template.findResources('AWS::CloudWatch::Alarm')[logicalIdOf(alarm)]?.Properties;

    expect(props).toMatchObject({
      Namespace: 'AWS/SES',
      MetricName: metricName,
      Dimensions: [{ Name: 'ses:configuration-set', Value: { Ref: configurationSetId } }],
      Threshold: 1,
    });
  });
});

describe('license validation', () => {
  const resources = template.findResources('AWS::ApiGateway::Resource');
  const idOf = (pathPart: string) => Object.entries(resources).find(([, r]) => r.Properties.PathPart === pathPart)?.[0];

  it('is POST /licenses/validate on the REST API, without the SCIM authorizer, to the validation function', () => {
    const licensesId = idOf('licenses');
    const validateId = idOf('validate');

    expect(resources[validateId ?? '']?.Properties.ParentId).toEqual({ Ref: licensesId });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      ResourceId: { Ref: validateId },
      HttpMethod: 'POST',
      AuthorizationType: 'NONE',
      Integration: {
        Type: 'AWS_PROXY',
        Uri: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [validationId, 'Arn'] }])] }),
      },
    });
  });

  it('is throttled separately from SCIM', () => {
    const stage = Object.values(template.findResources('AWS::ApiGateway::Stage'))[0]?.Properties;

    expect(stage.MethodSettings).toEqual([
      expect.objectContaining({ ResourcePath: '/*', HttpMethod: '*', ThrottlingRateLimit: 50 }),
      {
        ResourcePath: '/~1licenses~1validate',
        HttpMethod: 'POST',
        ThrottlingRateLimit: 20,
        ThrottlingBurstLimit: 40,
        MetricsEnabled: true,
        LoggingLevel: 'ERROR',
        DataTraceEnabled: false,
      },
    ]);
  });

  it('may read license items and the key lookup index, and nothing else in DynamoDB', () => {
    const dynamo = statementsWith(statementsOf(validationId), 'dynamodb:');

    expect(dynamo).toEqual([
      {
        Sid: 'ReadLicenses',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:Query'],
        Resource: [
          { 'Fn::GetAtt': [licensesTableId, 'Arn'] },
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [licensesTableId, 'Arn'] }, '/index/lookup']] },
        ],
      },
    ]);
  });

  it('publishes its URL', () => {
    template.hasOutput('ValidateLicenseUrl', { Description: Match.stringLikeRegexp('licenseKey') });
  });
});
