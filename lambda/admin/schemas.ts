import * as z from 'zod';
import { THROTTLE_TIER_NAMES } from '../contract/throttle-tiers';
import { ACTIVITY_OPERATIONS, LICENSE_EFFECTS } from '../domain/activity';
import { MAX_SEATS, ORG_ID_PATTERN } from '../domain/organizations';
import { MAX_PLAN_GROUPS, MAX_PLAN_RANK, PLAN_NAME_PATTERN } from '../domain/plans';

/**
 * The admin API's bodies and answers, once: the router validates requests with them and the OpenAPI document is
 * generated from them, so the document cannot describe a field the API does not take.
 */

const orgId = z.string().regex(ORG_ID_PATTERN).describe('Organization id: lower-case letters, digits and dashes');
const timestamp = z.string().describe('ISO 8601 time');
const seatLimit = z.int().min(0).max(MAX_SEATS);

// ---------------------------------------------------------------- requests

export const CreateOrganizationBody = z.strictObject({
  name: z.string().trim().min(1).max(200).describe("The customer's name, shown to admins"),
  seatLimit: seatLimit.nullable().optional().describe('License seats; null or absent: no limit'),
  orgId: orgId.optional().describe('Wanted id; by default derived from the name plus 6 random characters'),
  issueApiKey: z
    .boolean()
    .optional()
    .describe(
      'Issue the SCIM API key now (default true); false leaves it to POST …/api-key, when SCIM is enabled later',
    ),
});

export const ScimStateBody = z.strictObject({
  enabled: z.boolean().describe('false: the API keys of the organization are refused until enabled again'),
});

export const SeatsBody = z.strictObject({
  seatLimit: seatLimit.nullable().describe("null removes the organization's own limit"),
});

export const RotateApiKeyBody = z.strictObject({
  graceHours: z
    .number()
    .min(0)
    .max(24 * 365)
    .optional()
    .describe('Hours the replaced key keeps working (default: the deployment setting, 72)'),
});

export const ResendLicenseBody = z.strictObject({
  userName: z.string().min(1).max(1024).describe("The user's SCIM userName"),
});

export const RedriveBody = z.strictObject({
  orgId: orgId.optional().describe('Only this organization (default: every organization)'),
  includeFailed: z.boolean().optional().describe('Also emails the mail service refused'),
});

export const ThrottleBody = z.strictObject({
  tier: z
    .enum(THROTTLE_TIER_NAMES as [string, ...string[]])
    .describe('The throttle tier whose rate and burst the organization gets, with an API Gateway key of its own'),
});

const since = z.iso.datetime({ offset: true }).optional();

export const ActivityQuery = z.strictObject({
  since: since.describe('Records from this time on (default: the last 24 hours)'),
  userName: z
    .string()
    .min(1)
    .max(1024)
    .optional()
    .describe("Only this user's records (the userName, without regard to case)"),
});

export const LicenseHistoryQuery = z.strictObject({
  userName: z.string().min(1).max(1024).describe("The user's SCIM userName"),
});

export const SeatUsageQuery = z.strictObject({
  since: since.describe('Seat changes from this time on (default: the last 30 days)'),
});

const planName = z
  .string()
  .regex(PLAN_NAME_PATTERN)
  .describe('Plan name: 1 to 40 lower-case letters, digits, dots, dashes or underscores');

export const PlanBody = z.strictObject({
  groups: z
    .array(z.string().trim().min(1).max(256))
    .min(1)
    .max(MAX_PLAN_GROUPS)
    .describe('SCIM groups whose members get this plan, each by displayName (any case) or id'),
  seatLimit: seatLimit.nullable().optional().describe('Seats of this plan; null or absent: no limit of its own'),
  rank: z
    .int()
    .min(0)
    .max(MAX_PLAN_RANK)
    .optional()
    .describe(
      "The higher rank wins when a user's groups give several plans; default: the plan's current rank, else above every other plan",
    ),
});

export const DefaultPlanBody = z.strictObject({
  plan: planName.nullable().describe('The plan of users in no mapped group; null removes it'),
});

export const LicensesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(50).optional().describe('Page size, 1 to 50 (default 50)'),
  cursor: z.string().min(1).max(2048).optional().describe('The nextCursor of the previous page'),
});

