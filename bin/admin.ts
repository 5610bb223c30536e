/**
 * `npm run admin -- <command>`: organizations, their SCIM API keys, seats and license emails, against a deployed stack
 * (AWS credentials and the stack's outputs) or, with `--local`, the local stack of `npm start`.
 */
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoLicenseRepository } from '../lambda/adapters/dynamodb-license-repository';
import { createLicenseWriteTranslator } from '../lambda/adapters/dynamodb-license-writes';
import { DynamoOrganizationRepository } from '../lambda/adapters/dynamodb-organization-repository';
import { DynamoOutboxRedriveStore } from '../lambda/adapters/dynamodb-outbox';
import { transactWrite } from '../lambda/adapters/dynamodb-transactions';
import { DynamoUserRepository } from '../lambda/adapters/dynamodb-user-repository';
import {
  SecretsManagerTokenStore,
  type SecretsManagerTokenStoreOptions,
} from '../lambda/adapters/secrets-manager-token-store';
import { DEFAULT_ORG_ID, STACK_NAME } from '../lambda/contract/deployment';
import { systemClock } from '../lambda/domain/clock';
import { DomainError } from '../lambda/domain/errors';
import { type EmailOutbox, LicenseResend } from '../lambda/domain/license-resend';
import type { EnqueueEmailWrite } from '../lambda/domain/licenses';
import {
  DEFAULT_ORG_SECRET_PREFIX,
  MAX_SEATS,
  type Organization,
  type OrganizationDetails,
  OrganizationService,
  type TokenStore,
} from '../lambda/domain/organizations';
import { OutboxRedrive, type RedrivenEmail } from '../lambda/domain/outbox-redrive';
import { DEFAULT_GRACE_HOURS } from '../lambda/domain/token-rotation';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/dynamodb-local';
import { FileTokenStore } from '../local/file-token-store';
import { localServiceConfig, localStackSettingsFromEnv } from '../local/local-stack';

const USAGE = `Usage: npm run admin -- <command> [options]

Commands:
  org create --name <name> [--seats <n>] [--id <orgId>]
                                     enable SCIM for a new organization: prints its id, the SCIM base URL and its
                                     API token (shown once)
  org list                           every organization with its seats
  org show --org <id>                seats used/total, token age, grace period and rotation state
  token rotate --org <id> [--grace-hours <h>]
                                     a new token is current at once; the previous one keeps working for the grace
                                     period (default ${DEFAULT_GRACE_HOURS} h), then stops
  token revoke-previous --org <id>   end the grace period now
  seats set --org <id> --seats <n|none>
                                     set the seat limit ("none" removes the organization's own limit)
  license resend --org <id> --user <userName>
                                     send the user's license email again (the same key: keys are derived)
  mail redrive [--org <id>] [--include-failed]
                                     have the mailer send, once each, the license emails it gave up on (dead-letter
                                     queue after a long SES outage): outbox items not sent, not refused by SES and not
                                     being sent right now, of one organization or all; --include-failed also retries
                                     the ones SES refused (e.g. after leaving the SES sandbox). Outbox items written
                                     before this command existed are not found (they expire after 14 days)

Target (one of):
  --local            the local stack of \`npm start\` (same DATA_DIR, DYNAMODB_PORT and PORT environment)
  --stack <name>     a deployed stack, with AWS credentials from the usual chain (default ${STACK_NAME})
  --region <region>  the deployed stack's region (default: AWS_REGION or your profile's)

Output:
  --json             print one JSON object (errors too) instead of text
  -h, --help         this help`;

/** Exit codes: 0 done, 1 failed, 2 wrong usage. */
class UsageError extends Error {}

interface Values {
  readonly name?: string;
  readonly seats?: string;
  readonly id?: string;
  readonly org?: string;
  readonly 'grace-hours'?: string;
  readonly user?: string;
  readonly 'include-failed'?: boolean;
  readonly local?: boolean;
  readonly json?: boolean;
  readonly stack?: string;
  readonly region?: string;
  readonly help?: boolean;
}

