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
