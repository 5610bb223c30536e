import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { groupsTable, licensesTable, type TableDefinition, usersTable } from '../../lambda/contract/tables';

const STRING = dynamodb.AttributeType.STRING;

/**
 * The users, groups and licenses tables, built from the definitions the local stack also uses.
 * They hold customer data: retained on stack deletion, protected from deletion, and point-in-time recoverable.
 */
export class DataTables extends Construct {
  readonly users: dynamodb.Table;
  readonly groups: dynamodb.Table;
  /** Has a stream: the license email outbox is consumed from it. */
  readonly licenses: dynamodb.Table;
  readonly all: readonly dynamodb.Table[];

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.users = this.table(usersTable);
    this.groups = this.table(groupsTable);
    this.licenses = this.table(licensesTable);
    this.all = [this.users, this.groups, this.licenses];
  }

  // The construct id is the definition id: renaming it would replace the table and lose its data.
  private table(definition: TableDefinition): dynamodb.Table {
    const table = new dynamodb.Table(this, definition.id, {
      partitionKey: { name: definition.partitionKey, type: STRING },
      sortKey: { name: definition.sortKey, type: STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: definition.timeToLiveAttribute,
      stream: definition.stream ? dynamodb.StreamViewType[definition.stream] : undefined,
    });
    for (const index of definition.indexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: STRING },
        sortKey: index.sortKey ? { name: index.sortKey, type: STRING } : undefined,
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
    return table;
  }
}