/** What a command produced: one JSON object, and the same for people. */
interface Outcome {
  readonly json: Record<string, unknown>;
  readonly text: string;
}

interface Target {
  /** Where the commands act, for progress lines: "the local stack in .local" or "stack X in eu-west-1". */
  readonly description: string;
  readonly scimBaseUrl: string;
  readonly organizations: OrganizationService;
  readonly licenses: LicenseResend;
  readonly outbox: OutboxRedrive;
  /** How to attach rotation to a secret that has none (shown after `org create` when it could not be attached). */
  readonly rotationHint: string;
  close(): void;
}

type Progress = (line: string) => void;

interface Command {
  readonly required: readonly (keyof Values)[];
  readonly optional: readonly (keyof Values)[];
  run(target: Target, values: Values, progress: Progress): Promise<Outcome>;
}

const COMMANDS: Record<string, Command> = {
  'org create': {
    required: ['name'],
    optional: ['seats', 'id'],
    async run(target, values, progress) {
      const seatLimit = values.seats === undefined ? undefined : seatCount(values.seats, false);
      progress(`Creating organization "${values.name}" in ${target.description}…`);
      const created = await target.organizations.create({
        name: values.name!,
        ...(seatLimit === undefined ? {} : { seatLimit }),
        ...(values.id === undefined ? {} : { orgId: values.id }),
      });
      const { organization, token, secretId, secret } = created;
      const warnings = secret.rotationError
        ? [`the rotation Lambda could not be attached (${secret.rotationError}); ${target.rotationHint}`]
        : [];
      return {
        json: {
          orgId: organization.orgId,
          name: organization.name,
          seatLimit: organization.seatLimit ?? null,
          scimBaseUrl: target.scimBaseUrl,
          token,
          secretId,
          rotationAttached: secret.rotationAttached,
          ...(warnings.length > 0 ? { warnings } : {}),
        },
        text: [
          `SCIM is enabled for "${organization.name}" (organization ${organization.orgId}, ${seatsText(organization)}).`,
          '',
          `  SCIM base URL  ${target.scimBaseUrl}`,
          `  API token      ${token}`,
          '',
          'Paste both into Okta (Provisioning > Integration: SCIM connector base URL, and the API token in the',
          'Authorization header field) or Entra ID (Tenant URL, Secret Token). Keep the token now: it is not shown',
          'again; `token rotate` issues a new one.',
          ...warnings.map((warning) => `Warning: ${warning}`),
        ].join('\n'),
      };
    },
  },
  'org list': {
    required: [],
    optional: [],
    async run(target, _values, progress) {
      progress(`Organizations in ${target.description}:`);
      const organizations = await target.organizations.list();
      const rows = organizations.map((organization) => [
        organization.orgId,
        organization.name,
        organization.seatLimit === undefined
          ? `${organization.seatsUsed} / no limit`
          : `${organization.seatsUsed} / ${organization.seatLimit}`,
        organization.createdAt || '-',
      ]);
      return {
        json: { organizations: organizations.map(organizationJson) },
        text: table([['ORG ID', 'NAME', 'SEATS USED / LIMIT', 'CREATED'], ...rows]),
      };
    },
  },
  'org show': {
    required: ['org'],
    optional: [],
    async run(target, values) {
      const details = await target.organizations.show(values.org!);
      return { json: detailsJson(details), text: detailsText(details) };
    },
  },
  'token rotate': {
    required: ['org'],
    optional: ['grace-hours'],
    async run(target, values, progress) {
      const graceHours =
        values['grace-hours'] === undefined ? DEFAULT_GRACE_HOURS : nonNegative(values['grace-hours'], 'grace-hours');
      progress(`Rotating the API token of ${values.org} in ${target.description}…`);
      const rotated = await target.organizations.rotateToken(values.org!, graceHours);
      return {
        json: {
          orgId: rotated.orgId,
          token: rotated.token,
          graceHours,
          previousTokenExpiresAt: rotated.previousTokenExpiresAt ?? null,
        },
        text: [
          `New API token of ${rotated.orgId} (current now):`,
          '',
          `  ${rotated.token}`,
          '',
          rotated.previousTokenExpiresAt
            ? `The previous token keeps working until ${rotated.previousTokenExpiresAt} (${graceHours} h): paste the new one ` +
              `into Okta before then, or end the overlap at once with \`token revoke-previous --org ${rotated.orgId}\`.`
            : 'No grace period: the previous token stops working within a minute (authorizer caches).',
        ].join('\n'),
      };
    },
  },
  'token revoke-previous': {
    required: ['org'],
    optional: [],
    async run(target, values, progress) {
      progress(`Ending the grace period of ${values.org}'s previous API token in ${target.description}…`);
      const result = await target.organizations.revokePreviousToken(values.org!);
      return {
        json: { orgId: result.orgId, revoked: result.revoked },
        text: result.revoked
          ? `The previous API token of ${result.orgId} is revoked; it stops working within a minute (authorizer caches).`
          : `${result.orgId} has no previous API token in a grace period: nothing to revoke.`,
      };
    },
  },
  'seats set': {
    required: ['org', 'seats'],
    optional: [],
    async run(target, values, progress) {
      const seats = seatCount(values.seats!, true);
      progress(`Setting the seat limit of ${values.org} in ${target.description}…`);
      const organization = await target.organizations.setSeats(values.org!, seats);
      const over = seats !== undefined && organization.seatsUsed > seats;
      const note = over
        ? `${organization.seatsUsed} seats are in use, more than the new limit: licenses already issued stay valid; new users get none until seats are free.`
        : undefined;
      return {
        json: { ...organizationJson(organization), ...(note ? { warnings: [note] } : {}) },
        text: [`Seats of ${organization.orgId}: ${seatsText(organization)}.`, ...(note ? [`Note: ${note}`] : [])].join(
          '\n',
        ),
      };
    },
  },
  'license resend': {
    required: ['org', 'user'],
    optional: [],
    async run(target, values, progress) {
      progress(`Queueing the license email of ${values.user} (${values.org}) in ${target.description}…`);
      const resent = await target.licenses.resend(values.org!, values.user!);
      return {
        json: { ...resent, sameKey: true },
        text:
          `The license email of ${resent.userName} goes to ${resent.recipient} again, with the same key ` +
          `(…${resent.keyHint}): keys are derived from the license, so nothing changes for the app.`,
      };
    },
  },
  'mail redrive': {
    required: [],
    optional: ['org', 'include-failed'],
    async run(target, values, progress) {
      const includeFailed = values['include-failed'] ?? false;
      progress(
        `Redriving unsent license emails of ${values.org ?? 'every organization'} in ${target.description}` +
          `${includeFailed ? ' (refused ones included)' : ''}…`,
      );
      const emails = await target.outbox.redrive({ ...(values.org ? { orgId: values.org } : {}), includeFailed });
      const requested = emails.filter((email) => email.outcome === 'requested');
      const skipped = emails.filter((email) => email.outcome !== 'requested');
      return {
        json: { requested: requested.length, emails: emails.map(redrivenJson) },
        text: [
          requested.length === 0
            ? 'No license email to redrive.'
            : `${requested.length} license email${requested.length === 1 ? '' : 's'} handed to the mailer again; each is sent once.`,
          ...(emails.length > 0
            ? [
                '',
                table([
                  ['ORG ID', 'EVENT ID', 'TYPE', 'CREATED', 'OUTCOME'],
                  ...emails.map((email) => [email.orgId, email.eventId, email.type, email.createdAt, email.outcome]),
                ]),
              ]
            : []),
          ...(skipped.some((email) => email.outcome === 'failed')
            ? ['', 'SES refused the emails marked "failed"; --include-failed sends them again.']
            : []),
          ...(skipped.some((email) => email.outcome === 'in-progress')
            ? ['', 'The mailer is sending the emails marked "in-progress" right now; nothing to do for them.']
            : []),
        ].join('\n'),
      };
    },
  },
};

