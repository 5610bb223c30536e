import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoActivityLog } from '../lambda/adapters/dynamodb-activity';
import { DynamoEmailBudgetStore } from '../lambda/adapters/dynamodb-email-budget';
import { DynamoLicenseHistory } from '../lambda/adapters/dynamodb-license-history';
import { DynamoLicenseRepository } from '../lambda/adapters/dynamodb-license-repository';
import { createLicenseWriteTranslator } from '../lambda/adapters/dynamodb-license-writes';
import { DynamoOrganizationRepository } from '../lambda/adapters/dynamodb-organization-repository';
import { DynamoOutboxRedriveStore } from '../lambda/adapters/dynamodb-outbox';
import { DynamoPlanRepository } from '../lambda/adapters/dynamodb-plans';
import { transactWrite } from '../lambda/adapters/dynamodb-transactions';
import { DynamoUserRepository } from '../lambda/adapters/dynamodb-user-repository';
import {
  SecretsManagerTokenStore,
  type SecretsManagerTokenStoreOptions,
} from '../lambda/adapters/secrets-manager-token-store';
import { DEFAULT_ORG_ID, STACK_NAME } from '../lambda/contract/deployment';
import { systemClock } from '../lambda/domain/clock';
import { type EmailOutbox, LicenseResend } from '../lambda/domain/license-resend';
import type { EnqueueEmailWrite } from '../lambda/domain/licenses';
import { DEFAULT_ORG_SECRET_PREFIX, OrganizationService, type TokenStore } from '../lambda/domain/organizations';
import { OutboxRedrive } from '../lambda/domain/outbox-redrive';
import { PlanService } from '../lambda/domain/plans';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/dynamodb-local';
import { FileTokenStore } from '../local/file-token-store';
import { localServiceConfig, localStackSettingsFromEnv } from '../local/local-stack';
import type { Target, Values } from './command';
import { describeFailure } from './output';

/**
 * Where the admin commands act: the deployed stack (AWS credentials, the stack's outputs) or, with `--local`, the local
 * stack of `npm start` (DynamoDB Local, secrets as files in DATA_DIR).
 */

/** The local stack: DynamoDB Local started by `npm start`, secrets as files in DATA_DIR/secrets. */
export async function localTarget(): Promise<Target> {
  const settings = localStackSettingsFromEnv();
  const config = localServiceConfig(settings);
  const dynamo = new DynamoDBClient({
    endpoint: config.dynamoEndpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 2,
  });
  try {
    await dynamo.send(new DescribeTableCommand({ TableName: config.licensesTable }));
  } catch (error) {
    dynamo.destroy();
    if (error instanceof ResourceNotFoundException) {
      throw new Error(
        `DynamoDB Local at ${config.dynamoEndpoint} has no table ${config.licensesTable}: ` +
          'is another program using DYNAMODB_PORT? Start the local stack with `npm start`.',
        { cause: error },
      );
    }
    throw new Error(
      `cannot reach DynamoDB Local at ${config.dynamoEndpoint}: start the local stack with \`npm start\` ` +
        '(with the same DATA_DIR and DYNAMODB_PORT as this command)',
      { cause: error },
    );
  }
  const orgSecretPrefix = config.orgSecretPrefix ?? DEFAULT_ORG_SECRET_PREFIX;
  const tokens = new FileTokenStore(config.localSecretsDir!);
  const organizations = organizationService(dynamo, config.licensesTable, tokens, {
    defaultOrgId: config.defaultOrgId,
    defaultSecretId: config.tokenSecretId,
    orgSecretPrefix,
  });
  return {
    description: `the local stack (DATA_DIR ${settings.dataDir}, DynamoDB ${config.dynamoEndpoint})`,
    scimBaseUrl: `http://localhost:${settings.port}/scim/v2`,
    organizations,
    licenses: licenseResend(dynamo, config.usersTable, config.licensesTable),
    outbox: outboxRedrive(dynamo, config.licensesTable, organizations),
    activity: new DynamoActivityLog(dynamo, config.licensesTable),
    support: supportView(dynamo, config.usersTable, config.licensesTable),
    emailBudget: new DynamoEmailBudgetStore(dynamo, config.licensesTable),
    plans: new PlanService(new DynamoPlanRepository(dynamo, config.licensesTable)),
    rotationHint: 'the local stack rotates tokens only through `token rotate`',
    close: () => dynamo.destroy(),
  };
}

/** Outputs of the deployed stack this command reads (see lib/scim-stack.ts). */
export const REQUIRED_OUTPUTS = [
  'ScimBaseUrl',
  'TokenSecretArn',
  'OrgTokenSecretPrefix',
  'UsersTableName',
  'LicensesTableName',
] as const;

