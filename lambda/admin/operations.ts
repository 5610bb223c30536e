import type * as z from 'zod';
import {
  ActivityJson,
  ActivityQuery,
  CreatedOrganizationJson,
  CreateOrganizationBody,
  DefaultPlanBody,
  IssuedApiKeyJson,
  LicenseHistoryJson,
  LicenseHistoryQuery,
  LicensePageJson,
  LicensesQuery,
  OrganizationDetailsJson,
  OrganizationJsonBody,
  OrganizationListJson,
  PlanBody,
  PlanCatalogJson,
  PlanJson,
  RedriveBody,
  RedriveJson,
  ResendLicenseBody,
  ResentLicenseJson,
  RevokedPreviousJson,
  RotateApiKeyBody,
  RotatedApiKeyJson,
  ScimStateBody,
  SeatsBody,
  SeatUsageJson,
  SeatUsageQuery,
  ThrottleBody,
} from './schemas';

/**
 * Every operation of the admin API: method, path below `/admin`, what it takes and answers. The router dispatches on
 * this table and the OpenAPI document is generated from it, so the two list the same routes by construction (a test
 * checks it anyway, against the router's own dispatch).
 */
export interface AdminOperation {
  readonly operationId: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Below `/admin`, with `{orgId}` for the organization and `{plan}` for a plan's name. */
  readonly path: string;
  readonly summary: string;
  readonly body?: z.ZodType;
  readonly query?: z.ZodType;
  /** Honours the `Idempotency-Key` header. */
  readonly idempotent?: boolean;
  readonly success: { readonly status: number; readonly description: string; readonly schema?: z.ZodType };
  /** Error statuses this operation answers besides 400, 401, 403 and 500. */
  readonly errors?: readonly number[];
}

