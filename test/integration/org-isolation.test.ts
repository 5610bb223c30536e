import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { DynamoOrganizationRepository } from '../../lambda/adapters/dynamodb-organization-repository';
import { DEFAULT_ORG_SECRET_PREFIX, OrganizationService } from '../../lambda/domain/organizations';
import { createAuthorizerHandler } from '../../lambda/handlers/authorizer';
import { FileTokenStore } from '../../local/file-token-store';
import { localAdapters } from '../../local/local-adapters';
import { testDynamoDbClient } from '../support/dynamodb';
import { type ApiResponse, type LocalApi, startLocalApi } from '../support/local-api';

/**
 * Organizations are isolated by the token alone: through the local HTTP server (API Gateway emulation, the real
 * authorizer and SCIM handler, DynamoDB Local, file secrets), a token of organization A never reads, lists, changes or
 * deletes anything of organization B, whatever id, filter or reference it sends. Then the grace period of a rotation.
 */

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const HOUR = 3_600_000;

/** One clock for the rotation (grace expiry) and the authorizer (grace check), so a test can move past the expiry. */
const now = { t: Date.parse('2026-11-28T12:00:00Z') };
const clock = { now: () => new Date(now.t) };

let api: LocalApi;
let organizations: OrganizationService;
/** The authorizer is built once the API's configuration exists; until then nothing calls it. */
let authorizer: (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

interface Org {
  readonly orgId: string;
  readonly token: string;
}
let acme: Org;
let beta: Org;
/** Beta's resources: what Acme's token must never reach. */
let betaUser: { id: string; userName: string };
let betaGroup: { id: string };
let acmeUser: { id: string };
let acmeGroup: { id: string };

beforeAll(async () => {
  api = await startLocalApi({ label: 'org-isolation', authorizerHandler: (event) => authorizer(event) });
  // Cache off: each request reads the secret, so a test sees a rotation at once (caching has tests of its own).
  authorizer = createAuthorizerHandler(api.config, { ...localAdapters(api.config), cacheTtlMs: 0, clock });
  organizations = new OrganizationService(
    new DynamoOrganizationRepository(testDynamoDbClient(), api.config.licensesTable),
    new FileTokenStore(api.config.localSecretsDir!, clock),
    {
      defaultOrgId: api.config.defaultOrgId,
      secretIdOf: (orgId) =>
        orgId === api.config.defaultOrgId ? api.config.tokenSecretId : `${DEFAULT_ORG_SECRET_PREFIX}${orgId}`,
      clock,
    },
  );

  const createdAcme = await organizations.create({ name: 'Acme', seatLimit: 5 });
  const createdBeta = await organizations.create({ name: 'Beta' });
  acme = { orgId: createdAcme.organization.orgId, token: createdAcme.token };
  beta = { orgId: createdBeta.organization.orgId, token: createdBeta.token };

  betaUser = (await as(beta, 'POST', '/Users', user('bob@beta.example', 'ext-bob'))).body;
  betaGroup = (
    await as(beta, 'POST', '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Beta Admins',
      externalId: 'ext-admins',
      members: [{ value: betaUser.id }],
    })
  ).body;
  acmeUser = (await as(acme, 'POST', '/Users', user('alice@acme.example', 'ext-alice'))).body;
  acmeGroup = (await as(acme, 'POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Acme Admins' })).body;
});

afterAll(async () => {
  await api?.close();
});

function user(userName: string, externalId: string) {
  return {
    schemas: [USER_SCHEMA],
    userName,
    externalId,
    active: true,
    name: { givenName: userName.split('@')[0], familyName: 'Test' },
    emails: [{ value: userName, type: 'work', primary: true }],
  };
}

function as(org: Org, method: string, path: string, body?: unknown): Promise<ApiResponse> {
  return api.request(method, path, { body, headers: { Authorization: `Bearer ${org.token}` } });
}

function withToken(token: string, path = '/Users?count=1'): Promise<ApiResponse> {
  return api.request('GET', path, { headers: { Authorization: `Bearer ${token}` } });
}

function ids(response: ApiResponse): string[] {
  return (response.body?.Resources ?? []).map((resource: { id: string }) => resource.id);
}

