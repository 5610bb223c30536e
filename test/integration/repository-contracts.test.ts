import { DynamoUserRepository } from '../../lambda/adapters/dynamodb-user-repository';
import { describeUserRepositoryContract } from '../support/contracts/user-repository-contract';
import { createTestTables, deleteTestTables, type TestTableNames, testDynamoDbClient } from '../support/dynamodb';

let tables: TestTableNames;
const client = testDynamoDbClient();

beforeAll(async () => {
  tables = await createTestTables('contracts');
});

afterAll(async () => {
  await deleteTestTables(tables);
  client.destroy();
});

describeUserRepositoryContract('DynamoDB', () => new DynamoUserRepository(client, tables.usersTable));