// ---------------------------------------------------------------- answers

export const ThrottleJson = z
  .strictObject({
    tier: z.enum(THROTTLE_TIER_NAMES as [string, ...string[]]),
    ownKey: z.boolean().describe('false: it shares the rate of the organizations without a tier of their own'),
    rateLimit: z.number().describe('Requests per second'),
    burstLimit: z.int(),
  })
  .describe("The organization's SCIM request throttle");

export const OrganizationJson = z.strictObject({
  orgId,
  name: z.string(),
  seatLimit: seatLimit.nullable(),
  seatsUsed: z.int(),
  plan: z.string().nullable(),
  createdAt: timestamp.nullable(),
  scimEnabled: z.boolean(),
  scimDisabledAt: timestamp.nullable(),
  throttle: ThrottleJson,
});

const rotationSettings = z.strictObject({
  rotationEnabled: z.boolean(),
  automaticallyAfterDays: z.int().optional(),
  scheduleExpression: z.string().optional(),
  lastRotatedAt: timestamp.optional(),
  nextRotationAt: timestamp.optional(),
});

export const OrganizationDetailsJson = z.strictObject({
  organization: OrganizationJson,
  stored: z.boolean().describe('False for the default organization before it has an item'),
  seats: z.strictObject({ used: z.int(), limit: z.int().nullable(), available: z.int().nullable() }),
  apiKey: z
    .strictObject({
      secretId: z.string(),
      issuedAt: timestamp.optional(),
      ageDays: z.int().optional(),
      inGracePeriod: z.boolean(),
      previousTokenExpiresAt: timestamp.optional(),
      rotationInProgress: z.boolean(),
      rotation: rotationSettings,
    })
    .nullable()
    .describe('null when the organization has no API key yet'),
  emailBudget: z
    .strictObject({
      perRecipientPerWindow: z.int(),
      perOrganizationPerWindow: z.int(),
      windowMinutes: z.number(),
      sentThisWindow: z.int(),
      recipientsWithHeldEmail: z.int().describe('Recipients with an email held until their window reopens'),
    })
    .describe('License emails sent in the current window, and the limits'),
});

const token = z.string().describe('The SCIM API key. Returned in this answer only: never again, not even on a replay');

export const IssuedApiKeyJson = z.strictObject({
  orgId,
  token: token.optional(),
  secretId: z.string(),
  rotationAttached: z.boolean(),
  rotationError: z.string().optional(),
});

export const CreatedOrganizationJson = z.strictObject({
  organization: OrganizationJson,
  scimBaseUrl: z.string().describe("Okta's SCIM connector base URL"),
  apiKey: IssuedApiKeyJson.nullable().describe('null when issueApiKey was false'),
});

export const OrganizationListJson = z.strictObject({ organizations: z.array(OrganizationJson) });

export const OrganizationJsonBody = z.strictObject({ organization: OrganizationJson });

export const RotatedApiKeyJson = z.strictObject({
  orgId,
  token: token.optional(),
  graceHours: z.number(),
  previousTokenExpiresAt: timestamp.nullable(),
});

export const RevokedPreviousJson = z.strictObject({
  orgId,
  revoked: z.boolean().describe('false when no previous key was in its grace period'),
});

export const LicenseJson = z.strictObject({
  licenseId: z.string(),
  userId: z.string(),
  userName: z.string().nullable().describe('null once the user is deleted'),
  status: z.enum(['active', 'revoked']),
  plan: z.string().nullable().describe("The plan its user's groups give it, else the organization's default plan"),
  planSeatRefused: z
    .string()
    .nullable()
    .describe("A higher plan the user's groups give it that had no seat left when the membership changed"),
  keyHint: z.string().describe('Last four characters of the key'),
  issuedAt: timestamp,
  revokedAt: timestamp.nullable(),
  revocationReason: z.enum(['deactivated', 'deleted']).nullable(),
  email: z
    .strictObject({ status: z.enum(['sent', 'failed', 'pending']), at: timestamp.nullable() })
    .nullable()
    .describe("The latest email's state; null when none is stored (no address, or older than 14 days)"),
});

