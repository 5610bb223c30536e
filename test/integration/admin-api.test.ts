import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApiDocument } from '../../lambda/admin/openapi';
import {
  ActivityJson,
  CreatedOrganizationJson,
  IssuedApiKeyJson,
  LicenseHistoryJson,
  LicensePageJson,
  OrganizationDetailsJson,
  OrganizationJsonBody,
  OrganizationListJson,
  ProblemJson,
  RevokedPreviousJson,
  RotatedApiKeyJson,
  SeatUsageJson,
} from '../../lambda/admin/schemas';
import { DEFAULT_SECRET_CACHE_TTL_MS } from '../../lambda/contract/deployment';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb-local';
import { signRequest } from '../../local/iam-auth';
import { adminRoute } from '../../local/local-admin';
import { type LocalStack, startLocalStack } from '../../local/local-stack';
import { findFreePort } from '../../local/ports';
import { adminCall, scimCall } from '../support/admin-api';
import { type LocalApi, startLocalApi } from '../support/local-api';
import { waitForEmails } from '../support/ses-local';

/**
 * The admin API over HTTP through the local gateway emulation: IAM (SigV4 with the local credentials) in front of
 * /admin, the SCIM authorizer in front of /scim/v2, and neither credential opening the other's routes.
 */

const PROBLEM = 'application/problem+json';
const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

let api: LocalApi;

beforeAll(async () => {
  api = await startLocalApi({
    label: 'admin-api',
    iamRoutes: (config) => [adminRoute(config)],
  });
});

afterAll(async () => {
  await api?.close();
});

function newUser(userName: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName,
    active: true,
    emails: [{ value: userName, type: 'work', primary: true }],
  };
}

describe('who may call /admin', () => {
  it('refuses an unsigned request with 403 problem details', async () => {
    const response = await adminCall(api.origin, 'GET', '/organizations', { credentials: false });

    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toBe(PROBLEM);
    expect(response.body).toEqual({
      type: 'about:blank',
      title: 'Forbidden',
      status: 403,
      detail: 'Missing Authentication Token',
    });
  });

  it('refuses a SCIM API key, even a valid one', async () => {
    const response = await adminCall(api.origin, 'GET', '/organizations', {
      credentials: false,
      headers: { authorization: `Bearer ${api.token}` },
    });

    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toBe(PROBLEM);
    expect(response.body.detail).toMatch(/not an AWS Signature Version 4 signature/);
  });

  it('refuses a signature made with another secret, and one over a different body', async () => {
    const wrongSecret = await adminCall(api.origin, 'GET', '/organizations', {
      credentials: { accessKeyId: LOCAL_CREDENTIALS.accessKeyId, secretAccessKey: 'guessed' },
    });
    const url = new URL('/admin/organizations', api.origin);
    const headers = await signRequest(
      { method: 'POST', url, headers: { 'content-type': 'application/json' }, body: '{"name":"Signed"}' },
      LOCAL_CREDENTIALS,
      LOCAL_REGION,
    );
    const tampered = await fetch(url, { method: 'POST', headers, body: '{"name":"Tampered"}' });

    expect(wrongSecret.status).toBe(403);
    expect(wrongSecret.body.detail).toMatch(/signature we calculated does not match/);
    expect(tampered.status).toBe(403);
    expect(await tampered.json()).toMatchObject({ status: 403, title: 'Forbidden' });
  });

  it('serves a signed request', async () => {
    const response = await adminCall(api.origin, 'GET', '/organizations');

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.body.organizations).toContainEqual(
      expect.objectContaining({ orgId: 'default', scimEnabled: true, scimDisabledAt: null }),
    );
  });

  it('never lets a SigV4 signature through the SCIM authorizer', async () => {
    const url = new URL('/scim/v2/Users', api.origin);
    const headers = await signRequest({ method: 'GET', url, headers: {} }, LOCAL_CREDENTIALS, LOCAL_REGION);

    const response = await fetch(url, { headers });

    expect(response.status).toBe(401);
    expect(((await response.json()) as { schemas: string[] }).schemas).toEqual([SCIM_ERROR]);
  });
});

