/**
 * The custom CloudWatch metrics the handlers emit (Embedded Metric Format) and the stack's dashboard and alarms read.
 * A metric is found by namespace, name and every dimension: a handler and the dashboard that disagree on one of them
 * show an empty graph and an alarm that never fires, so both take the names from here.
 *
 * Dimension values come from fixed lists, never from a request (an organization id or a path would let any caller
 * create metric series at will).
 */

/** CloudWatch namespace of every custom metric. */
export const METRICS_NAMESPACE = 'ScimLicensePortal';

/** Powertools adds the service name to every metric as the `service` dimension. */
export const METRIC_SERVICES = {
  scim: 'scim',
  authorizer: 'scim-authorizer',
  mailer: 'license-mailer',
  tokenRotation: 'token-rotation',
} as const;

export const METRIC_NAMES = {
  /** SCIM requests answered by the SCIM function, by `resource` and `statusClass`. */
  scimRequests: 'ScimRequests',
  /** API keys the authorizer refused, by `reason`. */
  rejectedTokens: 'RejectedTokens',
  /** The authorizer itself failed (a secret could not be read): API Gateway answers 500. */
  authorizerFailures: 'AuthorizerFailures',
  /** License email attempts by `outcome`. */
  licenseEmails: 'LicenseEmails',
} as const;

/** Why the authorizer refused a key (the `reason` dimension of RejectedTokens). */
export const REJECTION_REASONS = ['missing', 'malformed', 'unknown-organization', 'mismatch', 'expired'] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** The `resource` dimension of ScimRequests: SCIM's endpoints, everything else is `other`. */
export const SCIM_METRIC_RESOURCES = [
  'Users',
  'Groups',
  'ServiceProviderConfig',
  'ResourceTypes',
  'Schemas',
  'other',
] as const;
export type ScimMetricResource = (typeof SCIM_METRIC_RESOURCES)[number];

export const STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx'] as const;

/**
 * The `outcome` dimension of LicenseEmails: `sent`; `refused` by SES for good (not retried); `failed`, an attempt
 * that failed and whose record Lambda retries; `duplicate`, a retried record that had been sent already; `held`, over
 * the email budget (sent when the window reopens, latest state only).
 */
export const EMAIL_OUTCOMES = ['sent', 'refused', 'failed', 'duplicate', 'held'] as const;
export type EmailOutcome = (typeof EMAIL_OUTCOMES)[number];

/** Maps a request path below `/scim/v2` to its metric resource. */
export function scimMetricResource(path: string): ScimMetricResource {
  const first = path.split('/').find((segment) => segment !== '');
  const known = SCIM_METRIC_RESOURCES.find((resource) => resource.toLowerCase() === first?.toLowerCase());
  return known ?? 'other';
}

export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}
