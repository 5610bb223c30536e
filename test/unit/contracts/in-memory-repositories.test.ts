import { describeUserRepositoryContract } from '../../support/contracts/user-repository-contract';
import { InMemoryUserRepository } from '../../support/in-memory/users';

describeUserRepositoryContract('in memory', () => new InMemoryUserRepository());