describe('the OpenAPI document', () => {
  it('is served at /admin/openapi.json with the local server', async () => {
    const response = await adminCall(api.origin, 'GET', '/openapi.json');

    expect(response.status).toBe(200);
    expect(response.body).toEqual(openApiDocument(api.origin));
  });

  it('describes what the API answers: the answers parse with the schemas it was generated from', async () => {
    const created = await adminCall(api.origin, 'POST', '/organizations', {
      body: { name: 'Described', seatLimit: 1 },
    });
    const { orgId } = created.body.organization;
    const list = await adminCall(api.origin, 'GET', '/organizations');
    const shown = await adminCall(api.origin, 'GET', `/organizations/${orgId}`);
    const seats = await adminCall(api.origin, 'PUT', `/organizations/${orgId}/seats`, { body: { seatLimit: null } });
    const licenses = await adminCall(api.origin, 'GET', `/organizations/${orgId}/licenses`);
    const rotated = await adminCall(api.origin, 'POST', `/organizations/${orgId}/api-key/rotate`, { body: {} });
    const revoked = await adminCall(api.origin, 'POST', `/organizations/${orgId}/api-key/revoke-previous`);
    const later = await adminCall(api.origin, 'POST', '/organizations', {
      body: { name: 'Later', issueApiKey: false },
    });
    const issued = await adminCall(api.origin, 'POST', `/organizations/${later.body.organization.orgId}/api-key`);
    const again = await adminCall(api.origin, 'POST', `/organizations/${later.body.organization.orgId}/api-key`);
    const problem = await adminCall(api.origin, 'GET', '/organizations/nobody-000000/licenses');

    expect(CreatedOrganizationJson.parse(created.body).apiKey?.token).toBeDefined();
    expect(OrganizationListJson.parse(list.body).organizations.length).toBeGreaterThan(1);
    expect(OrganizationDetailsJson.parse(shown.body).apiKey?.inGracePeriod).toBe(false);
    expect(OrganizationJsonBody.parse(seats.body).organization.seatLimit).toBeNull();
    expect(LicensePageJson.parse(licenses.body)).toEqual({ licenses: [], nextCursor: null });
    expect(RotatedApiKeyJson.parse(rotated.body).graceHours).toBe(72);
    expect(RevokedPreviousJson.parse(revoked.body)).toEqual({ orgId, revoked: true });
    expect(CreatedOrganizationJson.parse(later.body).apiKey).toBeNull();
    expect(issued.status).toBe(201);
    expect(IssuedApiKeyJson.parse(issued.body).token).toMatch(/^scim_later-/);
    expect(again.status).toBe(409);
    expect(ProblemJson.parse(again.body).detail).toMatch(/already has an API key/);
    expect(ProblemJson.parse(problem.body).status).toBe(404);
  });
});