export const ADMIN_OPERATIONS = [
  {
    operationId: 'getOpenApi',
    method: 'GET',
    path: '/openapi.json',
    summary: 'This document',
    success: { status: 200, description: 'The OpenAPI 3.1 document of the admin API' },
  },
  {
    operationId: 'createOrganization',
    method: 'POST',
    path: '/organizations',
    summary: 'Create an organization, and by default enable SCIM with its first API key',
    body: CreateOrganizationBody,
    idempotent: true,
    success: {
      status: 201,
      description: 'Created; the API key is in this answer only',
      schema: CreatedOrganizationJson,
    },
    errors: [409, 422],
  },
  {
    operationId: 'listOrganizations',
    method: 'GET',
    path: '/organizations',
    summary: 'Every organization, the default one included',
    success: { status: 200, description: 'The organizations', schema: OrganizationListJson },
  },
  {
    operationId: 'getOrganization',
    method: 'GET',
    path: '/organizations/{orgId}',
    summary: 'An organization: seats, API key age, grace period and rotation state',
    success: { status: 200, description: 'The organization', schema: OrganizationDetailsJson },
    errors: [404],
  },
  {
    operationId: 'setScimState',
    method: 'PUT',
    path: '/organizations/{orgId}/scim',
    summary: 'Disable or enable SCIM provisioning (a disabled organization’s API keys are refused within a minute)',
    body: ScimStateBody,
    success: { status: 200, description: 'The organization afterwards', schema: OrganizationJsonBody },
    errors: [404],
  },
  {
    operationId: 'setSeats',
    method: 'PUT',
    path: '/organizations/{orgId}/seats',
    summary: 'Set or remove the seat limit',
    body: SeatsBody,
    success: { status: 200, description: 'The organization afterwards', schema: OrganizationJsonBody },
    errors: [404],
  },
  {
    operationId: 'issueApiKey',
    method: 'POST',
    path: '/organizations/{orgId}/api-key',
    summary: 'Generate the first API key of an organization created without one',
    idempotent: true,
    success: { status: 201, description: 'The key, in this answer only', schema: IssuedApiKeyJson },
    errors: [404, 409, 422],
  },
  {
    operationId: 'rotateApiKey',
    method: 'POST',
    path: '/organizations/{orgId}/api-key/rotate',
    summary: 'Make a new API key current; the previous one keeps working for the grace period',
    body: RotateApiKeyBody,
    idempotent: true,
    success: { status: 200, description: 'The new key, in this answer only', schema: RotatedApiKeyJson },
    errors: [404, 409, 422],
  },
  {
    operationId: 'revokePreviousApiKey',
    method: 'POST',
    path: '/organizations/{orgId}/api-key/revoke-previous',
    summary: 'End the grace period of the previous API key now',
    idempotent: true,
    success: { status: 200, description: 'Whether a previous key was revoked', schema: RevokedPreviousJson },
    errors: [404, 409, 422],
  },
  {
    operationId: 'listPlans',
    method: 'GET',
    path: '/organizations/{orgId}/plans',
    summary: 'The license plans by group of an organization, with their seats, and its default plan',
    success: { status: 200, description: 'The plans', schema: PlanCatalogJson },
    errors: [404],
  },
  {
    operationId: 'setPlan',
    method: 'PUT',
    path: '/organizations/{orgId}/plans/{plan}',
    summary: 'Create or change a plan: the groups that give it, its seats and its rank',
    body: PlanBody,
    success: { status: 200, description: 'The plan afterwards', schema: PlanJson },
    errors: [404],
  },
  {
    operationId: 'deletePlan',
    method: 'DELETE',
    path: '/organizations/{orgId}/plans/{plan}',
    summary: 'Delete a plan no license is on (409 while seats of it are in use)',
    success: { status: 200, description: 'The plans afterwards', schema: PlanCatalogJson },
    errors: [404, 409],
  },
  {
    operationId: 'setDefaultPlan',
    method: 'PUT',
    path: '/organizations/{orgId}/default-plan',
    summary: 'Set the plan of users in no mapped group',
    body: DefaultPlanBody,
    success: { status: 200, description: 'The plans afterwards', schema: PlanCatalogJson },
    errors: [404],
  },
  {
    operationId: 'listLicenses',
    method: 'GET',
    path: '/organizations/{orgId}/licenses',
    summary: 'The licenses of an organization, in issue order, a page at a time',
    query: LicensesQuery,
    success: { status: 200, description: 'One page', schema: LicensePageJson },
    errors: [404],
  },
  {
    operationId: 'resendLicense',
    method: 'POST',
    path: '/organizations/{orgId}/licenses/resend',
    summary: "Send a user's license email again (the same key)",
    body: ResendLicenseBody,
    idempotent: true,
    success: { status: 202, description: 'Queued for the mailer', schema: ResentLicenseJson },
    errors: [404, 409, 422],
  },
  {
    operationId: 'redriveMail',
    method: 'POST',
    path: '/mail/redrive',
    summary: 'Hand unsent license emails (given up after an SES outage) to the mailer again',
    body: RedriveBody,
    idempotent: true,
    success: { status: 200, description: 'What happened to each unsent email', schema: RedriveJson },
    errors: [404, 409, 422],
  },
  {
    operationId: 'setThrottleTier',
    method: 'PUT',
    path: '/organizations/{orgId}/throttle',
    summary: 'Give the organization its own SCIM rate and burst in a throttle tier (applies within a minute)',
    body: ThrottleBody,
    success: { status: 200, description: 'The organization afterwards', schema: OrganizationJsonBody },
    errors: [404],
  },
  {
    operationId: 'listActivity',
    method: 'GET',
    path: '/organizations/{orgId}/activity',
    summary: 'What happened in the organization, or to one user: every SCIM change and refused request',
    query: ActivityQuery,
    success: { status: 200, description: 'The records, oldest first', schema: ActivityJson },
    errors: [404],
  },
  {
    operationId: 'getLicenseHistory',
    method: 'GET',
    path: '/organizations/{orgId}/license-history',
    summary: 'Every license a user ever had, with the state of its emails',
    query: LicenseHistoryQuery,
    success: { status: 200, description: 'The user and its licenses, oldest first', schema: LicenseHistoryJson },
    errors: [404],
  },
  {
    operationId: 'getSeatUsage',
    method: 'GET',
    path: '/organizations/{orgId}/seat-usage',
    summary: 'Seats in use now, and after each change that took or freed one',
    query: SeatUsageQuery,
    success: { status: 200, description: 'Seats over time', schema: SeatUsageJson },
    errors: [404],
  },
] as const satisfies readonly AdminOperation[];

export type OperationId = (typeof ADMIN_OPERATIONS)[number]['operationId'];
