import { parseArgs } from 'node:util';
import { STACK_NAME } from '../lambda/contract/deployment';
import {
  DEFAULT_THROTTLE_TIER,
  isThrottleTier,
  THROTTLE_TIER_NAMES,
  THROTTLE_TIERS,
} from '../lambda/contract/throttle-tiers';
import { MAX_SEATS } from '../lambda/domain/organizations';
import { DEFAULT_GRACE_HOURS } from '../lambda/domain/token-rotation';
import { type Command, type Target, UsageError, type Values } from './command';
import {
  type ApiActivityRecord,
  type ApiLicenseEntry,
  type ApiOrganization,
  type ApiOrganizationDetails,
  type ApiRedrivenEmail,
  activityRow,
  budgetText,
  detailsJson,
  detailsText,
  licenseEntryJson,
  licenseEntryRow,
  organizationJson,
  redrivenJson,
  seatsText,
  table,
  throttleText,
} from './output';

/** The admin commands, their flags and usage text: what each does, independent of where it acts. */

export const USAGE = `Usage: npm run admin -- <command> [options]

Commands:
  org create --name <name> [--seats <n>] [--id <orgId>]
                                     enable SCIM for a new organization: prints its id, the SCIM base URL and its
                                     API token (shown once)
  org list                           every organization with its seats
  org show --org <id>                seats used/total, throttle tier, token age, grace period, rotation state and
                                     email budget (sent this hour, recipients with a held email)
  org throttle --org <id> --tier <${THROTTLE_TIER_NAMES.join('|')}>
                                     give the organization its own rate and burst (${THROTTLE_TIER_NAMES.map(
                                       (tier) =>
                                         `${tier}: ${THROTTLE_TIERS[tier].rateLimit}/s, burst ${THROTTLE_TIERS[tier].burstLimit}`,
                                     ).join('; ')}); takes effect within a minute
  token rotate --org <id> [--grace-hours <h>]
                                     a new token is current at once; the previous one keeps working for the grace
                                     period (default: the stack's tokenGraceHours, ${DEFAULT_GRACE_HOURS} h unless set), then stops
  token revoke-previous --org <id>   end the grace period now
  seats set --org <id> --seats <n|none>
                                     set the seat limit ("none" removes the organization's own limit)
  plans set --org <id> --plan <name> --group <displayName|id> [--group …] [--seats <n|none>] [--rank <n>]
                                     members of these groups get this plan (the highest-ranked plan among a user's
                                     groups wins; a new plan ranks above the others by default); --seats limits how
                                     many licenses have it at once
  plans list --org <id>              the plans, their groups and seats, and the default plan
  plans default --org <id> --plan <name|none>
                                     the plan of users in no mapped group (what validation answers for them)
  plans delete --org <id> --plan <name>
                                     delete a plan no license is on (refused while seats of it are in use)
  license resend --org <id> --user <userName>
                                     send the user's license email again (the same key: keys are derived)
  mail redrive [--org <id>] [--include-failed]
                                     have the mailer send, once each, the license emails it gave up on (dead-letter
                                     queue after a long SES outage): outbox items not sent, not refused by SES and not
                                     being sent right now, of one organization or all; --include-failed also retries
                                     the ones SES refused (e.g. after leaving the SES sandbox). Outbox items written
                                     before this command existed are not found (they expire after 14 days)
  activity --org <id> [--since <24h|7d|30m|ISO time>] [--user <userName>]
                                     what happened in the organization (or to one user), oldest first: every SCIM
                                     change and refused request, its client and its license effects (kept 90 days)
  license show --org <id> --user <userName>
                                     the user's licenses: status, last characters of the key, issue and revocation
                                     times, and the state of their emails
  usage --org <id> [--since <7d|ISO time>]
                                     seats in use now and after each change that took or freed one

Target (one of): every command calls the admin API, signed with SigV4
  --local            the local stack of \`npm start\` on PORT (default 8080), with the fixed local credentials
  --stack <name>     a deployed stack, whose AdminApiUrl output names the API (default ${STACK_NAME}); AWS
                     credentials from the usual chain (AWS_PROFILE, environment, SSO, instance role)
  --region <region>  the deployed stack's region (default: AWS_REGION or your profile's)
  --url <url>        the deployed admin API's URL, instead of the stack's output (or set ADMIN_API_URL)

Output:
  --json             print one JSON object (errors too) instead of text
  -h, --help         this help`;