const COMMON_FLAGS: readonly (keyof Values)[] = ['local', 'json', 'stack', 'region', 'help'];

export async function main(argv: readonly string[]): Promise<number> {
  const json = argv.includes('--json');
  const print = (outcome: Outcome) => console.log(json ? JSON.stringify(outcome.json) : outcome.text);
  const fail = (kind: string, message: string, exitCode: number) => {
    if (json) console.log(JSON.stringify({ error: { kind, message } }));
    else console.error(`${exitCode === 2 ? `${USAGE}\n\n` : ''}error: ${message}`);
    return exitCode;
  };

  let parsed: { values: Values; command: Command; name: string };
  try {
    const result = parse(argv);
    if (result === 'help') {
      console.log(USAGE);
      return 0;
    }
    parsed = result;
  } catch (error) {
    // parseArgs appends advice about positionals starting with '-', which only confuses here.
    const message = error instanceof Error ? error.message.split('. To specify a positional')[0]! : String(error);
    return fail('usage', message, 2);
  }

  const progress: Progress = json ? () => {} : (line) => console.error(line);
  let target: Target | undefined;
  try {
    target = parsed.values.local ? await localTarget() : await awsTarget(parsed.values, parsed.name === 'org create');
    print(await parsed.command.run(target, parsed.values, progress));
    return 0;
  } catch (error) {
    if (error instanceof UsageError) return fail('usage', error.message, 2);
    const kind = error instanceof Error ? error.name : 'Error';
    return fail(kind, describeFailure(error), 1);
  } finally {
    target?.close();
  }
}

