/**
 * Runtime configuration of the Lambda handlers. On Lambda it comes from the environment the CDK stack sets; the local
 * stack builds it explicitly and passes it to the same handler factories. Names and ARNs only, never secret values.
 */
export interface ServiceConfig {
  readonly usersTable: string;
  readonly groupsTable: string;
  readonly licensesTable: string;
  /** Organization bound to the deployed token secret. */
  readonly defaultOrgId: string;
  /** Secret id (ARN on AWS) of the default organization's SCIM token. */
  readonly tokenSecretId: string;
  /**
   * Other organizations' token secrets are named `<prefix><orgId>` (the stack sets `ORG_SECRET_PREFIX`).
   * @default DEFAULT_ORG_SECRET_PREFIX from lambda/domain/organizations
   */
  readonly orgSecretPrefix?: string;
  /** Local stack only: read secrets from JSON files in this folder instead of Secrets Manager. */
  readonly localSecretsDir?: string;
  /** Local stack and tests only: DynamoDB endpoint such as `http://127.0.0.1:8000`. */
  readonly dynamoEndpoint?: string;
  readonly region?: string;
  /** Secret id (ARN on AWS) of the license key signing secret. Licenses are issued only when it is set. */
  readonly signingKeySecretId?: string;
  /** Seat limit of the default organization when its organization item sets none. @default no limit */
  readonly defaultOrgSeats?: number;
  /** Address license emails are sent from: a verified SES identity. */
  readonly senderEmail?: string;
  /** SES configuration set that records bounces and complaints. @default none */
  readonly sesConfigurationSet?: string;
  /** Local stack and tests only: SES endpoint such as aws-ses-v2-local's `http://127.0.0.1:8005`. */
  readonly sesEndpoint?: string;
  /** Product name in license emails. @default 'License Portal' */
  readonly productName?: string;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

/** What the authorizer needs: it reads secrets only, so it gets no table names. */
export type AuthorizerConfig = Pick<
  ServiceConfig,
  'defaultOrgId' | 'tokenSecretId' | 'orgSecretPrefix' | 'localSecretsDir' | 'region'
>;

export function authorizerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AuthorizerConfig {
  return {
    defaultOrgId: env.DEFAULT_ORG_ID ?? 'default',
    tokenSecretId: required(env, 'TOKEN_SECRET_ARN'),
    orgSecretPrefix: env.ORG_SECRET_PREFIX || undefined,
    localSecretsDir: env.LOCAL_SECRETS_DIR,
    region: env.AWS_REGION,
  };
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  return {
    usersTable: required(env, 'USERS_TABLE'),
    groupsTable: required(env, 'GROUPS_TABLE'),
    licensesTable: required(env, 'LICENSES_TABLE'),
    defaultOrgId: env.DEFAULT_ORG_ID ?? 'default',
    tokenSecretId: env.TOKEN_SECRET_ARN ?? '',
    orgSecretPrefix: env.ORG_SECRET_PREFIX || undefined,
    localSecretsDir: env.LOCAL_SECRETS_DIR,
    dynamoEndpoint: env.DYNAMODB_ENDPOINT,
    region: env.AWS_REGION,
    signingKeySecretId: env.SIGNING_KEY_SECRET_ARN || undefined,
    defaultOrgSeats: optionalSeatCount(env, 'DEFAULT_ORG_SEATS'),
    senderEmail: env.SENDER_EMAIL || undefined,
    sesConfigurationSet: env.SES_CONFIGURATION_SET || undefined,
    sesEndpoint: env.SES_ENDPOINT || undefined,
    productName: env.PRODUCT_NAME || undefined,
  };
}

function optionalSeatCount(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`environment variable ${name} must be a whole number, got "${raw}"`);
  return value;
}