describe('setup', () => {
  it('gives each organization its own data through its own token', async () => {
    const betaUsers = await as(beta, 'GET', '/Users');
    const acmeUsers = await as(acme, 'GET', '/Users');

    expect(acme.orgId).toMatch(/^acme-[0-9a-z]{6}$/);
    expect(acme.token).toMatch(new RegExp(`^scim_${acme.orgId}_[A-Za-z0-9_-]{43}$`));
    expect(ids(betaUsers)).toEqual([betaUser.id]);
    expect(ids(acmeUsers)).toEqual([acmeUser.id]);
  });
});

describe("organization A's token against organization B's resources", () => {
  const betaUserPath = () => `/Users/${betaUser.id}`;
  const betaGroupPath = () => `/Groups/${betaGroup.id}`;
  const renameUser = () => ({ ...user('bob@beta.example', 'ext-bob'), displayName: 'Hijacked' });
  const deactivate = { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] };
  const renameGroup = { schemas: [GROUP_SCHEMA], displayName: 'Hijacked', members: [] };
  const emptyGroup = { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'members' }] };

  it.each([
    ['GET', 'user', betaUserPath, undefined],
    ['PUT', 'user', betaUserPath, renameUser],
    ['PATCH', 'user', betaUserPath, () => deactivate],
    ['DELETE', 'user', betaUserPath, undefined],
    ['GET', 'group', betaGroupPath, undefined],
    ['PUT', 'group', betaGroupPath, () => renameGroup],
    ['PATCH', 'group', betaGroupPath, () => emptyGroup],
    ['DELETE', 'group', betaGroupPath, undefined],
  ])('%s of a %s id of B answers 404 as if it did not exist', async (method, _kind, path, body) => {
    const response = await as(acme, method, path(), body?.());

    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '404' });
    expect(response.text).not.toContain('bob@beta.example');
  });

  it.each([
    ['userName', '/Users?filter=userName eq "bob@beta.example"'],
    ['externalId', '/Users?filter=externalId eq "ext-bob"'],
    ['emails', '/Users?filter=emails.value eq "bob@beta.example"'],
    ['id', () => `/Users?filter=id eq "${betaUser.id}"`],
    ['group displayName', '/Groups?filter=displayName eq "Beta Admins"'],
    ['group externalId', '/Groups?filter=externalId eq "ext-admins"'],
    ['group id', () => `/Groups?filter=id eq "${betaGroup.id}"`],
  ])('a filter on B by %s finds nothing', async (_attribute, path) => {
    const response = await as(acme, 'GET', encodeURI(typeof path === 'string' ? path : path()));

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ totalResults: 0, Resources: [] });
  });

  it('lists only A: no user or group of B, totals counted per organization', async () => {
    const users = await as(acme, 'GET', '/Users?startIndex=1&count=100');
    const groups = await as(acme, 'GET', '/Groups?startIndex=1&count=100');

    expect(users.body.totalResults).toBe(1);
    expect(ids(users)).toEqual([acmeUser.id]);
    expect(groups.body.totalResults).toBe(1);
    expect(ids(groups)).toEqual([acmeGroup.id]);
  });

  it('cannot make a user of B a member of a group of A, by POST or PATCH', async () => {
    const created = await as(acme, 'POST', '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Smuggled',
      members: [{ value: betaUser.id }],
    });
    const patched = await as(acme, 'PATCH', `/Groups/${acmeGroup.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'members', value: [{ value: betaUser.id }] }],
    });
    const group = await as(acme, 'GET', `/Groups/${acmeGroup.id}`);

    expect(created.status).toBe(400);
    expect(created.body).toMatchObject({ schemas: [ERROR_SCHEMA], scimType: 'invalidValue' });
    expect(patched.status).toBe(400);
    expect(patched.body).toMatchObject({ schemas: [ERROR_SCHEMA], scimType: 'invalidValue' });
    expect(group.body.members ?? []).toEqual([]);
  });

  it("takes B's userName as a new, separate user of A", async () => {
    const created = await as(acme, 'POST', '/Users', user('bob@beta.example', 'ext-bob'));

    expect(created.status).toBe(201);
    expect(created.body.id).not.toBe(betaUser.id);
    expect(created.body.userName).toBe('bob@beta.example');
  });

  it("leaves all of B's data as it was", async () => {
    const bob = await as(beta, 'GET', `/Users/${betaUser.id}`);
    const group = await as(beta, 'GET', `/Groups/${betaGroup.id}`);
    const users = await as(beta, 'GET', '/Users');

    expect(bob.status).toBe(200);
    expect(bob.body).toMatchObject({ id: betaUser.id, active: true, meta: { version: expect.any(String) } });
    expect(bob.body.displayName).toBeUndefined();
    expect(group.body).toMatchObject({ id: betaGroup.id, displayName: 'Beta Admins' });
    expect(group.body.members.map((member: { value: string }) => member.value)).toEqual([betaUser.id]);
    expect(ids(users)).toEqual([betaUser.id]);
  });

  it("keeps the default organization's token out of both", async () => {
    const acmeUserFromDefault = await api.request('GET', `/Users/${acmeUser.id}`);
    const betaGroupFromDefault = await api.request('GET', `/Groups/${betaGroup.id}`);
    const defaultUsers = await api.request('GET', '/Users');

    expect(acmeUserFromDefault.status).toBe(404);
    expect(betaGroupFromDefault.status).toBe(404);
    expect(defaultUsers.body.totalResults).toBe(0);
  });

  it("refuses a token that names B but carries A's key, and one naming an organization that does not exist", async () => {
    const key = acme.token.slice(`scim_${acme.orgId}_`.length);

    const forged = await withToken(`scim_${beta.orgId}_${key}`);
    const unknown = await withToken(`scim_nobody-000000_${key}`);

    expect(forged.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(forged.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '401' });
  });
});

describe('token rotation grace period', () => {
  it('accepts the old and the new token during the grace period, and only the new one after it', async () => {
    const old = (await organizations.create({ name: 'Grace' })).token;
    const org = old.split('_')[1]!;

    const rotated = await organizations.rotateToken(org, 2);
    const during = [(await withToken(old)).status, (await withToken(rotated.token)).status];
    now.t += 2 * HOUR;
    const after = [(await withToken(old)).status, (await withToken(rotated.token)).status];

    expect(rotated.previousTokenExpiresAt).toBe(new Date(now.t).toISOString());
    expect(during).toEqual([200, 200]);
    expect(after).toEqual([401, 200]);
  });

  it('rejects the old token as soon as the previous one is revoked', async () => {
    const old = (await organizations.create({ name: 'Revoked' })).token;
    const org = old.split('_')[1]!;
    const rotated = await organizations.rotateToken(org, 72);
    const during = [(await withToken(old)).status, (await withToken(rotated.token)).status];

    const revoked = await organizations.revokePreviousToken(org);

    const after = [(await withToken(old)).status, (await withToken(rotated.token)).status];
    expect(revoked).toEqual({ orgId: org, revoked: true });
    expect(during).toEqual([200, 200]);
    expect(after).toEqual([401, 200]);
  });

  it('serves the organization the token names: the rotated token still reads its own users', async () => {
    const created = await organizations.create({ name: 'Continuity' });
    const bob = await as(
      { orgId: created.organization.orgId, token: created.token },
      'POST',
      '/Users',
      user('carol@continuity.example', 'ext-carol'),
    );

    const rotated = await organizations.rotateToken(created.organization.orgId, 1);
    const users = await withToken(rotated.token, '/Users');

    expect(ids(users)).toEqual([bob.body.id]);
  });
});

describe('default authorizer caches', () => {
  it('accepts a just-rotated token at once even though the old secret value is cached', async () => {
    const cached = createAuthorizerHandler(api.config, { ...localAdapters(api.config), clock });
    const created = await organizations.create({ name: 'Cached' });
    const event = (token: string) =>
      ({
        headers: { Authorization: `Bearer ${token}` },
        methodArn: 'arn:aws:execute-api:us-east-1:123456789012:api/local/GET/scim/v2/Users',
      }) as unknown as APIGatewayRequestAuthorizerEvent;
    await cached(event(created.token));

    const rotated = await organizations.rotateToken(created.organization.orgId, 1);
    const answer = await cached(event(rotated.token));

    expect(answer.context).toEqual({ orgId: created.organization.orgId, throttleTier: 'standard' });
  });
});
