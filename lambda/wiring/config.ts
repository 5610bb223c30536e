import { DEFAULT_ORG_ID } from '../contract/deployment';
import { decodeEnvironment, requireSetting } from '../contract/environment';

/**
 * Runtime configuration of the Lambda handlers. On Lambda it is decoded from the environment the CDK stack sets
 * (lambda/contract/environment.ts); the local stack builds it explicitly and passes it to the same handler factories,
 * together with its own adapters (file secrets, emulator endpoints) as overrides. Names and ARNs only, never secrets.
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
  readonly region?: string;
  /** Secret id (ARN on AWS) of the license key signing secret. Licenses are issued only when it is set. */
  readonly signingKeySecretId?: string;
  /** Seat limit of the default organization when its organization item sets none. @default no limit */
  readonly defaultOrgSeats?: number;
  /** Address license emails are sent from: a verified SES identity. */
  readonly senderEmail?: string;
  /** SES configuration set that records bounces and complaints. @default none */
  readonly sesConfigurationSet?: string;
  /** Product name in license emails. @default 'License Portal' */
  readonly productName?: string;
  /** Support address in license emails. @default no support line */
  readonly supportEmail?: string;
  /** SHA-256 of the email templates bundled into the mailer. @default the built-in templates */
  readonly emailTemplatesDigest?: string;
  /**
   * Prefix of the usage-plan API key values the authorizer answers (the stack sets `USAGE_KEY_PREFIX`).
   * @default LOCAL_USAGE_KEY_PREFIX from lambda/contract/throttle-tiers
   */
  readonly usageKeyPrefix?: string;
  /** Days activity records are kept. @default DEFAULT_ACTIVITY_RETENTION_DAYS (90) */
  readonly activityRetentionDays?: number;
  /** EventBridge bus of the license events (the publisher's). @default none */
  readonly eventBusName?: string;
}

/**
 * What the authorizer needs: the token secrets, and the licenses table for the organization's throttle slot (without
 * it, every organization but the default one shares the `unassigned` usage key).
 */
export type AuthorizerConfig = Pick<
  ServiceConfig,
  'defaultOrgId' | 'tokenSecretId' | 'orgSecretPrefix' | 'region' | 'usageKeyPrefix'
> &
  Partial<Pick<ServiceConfig, 'licensesTable'>>;

export function authorizerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AuthorizerConfig {
  const settings = decodeEnvironment(env);
  return {
    defaultOrgId: settings.defaultOrgId ?? DEFAULT_ORG_ID,
    tokenSecretId: requireSetting(settings, 'tokenSecretId'),
    orgSecretPrefix: settings.orgSecretPrefix,
    region: env.AWS_REGION,
    licensesTable: settings.licensesTable,
    usageKeyPrefix: settings.usageKeyPrefix,
  };
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const settings = decodeEnvironment(env);
  return {
    usersTable: requireSetting(settings, 'usersTable'),
    groupsTable: requireSetting(settings, 'groupsTable'),
    licensesTable: requireSetting(settings, 'licensesTable'),
    defaultOrgId: settings.defaultOrgId ?? DEFAULT_ORG_ID,
    tokenSecretId: settings.tokenSecretId ?? '',
    orgSecretPrefix: settings.orgSecretPrefix,
    region: env.AWS_REGION,
    signingKeySecretId: settings.signingKeySecretId,
    defaultOrgSeats: settings.defaultOrgSeats,
    senderEmail: settings.senderEmail,
    sesConfigurationSet: settings.sesConfigurationSet,
    productName: settings.productName,
    supportEmail: settings.supportEmail,
    emailTemplatesDigest: settings.emailTemplatesDigest,
    usageKeyPrefix: settings.usageKeyPrefix,
    activityRetentionDays: settings.activityRetentionDays,
    eventBusName: settings.eventBusName,
  };
}
