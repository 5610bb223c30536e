import { isOutboxDelivery } from '../lambda/contract/outbox-stream-filter';
import { VALIDATE_LICENSE_PATH } from '../lambda/contract/routes';
import type { EmailBudgetLimits } from '../lambda/domain/email-budget';
import type { EmailTemplates } from '../lambda/domain/email-templates';
import { createMailerHandler } from '../lambda/handlers/mailer';
import { createValidateLicenseHandler } from '../lambda/handlers/validate-license';
import type { ExtraRoute } from './api-gateway-adapter';
import { ensureLocalSigningKey, LOCAL_SIGNING_KEY_SECRET_ID } from './license-signing-key';
import { type LocalServiceConfig, localAdapters } from './local-adapters';
import { killOnExit, killStaleProcess, removePidFile, writePidFile } from './pid-file';
import { assertPortAvailable } from './ports';
import { SES_LOCAL_MARKER, startSesLocal } from './ses-local';
import { type StreamPoller, startStreamPoller } from './stream-poller';

/** The sender of local license emails (aws-ses-v2-local accepts any address). */
export const LOCAL_SENDER_EMAIL = 'licenses@license-portal.localhost';

/** What the handlers need for licenses on a local stack: the signing key file, the sender, the mail emulator. */
export function localLicenseConfig(settings: {
  readonly mailPort: number;
  readonly seats?: number;
}): Pick<LocalServiceConfig, 'signingKeySecretId' | 'senderEmail' | 'sesEndpoint' | 'defaultOrgSeats'> {
  return {
    signingKeySecretId: LOCAL_SIGNING_KEY_SECRET_ID,
    senderEmail: LOCAL_SENDER_EMAIL,
    sesEndpoint: `http://127.0.0.1:${settings.mailPort}`,
    ...(settings.seats !== undefined ? { defaultOrgSeats: settings.seats } : {}),
  };
}

/** The validation route without the authorizer, as the deployed API has it. */
export function validateLicenseRoute(config: LocalServiceConfig): ExtraRoute {
  return {
    method: 'POST',
    path: VALIDATE_LICENSE_PATH,
    handler: createValidateLicenseHandler(config, localAdapters(config)),
  };
}

export interface LocalMail {
  /** aws-ses-v2-local's web page listing the emails sent; its JSON is at `<url>/store`. */
  readonly viewerUrl: string;
  readonly poller: StreamPoller;
  stop(): Promise<void>;
}

/** Kills the mail emulator of an earlier `npm start` that died without stopping it (before MAIL_PORT is checked). */
export async function killStaleLocalMail(pidFile: string): Promise<void> {
  const stale = await killStaleProcess(pidFile, SES_LOCAL_MARKER);
  if (stale.kind === 'owned-by-live-process') {
    throw new Error(`another local stack (pid ${stale.owner}) runs the mail emulator`);
  }
}

/**
 * The mail side of a local stack: the license signing key (created once in the secrets folder), aws-ses-v2-local on
 * MAIL_PORT, and the stream poller feeding the licenses table's outbox to the real mailer handler.
 */
export async function startLocalMail(options: {
  readonly config: LocalServiceConfig;
  readonly mailPort: number;
  readonly pidFile: string;
  readonly portEnvVar?: string;
  readonly log?: (line: string) => void;
  /** Checked templates (EMAIL_TEMPLATES_DIR). @default the built-in ones */
  readonly emailTemplates?: EmailTemplates;
  /** The mailer's email budgets. @default the deployed ones */
  readonly emailBudget?: EmailBudgetLimits;
}): Promise<LocalMail> {
  const { config } = options;
  if (!config.signingKeySecretId) throw new Error('the local mail needs signingKeySecretId in the config');
  ensureLocalSigningKey(config.localSecretsDir, config.signingKeySecretId);

  await killStaleLocalMail(options.pidFile);
  await assertPortAvailable(options.mailPort, options.portEnvVar);
  const ses = await startSesLocal({ port: options.mailPort, portEnvVar: options.portEnvVar });
  writePidFile(options.pidFile, { owner: process.pid, pid: ses.pid });
  const cancelKillOnExit = killOnExit(ses.pid);
  const stopSes = async () => {
    await ses.stop();
    cancelKillOnExit();
    removePidFile(options.pidFile);
  };

  let poller: StreamPoller;
  try {
    poller = await startStreamPoller({
      endpoint: config.dynamoEndpoint,
      tableName: config.licensesTable,
      // The poller waits between retries itself (exponential backoff), so the handler need not.
      handler: createMailerHandler(config, {
        ...localAdapters(config),
        failureDelayMs: () => 0,
        emailTemplates: options.emailTemplates,
        ...(options.emailBudget ? { emailBudget: options.emailBudget } : {}),
      }),
      filter: isOutboxDelivery,
      log: options.log,
    });
  } catch (error) {
    await stopSes();
    throw error;
  }
  return {
    viewerUrl: `http://127.0.0.1:${options.mailPort}`,
    poller,
    async stop() {
      await poller.stop();
      await stopSes();
    },
  };
}