export const PlanJson = z.strictObject({
  name: z.string(),
  rank: z.int(),
  seatLimit: z.int().nullable(),
  seatsUsed: z.int().describe('Active licenses on this plan'),
  groups: z.array(z.string()),
});

export const PlanCatalogJson = z.strictObject({
  orgId,
  defaultPlan: z.string().nullable(),
  plans: z.array(PlanJson).describe('Highest rank first'),
});

export const LicensePageJson = z.strictObject({
  licenses: z.array(LicenseJson),
  nextCursor: z.string().nullable(),
});

export const ResentLicenseJson = z.strictObject({
  orgId,
  userId: z.string(),
  userName: z.string(),
  licenseId: z.string(),
  keyHint: z.string(),
  recipient: z.string(),
  eventId: z.string(),
});

export const RedriveJson = z.strictObject({
  requested: z.int(),
  emails: z.array(
    z.strictObject({
      orgId,
      eventId: z.string(),
      type: z.string(),
      createdAt: timestamp,
      failedAt: timestamp.optional(),
      outcome: z.enum(['requested', 'sent', 'failed', 'in-progress', 'gone']),
    }),
  ),
});

export const ActivityRecordJson = z
  .object({
    activityId: z.string(),
    at: timestamp,
    operation: z.enum(ACTIVITY_OPERATIONS),
    method: z.string().optional(),
    resourceType: z.enum(['User', 'Group']),
    resourceId: z.string().optional(),
    name: z.string().optional().describe("The userName, or the group's displayName"),
    client: z.string().optional().describe("The SCIM client's User-Agent"),
    result: z.enum(['ok', 'refused']),
    status: z.int().optional().describe('HTTP status of a refused request'),
    scimType: z.string().optional(),
    detail: z.string().optional(),
    licenseEffects: z.array(z.enum(LICENSE_EFFECTS)),
    seatDelta: z.int().optional(),
    licenseId: z.string().optional(),
    membersAdded: z.int().optional(),
    membersRemoved: z.int().optional(),
    planSeatsRefused: z
      .array(z.strictObject({ userId: z.string(), plan: z.string() }))
      .optional()
      .describe("Users this change left below their groups' plan because that plan had no seat left"),
  })
  .describe('One SCIM change or refused request');

export const ActivityJson = z.strictObject({
  orgId,
  since: timestamp,
  activity: z.array(ActivityRecordJson).describe('Oldest first; records are kept 90 days'),
});

export const LicenseHistoryJson = z.strictObject({
  orgId,
  userId: z.string(),
  userName: z.string(),
  active: z.boolean(),
  licenses: z.array(
    z.strictObject({
      licenseId: z.string(),
      status: z.enum(['active', 'revoked']),
      keyHint: z.string().describe('Last characters of the key'),
      issuedAt: timestamp,
      revokedAt: timestamp.nullable(),
      revocationReason: z.enum(['deactivated', 'deleted']).nullable(),
      emails: z.array(
        z.strictObject({
          eventId: z.string(),
          type: z.string(),
          status: z.enum(['queued', 'sending', 'sent', 'failed', 'bounced', 'complained']),
          createdAt: timestamp.optional(),
          sentAt: timestamp.optional(),
          failedAt: timestamp.optional(),
          failure: z.string().optional(),
          feedbackAt: timestamp.optional().describe('When SES reported the bounce or complaint'),
        }),
      ),
    }),
  ),
});

export const SeatUsageJson = z.strictObject({
  orgId,
  seatsUsed: z.int(),
  seatLimit: z.int().nullable().describe("The organization's own limit"),
  points: z
    .array(
      z.strictObject({
        at: timestamp,
        seatsUsed: z.int().describe('Seats in use after this change'),
        operation: z.string(),
        name: z.string().optional(),
      }),
    )
    .describe('Seats in use after each change that took or freed one, oldest first'),
});

/** RFC 9457 problem details, the body of every error. */
export const ProblemJson = z.object({
  type: z.string().describe('A URI naming the kind of problem'),
  title: z.string(),
  status: z.int(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  errors: z
    .array(z.strictObject({ path: z.string(), message: z.string() }))
    .optional()
    .describe('Each invalid field of the request'),
});
