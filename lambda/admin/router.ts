import type * as z from 'zod';
import { DEFAULT_ORG_ID } from '../contract/deployment';
import { DEFAULT_THROTTLE_TIER, THROTTLE_TIERS, type ThrottleTier } from '../contract/throttle-tiers';
import { type ActivityReader, seatsOverTime } from '../domain/activity';
import { DEFAULT_EMAIL_BUDGET, type EmailBudgetStore } from '../domain/email-budget';
import { DomainError, NotFoundError, SeatLimitError } from '../domain/errors';
import { IDEMPOTENCY_KEY_PATTERN, type IdempotencyStore, requestFingerprint, scopedKey } from '../domain/idempotency';
import type { LicenseHistory, LicenseHistoryEntry } from '../domain/license-history';
import { InvalidCursorError, type LicenseDirectory, type LicenseSummary } from '../domain/license-listing';
import { type LicenseResend, NoRecipientError } from '../domain/license-resend';
import type { SeatUsage } from '../domain/licenses';
import {
  InvalidOrganizationError,
  ORG_ID_PATTERN,
  type Organization,
  type OrganizationDetails,
  OrganizationExistsError,
  type OrganizationService,
  TokenExistsError,
} from '../domain/organizations';
import type { OutboxRedrive } from '../domain/outbox-redrive';
import {
  InvalidPlanError,
  PLAN_NAME_PATTERN,
  type PlanCatalog,
  PlanInUseError,
  type PlanService,
  type PlanState,
} from '../domain/plans';
import { RotationError } from '../domain/token-rotation';
import type { UserRecord } from '../domain/users';
import { type HttpResponse, MAX_BODY_BYTES } from '../scim/http';
import { openApiDocument } from './openapi';
import { ADMIN_OPERATIONS, type AdminOperation, type OperationId } from './operations';
import { type FieldError, PROBLEM_TYPES, ProblemError, problemResponse } from './problem';
import type {
  ActivityQuery,
  CreateOrganizationBody,
  DefaultPlanBody,
  LicenseHistoryQuery,
  LicensesQuery,
  PlanBody,
  RedriveBody,
  ResendLicenseBody,
  RotateApiKeyBody,
  ScimStateBody,
  SeatsBody,
  SeatUsageQuery,
  ThrottleBody,
} from './schemas';

/** An admin API request, independent of API Gateway. */
export interface AdminRequest {
  readonly method: string;
  /** Below `/admin`: `/organizations/acme`. */
  readonly path: string;
  readonly query: Readonly<Record<string, string | undefined>>;
  /** Names lower-cased. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string | undefined;
  /** The IAM principal API Gateway verified (its ARN): scopes idempotency keys and goes to the log. */
  readonly caller: string;
  /** The SCIM base URL of this deployment, for the answers that hand it to an Okta admin. */
  readonly scimBaseUrl: string;
  /** The API's URL up to the stage, for the OpenAPI document's `servers`. */
  readonly serverUrl: string;
}

export interface AdminServices {
  readonly organizations: OrganizationService;
  readonly licenses: LicenseDirectory;
  readonly resend: LicenseResend;
  readonly redrive: OutboxRedrive;
  readonly plans: PlanService;
  readonly idempotency: IdempotencyStore;
  /** Support's read-only view: the activity log, a user's license history, seats in use, the email budget. */
  readonly activity: ActivityReader;
  readonly history: LicenseHistory;
  readonly users: { findByUserName(orgId: string, userName: string): Promise<UserRecord | undefined> };
  readonly seats: { seatUsage(orgId: string): Promise<SeatUsage> };
  readonly emailBudget: Pick<EmailBudgetStore, 'usage'>;
  readonly now: () => Date;
  /** Grace period of a rotation that names none. */
  readonly defaultGraceHours: number;
  readonly log: {
    warn(message: string, extra?: Record<string, unknown>): void;
    error(message: string, error: Error): void;
  };
}

export type AdminRouter = (request: AdminRequest) => Promise<HttpResponse>;

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

interface Call {
  readonly request: AdminRequest;
  readonly orgId: string;
  /** The `{plan}` path parameter, where the route has one. */
  readonly plan: string;
  readonly body: unknown;
  readonly query: unknown;
}

type Implementation = (call: Call, services: AdminServices) => Promise<Answer>;

