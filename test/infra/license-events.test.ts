import { LICENSE_EVENT_SOURCE, LICENSE_EVENT_STREAM_PATTERNS } from '../../lambda/contract/license-events';
import { actionsOf, logicalIdOf, rolePermissions, type Statement, synthScimStack } from './support/app';

const { stack, template } = synthScimStack();
const busId = logicalIdOf(stack.licenseEvents.bus);
const publisherId = logicalIdOf(stack.licenseEvents.function.function);
const licensesTableId = logicalIdOf(stack.tables.licenses);
const queueId = logicalIdOf(stack.licenseEvents.deadLetterQueue);

function functionProps(logicalId: string) {
  return template.findResources('AWS::Lambda::Function')[logicalId]?.Properties;
}

function roleOf(functionLogicalId: string): string {
  return (functionProps(functionLogicalId).Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
}

const json = (value: unknown) => JSON.stringify(value);

describe('license events', () => {
  it('has a bus of its own, named in the publisher environment and an output, with an archive of its events', () => {
    const archives = Object.values(template.findResources('AWS::Events::Archive'));

    expect(template.findResources('AWS::Events::EventBus')[busId]).toBeDefined();
    expect(functionProps(publisherId).Environment.Variables.LICENSE_EVENT_BUS_NAME).toEqual({ Ref: busId });
    expect(template.toJSON().Outputs.LicenseEventBusName.Value).toEqual({ Ref: busId });
    expect(archives).toHaveLength(1);
    expect(archives[0]?.Properties).toMatchObject({
      SourceArn: { 'Fn::GetAtt': [busId, 'Arn'] },
      EventPattern: { source: [LICENSE_EVENT_SOURCE] },
      RetentionDays: 30,
    });
  });

  it('publishes from the licenses table stream, filtered to license items and deprovisioning or refused activity', () => {
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).filter(
      (mapping) => json(mapping.Properties.FunctionName) === json({ Ref: publisherId }),
    );

    expect(mappings).toHaveLength(1);
    expect(mappings[0]?.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [licensesTableId, 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
    const filters = (mappings[0]?.Properties.FilterCriteria.Filters ?? []) as { Pattern: string }[];
    const patterns = filters.map((filter) => JSON.parse(filter.Pattern));
    expect(patterns).toEqual(LICENSE_EVENT_STREAM_PATTERNS);
  });

  it('lets the publisher put events on its bus and nowhere else', () => {
    const { statements } = rolePermissions(template, roleOf(publisherId));

    const putEvents = statements.filter((statement: Statement) =>
      actionsOf([statement]).some((action) => action.startsWith('events:')),
    );
    expect(putEvents).toEqual([
      { Effect: 'Allow', Action: 'events:PutEvents', Resource: { 'Fn::GetAtt': [busId, 'Arn'] } },
    ]);
    // Reading its stream only: no item of the table.
    expect(new Set(actionsOf(statements).filter((action) => action.startsWith('dynamodb:')))).toEqual(
      new Set(['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams']),
    );
  });
});

describe('email feedback', () => {
  const feedbackId = logicalIdOf(stack.licenseEvents.feedbackFunction.function);
  const usersTableId = logicalIdOf(stack.tables.users);
  const configurationSetId = logicalIdOf(stack.licenseMailer.configurationSet);

  it("publishes the mailer's bounces and complaints to the default bus", () => {
    const destinations = Object.values(template.findResources('AWS::SES::ConfigurationSetEventDestination')).filter(
      (destination) => destination.Properties.EventDestination.EventBridgeDestination !== undefined,
    );

    expect(destinations).toHaveLength(1);
    expect(destinations[0]?.Properties.ConfigurationSetName).toEqual({ Ref: configurationSetId });
    expect(destinations[0]?.Properties.EventDestination.MatchingEventTypes.sort()).toEqual(['bounce', 'complaint']);
    expect(json(destinations[0]?.Properties.EventDestination.EventBridgeDestination.EventBusArn)).toContain(
      ':event-bus/default',
    );
  });

  it("sends this configuration set's bounces and complaints from the default bus to the feedback recorder", () => {
    const rule = template.findResources('AWS::Events::Rule')[logicalIdOf(stack.licenseEvents.feedbackRule)];

    expect(rule?.Properties.EventBusName).toBe('default');
    expect(rule?.Properties.EventPattern).toEqual({
      source: ['aws.ses'],
      detail: {
        eventType: ['Bounce', 'Complaint'],
        mail: { tags: { 'ses:configuration-set': [{ Ref: configurationSetId }] } },
      },
    });
    expect(rule?.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [feedbackId, 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdOf(stack.licenseEvents.feedbackDeadLetterQueue), 'Arn'] } },
      }),
    ]);
  });

  it("keeps a bounce the feedback recorder failed on in all of its attempts in the rule's dead-letter queue", () => {
    const feedbackQueueArn = { 'Fn::GetAtt': [logicalIdOf(stack.licenseEvents.feedbackDeadLetterQueue), 'Arn'] };

    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: feedbackId },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: feedbackQueueArn } },
    });
    const { statements } = rolePermissions(template, roleOf(feedbackId));
    expect(statements).toContainEqual(
      expect.objectContaining({ Action: expect.arrayContaining(['sqs:SendMessage']), Resource: feedbackQueueArn }),
    );
  });

  it('lets the feedback recorder update licenses and read users, nothing more of the tables', () => {
    const { statements } = rolePermissions(template, roleOf(feedbackId));

    const dynamo = statements.filter((statement) =>
      actionsOf([statement]).some((action) => action.startsWith('dynamodb:')),
    );
    expect(
      dynamo.map((statement) => ({ actions: new Set(actionsOf([statement])), resource: statement.Resource })),
    ).toEqual([
      {
        actions: new Set(['dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:GetItem']),
        resource: { 'Fn::GetAtt': [licensesTableId, 'Arn'] },
      },
      { actions: new Set(['dynamodb:GetItem']), resource: { 'Fn::GetAtt': [usersTableId, 'Arn'] } },
    ]);
  });
});
