import { DynamoGroupRepository } from '../../lambda/adapters/dynamodb-group-repository';
import { DynamoLicenseRepository } from '../../lambda/adapters/dynamodb-license-repository';
import { createLicenseWriteTranslator, LicensedUserRepository } from '../../lambda/adapters/dynamodb-license-writes';
import { DynamoMemberDirectory } from '../../lambda/adapters/dynamodb-member-directory';
import { DynamoOrganizationRepository } from '../../lambda/adapters/dynamodb-organization-repository';
import { DynamoOutboxRedriveStore } from '../../lambda/adapters/dynamodb-outbox';
import { transactWrite } from '../../lambda/adapters/dynamodb-transactions';
import { DynamoUserRepository } from '../../lambda/adapters/dynamodb-user-repository';
import type { EnqueueEmailWrite } from '../../lambda/domain/licenses';
import {
  describeGroupRepositoryContract,
  describeMemberDirectoryContract,
} from '../support/contracts/group-repository-contract';
import { describeLicensedUserRepositoryContract } from '../support/contracts/license-writes-contract';
import { describeOrganizationRepositoryContract } from '../support/contracts/organization-repository-contract';
import { describeUserRepositoryContract } from '../support/contracts/user-repository-contract';
import { createTestTables, deleteTestTables, type TestTableNames, testDynamoDbClient } from '../support/dynamodb';

// The same cases run against the in-memory fakes in test/unit/contracts/in-memory-repositories.test.ts.
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
describeOrganizationRepositoryContract(
  'DynamoDB',
  () => new DynamoOrganizationRepository(client, tables.licensesTable),
);
describeLicensedUserRepositoryContract('DynamoDB', () => {
  const translate = createLicenseWriteTranslator({ tableName: tables.licensesTable });
  const redrive = new DynamoOutboxRedriveStore(client, tables.licensesTable);
  return {
    users: new LicensedUserRepository(new DynamoUserRepository(client, tables.usersTable, translate), translate),
    licenses: new DynamoLicenseRepository(client, tables.licensesTable),
    organizations: new DynamoOrganizationRepository(client, tables.licensesTable),
    // As the admin CLI queues a re-sent license email: one conditional put.
    outbox: {
      enqueue: (email) => {
        const write: EnqueueEmailWrite = { kind: 'license.email', email };
        return transactWrite(client, translate(write));
      },
      listUnsent: (orgId) => redrive.listUnsent(orgId),
      requestRedrive: (email, now, includeFailed) => redrive.requestRedrive(email, now, includeFailed),
    },
  };
});