describe("support's view of an organization", () => {
  it('derives a readable id from a name with accents, keeping the letters and dropping the accents', async () => {
    const created = await adminCall(api.origin, 'POST', '/organizations', { body: { name: 'Ünïcode Crème Labs' } });

    expect(created.status).toBe(201);
    expect(CreatedOrganizationJson.parse(created.body).organization.orgId).toMatch(/^unicode-creme-labs-[0-9a-z]{6}$/);
  });

  it('moves an organization to another throttle tier and refuses an unknown one with the field named', async () => {
    const created = await adminCall(api.origin, 'POST', '/organizations', { body: { name: 'Throttled' } });
    const { orgId } = created.body.organization;
    const moved = await adminCall(api.origin, 'PUT', `/organizations/${orgId}/throttle`, { body: { tier: 'large' } });
    const shown = await adminCall(api.origin, 'GET', `/organizations/${orgId}`);
    const unknown = await adminCall(api.origin, 'PUT', `/organizations/${orgId}/throttle`, { body: { tier: 'huge' } });

    expect(created.body.organization.throttle).toEqual({
      tier: 'standard',
      ownKey: false,
      rateLimit: 10,
      burstLimit: 20,
    });
    expect(moved.status).toBe(200);
    expect(OrganizationJsonBody.parse(moved.body).organization.throttle).toEqual({
      tier: 'large',
      ownKey: true,
      rateLimit: 25,
      burstLimit: 50,
    });
    expect(OrganizationDetailsJson.parse(shown.body)).toMatchObject({
      organization: { throttle: { tier: 'large', ownKey: true } },
      emailBudget: { perRecipientPerWindow: 3, perOrganizationPerWindow: 500, windowMinutes: 60, sentThisWindow: 0 },
    });
    expect(unknown.status).toBe(400);
    expect(ProblemJson.parse(unknown.body).errors?.map((error) => error.path)).toEqual(['body.tier']);
  });

  it("answers a user's activity, license history and seats in use, and 404 for an unknown user", async () => {
    const created = await adminCall(api.origin, 'POST', '/organizations', {
      body: { name: 'Supported', seatLimit: 2 },
    });
    const { orgId } = created.body.organization;
    const userName = `sam-${Date.now().toString(36)}@supported.example`;
    const user = await scimCall(
      created.body.scimBaseUrl,
      created.body.apiKey.token,
      'POST',
      '/Users',
      newUser(userName),
    );
    const since = new Date(Date.now() - 3_600_000).toISOString();

    const activity = await adminCall(
      api.origin,
      'GET',
      `/organizations/${orgId}/activity?since=${encodeURIComponent(since)}&userName=${encodeURIComponent(userName)}`,
    );
    const history = await adminCall(
      api.origin,
      'GET',
      `/organizations/${orgId}/license-history?userName=${encodeURIComponent(userName)}`,
    );
    const usage = await adminCall(api.origin, 'GET', `/organizations/${orgId}/seat-usage`);
    const nobody = await adminCall(api.origin, 'GET', `/organizations/${orgId}/license-history?userName=nobody`);
    const badSince = await adminCall(api.origin, 'GET', `/organizations/${orgId}/activity?since=yesterday`);

    expect(user.status).toBe(201);
    expect(ActivityJson.parse(activity.body)).toMatchObject({
      orgId,
      since,
      activity: [
        {
          operation: 'create',
          resourceType: 'User',
          name: userName,
          result: 'ok',
        },
      ],
    });
    expect(activity.body.activity[0].orgId).toBeUndefined();
    // This gateway runs without licensing; the CLI test reads a real history on the full local stack.
    expect(LicenseHistoryJson.parse(history.body)).toMatchObject({
      orgId,
      userId: user.body.id,
      userName,
      active: true,
    });
    expect(JSON.stringify(history.body)).not.toContain('"recipient"');
    expect(SeatUsageJson.parse(usage.body)).toMatchObject({ orgId, seatsUsed: 0, seatLimit: 2 });
    expect(nobody.status).toBe(404);
    expect(ProblemJson.parse(nobody.body).detail).toBe(`organization ${orgId} has no user nobody`);
    expect(badSince.status).toBe(400);
    expect(ProblemJson.parse(badSince.body).errors?.map((error) => error.path)).toEqual(['query.since']);
  });
});

