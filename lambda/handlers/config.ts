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
  /** Local stack only: read secrets from JSON files in this folder instead of Secrets Manager. */
  readonly localSecretsDir?: string;
  /** Local stack and tests only: DynamoDB endpoint such as `http://127.0.0.1:8000`. */
  readonly dynamoEndpoint?: string;
  readonly region?: string;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  return {
    usersTable: required(env, 'USERS_TABLE'),
    groupsTable: required(env, 'GROUPS_TABLE'),
    licensesTable: required(env, 'LICENSES_TABLE'),
    defaultOrgId: env.DEFAULT_ORG_ID ?? 'default',
    tokenSecretId: env.TOKEN_SECRET_ARN ?? '',
    localSecretsDir: env.LOCAL_SECRETS_DIR,
    dynamoEndpoint: env.DYNAMODB_ENDPOINT,
    region: env.AWS_REGION,
  };
}