const IMPLEMENTATIONS: Record<OperationId, Implementation> = {
  getOpenApi: async ({ request }) => ({ status: 200, body: openApiDocument(request.serverUrl) }),
  createOrganization: async ({ request, body }, { organizations }) => {
    const input = body as z.infer<typeof CreateOrganizationBody>;
    const create = {
      name: input.name,
      ...(input.seatLimit != null ? { seatLimit: input.seatLimit } : {}),
      ...(input.orgId !== undefined ? { orgId: input.orgId } : {}),
    };
    if (input.issueApiKey === false) {
      const organization = await organizations.createWithoutToken(create);
      return {
        status: 201,
        body: { organization: organizationJson(organization), scimBaseUrl: request.scimBaseUrl, apiKey: null },
      };
    }
    const created = await organizations.create(create);
    return {
      status: 201,
      body: {
        organization: organizationJson(created.organization),
        scimBaseUrl: request.scimBaseUrl,
        apiKey: {
          orgId: created.organization.orgId,
          token: created.token,
          secretId: created.secretId,
          rotationAttached: created.secret.rotationAttached,
          ...(created.secret.rotationError ? { rotationError: created.secret.rotationError } : {}),
        },
      },
    };
  },
  listOrganizations: async (_call, { organizations }) => ({
    status: 200,
    body: { organizations: (await organizations.list()).map(organizationJson) },
  }),
  getOrganization: async ({ orgId }, { organizations, emailBudget, now }) => {
    const details = await organizations.show(orgId);
    const budget = await emailBudget.usage(orgId, now(), DEFAULT_EMAIL_BUDGET);
    return {
      status: 200,
      body: {
        ...detailsJson(details),
        emailBudget: {
          perRecipientPerWindow: budget.limits.perRecipient,
          perOrganizationPerWindow: budget.limits.perOrganization,
          windowMinutes: budget.limits.windowMs / 60_000,
          sentThisWindow: budget.sentThisWindow,
          recipientsWithHeldEmail: budget.held,
        },
      },
    };
  },
  setScimState: async ({ orgId, body }, { organizations }) => {
    const { enabled } = body as z.infer<typeof ScimStateBody>;
    return {
      status: 200,
      body: { organization: organizationJson(await organizations.setScimEnabled(orgId, enabled)) },
    };
  },
  setSeats: async ({ orgId, body }, { organizations }) => {
    const { seatLimit } = body as z.infer<typeof SeatsBody>;
    const organization = await organizations.setSeats(orgId, seatLimit ?? undefined);
    return { status: 200, body: { organization: organizationJson(organization) } };
  },
  issueApiKey: async ({ orgId }, { organizations }) => {
    const issued = await organizations.issueFirstToken(orgId);
    return {
      status: 201,
      body: {
        orgId,
        token: issued.token,
        secretId: issued.secretId,
        rotationAttached: issued.secret.rotationAttached,
        ...(issued.secret.rotationError ? { rotationError: issued.secret.rotationError } : {}),
      },
    };
  },
  rotateApiKey: async ({ orgId, body }, { organizations, defaultGraceHours }) => {
    const graceHours = (body as z.infer<typeof RotateApiKeyBody>).graceHours ?? defaultGraceHours;
    const rotated = await organizations.rotateToken(orgId, graceHours);
    return {
      status: 200,
      body: {
        orgId,
        token: rotated.token,
        graceHours,
        previousTokenExpiresAt: rotated.previousTokenExpiresAt ?? null,
      },
    };
  },
  revokePreviousApiKey: async ({ orgId }, { organizations }) => ({
    status: 200,
    body: await organizations.revokePreviousToken(orgId),
  }),
  listPlans: async ({ orgId }, { organizations, plans }) => {
    await organizations.get(orgId);
    return { status: 200, body: catalogJson(orgId, await plans.catalog(orgId)) };
  },
  setPlan: async ({ orgId, plan, body }, { organizations, plans }) => {
    const input = body as z.infer<typeof PlanBody>;
    await organizations.get(orgId);
    const state = await plans.setPlan(orgId, {
      name: plan,
      groups: input.groups,
      ...(input.seatLimit != null ? { seatLimit: input.seatLimit } : {}),
      ...(input.rank !== undefined ? { rank: input.rank } : {}),
    });
    return { status: 200, body: planJson(state) };
  },
  deletePlan: async ({ orgId, plan }, { organizations, plans }) => {
    await organizations.get(orgId);
    await plans.deletePlan(orgId, plan);
    return { status: 200, body: catalogJson(orgId, await plans.catalog(orgId)) };
  },
  setDefaultPlan: async ({ orgId, body }, { organizations, plans }) => {
    const input = body as z.infer<typeof DefaultPlanBody>;
    await organizations.get(orgId);
    await plans.setDefaultPlan(orgId, input.plan ?? undefined);
    return { status: 200, body: catalogJson(orgId, await plans.catalog(orgId)) };
  },
  listLicenses: async ({ orgId, query }, { organizations, licenses }) => {
    const { limit, cursor } = query as z.infer<typeof LicensesQuery>;
    await organizations.get(orgId);
    const page = await licenses.listLicenses(orgId, { limit: limit ?? 50, ...(cursor ? { cursor } : {}) });
    return { status: 200, body: { licenses: page.licenses.map(licenseJson), nextCursor: page.nextCursor ?? null } };
  },
  resendLicense: async ({ orgId, body }, { organizations, resend }) => {
    await organizations.get(orgId);
    return { status: 202, body: await resend.resend(orgId, (body as z.infer<typeof ResendLicenseBody>).userName) };
  },
  setThrottleTier: async ({ orgId, body }, { organizations }) => {
    const { tier } = body as z.infer<typeof ThrottleBody>;
    return {
      status: 200,
      body: { organization: organizationJson(await organizations.setThrottleTier(orgId, tier as ThrottleTier)) },
    };
  },
  listActivity: async ({ orgId, query }, { organizations, activity, now }) => {
    const { since, userName } = query as z.infer<typeof ActivityQuery>;
    await organizations.get(orgId);
    const from = since ? new Date(since) : new Date(now().getTime() - 24 * 3_600_000);
    const records = userName ? await activity.ofUser(orgId, userName, from) : await activity.since(orgId, from);
    return {
      status: 200,
      body: { orgId, since: from.toISOString(), activity: records.map(({ orgId: _org, ...record }) => record) },
    };
  },
  getLicenseHistory: async ({ orgId, query }, { organizations, users, history }) => {
    const { userName } = query as z.infer<typeof LicenseHistoryQuery>;
    await organizations.get(orgId);
    const user = await users.findByUserName(orgId, userName);
    if (!user) throw new NotFoundError(`organization ${orgId} has no user ${userName}`);
    const entries = await history.ofUser(orgId, user.id);
    return {
      status: 200,
      body: {
        orgId,
        userId: user.id,
        userName: user.userName,
        active: user.active,
        licenses: entries.map(historyEntryJson),
      },
    };
  },
  getSeatUsage: async ({ orgId, query }, { organizations, activity, seats, now }) => {
    const { since } = query as z.infer<typeof SeatUsageQuery>;
    await organizations.get(orgId);
    const from = since ? new Date(since) : new Date(now().getTime() - 30 * 86_400_000);
    const [usage, records] = await Promise.all([seats.seatUsage(orgId), activity.since(orgId, from)]);
    return {
      status: 200,
      body: {
        orgId,
        seatsUsed: usage.used,
        seatLimit: usage.limit ?? null,
        points: seatsOverTime(records, usage.used),
      },
    };
  },
  redriveMail: async ({ body }, { organizations, redrive }) => {
    const input = body as z.infer<typeof RedriveBody>;
    if (input.orgId !== undefined) await organizations.get(input.orgId);
    const emails = await redrive.redrive({
      ...(input.orgId !== undefined ? { orgId: input.orgId } : {}),
      includeFailed: input.includeFailed ?? false,
    });
    return {
      status: 200,
      body: {
        requested: emails.filter((email) => email.outcome === 'requested').length,
        emails: emails.map((email) => ({
          orgId: email.orgId,
          eventId: email.eventId,
          type: email.type,
          createdAt: email.createdAt,
          ...(email.failedAt ? { failedAt: email.failedAt } : {}),
          outcome: email.outcome,
        })),
      },
    };
  },
};

