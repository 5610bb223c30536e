/**
 * The environment variables the CDK stack sets on the Lambda functions and the handlers read. One name per setting,
 * one encoder (used by lib/) and one decoder (used by the handlers), so the two sides cannot drift apart.
 * Values are names, ARNs and small numbers; never a secret.
 */

export const ENVIRONMENT_NAMES = {
  usersTable: 'USERS_TABLE',
  groupsTable: 'GROUPS_TABLE',
  licensesTable: 'LICENSES_TABLE',
  defaultOrgId: 'DEFAULT_ORG_ID',
  tokenSecretId: 'TOKEN_SECRET_ARN',
  orgSecretPrefix: 'ORG_SECRET_PREFIX',
  signingKeySecretId: 'SIGNING_KEY_SECRET_ARN',
  defaultOrgSeats: 'DEFAULT_ORG_SEATS',
  senderEmail: 'SENDER_EMAIL',
  sesConfigurationSet: 'SES_CONFIGURATION_SET',
  productName: 'PRODUCT_NAME',
  /** Where users of the product get help: the support line of the license emails. */
  supportEmail: 'SUPPORT_EMAIL',
  /**
   * SHA-256 of the operator's email templates, which travel in the mailer's code (BUNDLED_EMAIL_TEMPLATES), not
   * here: HTML templates easily pass Lambda's 4 KB for all variables together. The mailer refuses to start when its
   * bundle does not hold these very templates.
   */
  emailTemplatesDigest: 'EMAIL_TEMPLATES_SHA256',
  tokenGraceHours: 'TOKEN_GRACE_HOURS',
  /** Prefix of the usage-plan API key values (lambda/contract/throttle-tiers.ts). */
  usageKeyPrefix: 'USAGE_KEY_PREFIX',
  activityRetentionDays: 'ACTIVITY_RETENTION_DAYS',
  /** The EventBridge bus license events are published to. */
  eventBusName: 'LICENSE_EVENT_BUS_NAME',
  /** The rotation Lambda the admin API attaches to the token secrets it creates. */
  tokenRotationFunctionArn: 'TOKEN_ROTATION_FUNCTION_ARN',
  /** Tagged on the secrets the admin API creates, so they are found per stack. */
  stackName: 'STACK_NAME',
  /** Read by Powertools Logger and Metrics themselves. */
  serviceName: 'POWERTOOLS_SERVICE_NAME',
} as const;

/**
 * The identifier esbuild replaces (its `define`) with the serialized email templates when it bundles the mailer.
 * Unbundled (the local stack, tests) the identifier does not exist and templates come as a handler override.
 */
export const BUNDLED_EMAIL_TEMPLATES = '__EMAIL_TEMPLATES__';

/** Checked email templates as the stack hands them to the mailer: the bundled text and its digest for the environment. */
export interface BundledEmailTemplates {
  /** What BUNDLED_EMAIL_TEMPLATES stands for in the mailer's code. */
  readonly serialized: string;
  /** SHA-256 of `serialized`, set as `emailTemplatesDigest`. */
  readonly digest: string;
}

type Setting = keyof typeof ENVIRONMENT_NAMES;
type NumericSetting = 'defaultOrgSeats' | 'tokenGraceHours' | 'activityRetentionDays';

/** Every setting a function may receive; each function gets the ones it needs. */
export type RuntimeSettings = { readonly [K in Exclude<Setting, NumericSetting>]?: string } & {
  /** Seat limit of the default organization, a whole number >= 0. */
  readonly defaultOrgSeats?: number;
  /** Hours a rotated-out key keeps working, a number >= 0. */
  readonly tokenGraceHours?: number;
  /** Days an activity record is kept (TTL), a number > 0. */
  readonly activityRetentionDays?: number;
};

export class EnvironmentError extends Error {}

/** Settings → environment variables. Unset settings are left out. Values may be CDK tokens (strings). */
export function encodeEnvironment(settings: RuntimeSettings): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [setting, name] of Object.entries(ENVIRONMENT_NAMES) as [Setting, string][]) {
    const value = settings[setting];
    if (value !== undefined) env[name] = String(value);
  }
  return env;
}

/** Environment variables → settings. Empty variables count as unset; malformed numbers throw, naming the variable. */
export function decodeEnvironment(env: Readonly<Record<string, string | undefined>>): RuntimeSettings {
  const text = (setting: Setting): string | undefined => {
    const raw = env[ENVIRONMENT_NAMES[setting]];
    return raw === '' ? undefined : raw;
  };
  return {
    usersTable: text('usersTable'),
    groupsTable: text('groupsTable'),
    licensesTable: text('licensesTable'),
    defaultOrgId: text('defaultOrgId'),
    tokenSecretId: text('tokenSecretId'),
    orgSecretPrefix: text('orgSecretPrefix'),
    signingKeySecretId: text('signingKeySecretId'),
    defaultOrgSeats: number(
      text('defaultOrgSeats'),
      ENVIRONMENT_NAMES.defaultOrgSeats,
      Number.isInteger,
      'a whole number',
    ),
    senderEmail: text('senderEmail'),
    sesConfigurationSet: text('sesConfigurationSet'),
    productName: text('productName'),
    supportEmail: text('supportEmail'),
    emailTemplatesDigest: text('emailTemplatesDigest'),
    tokenGraceHours: number(
      text('tokenGraceHours'),
      ENVIRONMENT_NAMES.tokenGraceHours,
      Number.isFinite,
      'a number of hours',
    ),
    usageKeyPrefix: text('usageKeyPrefix'),
    activityRetentionDays: positive(
      number(
        text('activityRetentionDays'),
        ENVIRONMENT_NAMES.activityRetentionDays,
        Number.isFinite,
        'a number of days',
      ),
      ENVIRONMENT_NAMES.activityRetentionDays,
    ),
    eventBusName: text('eventBusName'),
    tokenRotationFunctionArn: text('tokenRotationFunctionArn'),
    stackName: text('stackName'),
    serviceName: text('serviceName'),
  };
}

/** The setting's value, or an error naming the variable when it is unset: for settings a function cannot run without. */
export function requireSetting<K extends keyof RuntimeSettings>(
  settings: RuntimeSettings,
  setting: K,
): NonNullable<RuntimeSettings[K]> {
  const value = settings[setting];
  if (value === undefined) throw new EnvironmentError(`environment variable ${ENVIRONMENT_NAMES[setting]} is not set`);
  return value as NonNullable<RuntimeSettings[K]>;
}

function number(
  raw: string | undefined,
  name: string,
  valid: (value: number) => boolean,
  what: string,
): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!valid(value) || value < 0)
    throw new EnvironmentError(`environment variable ${name} must be ${what} >= 0, got "${raw}"`);
  return value;
}

/** A retention of 0 days would expire every record at once: refused like a malformed number. */
function positive(value: number | undefined, name: string): number | undefined {
  if (value === 0) throw new EnvironmentError(`environment variable ${name} must be a number of days > 0, got "0"`);
  return value;
}
