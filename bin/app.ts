#!/usr/bin/env node
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  emailTemplatesDigest,
  loadEmailTemplates,
  serializeEmailTemplates,
} from '../lambda/adapters/email-template-files';
import { STACK_NAME } from '../lambda/contract/deployment';
import type { BundledEmailTemplates } from '../lambda/contract/environment';
import { ScimStack } from '../lib/scim-stack';

/**
 * Builds the CDK app from its context. The only place that reads configuration: constructs get typed props.
 * Exported so tests synthesize exactly what `cdk synth` does.
 */
export function createApp(props?: AppProps): App {
  const app = new App(props);

  const senderEmail = readSenderEmail(app);
  const seats = readPositiveInteger(app, 'seats');
  const tokenRotationDays = readPositiveInteger(app, 'tokenRotationDays');
  const tokenGraceHours = readNonNegativeNumber(app, 'tokenGraceHours');
  const scimConcurrency = readPositiveInteger(app, 'scimConcurrency');
  const alarmEmail = readOptionalEmail(app, 'alarmEmail');
  const activityRetentionDays = readPositiveInteger(app, 'activityRetentionDays');
  const productName = readOptionalText(app, 'productName');
  const supportEmail = readOptionalEmail(app, 'supportEmail');
  const emailTemplates = readEmailTemplates(app, 'emailTemplatesDir', supportEmail);

  const adminRoleArn = readRoleArn(app, 'adminRoleArn');

  const stack = new ScimStack(app, STACK_NAME, {
    description: 'SCIM 2.0 provisioning backend of the license portal',
    senderEmail,
    seats,
    tokenRotationDays,
    tokenGraceHours,
    scimConcurrency,
    alarmEmail,
    activityRetentionDays,
    productName,
    supportEmail,
    emailTemplates,
  });
  if (adminRoleArn) {
    // The portal backend's role, in this account: it gets execute-api:Invoke on the admin routes only.
    stack.adminApi.grantInvoke(iam.Role.fromRoleArn(stack, 'PortalBackendRole', adminRoleArn, { mutable: true }));
  }

  // cdk-nag v3 runs as a policy validation plugin: any unacknowledged finding, warning or error, fails synthesis.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
}

function readSenderEmail(app: App): string {
  const email = readOptionalEmail(app, 'senderEmail');
  if (email === undefined) {
    throw new Error(
      'Missing CDK context "senderEmail": the address license emails come from. ' +
        'Pass it as `npx cdk synth -c senderEmail=licenses@example.com` or set it in cdk.json under "context".',
    );
  }
  return email;
}

function readOptionalEmail(app: App, key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return undefined;
  const email = String(value).trim();
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
    throw new Error(`CDK context "${key}" must be an email address, got "${email}"`);
  }
  return email;
}

function readOptionalText(app: App, key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return undefined;
  return String(value).trim();
}

/** Checked here, so a template with an unknown or missing placeholder fails `cdk synth`, naming the file. */
function readEmailTemplates(
  app: App,
  key: string,
  supportEmail: string | undefined,
): BundledEmailTemplates | undefined {
  const dir = readOptionalText(app, key);
  if (dir === undefined) return undefined;
  try {
    const templates = loadEmailTemplates(dir, { supportEmail });
    return { serialized: serializeEmailTemplates(templates), digest: emailTemplatesDigest(templates) };
  } catch (error) {
    throw new Error(`CDK context "${key}": ${(error as Error).message}`, { cause: error });
  }
}

function readRoleArn(app: App, key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(value)) {
    throw new Error(`CDK context "${key}" must be an IAM role ARN, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Context from `-c key=value` arrives as a string, from cdk.json as a number: accept both. */
function readPositiveInteger(app: App, key: string): number | undefined {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  const parsed = typeof value === 'number' ? value : Number(String(value).trim());
  if (!Number.isInteger(parsed) || parsed <= 0) {
    throw new Error(`CDK context "${key}" must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

/** Like readPositiveInteger, but 0 and fractions are allowed (a zero grace period ends the old key at once). */
function readNonNegativeNumber(app: App, key: string): number | undefined {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  const parsed = typeof value === 'number' ? value : Number(String(value).trim());
  if (!Number.isFinite(parsed) || parsed < 0) {
    throw new Error(`CDK context "${key}" must be a number >= 0, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

if (require.main === module) {
  createApp().synth();
}