describe('requests and errors', () => {
  it('answers 400 problem details naming each invalid field', async () => {
    const response = await adminCall(api.origin, 'POST', '/organizations', { body: { name: '', seats: 3 } });

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe(PROBLEM);
    expect(response.body).toMatchObject({ type: 'urn:license-portal:problem:validation', title: 'Bad Request' });
    expect(response.body.errors).toEqual([
      { path: 'body.name', message: expect.any(String) },
      { path: 'body', message: expect.stringContaining('seats') },
    ]);
  });

  it('answers malformed JSON with 400, an unknown organization with 404 and a wrong method with 405', async () => {
    const malformed = await adminCall(api.origin, 'POST', '/organizations', { body: '{"name":' });
    const unknown = await adminCall(api.origin, 'GET', '/organizations/nobody-000000');
    const wrongMethod = await adminCall(api.origin, 'DELETE', '/organizations');

    expect(malformed.status).toBe(400);
    expect(malformed.body.detail).toBe('the body is not valid JSON');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ status: 404, detail: 'organization nobody-000000 does not exist' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST, GET');
  });

  it('deletes a plan no license is on, answering the plans left, and 404 problem details once it is gone', async () => {
    const created = await adminCall(api.origin, 'POST', '/organizations', { body: { name: 'Planned' } });
    const { orgId } = created.body.organization;
    await adminCall(api.origin, 'PUT', `/organizations/${orgId}/plans/pro`, { body: { groups: ['Pro'] } });
    await adminCall(api.origin, 'PUT', `/organizations/${orgId}/plans/team`, { body: { groups: ['Team'], rank: 0 } });

    const deleted = await adminCall(api.origin, 'DELETE', `/organizations/${orgId}/plans/pro`);
    const again = await adminCall(api.origin, 'DELETE', `/organizations/${orgId}/plans/pro`);

    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({
      orgId,
      defaultPlan: null,
      plans: [{ name: 'team', rank: 0, seatLimit: null, seatsUsed: 0, groups: ['Team'] }],
    });
    expect(again.status).toBe(404);
    expect(again.headers.get('content-type')).toContain(PROBLEM);
    expect(ProblemJson.parse(again.body).detail).toBe('plan pro not found');
  });

  it('creates once per Idempotency-Key: the retry gets the first answer without the key, another body 422', async () => {
    const key = `create-${Date.now()}`;
    const body = { name: 'Idempotent Inc', seatLimit: 2 };

    const first = await adminCall(api.origin, 'POST', '/organizations', { body, headers: { 'idempotency-key': key } });
    const retry = await adminCall(api.origin, 'POST', '/organizations', { body, headers: { 'idempotency-key': key } });
    const other = await adminCall(api.origin, 'POST', '/organizations', {
      body: { name: 'Someone else' },
      headers: { 'idempotency-key': key },
    });
    const listed = await adminCall(api.origin, 'GET', '/organizations');

    expect(first.status).toBe(201);
    expect(first.body.apiKey.token).toMatch(new RegExp(`^scim_${first.body.organization.orgId}_`));
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual({ ...first.body, apiKey: { ...first.body.apiKey, token: undefined } });
    expect(retry.body.apiKey).not.toHaveProperty('token');
    expect(other.status).toBe(422);
    expect(other.body.type).toBe('urn:license-portal:problem:idempotency-key-reused');
    expect(
      listed.body.organizations.filter((organization: { name: string }) => organization.name === 'Idempotent Inc'),
    ).toHaveLength(1);
  });
});

describe('disabling SCIM', () => {
  let scimApi: LocalApi;

  beforeAll(async () => {
    scimApi = await startLocalApi({
      label: 'admin-scim-off',
      iamRoutes: (config) => [adminRoute(config)],
    });
  });

  afterAll(async () => {
    await scimApi?.close();
  });

  it('refuses the organization’s API key while disabled and accepts it again once enabled', async () => {
    const created = await adminCall(scimApi.origin, 'POST', '/organizations', { body: { name: 'Pausing' } });
    const { orgId } = created.body.organization;
    const token = created.body.apiKey.token as string;

    const disabled = await adminCall(scimApi.origin, 'PUT', `/organizations/${orgId}/scim`, {
      body: { enabled: false },
    });
    const whileDisabled = await scimCall(scimApi.baseUrl, token, 'GET', '/Users');
    const enabled = await adminCall(scimApi.origin, 'PUT', `/organizations/${orgId}/scim`, { body: { enabled: true } });
    const afterwards = await scimCall(scimApi.baseUrl, token, 'GET', '/Users');

    expect(disabled.status).toBe(200);
    expect(disabled.body.organization).toMatchObject({ orgId, scimEnabled: false, scimDisabledAt: expect.any(String) });
    expect(whileDisabled.status).toBe(401);
    expect(whileDisabled.body.schemas).toEqual([SCIM_ERROR]);
    expect(enabled.body.organization).toMatchObject({ orgId, scimEnabled: true, scimDisabledAt: null });
    expect(afterwards.status).toBe(200);
    expect(afterwards.body.totalResults).toBe(0);
  });
});

