import type * as z from 'zod';
import type {
  ActivityRecordJson,
  LicenseHistoryJson,
  OrganizationDetailsJson,
  OrganizationJson,
  RedriveJson,
  ThrottleJson,
} from '../lambda/admin/schemas';
import { ApiProblem } from './admin-client';

/** How the admin command line prints the admin API's answers and failures, for people and as JSON. */

export type ApiOrganization = z.infer<typeof OrganizationJson>;
export type ApiOrganizationDetails = z.infer<typeof OrganizationDetailsJson>;
export type ApiThrottle = z.infer<typeof ThrottleJson>;
export type ApiActivityRecord = z.infer<typeof ActivityRecordJson>;
export type ApiLicenseEntry = z.infer<typeof LicenseHistoryJson>['licenses'][number];
export type ApiRedrivenEmail = z.infer<typeof RedriveJson>['emails'][number];
export type ApiEmailBudget = ApiOrganizationDetails['emailBudget'];

export function redrivenJson(email: ApiRedrivenEmail): Record<string, unknown> {
  return {
    orgId: email.orgId,
    eventId: email.eventId,
    type: email.type,
    createdAt: email.createdAt,
    outcome: email.outcome,
    ...(email.failedAt ? { failedAt: email.failedAt } : {}),
  };
}

export function organizationJson(organization: ApiOrganization): Record<string, unknown> {
  return {
    orgId: organization.orgId,
    name: organization.name,
    seatLimit: organization.seatLimit,
    seatsUsed: organization.seatsUsed,
    createdAt: organization.createdAt,
    ...(organization.plan ? { plan: organization.plan } : {}),
    throttle: organization.throttle,
  };
}

export function throttleText({ tier, ownKey, rateLimit, burstLimit }: ApiThrottle): string {
  return `${tier}, ${rateLimit} requests/s, burst ${burstLimit}${ownKey ? '' : ', shared with other organizations without a tier (org throttle gives it its own)'}`;
}

export function detailsJson(details: ApiOrganizationDetails): Record<string, unknown> {
  return {
    ...organizationJson(details.organization),
    stored: details.stored,
    seats: details.seats,
    token: details.apiKey,
  };
}

export function detailsText(details: ApiOrganizationDetails): string {
  const { organization, apiKey: token } = details;
  const lines = [
    `Organization ${organization.orgId}: ${organization.name}`,
    `  Seats         ${seatsText(organization)}`,
    `  Throttle      ${throttleText(organization.throttle)}`,
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

export function seatsText(organization: ApiOrganization): string {
  if (organization.seatLimit === null) return `${organization.seatsUsed} seats used, no limit`;
  const available = Math.max(0, organization.seatLimit - organization.seatsUsed);
  return `${organization.seatsUsed} of ${organization.seatLimit} seats used, ${available} available`;
}

export function table(rows: readonly (readonly string[])[]): string {
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

/**
 * One line for people: the admin API's problem detail with its status; other errors keep their name when it says
 * what went wrong (AWS SDK errors).
 */
export function describeFailure(error: unknown): string {
  if (error instanceof ApiProblem) return `${error.message} (${error.status} ${error.title})`;
  if (error instanceof Error)
    return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
  return String(error);
}

export function activityRow(record: ApiActivityRecord): string[] {
  const result =
    record.result === 'ok'
      ? 'ok'
      : `refused ${record.status ?? ''}${record.scimType ? ` ${record.scimType}` : ''}${record.detail ? `: ${record.detail}` : ''}`;
  return [
    record.at,
    record.operation,
    record.resourceType,
    record.name ?? record.resourceId ?? '-',
    result.length > 80 ? `${result.slice(0, 77)}...` : result,
    effectsOf(record),
    record.client ?? '-',
  ];
}

/** A user change's license effects, or the member counts of a group change. */
function effectsOf(record: ApiActivityRecord): string {
  const effects: string[] = [...record.licenseEffects];
  if (record.membersAdded !== undefined) effects.push(`+${record.membersAdded} members`);
  if (record.membersRemoved !== undefined) effects.push(`-${record.membersRemoved} members`);
  return effects.length > 0 ? effects.join(', ') : '-';
}

export function licenseEntryJson(entry: ApiLicenseEntry): Record<string, unknown> {
  return {
    licenseId: entry.licenseId,
    status: entry.status,
    keyLastCharacters: entry.keyHint,
    issuedAt: entry.issuedAt,
    revokedAt: entry.revokedAt,
    revocationReason: entry.revocationReason,
    emails: entry.emails,
  };
}

export function licenseEntryRow(entry: ApiLicenseEntry): string[] {
  const license = entry;
  return [
    license.licenseId,
    license.status,
    `...${license.keyHint}`,
    license.issuedAt,
    license.revokedAt ? `${license.revokedAt} (${license.revocationReason ?? '-'})` : '-',
    entry.emails.length > 0 ? entry.emails.map((email) => `${email.type} ${email.status}`).join(', ') : 'none queued',
  ];
}

export function budgetText(budget: ApiEmailBudget): string {
  return [
    `  Email budget  ${budget.perRecipientPerWindow} per recipient and ${budget.perOrganizationPerWindow} per ` +
      `organization every ${budget.windowMinutes} minutes; ${budget.sentThisWindow} sent in this window`,
    `                ${budget.recipientsWithHeldEmail} recipient(s) with an email held (sent when their window reopens, latest state only)`,
  ].join('\n');
}