interface Route {
  readonly operation: AdminOperation;
  readonly pattern: RegExp;
}

const ROUTES: readonly Route[] = ADMIN_OPERATIONS.map((operation) => ({
  operation,
  pattern: new RegExp(
    `^${operation.path
      .replace(/[.]/g, '\\.')
      .replace('{orgId}', '(?<orgId>[^/]+)')
      .replace('{plan}', '(?<plan>[^/]+)')}/?$`,
  ),
}));

/** Which operation a method and path reach, with the path parameters; for the router and its tests. */
export function matchRoute(
  method: string,
  path: string,
): { operation: AdminOperation; orgId: string; plan: string } | 'method-not-allowed' | undefined {
  const matching = ROUTES.map((route) => ({ route, match: route.pattern.exec(path) })).filter(({ match }) => match);
  if (matching.length === 0) return undefined;
  const found = matching.find(({ route }) => route.operation.method === method.toUpperCase());
  if (!found) return 'method-not-allowed';
  return {
    operation: found.route.operation,
    orgId: safeDecode(found.match?.groups?.orgId ?? ''),
    plan: safeDecode(found.match?.groups?.plan ?? ''),
  };
}

/** A malformed escape is left as it is: the id patterns then refuse it (404), never a 500. */
function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function createAdminRouter(services: AdminServices): AdminRouter {
  return async (request) => {
    try {
      return await route(request, services);
    } catch (error) {
      const problem = toProblem(error);
      if (problem) {
        services.log.warn('admin request refused', { status: problem.status, type: problem.type });
        return problemResponse(problem.status, problem.detail, { type: problem.type, errors: problem.errors });
      }
      services.log.error('admin request failed', error instanceof Error ? error : new Error(String(error)));
      return problemResponse(500, 'Unexpected failure; the details are in the log.');
    }
  };
}

