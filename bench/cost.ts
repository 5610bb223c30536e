/**
 * What SCIM traffic costs on AWS at list prices (bench/prices.ts), from what the bench measured: the SCIM handler's
 * duration, the DynamoDB capacity units each request consumed, and the emails each request queues. Left out: storage,
 * logs, X-Ray, KMS, data transfer and free tiers. Assumptions the bench cannot measure are the constants below.
 */
import { PRICES } from './prices';

/** The SCIM function's memory (lib/constructs/service-function.ts default). */
export const LAMBDA_MEMORY_GB = 0.5;
/** Assumed: the mailer sends one email per invocation in about this long (SES round trip included). */
const MAILER_MS_PER_EMAIL = 150;
/** The mailer's writes per email: the send lease and the `sentAt` record, each under 1 KB. */
const MAILER_WRITE_UNITS_PER_EMAIL = 2;
/** Assumed duration of an authorizer invocation that reads its organization's secret. */
const AUTHORIZER_MS = 50;
/** The authorizer's answer and the secrets are cached 30 s: a burst of requests needs one authorizer call. */
const AUTHORIZER_CACHE_SECONDS = 30;

/** One kind of SCIM request as measured. */
export interface RequestProfile {
  readonly name: string;
  /** Median time inside the SCIM handler, ms (billed duration, rounded up to 1 ms). */
  readonly handlerMs: number;
  readonly readUnits: number;
  readonly writeUnits: number;
  /** Emails the request queues (a license issued or revoked). */
  readonly emails: number;
}

export interface CostLine {
  readonly apiGateway: number;
  readonly lambda: number;
  readonly dynamoDb: number;
  readonly ses: number;
  readonly total: number;
}

function line(parts: Omit<CostLine, 'total'>): CostLine {
  return { ...parts, total: parts.apiGateway + parts.lambda + parts.dynamoDb + parts.ses };
}

function lambdaCost(invocations: number, ms: number): number {
  const gbSeconds = invocations * (Math.ceil(ms) / 1000) * LAMBDA_MEMORY_GB;
  return (invocations / 1e6) * PRICES.lambdaPerMillionRequests + gbSeconds * PRICES.lambdaArmPerGbSecond;
}

function dynamoCost(readUnits: number, writeUnits: number): number {
  return (
    (readUnits / 1e6) * PRICES.dynamoDbPerMillionReadUnits + (writeUnits / 1e6) * PRICES.dynamoDbPerMillionWriteUnits
  );
}

/** Cost of `count` requests of one kind (the authorizer is cached: a steady stream costs it nothing per request). */
export function costOf(profile: RequestProfile, count: number): CostLine {
  const emails = profile.emails * count;
  return line({
    apiGateway: (count / 1e6) * PRICES.apiGatewayRestPerMillion,
    lambda: lambdaCost(count, profile.handlerMs) + lambdaCost(emails, MAILER_MS_PER_EMAIL),
    dynamoDb: dynamoCost(profile.readUnits * count, profile.writeUnits * count + emails * MAILER_WRITE_UNITS_PER_EMAIL),
    ses: (emails / 1000) * PRICES.sesPerThousandEmails,
  });
}

export interface MonthlyScenario {
  readonly users: number;
  /** Share of users replaced in a month (deactivated, and as many new ones created). */
  readonly churn: number;
  readonly days: number;
  readonly importPageSize: number;
  /** Secrets stored: the organization's API key and the license signing key. */
  readonly secrets: number;
}

export const TEN_THOUSAND_USERS: MonthlyScenario = {
  users: 10_000,
  churn: 0.01,
  days: 30,
  importPageSize: 100,
  secrets: 2,
};

export interface MonthlyCost {
  readonly requests: number;
  readonly items: readonly { readonly what: string; readonly cost: CostLine }[];
  readonly secretsManager: number;
  readonly coldStartLambda: number;
  readonly total: number;
}

/**
 * A month of one organization: Okta imports every user daily (pages of 100), and `churn` of the users leave (PATCH
 * active=false) and are replaced (a userName lookup, then POST). Each churn event and each daily import is a burst of
 * its own: one cold start of the SCIM function (billed INIT), one authorizer call reading the token secret, one
 * signing key read.
 */
export function monthlyCost(
  scenario: MonthlyScenario,
  profiles: { importPage: RequestProfile; lookup: RequestProfile; create: RequestProfile; deactivate: RequestProfile },
  scimInitMs: number,
  importPageMs: number,
): MonthlyCost {
  const pages = Math.ceil(scenario.users / scenario.importPageSize) * scenario.days;
  const leavers = Math.round(scenario.users * scenario.churn);
  const items = [
    { what: `daily import: ${pages} pages of ${scenario.importPageSize}`, cost: costOf(profiles.importPage, pages) },
    { what: `churn: ${leavers} lookups by userName`, cost: costOf(profiles.lookup, leavers) },
    { what: `churn: ${leavers} creates (license email)`, cost: costOf(profiles.create, leavers) },
    { what: `churn: ${leavers} deactivations (notice email)`, cost: costOf(profiles.deactivate, leavers) },
  ];
  const importSeconds = (Math.ceil(scenario.users / scenario.importPageSize) * importPageMs) / 1000;
  const authorizerCallsPerImport = Math.ceil(importSeconds / AUTHORIZER_CACHE_SECONDS) + 1;
  const bursts = scenario.days + 2 * leavers;
  const authorizerCalls = scenario.days * authorizerCallsPerImport + 2 * leavers;
  const secretCalls = authorizerCalls + bursts;
  const secretsManager =
    (secretCalls / 10_000) * PRICES.secretsManagerPer10kCalls + scenario.secrets * PRICES.secretsManagerPerSecretMonth;
  // INIT is billed as duration; the invocation itself is already counted with its request.
  const initGbSeconds = bursts * (Math.ceil(scimInitMs) / 1000) * LAMBDA_MEMORY_GB;
  const coldStartLambda = initGbSeconds * PRICES.lambdaArmPerGbSecond + lambdaCost(authorizerCalls, AUTHORIZER_MS);
  const total = items.reduce((sum, item) => sum + item.cost.total, 0) + secretsManager + coldStartLambda;
  return { requests: pages + 3 * leavers, items, secretsManager, coldStartLambda, total };
}
