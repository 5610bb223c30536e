import {
  describeGroupRepositoryContract,
  describeMemberDirectoryContract,
} from '../../support/contracts/group-repository-contract';
import { describeUserRepositoryContract } from '../../support/contracts/user-repository-contract';
import { InMemoryGroupRepository } from '../../support/in-memory/groups';
import { InMemoryMemberDirectory, InMemoryUserRepository } from '../../support/in-memory/users';

describeUserRepositoryContract('in memory', () => new InMemoryUserRepository());
describeGroupRepositoryContract('in memory', () => new InMemoryGroupRepository());
describeMemberDirectoryContract('in memory', () => {
  const users = new InMemoryUserRepository();
  return { users, directory: new InMemoryMemberDirectory(users) };
});