async function route(request: AdminRequest, services: AdminServices): Promise<HttpResponse> {
  const matched = matchRoute(request.method, request.path);
  if (matched === undefined) throw new ProblemError(404, `no admin route ${request.path}`);
  if (matched === 'method-not-allowed') {
    const allowed = ROUTES.filter((candidate) => candidate.pattern.test(request.path)).map(
      (candidate) => candidate.operation.method,
    );
    return {
      ...problemResponse(405, `${request.path} takes ${allowed.join(', ')}`),
      headers: { ...problemResponse(405, undefined).headers, Allow: allowed.join(', ') },
    };
  }
  const { operation, orgId, plan } = matched;
  if (operation.path.includes('{orgId}') && !ORG_ID_PATTERN.test(orgId)) {
    throw new ProblemError(404, `organization ${orgId} does not exist`);
  }
  if (operation.path.includes('{plan}') && !PLAN_NAME_PATTERN.test(plan)) {
    throw new ProblemError(
      400,
      'a plan name is 1 to 40 lower-case letters, digits, dots, dashes or underscores',
      PROBLEM_TYPES.validation,
    );
  }
  const body = parseBody(operation, request);
  const query = operation.query ? validate(operation.query, request.query, 'query') : {};
  const call: Call = { request, orgId, plan, body, query };
  const run = IMPLEMENTATIONS[operation.operationId as OperationId];

  const idempotencyKey = request.headers['idempotency-key'];
  if (!operation.idempotent || idempotencyKey === undefined) return json(await run(call, services));
  if (!IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
    throw new ProblemError(400, 'Idempotency-Key must be 1 to 255 visible ASCII characters', PROBLEM_TYPES.validation);
  }
  const key = scopedKey(request.caller, idempotencyKey);
  const fingerprint = requestFingerprint(request.caller, request.method, request.path, request.body);
  const claim = await services.idempotency.claim(key, fingerprint, services.now());
  if (claim.state === 'mismatch') {
    throw new ProblemError(
      422,
      'this Idempotency-Key was used for a different request: use a new key for a new request',
      PROBLEM_TYPES.idempotencyReused,
    );
  }
  if (claim.state === 'in-progress') {
    throw new ProblemError(
      409,
      'a request with this Idempotency-Key is still running: retry in a few seconds',
      PROBLEM_TYPES.idempotencyInProgress,
    );
  }
  if (claim.state === 'completed') {
    const replayed = json({ status: claim.answer.status, body: JSON.parse(claim.answer.body) });
    return { ...replayed, headers: { ...replayed.headers, 'Idempotent-Replayed': 'true' } };
  }
  let answer: Answer;
  try {
    answer = await run(call, services);
  } catch (error) {
    // A failed request changed nothing (or nothing a retry would repeat): the retry runs it again.
    await services.idempotency.release(key, fingerprint);
    throw error;
  }
  await services.idempotency.complete(
    key,
    fingerprint,
    { status: answer.status, body: JSON.stringify(withoutSecrets(answer.body)) },
    services.now(),
  );
  return json(answer);
}

function parseBody(operation: AdminOperation, request: AdminRequest): unknown {
  if (!operation.body) return undefined;
  const raw = request.body ?? '';
  if (Buffer.byteLength(raw, 'utf8') > MAX_BODY_BYTES) throw new ProblemError(413, 'the body is larger than 1 MB');
  const contentType = request.headers['content-type'];
  if (raw.trim() !== '' && contentType !== undefined && !/^application\/([\w.+-]+\+)?json\b/i.test(contentType)) {
    throw new ProblemError(415, 'send the body as application/json');
  }
  let value: unknown = {};
  if (raw.trim() !== '') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new ProblemError(400, 'the body is not valid JSON', PROBLEM_TYPES.validation);
    }
  }
  return validate(operation.body, value, 'body');
}

