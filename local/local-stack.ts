import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadEmailTemplates } from '../lambda/adapters/email-template-files';
import { DEFAULT_ORG_ID } from '../lambda/contract/deployment';
import type { EmailTemplates } from '../lambda/domain/email-templates';
import { parseTokenSecret } from '../lambda/domain/tokens';
import type { ServiceConfig } from '../lambda/wiring/config';
import { type ApiServerHandle, type ExtraRoute, startApiServer } from './api-gateway-adapter';
import { createTables, type TableNames } from './create-tables';
import {
  DYNAMODB_LOCAL_MARKER,
  LOCAL_REGION,
  type SupervisedDynamoDbLocal,
  superviseDynamoDbLocal,
} from './dynamodb-local';
import type { LocalServiceConfig } from './local-adapters';
import { adminRoute } from './local-admin';
import { type LocalLicenseEvents, startLocalLicenseEvents } from './local-event-bus';
import { killStaleLocalMail, localLicenseConfig, startLocalMail, validateLicenseRoute } from './local-licensing';
import { localSecretPath, resolveDefaultToken, type TokenSource, writeLocalSecret } from './local-secrets';
import { killOnExit, killStaleProcess, removePidFile, writePidFile } from './pid-file';
import { assertPortAvailable } from './ports';
import { usagePlanThrottle } from './usage-plans';

/** Fixed names: one local stack per DATA_DIR, so they never collide, and the admin CLI can find them. */
export const LOCAL_TABLE_NAMES: TableNames = { users: 'scim-users', groups: 'scim-groups', licenses: 'scim-licenses' };
/** The local stack's `SCIM_TOKEN` belongs to the same default organization as the deployed stack's secret. */
export const LOCAL_DEFAULT_ORG_ID = DEFAULT_ORG_ID;
export const LOCAL_TOKEN_SECRET_ID = 'local/scim-token/default';

export interface LocalStackSettings {
  /** SCIM API port (`PORT`). */
  readonly port: number;
  /** DynamoDB Local port (`DYNAMODB_PORT`). */
  readonly dynamoDbPort: number;
  /** aws-ses-v2-local, which receives the license emails and shows them on its web page (`MAIL_PORT`). */
  readonly mailPort: number;
  /** Seat limit of the default organization (`SEATS`, like the CDK context `seats`). @default no limit */
  readonly seats?: number;
  /** Where the database, secrets and generated token live (`DATA_DIR`). */
  readonly dataDir: string;
  /** The default organization's token (`SCIM_TOKEN`). @default generated once and kept in DATA_DIR */
  readonly token?: string;
  /** Product name in the license emails (`PRODUCT_NAME`, like the CDK context `productName`). @default 'License Portal' */
  readonly productName?: string;
  /** Support address in the license emails (`SUPPORT_EMAIL`, like the CDK context). @default no support line */
  readonly supportEmail?: string;
  /** Folder of the operator's email templates (`EMAIL_TEMPLATES_DIR`, like `emailTemplatesDir`). @default built-in */
  readonly emailTemplatesDir?: string;
}

export const DEFAULT_LOCAL_SETTINGS = { port: 8080, dynamoDbPort: 8000, mailPort: 8005, dataDir: '.local' } as const;

/** Environment variable behind each setting, for error messages. */
export const SETTING_ENV_VARS = {
  port: 'PORT',
  dynamoDbPort: 'DYNAMODB_PORT',
  mailPort: 'MAIL_PORT',
  dataDir: 'DATA_DIR',
  token: 'SCIM_TOKEN',
  seats: 'SEATS',
  productName: 'PRODUCT_NAME',
  supportEmail: 'SUPPORT_EMAIL',
  emailTemplatesDir: 'EMAIL_TEMPLATES_DIR',
} as const;

/** Reads the local stack's environment; shared by `npm start` and the admin CLI's `--local` mode. */
export function localStackSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): LocalStackSettings {
  return {
    port: portFrom(env, SETTING_ENV_VARS.port, DEFAULT_LOCAL_SETTINGS.port),
    dynamoDbPort: portFrom(env, SETTING_ENV_VARS.dynamoDbPort, DEFAULT_LOCAL_SETTINGS.dynamoDbPort),
    mailPort: portFrom(env, SETTING_ENV_VARS.mailPort, DEFAULT_LOCAL_SETTINGS.mailPort),
    dataDir: env[SETTING_ENV_VARS.dataDir] || DEFAULT_LOCAL_SETTINGS.dataDir,
    token: env[SETTING_ENV_VARS.token] || undefined,
    seats: seatsFrom(env, SETTING_ENV_VARS.seats),
    productName: env[SETTING_ENV_VARS.productName]?.trim() || undefined,
    supportEmail: env[SETTING_ENV_VARS.supportEmail]?.trim() || undefined,
    emailTemplatesDir: env[SETTING_ENV_VARS.emailTemplatesDir] || undefined,
  };
}