/** Exit codes: 0 done, 1 failed, 2 wrong usage. */

/** `/organizations/<id>`, the id escaped: it is typed by people. */
function organizationPath(orgId: string, below = ''): string {
  return `/organizations/${encodeURIComponent(orgId)}${below}`;
}

/**
 * Each command is one call (or two) of the admin API and the shaping of its answer: adding a command is adding an
 * entry here (and its flags to parse's options when new).
 */
export const COMMANDS: Record<string, Command> = {
  'plans set': {
    required: ['org', 'plan', 'group'],
    optional: ['seats', 'rank'],
    async run(target, values) {
      const seatLimit = values.seats === undefined ? undefined : seatCount(values.seats, true);
      const rank = values.rank === undefined ? undefined : wholeNumber(values.rank, 'rank');
      const plan = await target.api.call<ApiPlan>(
        'PUT',
        organizationPath(values.org!, `/plans/${encodeURIComponent(values.plan!)}`),
        {
          body: {
            groups: values.group ?? [],
            ...(seatLimit === undefined ? {} : { seatLimit }),
            ...(rank === undefined ? {} : { rank }),
          },
        },
      );
      return { json: { orgId: values.org, plan }, text: `Plan of ${values.org}: ${planText(plan)}.` };
    },
  },
  'plans list': {
    required: ['org'],
    optional: [],
    async run(target, values) {
      const catalog = await target.api.call<ApiPlanCatalog>('GET', organizationPath(values.org!, '/plans'));
      return {
        json: { orgId: values.org, defaultPlan: catalog.defaultPlan, plans: catalog.plans },
        text: [
          `Default plan of ${values.org}: ${catalog.defaultPlan ?? '(none)'}`,
          ...(catalog.plans.length === 0
            ? ['No plans by group.']
            : [
                table([
                  ['PLAN', 'RANK', 'SEATS', 'GROUPS'],
                  ...catalog.plans.map((plan) => [
                    plan.name,
                    String(plan.rank),
                    `${plan.seatsUsed} / ${plan.seatLimit ?? 'no limit'}`,
                    plan.groups.join(', '),
                  ]),
                ]),
              ]),
        ].join('\n'),
      };
    },
  },
  'plans default': {
    required: ['org', 'plan'],
    optional: [],
    async run(target, values) {
      const plan = /^none$/i.test(values.plan!) ? null : values.plan!;
      await target.api.call<ApiPlanCatalog>('PUT', organizationPath(values.org!, '/default-plan'), { body: { plan } });
      return {
        json: { orgId: values.org, defaultPlan: plan },
        text: `Users of ${values.org} in no mapped group now have ${plan === null ? 'no plan' : `plan ${plan}`}.`,
      };
    },
  },
  'plans delete': {
    required: ['org', 'plan'],
    optional: [],
    async run(target, values) {
      const catalog = await target.api.call<ApiPlanCatalog>(
        'DELETE',
        organizationPath(values.org!, `/plans/${encodeURIComponent(values.plan!)}`),
      );
      return {
        json: { orgId: values.org, deleted: values.plan, plans: catalog.plans },
        text: `Plan ${values.plan} of ${values.org} deleted; ${catalog.plans.length} plan${catalog.plans.length === 1 ? '' : 's'} left.`,
      };
    },
  },
  'org create': {
    required: ['name'],
    optional: ['seats', 'id'],
    async run(target, values, progress) {
      const seatLimit = values.seats === undefined ? undefined : seatCount(values.seats, false);
      progress(`Creating organization "${values.name}" in ${target.description}…`);
      const created = await target.api.call<{
        organization: ApiOrganization;
        scimBaseUrl: string;
        apiKey: { token: string; secretId: string; rotationAttached: boolean; rotationError?: string };
      }>('POST', '/organizations', {
        body: {
          name: values.name,
          ...(seatLimit === undefined ? {} : { seatLimit }),
          ...(values.id === undefined ? {} : { orgId: values.id }),
        },
      });
      const { token, secretId, rotationAttached, rotationError } = created.apiKey;
      let organization = created.organization;
      const warnings = rotationError
        ? [`the rotation Lambda could not be attached (${rotationError}); ${target.rotationHint}`]
        : [];
      try {
        organization = await setThrottleTier(target, organization.orgId, DEFAULT_THROTTLE_TIER);
      } catch (error) {
        warnings.push(
          `no throttle slot (${error instanceof Error ? error.message : String(error)}): the organization shares the ` +
            `rate of organizations without one; \`org throttle --org ${organization.orgId} --tier <tier>\` gives it its own`,
        );
      }
      return {
        json: {
          orgId: organization.orgId,
          name: organization.name,
          seatLimit: organization.seatLimit,
          throttle: organization.throttle,
          scimBaseUrl: created.scimBaseUrl,
          token,
          secretId,
          rotationAttached,
          ...(warnings.length > 0 ? { warnings } : {}),
        },
        text: [
          `SCIM is enabled for "${organization.name}" (organization ${organization.orgId}, ${seatsText(organization)}).`,
          '',
          `  SCIM base URL  ${created.scimBaseUrl}`,
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
      const { organizations } = await target.api.call<{ organizations: ApiOrganization[] }>('GET', '/organizations');
      const rows = organizations.map((organization) => [
        organization.orgId,
        organization.name,
        `${organization.seatsUsed} / ${organization.seatLimit === null ? 'no limit' : organization.seatLimit}`,
        (organization.throttle.ownKey ? '' : 'shared ') + organization.throttle.tier,
        organization.createdAt || '-',
      ]);
      return {
        json: { organizations: organizations.map(organizationJson) },
        text: table([['ORG ID', 'NAME', 'SEATS USED / LIMIT', 'THROTTLE', 'CREATED'], ...rows]),
      };
    },
  },
  'org show': {
    required: ['org'],
    optional: [],
    async run(target, values) {
      const details = await target.api.call<ApiOrganizationDetails>('GET', organizationPath(values.org!));
      return {
        json: { ...detailsJson(details), emailBudget: details.emailBudget },
        text: `${detailsText(details)}\n${budgetText(details.emailBudget)}`,
      };
    },
  },
  'token rotate': {
    required: ['org'],
    optional: ['grace-hours'],
    async run(target, values, progress) {
      const graceHours =
        values['grace-hours'] === undefined ? undefined : nonNegative(values['grace-hours'], 'grace-hours');
      progress(`Rotating the API token of ${values.org} in ${target.description}…`);
      const rotated = await target.api.call<{
        orgId: string;
        token: string;
        graceHours: number;
        previousTokenExpiresAt: string | null;
      }>('POST', organizationPath(values.org!, '/api-key/rotate'), {
        body: graceHours === undefined ? {} : { graceHours },
      });
      return {
        json: {
          orgId: rotated.orgId,
          token: rotated.token,
          graceHours: rotated.graceHours,
          previousTokenExpiresAt: rotated.previousTokenExpiresAt,
        },
        text: [
          `New API token of ${rotated.orgId} (current now):`,
          '',
          `  ${rotated.token}`,
          '',
          rotated.previousTokenExpiresAt
            ? `The previous token keeps working until ${rotated.previousTokenExpiresAt} (${rotated.graceHours} h): paste the new one ` +
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
      const result = await target.api.call<{ orgId: string; revoked: boolean }>(
        'POST',
        organizationPath(values.org!, '/api-key/revoke-previous'),
      );
      return {
        json: { orgId: result.orgId, revoked: result.revoked },
        text: result.revoked
          ? `The previous API token of ${result.orgId} is revoked; it stops working within a minute (authorizer caches).`
          : `${result.orgId} has no previous API token in a grace period: nothing to revoke.`,
      };
    },
  },
  'org throttle': {
    required: ['org', 'tier'],
    optional: [],
    async run(target, values, progress) {
      const tier = values.tier!;
      if (!isThrottleTier(tier)) {
        throw new UsageError(`--tier must be one of ${THROTTLE_TIER_NAMES.join(', ')}, got "${tier}"`);
      }
      progress(`Moving ${values.org} to the ${tier} throttle tier in ${target.description}…`);
      const organization = await setThrottleTier(target, values.org!, tier);
      return {
        json: organizationJson(organization),
        text: `Throttle of ${organization.orgId}: ${throttleText(organization.throttle)}. It applies within a minute (authorizer caches).`,
      };
    },
  },
  'seats set': {
    required: ['org', 'seats'],
    optional: [],
    async run(target, values, progress) {
      const seats = seatCount(values.seats!, true);
      progress(`Setting the seat limit of ${values.org} in ${target.description}…`);
      const { organization } = await target.api.call<{ organization: ApiOrganization }>(
        'PUT',
        organizationPath(values.org!, '/seats'),
        { body: { seatLimit: seats ?? null } },
      );
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
      const resent = await target.api.call<{ userName: string; recipient: string; keyHint: string }>(
        'POST',
        organizationPath(values.org!, '/licenses/resend'),
        { body: { userName: values.user } },
      );
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
      const { emails } = await target.api.call<{ emails: ApiRedrivenEmail[] }>('POST', '/mail/redrive', {
        body: { ...(values.org ? { orgId: values.org } : {}), includeFailed },
      });
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
  activity: {
    required: ['org'],
    optional: ['since', 'user'],
    async run(target, values, progress) {
      const since = sinceDate(values.since ?? '24h');
      progress(
        `Activity of ${values.user ?? 'every user and group'} in ${values.org} since ${since.toISOString()} ` +
          `(${target.description}):`,
      );
      const answer = await target.api.call<{ activity: ApiActivityRecord[] }>(
        'GET',
        organizationPath(values.org!, '/activity'),
        { query: { since: since.toISOString(), userName: values.user } },
      );
      return {
        json: { orgId: values.org, since: since.toISOString(), activity: answer.activity },
        text:
          answer.activity.length === 0
            ? 'No activity in that period.'
            : table([
                ['TIME', 'OPERATION', 'TYPE', 'NAME', 'RESULT', 'LICENSE EFFECT', 'CLIENT'],
                ...answer.activity.map(activityRow),
              ]),
      };
    },
  },
  'license show': {
    required: ['org', 'user'],
    optional: [],
    async run(target, values) {
      const user = await target.api.call<{
        userId: string;
        userName: string;
        active: boolean;
        licenses: ApiLicenseEntry[];
      }>('GET', organizationPath(values.org!, '/license-history'), { query: { userName: values.user } });
      const entries = user.licenses;
      return {
        json: {
          orgId: values.org,
          userId: user.userId,
          userName: user.userName,
          active: user.active,
          licenses: entries.map(licenseEntryJson),
        },
        text: [
          `${user.userName} (${user.userId}) is ${user.active ? 'active' : 'inactive'}; ` +
            `${entries.length === 0 ? 'no license was ever issued.' : `${entries.length} license(s):`}`,
          ...(entries.length > 0
            ? [
                '',
                table([['LICENSE', 'STATUS', 'KEY', 'ISSUED', 'REVOKED', 'EMAILS'], ...entries.map(licenseEntryRow)]),
              ]
            : []),
        ].join('\n'),
      };
    },
  },
  usage: {
    required: ['org'],
    optional: ['since'],
    async run(target, values) {
      const since = sinceDate(values.since ?? '30d');
      const usage = await target.api.call<{
        seatsUsed: number;
        seatLimit: number | null;
        points: { at: string; seatsUsed: number; operation: string; name?: string }[];
      }>('GET', organizationPath(values.org!, '/seat-usage'), { query: { since: since.toISOString() } });
      const { points } = usage;
      return {
        json: { orgId: values.org, seatsUsed: usage.seatsUsed, seatLimit: usage.seatLimit, points },
        text: [
          `${values.org}: ${usage.seatsUsed} seat(s) in use${usage.seatLimit !== null ? ` of ${usage.seatLimit}` : ''}.`,
          ...(points.length > 0
            ? [
                '',
                table([
                  ['TIME', 'SEATS USED', 'AFTER', 'USER'],
                  ...points.map((point) => [point.at, String(point.seatsUsed), point.operation, point.name ?? '-']),
                ]),
              ]
            : [`No seat changed since ${since.toISOString()}.`]),
        ].join('\n'),
      };
    },
  },
};

async function setThrottleTier(target: Target, orgId: string, tier: string): Promise<ApiOrganization> {
  const { organization } = await target.api.call<{ organization: ApiOrganization }>(
    'PUT',
    organizationPath(orgId, '/throttle'),
    { body: { tier } },
  );
  return organization;
}

/** `24h`, `7d`, `30m` ago, or an ISO 8601 time. */
export function sinceDate(raw: string, now: Date = new Date()): Date {
  const relative = /^(\d+)([mhd])$/.exec(raw.trim());
  if (relative) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(relative[1]) * unit);
  }
  const absolute = Date.parse(raw);
  if (/^\d{4}-\d{2}-\d{2}/.test(raw) && Number.isFinite(absolute)) return new Date(absolute);
  throw new UsageError('--since must be a duration such as 30m, 24h or 7d, or an ISO 8601 time');
}

export const COMMON_FLAGS: readonly (keyof Values)[] = ['local', 'json', 'stack', 'region', 'url', 'help'];

export function parse(argv: readonly string[]): { values: Values; command: Command; name: string } | 'help' {
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
      tier: { type: 'string' },
      plan: { type: 'string' },
      group: { type: 'string', multiple: true },
      rank: { type: 'string' },
      since: { type: 'string' },
      local: { type: 'boolean' },
      json: { type: 'boolean' },
      stack: { type: 'string' },
      region: { type: 'string' },
      url: { type: 'string' },
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
  if (values.local && (values.stack !== undefined || values.region !== undefined || values.url !== undefined)) {
    throw new UsageError(
      '--local works on this machine; --stack, --region and --url name a deployed stack: give one or the other',
    );
  }
  return { values, command, name };
}

export function seatCount(raw: string, allowNone: boolean): number | undefined {
  if (allowNone && /^(none|unlimited)$/i.test(raw)) return undefined;
  const seats = Number(raw);
  if (!/^\d+$/.test(raw) || seats > MAX_SEATS) {
    throw new UsageError(`--seats must be a whole number from 0 to ${MAX_SEATS}${allowNone ? ' or "none"' : ''}`);
  }
  return seats;
}

function wholeNumber(raw: string, flag: string): number {
  if (!/^\d+$/.test(raw)) throw new UsageError(`--${flag} must be a whole number >= 0`);
  return Number(raw);
}

/** A plan as the admin API answers it. */
interface ApiPlan {
  readonly name: string;
  readonly rank: number;
  readonly seatLimit: number | null;
  readonly seatsUsed: number;
  readonly groups: readonly string[];
}

interface ApiPlanCatalog {
  readonly orgId: string;
  readonly defaultPlan: string | null;
  readonly plans: readonly ApiPlan[];
}

function planText(plan: ApiPlan): string {
  return `${plan.name} (rank ${plan.rank}, seats ${plan.seatsUsed} / ${plan.seatLimit ?? 'no limit'}) for members of ${plan.groups.map((group) => `"${group}"`).join(', ')}`;
}

export function nonNegative(raw: string, flag: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new UsageError(`--${flag} must be a number of hours >= 0`);
  }
  return value;
}
