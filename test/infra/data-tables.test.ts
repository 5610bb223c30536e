import { Match, type Template } from 'aws-cdk-lib/assertions';
import { allTables } from '../../lambda/contract/tables';
import type { ScimStack } from '../../lib/scim-stack';
import { logicalIdOf, synthScimStack } from './support/app';

let stack: ScimStack;
let template: Template;

beforeAll(() => {
  ({ stack, template } = synthScimStack());
});

function tableResource(id: string) {
  const table = stack.tables.node.findChild(id);
  const resource = template.findResources('AWS::DynamoDB::Table')[logicalIdOf(table)];
  if (!resource) throw new Error(`no table resource for ${id}`);
  return resource;
}

describe('DataTables', () => {
  it('creates exactly one table per shared definition', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', allTables.length);
  });

  it.each(allTables.map((definition) => [definition.id, definition] as const))(
    '%s is on-demand, encrypted, point-in-time recoverable, deletion protected and retained',
    (id) => {
      const resource = tableResource(id);

      expect(resource.DeletionPolicy).toBe('Retain');
      expect(resource.UpdateReplacePolicy).toBe('Retain');
      expect(resource.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        DeletionProtectionEnabled: true,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      });
      expect(resource.Properties.ProvisionedThroughput).toBeUndefined();
    },
  );

  it.each(allTables.map((definition) => [definition.id, definition] as const))(
    '%s has the key schema and every index of its definition, projecting all attributes',
    (id, definition) => {
      const resource = tableResource(id);

      expect(resource.Properties.KeySchema).toEqual([
        { AttributeName: definition.partitionKey, KeyType: 'HASH' },
        { AttributeName: definition.sortKey, KeyType: 'RANGE' },
      ]);
      const indexes = resource.Properties.GlobalSecondaryIndexes as Array<Record<string, unknown>>;
      expect(indexes).toHaveLength(definition.indexes.length);
      for (const index of definition.indexes) {
        expect(indexes).toContainEqual({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            ...(index.sortKey ? [{ AttributeName: index.sortKey, KeyType: 'RANGE' }] : []),
          ],
          Projection: { ProjectionType: 'ALL' },
        });
      }
      for (const attribute of resource.Properties.AttributeDefinitions as Array<{ AttributeType: string }>) {
        expect(attribute.AttributeType).toBe('S');
      }
    },
  );

  it('pins the index names and keys of each table, since renaming one drops its data', () => {
    const indexesOf = (id: string) =>
      (tableResource(id).Properties.GlobalSecondaryIndexes as Array<{ IndexName: string; KeySchema: unknown }>)
        .map((index) => [index.IndexName, index.KeySchema])
        .sort(([a], [b]) => String(a).localeCompare(String(b)));
    const key = (partition: string, sort?: string) => [
      { AttributeName: partition, KeyType: 'HASH' },
      ...(sort ? [{ AttributeName: sort, KeyType: 'RANGE' }] : []),
    ];

    expect(indexesOf('Users')).toEqual([
      ['byEmail', key('emailKey')],
      ['byExternalId', key('externalIdKey')],
      ['byOrg', key('gsi1pk', 'gsi1sk')],
      ['byUserName', key('userNameKey')],
      ['lookup', key('gsi2pk', 'gsi2sk')],
    ]);
    expect(indexesOf('Groups')).toEqual([
      ['byExternalId', key('externalIdKey')],
      ['byOrg', key('gsi1pk', 'gsi1sk')],
      ['lookup', key('gsi2pk', 'gsi2sk')],
    ]);
  });

  it('streams new and old images from the licenses table only, for the email outbox', () => {
    expect(tableResource('Licenses').Properties.StreamSpecification).toEqual({
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    });
    expect(tableResource('Users').Properties.StreamSpecification).toBeUndefined();
    expect(tableResource('Groups').Properties.StreamSpecification).toBeUndefined();
  });

  it('gives tables no physical names, so stacks can coexist in one account', () => {
    template.allResourcesProperties('AWS::DynamoDB::Table', { TableName: Match.absent() });
  });
});
