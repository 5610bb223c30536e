import {
  describeGroupRepositoryContract,
  describeMemberDirectoryContract,
} from '../../support/contracts/group-repository-contract';
import { describeLicensedUserRepositoryContract } from '../../support/contracts/license-writes-contract';
import { describeOrganizationRepositoryContract } from '../../support/contracts/organization-repository-contract';
import { describeUserRepositoryContract } from '../../support/contracts/user-repository-contract';
import { InMemoryGroupRepository } from '../../support/in-memory/groups';
import { InMemoryLicenseStore } from '../../support/in-memory/licenses';
import { InMemoryOrganizationRepository } from '../../support/in-memory/organizations';
import { InMemoryMemberDirectory, InMemoryUserRepository } from '../../support/in-memory/users';

// The same cases run against the DynamoDB adapters in test/integration/repository-contracts.test.ts.
describeUserRepositoryContract('in memory', () => new InMemoryUserRepository());
describeGroupRepositoryContract('in memory', () => new InMemoryGroupRepository());
describeMemberDirectoryContract('in memory', () => {
  const users = new InMemoryUserRepository();
  return { users, directory: new InMemoryMemberDirectory(users) };
});
describeOrganizationRepositoryContract('in memory', () => new InMemoryOrganizationRepository());
describeLicensedUserRepositoryContract('in memory', () => {
  const licenses = new InMemoryLicenseStore();
  return {
    users: new InMemoryUserRepository(licenses),
    licenses,
    organizations: licenses.organizations,
    outbox: licenses,
  };
});