function loadEmailTemplatesSetting(dir: string, supportEmail: string | undefined): EmailTemplates {
  try {
    return loadEmailTemplates(dir, { supportEmail });
  } catch (error) {
    throw new Error(`${SETTING_ENV_VARS.emailTemplatesDir}: ${(error as Error).message}`, { cause: error });
  }
}

function seatsFrom(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const seats = Number(raw);
  if (!Number.isInteger(seats) || seats < 0) throw new Error(`${name} must be a whole number of seats, got "${raw}"`);
  return seats;
}

function portFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${name} must be a port number between 1 and 65535, got "${raw}"`);
  }
  return port;
}

export interface LocalStackPaths {
  readonly dataDir: string;
  readonly dynamoDbDir: string;
  readonly secretsDir: string;
  /** The generated default token, reused on later starts. */
  readonly tokenFile: string;
  /** Pid of the DynamoDB Local JVM, to clean up after a killed `npm start`. */
  readonly dynamoDbPidFile: string;
  /** Pid of aws-ses-v2-local. */
  readonly sesPidFile: string;
}

export function localStackPaths(dataDir: string): LocalStackPaths {
  const root = resolve(dataDir);
  return {
    dataDir: root,
    dynamoDbDir: join(root, 'dynamodb'),
    secretsDir: join(root, 'secrets'),
    tokenFile: join(root, 'default-token'),
    dynamoDbPidFile: join(root, 'dynamodb.pid'),
    sesPidFile: join(root, 'ses.pid'),
  };
}

/** The handlers' configuration for a local stack; another process (the admin CLI) derives the same from the settings. */
export function localServiceConfig(
  settings: Pick<LocalStackSettings, 'dataDir' | 'dynamoDbPort'> &
    Partial<Pick<LocalStackSettings, 'mailPort' | 'seats' | 'productName' | 'supportEmail'>>,
): LocalServiceConfig {
  return {
    usersTable: LOCAL_TABLE_NAMES.users,
    groupsTable: LOCAL_TABLE_NAMES.groups,
    licensesTable: LOCAL_TABLE_NAMES.licenses,
    defaultOrgId: LOCAL_DEFAULT_ORG_ID,
    tokenSecretId: LOCAL_TOKEN_SECRET_ID,
    localSecretsDir: localStackPaths(settings.dataDir).secretsDir,
    dynamoEndpoint: `http://127.0.0.1:${settings.dynamoDbPort}`,
    region: LOCAL_REGION,
    ...localLicenseConfig({ mailPort: settings.mailPort ?? DEFAULT_LOCAL_SETTINGS.mailPort, seats: settings.seats }),
    ...(settings.productName ? { productName: settings.productName } : {}),
    ...(settings.supportEmail ? { supportEmail: settings.supportEmail } : {}),
  };
}

/**
 * The handlers build their AWS SDK clients from the default credential chain. DynamoDB Local ignores credentials
 * but the SDK refuses to sign without any, and a developer's real profile (SSO, MFA) must not be needed locally.
 */
export function useLocalAwsCredentials(env: NodeJS.ProcessEnv = process.env): void {
  if (!env.AWS_ACCESS_KEY_ID) {
    env.AWS_ACCESS_KEY_ID = 'local';
    env.AWS_SECRET_ACCESS_KEY = 'local';
  }
  env.AWS_REGION ??= LOCAL_REGION;
}

export interface LocalStackOptions extends LocalStackSettings {
  /** @default 60, like the deployed authorizer cache */
  readonly authorizerCacheTtlSeconds?: number;
  /** Routes beside `/scim/v2` and `POST /licenses/validate`. */
  readonly extraRoutes?: readonly ExtraRoute[];
  /** Access log and handler failures. @default silent */
  readonly log?: (line: string) => void;
}