/** A deployed stack: its outputs name the tables, secrets and rotation Lambda. */
export async function awsTarget(values: Values, creating: boolean): Promise<Target> {
  const stackName = values.stack ?? STACK_NAME;
  const region = values.region;
  const cloudFormation = new CloudFormationClient({ region });
  let outputs: Record<string, string>;
  let resolvedRegion: string;
  try {
    resolvedRegion = region ?? (await cloudFormation.config.region());
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((output) => [output.OutputKey, output.OutputValue]));
  } catch (error) {
    throw new Error(
      `cannot read stack ${stackName}${region ? ` in ${region}` : ''} (${describeFailure(error)}): check your AWS ` +
        'credentials and region, pass --stack/--region, or use --local for the local stack',
      { cause: error },
    );
  } finally {
    cloudFormation.destroy();
  }
  const missing = REQUIRED_OUTPUTS.filter((key) => !outputs[key]);
  if (missing.length > 0) {
    throw new Error(
      `stack ${stackName} has no output ${missing.join(', ')}: deploy this version with \`npm run deploy\``,
    );
  }
  const dynamo = new DynamoDBClient({ region: resolvedRegion });
  const secrets = new SecretsManagerClient({ region: resolvedRegion });
  const storeOptions: SecretsManagerTokenStoreOptions = {
    tags: { 'scim-license-portal:stack': stackName },
    ...(creating && outputs.TokenRotationFunctionArn
      ? { rotation: await deployedRotation(secrets, outputs.TokenSecretArn!, outputs.TokenRotationFunctionArn) }
      : {}),
  };
  const tokens = new SecretsManagerTokenStore(secrets, storeOptions);
  const organizations = organizationService(dynamo, outputs.LicensesTableName!, tokens, {
    defaultOrgId: DEFAULT_ORG_ID,
    defaultSecretId: outputs.TokenSecretArn!,
    orgSecretPrefix: outputs.OrgTokenSecretPrefix!,
  });
  return {
    description: `stack ${stackName} in ${resolvedRegion}`,
    scimBaseUrl: outputs.ScimBaseUrl!,
    organizations,
    licenses: licenseResend(dynamo, outputs.UsersTableName!, outputs.LicensesTableName!),
    outbox: outboxRedrive(dynamo, outputs.LicensesTableName!, organizations),
    activity: new DynamoActivityLog(dynamo, outputs.LicensesTableName!),
    support: supportView(dynamo, outputs.UsersTableName!, outputs.LicensesTableName!),
    emailBudget: new DynamoEmailBudgetStore(dynamo, outputs.LicensesTableName!),
    plans: new PlanService(new DynamoPlanRepository(dynamo, outputs.LicensesTableName!)),
    rotationHint:
      `attach it with \`aws secretsmanager rotate-secret --secret-id <secret> --rotation-lambda-arn ` +
      `${outputs.TokenRotationFunctionArn ?? '<TokenRotationFunctionArn output>'} --no-rotate-immediately\``,
    close: () => {
      dynamo.destroy();
      secrets.destroy();
    },
  };
}

/** New organization secrets rotate like the default one: the same Lambda and the same schedule, if any. */
export async function deployedRotation(
  secrets: SecretsManagerClient,
  defaultSecretArn: string,
  lambdaArn: string,
): Promise<NonNullable<SecretsManagerTokenStoreOptions['rotation']>> {
  const { RotationRules } = await secrets.send(new DescribeSecretCommand({ SecretId: defaultSecretArn }));
  return {
    lambdaArn,
    ...(RotationRules?.ScheduleExpression ? { scheduleExpression: RotationRules.ScheduleExpression } : {}),
    ...(RotationRules?.AutomaticallyAfterDays ? { automaticallyAfterDays: RotationRules.AutomaticallyAfterDays } : {}),
  };
}

export function organizationService(
  dynamo: DynamoDBClient,
  licensesTable: string,
  tokens: TokenStore,
  secrets: { defaultOrgId: string; defaultSecretId: string; orgSecretPrefix: string },
): OrganizationService {
  return new OrganizationService(new DynamoOrganizationRepository(dynamo, licensesTable), tokens, {
    defaultOrgId: secrets.defaultOrgId,
    secretIdOf: (orgId) =>
      orgId === secrets.defaultOrgId ? secrets.defaultSecretId : `${secrets.orgSecretPrefix}${orgId}`,
  });
}

export function licenseResend(dynamo: DynamoDBClient, usersTable: string, licensesTable: string): LicenseResend {
  const translate = createLicenseWriteTranslator({ tableName: licensesTable });
  const outbox: EmailOutbox = {
    enqueue: (email) => {
      const write: EnqueueEmailWrite = { kind: 'license.email', email };
      return transactWrite(dynamo, translate(write));
    },
  };
  return new LicenseResend({
    users: new DynamoUserRepository(dynamo, usersTable),
    licenses: new DynamoLicenseRepository(dynamo, licensesTable),
    outbox,
  });
}

/** Every organization's outbox (the default organization included, stored or not), or one organization's. */
export function outboxRedrive(
  dynamo: DynamoDBClient,
  licensesTable: string,
  organizations: OrganizationService,
): OutboxRedrive {
  return new OutboxRedrive({
    store: new DynamoOutboxRedriveStore(dynamo, licensesTable),
    organizations: async () => (await organizations.list()).map((organization) => organization.orgId),
    clock: systemClock,
  });
}

export function supportView(dynamo: DynamoDBClient, usersTable: string, licensesTable: string): Target['support'] {
  const users = new DynamoUserRepository(dynamo, usersTable);
  const licenses = new DynamoLicenseRepository(dynamo, licensesTable);
  const history = new DynamoLicenseHistory(dynamo, licensesTable);
  return {
    findUser: async (orgId, userName) => (await users.find(orgId, { userName }))[0],
    licensesOf: (orgId, userId) => history.ofUser(orgId, userId),
    seatUsage: (orgId) => licenses.seatUsage(orgId),
  };
}
