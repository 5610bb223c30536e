import { DynamoGroupRepository, DynamoMemberDirectory } from '../../lambda/adapters/dynamodb-group-repository';
import { DynamoUserRepository } from '../../lambda/adapters/dynamodb-user-repository';
import {
  describeGroupRepositoryContract,
  describeMemberDirectoryContract,
} from '../support/contracts/group-repository-contract';
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
describeGroupRepositoryContract('DynamoDB', () => new DynamoGroupRepository(client, tables.groupsTable));
describeMemberDirectoryContract('DynamoDB', () => ({
  users: new DynamoUserRepository(client, tables.usersTable),
  directory: new DynamoMemberDirectory(client, tables.usersTable),
}));