describe('a portal backend on the local stack (npm start)', () => {
  let dataDir: string;
  let stack: LocalStack;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'scim-admin-api-'));
    stack = await startLocalStack({
      port: await findFreePort(),
      dynamoDbPort: await findFreePort(),
      mailPort: await findFreePort(),
      dataDir,
      authorizerCacheTtlSeconds: 0,
    });
  });

  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates an organization, provisions a user with its key, lists the license and rotates the key', async () => {
    const origin = stack.api.url;
    const userName = `grace-${Date.now().toString(36)}@portal.example`;

    const created = await adminCall(origin, 'POST', '/organizations', {
      body: { name: 'Portal Customer', seatLimit: 3 },
      headers: { 'idempotency-key': `portal-${userName}` },
    });
    const { orgId } = created.body.organization;
    const firstKey = created.body.apiKey.token as string;
    const provisioned = await scimCall(created.body.scimBaseUrl, firstKey, 'POST', '/Users', newUser(userName));
    await waitForEmails(stack.config.sesEndpoint!, userName, 1);
    const licenses = await adminCall(origin, 'GET', `/organizations/${orgId}/licenses?limit=10`);
    const rotated = await adminCall(origin, 'POST', `/organizations/${orgId}/api-key/rotate`, {
      body: { graceHours: 1 / 3600 },
    });
    const newKey = rotated.body.token as string;
    const oldDuringGrace = await scimCall(stack.scimBaseUrl, firstKey, 'GET', `/Users/${provisioned.body.id}`);
    // The authorizer may hold the secret read before the rotation for its cache's lifetime, in which the old key is
    // still the current one: the old key stops once both the grace period and that cache have run out.
    const stopsAt = Date.parse(rotated.body.previousTokenExpiresAt) + DEFAULT_SECRET_CACHE_TTL_MS;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, stopsAt - Date.now()) + 200));
    const oldAfterGrace = await scimCall(stack.scimBaseUrl, firstKey, 'GET', `/Users/${provisioned.body.id}`);
    const withNewKey = await scimCall(stack.scimBaseUrl, newKey, 'GET', `/Users/${provisioned.body.id}`);
    const shown = await adminCall(origin, 'GET', `/organizations/${orgId}`);

    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      organization: { orgId, name: 'Portal Customer', seatLimit: 3, seatsUsed: 0, scimEnabled: true },
      scimBaseUrl: stack.scimBaseUrl,
      apiKey: { orgId, secretId: `scim-license-portal/org-token/${orgId}`, rotationAttached: false },
    });
    expect(provisioned.status).toBe(201);
    expect(licenses.status).toBe(200);
    expect(licenses.body).toEqual({
      licenses: [
        {
          licenseId: expect.any(String),
          userId: provisioned.body.id,
          userName,
          status: 'active',
          plan: null,
          planSeatRefused: null,
          keyHint: expect.stringMatching(/^[0-9A-Z]{4,5}$/),
          issuedAt: expect.any(String),
          revokedAt: null,
          revocationReason: null,
          email: { status: 'sent', at: expect.any(String) },
        },
      ],
      nextCursor: null,
    });
    expect(rotated.status).toBe(200);
    expect(newKey).toMatch(new RegExp(`^scim_${orgId}_`));
    expect(newKey).not.toBe(firstKey);
    expect(oldDuringGrace.status).toBe(200);
    expect(oldAfterGrace.status).toBe(401);
    expect(oldAfterGrace.body.schemas).toEqual([SCIM_ERROR]);
    expect(withNewKey.status).toBe(200);
    expect(withNewKey.body.userName).toBe(userName);
    expect(shown.body).toMatchObject({
      organization: { orgId, seatsUsed: 1 },
      seats: { used: 1, limit: 3, available: 2 },
    });
    expect(JSON.stringify(shown.body)).not.toContain(newKey);
  });
});
