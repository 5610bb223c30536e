import { DEFAULT_ORG_ID } from '../lambda/contract/deployment';
import { DEFAULT_THROTTLE_TIER, THROTTLE_TIERS, type ThrottleTier } from '../lambda/contract/throttle-tiers';
import type { ActivityRecord } from '../lambda/domain/activity';
import type { BudgetUsage } from '../lambda/domain/email-budget';
import { DomainError } from '../lambda/domain/errors';
import type { LicenseHistoryEntry } from '../lambda/domain/license-history';
import type { Organization, OrganizationDetails } from '../lambda/domain/organizations';
import type { RedrivenEmail } from '../lambda/domain/outbox-redrive';

/** How the admin command line prints results and failures, for people and as JSON. */

export function redrivenJson(email: RedrivenEmail): Record<string, unknown> {
  return {
    orgId: email.orgId,
    eventId: email.eventId,
    type: email.type,
    createdAt: email.createdAt,
    outcome: email.outcome,
    ...(email.failedAt ? { failedAt: email.failedAt } : {}),
  };
}

export function organizationJson(organization: Organization): Record<string, unknown> {
  return {
    orgId: organization.orgId,
    name: organization.name,
    seatLimit: organization.seatLimit ?? null,
    seatsUsed: organization.seatsUsed,
    createdAt: organization.createdAt || null,
    ...(organization.plan ? { plan: organization.plan } : {}),
    throttle: throttleJson(organization),
  };
}

export function throttleJson(organization: Organization): {
  tier: ThrottleTier;
  ownKey: boolean;
  rateLimit: number;
  burstLimit: number;
} {
  const slot = organization.throttleSlot;
  const tier = slot?.tier ?? DEFAULT_THROTTLE_TIER;
  return {
    tier,
    ownKey: slot !== undefined || organization.orgId === DEFAULT_ORG_ID,
    rateLimit: THROTTLE_TIERS[tier].rateLimit,
    burstLimit: THROTTLE_TIERS[tier].burstLimit,
  };
}

export function throttleText(organization: Organization): string {
  const { tier, ownKey, rateLimit, burstLimit } = throttleJson(organization);
  return `${tier}, ${rateLimit} requests/s, burst ${burstLimit}${ownKey ? '' : ', shared with other organizations without a tier (org throttle gives it its own)'}`;
}

export function detailsJson(details: OrganizationDetails): Record<string, unknown> {
  return {
    ...organizationJson(details.organization),
    stored: details.stored,
    seats: { used: details.seats.used, limit: details.seats.limit ?? null, available: details.seats.available ?? null },
    token: details.token ?? null,
  };
}

export function detailsText(details: OrganizationDetails): string {
  const { organization, token } = details;
  const lines = [
    `Organization ${organization.orgId}: ${organization.name}`,
    `  Seats         ${seatsText(organization)}`,
    `  Throttle      ${throttleText(organization)}`,
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

export function seatsText(organization: Organization): string {
  if (organization.seatLimit === undefined) return `${organization.seatsUsed} seats used, no limit`;
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

/** A message for people: domain errors say what to do; AWS errors keep their name, which says what went wrong. */
export function describeFailure(error: unknown): string {
  if (error instanceof DomainError) return error.message;
  if (error instanceof Error)
    return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
  return String(error);
}

export function activityJson(record: ActivityRecord): Record<string, unknown> {
  const { orgId: _org, ...rest } = record;
  return rest;
}

export function activityRow(record: ActivityRecord): string[] {
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
    record.licenseEffects.length > 0 ? record.licenseEffects.join(', ') : '-',
    record.client ?? '-',
  ];
}

export function licenseEntryJson(entry: LicenseHistoryEntry): Record<string, unknown> {
  const { license } = entry;
  return {
    licenseId: license.licenseId,
    status: license.status,
    keyLastCharacters: license.keyHint,
    issuedAt: license.issuedAt,
    revokedAt: license.revokedAt ?? null,
    revocationReason: license.revocationReason ?? null,
    emails: entry.emails,
  };
}

export function licenseEntryRow(entry: LicenseHistoryEntry): string[] {
  const { license } = entry;
  return [
    license.licenseId,
    license.status,
    `...${license.keyHint}`,
    license.issuedAt,
    license.revokedAt ? `${license.revokedAt} (${license.revocationReason ?? '-'})` : '-',
    entry.emails.length > 0 ? entry.emails.map((email) => `${email.type} ${email.status}`).join(', ') : 'none queued',
  ];
}

export function budgetJson(usage: BudgetUsage): Record<string, unknown> {
  return {
    perRecipientPerWindow: usage.limits.perRecipient,
    perOrganizationPerWindow: usage.limits.perOrganization,
    windowMinutes: usage.limits.windowMs / 60_000,
    sentThisWindow: usage.sentThisWindow,
    recipientsWithHeldEmail: usage.held,
  };
}

export function budgetText(usage: BudgetUsage): string {
  const minutes = usage.limits.windowMs / 60_000;
  return [
    `  Email budget  ${usage.limits.perRecipient} per recipient and ${usage.limits.perOrganization} per organization ` +
      `every ${minutes} minutes; ${usage.sentThisWindow} sent in this window`,
    `                ${usage.held} recipient(s) with an email held (sent when their window reopens, latest state only)`,
  ].join('\n');
}
