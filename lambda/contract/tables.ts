/**
 * The shape of every DynamoDB table, in one place. The CDK construct and the local stack both build their tables
 * from these definitions, so DynamoDB Local always has the keys and indexes that production has.
 *
 * Every table uses the generic `pk`/`sk` string key. Every stored key starts with the organization id, so no query
 * can cross organizations by construction. Index names are part of the contract with the adapters.
 *
 * Changing a key or an index name replaces data in production: add indexes, never rename them
 * (CloudFormation also creates at most one new global secondary index per table per deployment).
 */
export interface IndexDefinition {
  readonly name: string;
  readonly partitionKey: string;
  /** @default no sort key */
  readonly sortKey?: string;
}

export interface TableDefinition {
  /** Construct id in the CDK stack; its logical id is pinned by a test. */
  readonly id: 'Users' | 'Groups' | 'Licenses';
  readonly partitionKey: 'pk';
  readonly sortKey: 'sk';
  readonly indexes: readonly IndexDefinition[];
  /** Attribute holding an epoch-seconds expiry, for items that clean themselves up. */
  readonly timeToLiveAttribute: 'expiresAt';
  /** @default no stream */
  readonly stream?: 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES';
}

/** Index names shared by the adapters. */
export const IndexNames = {
  /** Partition `<org>` (or `<org>#<kind>`), sort by an immutable, time-ordered id: stable list order. */
  byOrg: 'byOrg',
  /**
   * A second overloaded index for lookups that need one (license keys, a user's groups) and for listing users and
   * groups by name (`<org>#USER#BYNAME` / `<org>#GROUP#BYNAME`, sorted by the folded userName or displayName).
   */
  lookup: 'lookup',
  byUserName: 'byUserName',
  byExternalId: 'byExternalId',
  byEmail: 'byEmail',
  byUser: 'byUser',
} as const;

const common = { partitionKey: 'pk', sortKey: 'sk', timeToLiveAttribute: 'expiresAt' } as const;

export const usersTable: TableDefinition = {
  ...common,
  id: 'Users',
  indexes: [
    { name: IndexNames.byOrg, partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    { name: IndexNames.byUserName, partitionKey: 'userNameKey' },
    { name: IndexNames.byExternalId, partitionKey: 'externalIdKey' },
    { name: IndexNames.byEmail, partitionKey: 'emailKey' },
    { name: IndexNames.lookup, partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  ],
};

export const groupsTable: TableDefinition = {
  ...common,
  id: 'Groups',
  indexes: [
    { name: IndexNames.byOrg, partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    { name: IndexNames.lookup, partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
    { name: IndexNames.byExternalId, partitionKey: 'externalIdKey' },
  ],
};

export const licensesTable: TableDefinition = {
  ...common,
  id: 'Licenses',
  indexes: [
    { name: IndexNames.byOrg, partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    { name: IndexNames.lookup, partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
    { name: IndexNames.byUser, partitionKey: 'userKey', sortKey: 'gsi1sk' },
  ],
  // The outbox of license emails lives in this table; the mailer consumes its stream.
  stream: 'NEW_AND_OLD_IMAGES',
};

export const allTables: readonly TableDefinition[] = [usersTable, groupsTable, licensesTable];
