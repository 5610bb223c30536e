import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoActivityLog } from '../adapters/dynamodb-activity';
import { createDynamoDbClient } from '../adapters/dynamodb-client';
import { DynamoEmailBudgetStore } from '../adapters/dynamodb-email-budget';
import { DynamoIdempotencyStore } from '../adapters/dynamodb-idempotency-store';
import { DynamoLicenseDirectory } from '../adapters/dynamodb-license-directory';
import { DynamoLicenseHistory } from '../adapters/dynamodb-license-history';
import { DynamoLicenseRepository } from '../adapters/dynamodb-license-repository';
import { createLicenseWriteTranslator } from '../adapters/dynamodb-license-writes';
import { DynamoOrganizationRepository } from '../adapters/dynamodb-organization-repository';
import { DynamoOutboxRedriveStore } from '../adapters/dynamodb-outbox';
import { DynamoPlanRepository } from '../adapters/dynamodb-plans';
import { transactWrite } from '../adapters/dynamodb-transactions';
import { DynamoUserRepository } from '../adapters/dynamodb-user-repository';
import { rotationLike, SecretsManagerTokenStore } from '../adapters/secrets-manager-token-store';
import type { AdminServices } from '../admin/router';
import { DEFAULT_GRACE_HOURS } from '../contract/deployment';
import { type Clock, systemClock } from '../domain/clock';
import type { IdempotencyStore } from '../domain/idempotency';
import type { LicenseDirectory } from '../domain/license-listing';
import { type EmailOutbox, LicenseResend } from '../domain/license-resend';
import type { EnqueueEmailWrite } from '../domain/licenses';
import { DEFAULT_ORG_SECRET_PREFIX, OrganizationService, type TokenStore } from '../domain/organizations';
import { OutboxRedrive } from '../domain/outbox-redrive';
import { PlanService } from '../domain/plans';
import type { ServiceConfig } from './config';

/** What the admin API needs beside the handlers' common configuration. */
export interface AdminConfig extends ServiceConfig {
  /** Attached to the token secrets the API creates, with the default secret's schedule. @default none */
  readonly tokenRotationFunctionArn?: string;
  /** Grace period of a rotation that names none. @default 72 */
  readonly tokenGraceHours?: number;
  /** Tagged on created secrets. */
  readonly stackName?: string;
}

export interface AdminOverrides {
  readonly dynamo?: DynamoDBClient;
  /** The token secrets. @default Secrets Manager */
  readonly tokens?: TokenStore;
  readonly clock?: Clock;
  readonly idempotency?: IdempotencyStore;
  readonly licenses?: LicenseDirectory;
}

/** The admin use cases on the deployment's tables and secrets. */
export async function createAdminServices(
  config: AdminConfig,
  log: AdminServices['log'],
  overrides: AdminOverrides = {},
): Promise<AdminServices> {
  const clock = overrides.clock ?? systemClock;
  const dynamo = overrides.dynamo ?? createDynamoDbClient({ region: config.region });
  const tokens = overrides.tokens ?? (await secretsManagerTokens(config));
  const orgSecretPrefix = config.orgSecretPrefix ?? DEFAULT_ORG_SECRET_PREFIX;
  const organizations = new OrganizationService(
    new DynamoOrganizationRepository(dynamo, config.licensesTable),
    tokens,
    {
      defaultOrgId: config.defaultOrgId,
      secretIdOf: (orgId) => (orgId === config.defaultOrgId ? config.tokenSecretId : `${orgSecretPrefix}${orgId}`),
      clock,
    },
  );
  const users = new DynamoUserRepository(dynamo, config.usersTable);
  const licenses = new DynamoLicenseRepository(dynamo, config.licensesTable);
  const translate = createLicenseWriteTranslator({ tableName: config.licensesTable });
  const outbox: EmailOutbox = {
    enqueue: (email) => {
      const write: EnqueueEmailWrite = { kind: 'license.email', email };
      return transactWrite(dynamo, translate(write));
    },
  };
  return {
    organizations,
    licenses:
      overrides.licenses ??
      new DynamoLicenseDirectory(dynamo, { usersTable: config.usersTable, licensesTable: config.licensesTable }),
    resend: new LicenseResend({
      users,
      licenses,
      outbox,
      clock,
    }),
    redrive: new OutboxRedrive({
      store: new DynamoOutboxRedriveStore(dynamo, config.licensesTable),
      organizations: async () => (await organizations.list()).map((organization) => organization.orgId),
      clock,
    }),
    plans: new PlanService(new DynamoPlanRepository(dynamo, config.licensesTable)),
    idempotency: overrides.idempotency ?? new DynamoIdempotencyStore(dynamo, config.licensesTable),
    activity: new DynamoActivityLog(dynamo, config.licensesTable, {
      ...(config.activityRetentionDays !== undefined ? { retentionDays: config.activityRetentionDays } : {}),
    }),
    history: new DynamoLicenseHistory(dynamo, config.licensesTable),
    users: { findByUserName: async (orgId, userName) => (await users.find(orgId, { userName }))[0] },
    seats: licenses,
    emailBudget: new DynamoEmailBudgetStore(dynamo, config.licensesTable),
    now: () => clock.now(),
    defaultGraceHours: config.tokenGraceHours ?? DEFAULT_GRACE_HOURS,
    log,
  };
}

async function secretsManagerTokens(config: AdminConfig): Promise<TokenStore> {
  const client = new SecretsManagerClient({ region: config.region });
  return new SecretsManagerTokenStore(client, {
    ...(config.stackName ? { tags: { 'scim-license-portal:stack': config.stackName } } : {}),
    ...(config.tokenRotationFunctionArn
      ? { rotation: await rotationLike(client, config.tokenSecretId, config.tokenRotationFunctionArn) }
      : {}),
  });
}