export interface LocalStack {
  readonly config: LocalServiceConfig;
  readonly settings: LocalStackSettings;
  readonly paths: LocalStackPaths;
  /** The default organization's token and where it came from. */
  readonly token: string;
  readonly tokenSource: TokenSource;
  /** `http://localhost:<port>/scim/v2` */
  readonly scimBaseUrl: string;
  /** Restarted on the same port and data folder whenever its JVM dies. */
  readonly dynamoDb: SupervisedDynamoDbLocal;
  readonly api: ApiServerHandle;
  /** aws-ses-v2-local's page listing the emails sent (JSON at `/store`). */
  readonly mailViewerUrl: string;
  /** The EventBridge stand-in: license events recorded in DATA_DIR, listed at `GET /local/events`. */
  readonly licenseEvents: LocalLicenseEvents;
  /** Stops the API server and every child process. Safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * Runs the whole service on one machine: DynamoDB Local persisted in DATA_DIR, the tables from the shared
 * definitions, the default organization's token as a local secret, and the API Gateway emulation in front of the
 * real authorizer and SCIM handlers. Whatever was started is stopped again if a later step fails.
 */
/**
 * The default organization's token. Once its secret exists, the secret is the truth: `npm run admin -- token rotate
 * --org default --local` may have replaced the token and keeps the previous one for a grace period, and a restart
 * must not undo that. `SCIM_TOKEN` still wins when it names a different token.
 */
function defaultOrgToken(
  paths: { secretsDir: string; tokenFile: string },
  config: ServiceConfig,
  fromEnvironment: string | undefined,
): { token: string; source: TokenSource; keepSecret: boolean } {
  const existing = readCurrentSecret(paths.secretsDir, config.tokenSecretId);
  if (fromEnvironment) {
    return { token: fromEnvironment, source: 'environment', keepSecret: existing?.token === fromEnvironment };
  }
  if (existing && existing.orgId === config.defaultOrgId) {
    return { token: existing.token, source: 'stored', keepSecret: true };
  }
  return { ...resolveDefaultToken(paths.tokenFile), keepSecret: false };
}

function readCurrentSecret(secretsDir: string, secretId: string) {
  try {
    return parseTokenSecret(readFileSync(localSecretPath(secretsDir, secretId), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const paths = localStackPaths(options.dataDir);
  mkdirSync(paths.dataDir, { recursive: true });
  useLocalAwsCredentials();

  const stale = await killStaleProcess(paths.dynamoDbPidFile, DYNAMODB_LOCAL_MARKER);
  if (stale.kind === 'owned-by-live-process') {
    throw new Error(
      `another local stack (pid ${stale.owner}) is using ${paths.dataDir}: stop it, or set ${SETTING_ENV_VARS.dataDir} to another folder`,
    );
  }
  await killStaleLocalMail(paths.sesPidFile);
  // The ports are checked before anything starts, so the error names the right variable and nothing is left running.
  await assertPortAvailable(options.port, SETTING_ENV_VARS.port);
  await assertPortAvailable(options.dynamoDbPort, SETTING_ENV_VARS.dynamoDbPort);
  await assertPortAvailable(options.mailPort, SETTING_ENV_VARS.mailPort);

  const config = localServiceConfig(options);
  // Checked like `cdk synth` checks them, before anything starts, so a bad template leaves nothing running.
  const emailTemplates = options.emailTemplatesDir
    ? loadEmailTemplatesSetting(options.emailTemplatesDir, config.supportEmail)
    : undefined;
  const { token, source: tokenSource, keepSecret } = defaultOrgToken(paths, config, options.token);
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stopOne of stops.splice(0).reverse()) await stopOne();
  };

  try {
    let cancelKillOnExit = () => {};
    const dynamoDb = await superviseDynamoDbLocal({
      port: options.dynamoDbPort,
      dataDir: paths.dynamoDbDir,
      portEnvVar: SETTING_ENV_VARS.dynamoDbPort,
      log: options.log,
      onRestart: (pid) => {
        cancelKillOnExit();
        cancelKillOnExit = killOnExit(pid);
        writePidFile(paths.dynamoDbPidFile, { owner: process.pid, pid });
      },
    });
    writePidFile(paths.dynamoDbPidFile, { owner: process.pid, pid: dynamoDb.pid });
    cancelKillOnExit = killOnExit(dynamoDb.pid);
    stops.push(async () => {
      await dynamoDb.stop();
      cancelKillOnExit();
      removePidFile(paths.dynamoDbPidFile);
    });

    await createTables(dynamoDb.endpoint, LOCAL_TABLE_NAMES);
    if (!keepSecret) writeLocalSecret(paths.secretsDir, config.tokenSecretId, { orgId: config.defaultOrgId, token });

    const mail = await startLocalMail({
      config,
      mailPort: options.mailPort,
      pidFile: paths.sesPidFile,
      portEnvVar: SETTING_ENV_VARS.mailPort,
      emailTemplates,
      log: options.log,
    });
    stops.push(() => mail.stop());
    const licenseEvents = await startLocalLicenseEvents({ config, dataDir: paths.dataDir, log: options.log });
    stops.push(() => licenseEvents.stop());

    const api = await startApiServer({
      port: options.port,
      config,
      extraRoutes: [validateLicenseRoute(config), licenseEvents.bus.route(), ...(options.extraRoutes ?? [])],
      iamRoutes: [adminRoute(config)],
      authorizerCacheTtlSeconds: options.authorizerCacheTtlSeconds,
      log: options.log,
      portEnvVar: SETTING_ENV_VARS.port,
      // Each organization's rate and burst, from the tiers the deployed usage plans have.
      usagePlans: usagePlanThrottle({ keyPrefix: config.usageKeyPrefix }),
    });
    stops.push(() => api.close());

    const settings: LocalStackSettings = {
      port: api.port,
      dynamoDbPort: options.dynamoDbPort,
      mailPort: options.mailPort,
      dataDir: paths.dataDir,
      token: options.token,
      seats: options.seats,
      productName: options.productName,
      supportEmail: options.supportEmail,
      emailTemplatesDir: options.emailTemplatesDir,
    };
    return {
      config,
      settings,
      paths,
      token,
      tokenSource,
      scimBaseUrl: api.scimBaseUrl,
      dynamoDb,
      api,
      mailViewerUrl: mail.viewerUrl,
      licenseEvents,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