function parse(argv: readonly string[]): { values: Values; command: Command; name: string } | 'help' {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      name: { type: 'string' },
      seats: { type: 'string' },
      id: { type: 'string' },
      org: { type: 'string' },
      'grace-hours': { type: 'string' },
      user: { type: 'string' },
      'include-failed': { type: 'boolean' },
      local: { type: 'boolean' },
      json: { type: 'boolean' },
      stack: { type: 'string' },
      region: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length === 0) return 'help';
  const name = positionals.join(' ');
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command "${name}"`);
  const given = Object.keys(values) as (keyof Values)[];
  const unexpected = given.filter(
    (flag) => !command.required.includes(flag) && !command.optional.includes(flag) && !COMMON_FLAGS.includes(flag),
  );
  if (unexpected.length > 0) {
    throw new UsageError(`${name} does not take ${unexpected.map((flag) => `--${flag}`).join(', ')}`);
  }
  const missing = command.required.filter((flag) => values[flag] === undefined || values[flag] === '');
  if (missing.length > 0) throw new UsageError(`${name} needs ${missing.map((flag) => `--${flag}`).join(', ')}`);
  if (values.local && (values.stack !== undefined || values.region !== undefined)) {
    throw new UsageError(
      '--local works on this machine; --stack and --region name a deployed stack: give one or the other',
    );
  }
  return { values, command, name };
}

/** The local stack: DynamoDB Local started by `npm start`, secrets as files in DATA_DIR/secrets. */
async function localTarget(): Promise<Target> {
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
    rotationHint: 'the local stack rotates tokens only through `token rotate`',
    close: () => dynamo.destroy(),
  };
}

/** Outputs of the deployed stack this command reads (see lib/scim-stack.ts). */
const REQUIRED_OUTPUTS = [
  'ScimBaseUrl',
  'TokenSecretArn',
  'OrgTokenSecretPrefix',
  'UsersTableName',
  'LicensesTableName',
] as const;

/** A deployed stack: its outputs name the tables, secrets and rotation Lambda. */
async function awsTarget(values: Values, creating: boolean): Promise<Target> {
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
async function deployedRotation(
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

function organizationService(
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

function licenseResend(dynamo: DynamoDBClient, usersTable: string, licensesTable: string): LicenseResend {
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
function outboxRedrive(
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

function redrivenJson(email: RedrivenEmail): Record<string, unknown> {
  return {
    orgId: email.orgId,
    eventId: email.eventId,
    type: email.type,
    createdAt: email.createdAt,
    outcome: email.outcome,
    ...(email.failedAt ? { failedAt: email.failedAt } : {}),
  };
}

function seatCount(raw: string, allowNone: boolean): number | undefined {
  if (allowNone && /^(none|unlimited)$/i.test(raw)) return undefined;
  const seats = Number(raw);
  if (!/^\d+$/.test(raw) || seats > MAX_SEATS) {
    throw new UsageError(`--seats must be a whole number from 0 to ${MAX_SEATS}${allowNone ? ' or "none"' : ''}`);
  }
  return seats;
}

function nonNegative(raw: string, flag: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new UsageError(`--${flag} must be a number of hours >= 0`);
  }
  return value;
}

function organizationJson(organization: Organization): Record<string, unknown> {
  return {
    orgId: organization.orgId,
    name: organization.name,
    seatLimit: organization.seatLimit ?? null,
    seatsUsed: organization.seatsUsed,
    createdAt: organization.createdAt || null,
    ...(organization.plan ? { plan: organization.plan } : {}),
  };
}

function detailsJson(details: OrganizationDetails): Record<string, unknown> {
  return {
    ...organizationJson(details.organization),
    stored: details.stored,
    seats: { used: details.seats.used, limit: details.seats.limit ?? null, available: details.seats.available ?? null },
    token: details.token ?? null,
  };
}

function detailsText(details: OrganizationDetails): string {
  const { organization, token } = details;
  const lines = [
    `Organization ${organization.orgId}: ${organization.name}`,
    `  Seats         ${seatsText(organization)}`,
  ];
  if (!details.stored) lines.push('                (no limit stored: the deployment setting `seats` applies)');
  if (!token) {
    lines.push('  API token     no token secret found');
    return lines.join('\n');
  }
  const age = token.ageDays === undefined ? '' : ` (${token.ageDays} day${token.ageDays === 1 ? '' : 's'} old)`;
  lines.push(`  API token     issued ${token.issuedAt ?? 'at an unknown time'}${age}, secret ${token.secretId}`);
  lines.push(
    `  Grace period  ${
      token.inGracePeriod
        ? `the previous token works until ${token.previousTokenExpiresAt}`
        : token.previousTokenExpiresAt
          ? `ended ${token.previousTokenExpiresAt}`
          : 'none'
    }`,
  );
  const rotation = token.rotation;
  const schedule =
    rotation.scheduleExpression ??
    (rotation.automaticallyAfterDays ? `every ${rotation.automaticallyAfterDays} days` : undefined);
  lines.push(
    `  Rotation      ${
      rotation.rotationEnabled
        ? schedule
          ? `automatic, ${schedule}${rotation.nextRotationAt ? `, next ${rotation.nextRotationAt}` : ''}`
          : 'on demand (rotation Lambda attached, no schedule)'
        : 'on demand with `token rotate` (no rotation Lambda attached)'
    }${rotation.lastRotatedAt ? `; last rotated ${rotation.lastRotatedAt}` : ''}${
      token.rotationInProgress ? '; a rotation is in progress' : ''
    }`,
  );
  return lines.join('\n');
}

function seatsText(organization: Organization): string {
  if (organization.seatLimit === undefined) return `${organization.seatsUsed} seats used, no limit`;
  const available = Math.max(0, organization.seatLimit - organization.seatsUsed);
  return `${organization.seatsUsed} of ${organization.seatLimit} seats used, ${available} available`;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_cell, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** A message for people: domain errors say what to do; AWS errors keep their name, which says what went wrong. */
function describeFailure(error: unknown): string {
  if (error instanceof DomainError) return error.message;
  if (error instanceof Error)
    return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
  return String(error);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
