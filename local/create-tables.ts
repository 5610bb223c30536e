import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  ResourceInUseException,
  ResourceNotFoundException,
  type TableDescription,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  allTables,
  groupsTable,
  type IndexDefinition,
  licensesTable,
  type TableDefinition,
  usersTable,
} from '../lambda/contract/tables';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './dynamodb-local';

export interface TableNames {
  readonly users: string;
  readonly groups: string;
  readonly licenses: string;
}

const definitionsByName = (names: TableNames): Array<[string, TableDefinition]> => [
  [names.users, usersTable],
  [names.groups, groupsTable],
  [names.licenses, licensesTable],
];

/**
 * Creates the service's tables on a DynamoDB endpoint (DynamoDB Local) from the same definitions the CDK stack uses.
 * Idempotent: existing tables are kept, and a persistent local database from an older checkout gets the indexes,
 * stream and TTL that were added to the definitions since (the way a deployment would add them).
 */
export async function createTables(endpoint: string, names: TableNames): Promise<void> {
  if (allTables.length !== 3) throw new Error('table-schema changed: update createTables for the new table');
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  try {
    await Promise.all(definitionsByName(names).map(([name, definition]) => ensureTable(client, name, definition)));
  } finally {
    client.destroy();
  }
}

async function ensureTable(client: DynamoDBClient, tableName: string, definition: TableDefinition): Promise<void> {
  const existing = await describe(client, tableName);
  if (!existing) {
    try {
      await client.send(new CreateTableCommand(createTableInput(tableName, definition)));
    } catch (error) {
      // A concurrent start created it first; that is what we wanted.
      if (!(error instanceof ResourceInUseException)) throw error;
    }
  }
  let table = await waitUntilActive(client, tableName);
  if (existing) table = await addMissingParts(client, table, definition);
  await ensureTimeToLive(client, tableName, definition.timeToLiveAttribute);
}

export function createTableInput(tableName: string, definition: TableDefinition) {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: attributeDefinitions(definition, definition.indexes),
    KeySchema: keySchema(definition.partitionKey, definition.sortKey),
    GlobalSecondaryIndexes: definition.indexes.length > 0 ? definition.indexes.map(globalIndex) : undefined,
    StreamSpecification: definition.stream ? { StreamEnabled: true, StreamViewType: definition.stream } : undefined,
  };
}

function attributeDefinitions(definition: TableDefinition, indexes: readonly IndexDefinition[]): AttributeDefinition[] {
  const names = new Set<string>([definition.partitionKey, definition.sortKey]);
  for (const index of indexes) {
    names.add(index.partitionKey);
    if (index.sortKey) names.add(index.sortKey);
  }
  // Every key attribute in the schema is a string (`pk`/`sk` and the overloaded index keys).
  return [...names].map((AttributeName) => ({ AttributeName, AttributeType: 'S' }));
}

function keySchema(partitionKey: string, sortKey?: string): KeySchemaElement[] {
  return [
    { AttributeName: partitionKey, KeyType: 'HASH' },
    ...(sortKey ? [{ AttributeName: sortKey, KeyType: 'RANGE' as const }] : []),
  ];
}

function globalIndex(index: IndexDefinition): GlobalSecondaryIndex {
  return {
    IndexName: index.name,
    KeySchema: keySchema(index.partitionKey, index.sortKey),
    Projection: { ProjectionType: 'ALL' },
  };
}

async function addMissingParts(
  client: DynamoDBClient,
  table: TableDescription,
  definition: TableDefinition,
): Promise<TableDescription> {
  const tableName = table.TableName!;
  const present = new Set((table.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  let current = table;
  // DynamoDB accepts one new index per UpdateTable call.
  for (const index of definition.indexes.filter((candidate) => !present.has(candidate.name))) {
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: attributeDefinitions(definition, [index]),
        GlobalSecondaryIndexUpdates: [{ Create: globalIndex(index) }],
      }),
    );
    current = await waitUntilActive(client, tableName);
  }
  if (definition.stream && !current.StreamSpecification?.StreamEnabled) {
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        StreamSpecification: { StreamEnabled: true, StreamViewType: definition.stream },
      }),
    );
    current = await waitUntilActive(client, tableName);
  }
  return current;
}

async function ensureTimeToLive(client: DynamoDBClient, tableName: string, attribute: string): Promise<void> {
  const { TimeToLiveDescription: ttl } = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  if (ttl?.TimeToLiveStatus === 'ENABLED' && ttl.AttributeName === attribute) return;
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { Enabled: true, AttributeName: attribute },
    }),
  );
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

async function waitUntilActive(
  client: DynamoDBClient,
  tableName: string,
  timeoutMs = 30_000,
): Promise<TableDescription> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const table = await describe(client, tableName);
    const indexesActive = (table?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');
    if (table?.TableStatus === 'ACTIVE' && indexesActive) return table;
    if (Date.now() > deadline) throw new Error(`table ${tableName} did not become ACTIVE within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
