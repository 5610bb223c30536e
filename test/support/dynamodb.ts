import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ServiceConfig } from '../../lambda/wiring/config';
import { createTables } from '../../local/create-tables';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb-local';
import type { LocalServiceConfig } from '../../local/local-adapters';
import { generateToken, writeLocalSecret } from '../../local/local-secrets';

export type TestTableNames = Pick<ServiceConfig, 'usersTable' | 'groupsTable' | 'licensesTable'>;

/** The shared DynamoDB Local of this jest run, started by the global setup. */
export function dynamoDbEndpoint(): string {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  if (!endpoint) {
    throw new Error(
      'DYNAMODB_ENDPOINT is not set: run the tests through jest, whose global setup starts DynamoDB Local',
    );
  }
  return endpoint;
}

/** A client for assertions on stored items, with the same fake credentials the handlers use. */
export function testDynamoDbClient(): DynamoDBClient {
  return new DynamoDBClient({ endpoint: dynamoDbEndpoint(), region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}

/**
 * A fresh set of the three tables for one test file: a unique prefix keeps test files (and reruns) from seeing each
 * other's items on the shared emulator.
 */
export async function createTestTables(label = 'test'): Promise<TestTableNames> {
  const prefix = `${label.replace(/[^A-Za-z0-9_.-]/g, '-')}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const names = { users: `${prefix}-users`, groups: `${prefix}-groups`, licenses: `${prefix}-licenses` };
  await createTables(dynamoDbEndpoint(), names);
  return { usersTable: names.users, groupsTable: names.groups, licensesTable: names.licenses };
}

export async function deleteTestTables(tables: TestTableNames): Promise<void> {
  const client = testDynamoDbClient();
  try {
    await Promise.all(
      [tables.usersTable, tables.groupsTable, tables.licensesTable].map((TableName) =>
        client.send(new DeleteTableCommand({ TableName })),
      ),
    );
  } finally {
    client.destroy();
  }
}

export interface TestConfig {
  readonly config: LocalServiceConfig;
  /** The default organization's SCIM token, stored in `config.localSecretsDir`. */
  readonly token: string;
  /** Deletes the tables and the secrets folder. */
  cleanup(): Promise<void>;
}

export const TEST_DEFAULT_ORG_ID = 'default';
export const TEST_TOKEN_SECRET_ID = 'test/scim-token/default';

/** A complete handler configuration on fresh tables, with the default organization's token as a local secret. */
export async function testConfig(options: { label?: string; token?: string } = {}): Promise<TestConfig> {
  const tables = await createTestTables(options.label);
  const secretsDir = mkdtempSync(join(tmpdir(), 'scim-secrets-'));
  const token = options.token ?? generateToken();
  writeLocalSecret(secretsDir, TEST_TOKEN_SECRET_ID, { orgId: TEST_DEFAULT_ORG_ID, token });
  const config: LocalServiceConfig = {
    ...tables,
    defaultOrgId: TEST_DEFAULT_ORG_ID,
    tokenSecretId: TEST_TOKEN_SECRET_ID,
    localSecretsDir: secretsDir,
    dynamoEndpoint: dynamoDbEndpoint(),
    region: LOCAL_REGION,
  };
  return {
    config,
    token,
    async cleanup() {
      rmSync(secretsDir, { recursive: true, force: true });
      await deleteTestTables(tables);
    },
  };
}