function validate(schema: z.ZodType, value: unknown, where: 'body' | 'query'): unknown {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors: FieldError[] = result.error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  throw new ProblemError(
    400,
    `invalid ${where}: ${errors.map((error) => `${error.path}: ${error.message}`).join('; ')}`,
    PROBLEM_TYPES.validation,
    errors,
  );
}

function json(answer: Answer): HttpResponse {
  return {
    status: answer.status,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
    body: JSON.stringify(answer.body),
  };
}

/** API keys are shown once: what is kept for a replay has every `token` field removed. */
function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([name]) => name !== 'token')
      .map(([name, inner]) => [name, withoutSecrets(inner)]),
  );
}

function toProblem(error: unknown): ProblemError | undefined {
  if (error instanceof ProblemError) return error;
  if (!(error instanceof DomainError)) return undefined;
  if (error instanceof NotFoundError) return new ProblemError(404, error.message);
  if (
    error instanceof InvalidOrganizationError ||
    error instanceof InvalidCursorError ||
    error instanceof InvalidPlanError
  ) {
    return new ProblemError(400, error.message, PROBLEM_TYPES.validation);
  }
  if (
    error instanceof OrganizationExistsError ||
    error instanceof TokenExistsError ||
    error instanceof RotationError ||
    error instanceof NoRecipientError ||
    error instanceof PlanInUseError
  ) {
    return new ProblemError(409, error.message, PROBLEM_TYPES.conflict);
  }
  if (error instanceof SeatLimitError) return new ProblemError(409, error.message, PROBLEM_TYPES.seatLimit);
  return new ProblemError(400, error.message);
}

export function organizationJson(organization: Organization): Record<string, unknown> {
  return {
    orgId: organization.orgId,
    name: organization.name,
    seatLimit: organization.seatLimit ?? null,
    seatsUsed: organization.seatsUsed,
    plan: organization.plan ?? null,
    createdAt: organization.createdAt || null,
    scimEnabled: organization.scimDisabledAt === undefined,
    scimDisabledAt: organization.scimDisabledAt ?? null,
    throttle: throttleJson(organization),
  };
}

/** Without a slot of its own an organization shares the key of the default tier; the default organization has one. */
function throttleJson(organization: Organization): Record<string, unknown> {
  const tier = organization.throttleSlot?.tier ?? DEFAULT_THROTTLE_TIER;
  return {
    tier,
    ownKey: organization.throttleSlot !== undefined || organization.orgId === DEFAULT_ORG_ID,
    rateLimit: THROTTLE_TIERS[tier].rateLimit,
    burstLimit: THROTTLE_TIERS[tier].burstLimit,
  };
}

function historyEntryJson({ license, emails }: LicenseHistoryEntry): Record<string, unknown> {
  return {
    licenseId: license.licenseId,
    status: license.status,
    keyHint: license.keyHint,
    issuedAt: license.issuedAt,
    revokedAt: license.revokedAt ?? null,
    revocationReason: license.revocationReason ?? null,
    emails,
  };
}

function detailsJson(details: OrganizationDetails): Record<string, unknown> {
  return {
    organization: organizationJson(details.organization),
    stored: details.stored,
    seats: { used: details.seats.used, limit: details.seats.limit ?? null, available: details.seats.available ?? null },
    apiKey: details.token ?? null,
  };
}

function planJson(plan: PlanState): Record<string, unknown> {
  return {
    name: plan.name,
    rank: plan.rank,
    seatLimit: plan.seatLimit ?? null,
    seatsUsed: plan.seatsUsed,
    groups: [...plan.groups],
  };
}

function catalogJson(orgId: string, catalog: PlanCatalog): Record<string, unknown> {
  return { orgId, defaultPlan: catalog.defaultPlan ?? null, plans: catalog.plans.map(planJson) };
}

function licenseJson(license: LicenseSummary): Record<string, unknown> {
  return {
    licenseId: license.licenseId,
    userId: license.userId,
    userName: license.userName ?? null,
    status: license.status,
    plan: license.plan ?? null,
    planSeatRefused: license.planSeatRefused ?? null,
    keyHint: license.keyHint,
    issuedAt: license.issuedAt,
    revokedAt: license.revokedAt ?? null,
    revocationReason: license.revocationReason ?? null,
    email: license.email ? { status: license.email.status, at: license.email.at ?? null } : null,
  };
}
