import { randomBytes } from 'node:crypto';
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { createAuthorizerHandler } from '../../lambda/handlers/authorizer';
import { createScimHandler } from '../../lambda/handlers/scim';
import { type ApiServerHandle, startApiServer } from '../../local/api-gateway-adapter';
import { LOCAL_CREDENTIALS } from '../../local/dynamodb-local';
import { ensureLocalSigningKey } from '../../local/license-signing-key';
import { type LocalServiceConfig, localAdapters } from '../../local/local-adapters';
import { type TestConfig, testConfig } from '../support/dynamodb';
import { DynamoRequestLog } from '../support/dynamodb-request-log';

/**
 * The DynamoDB requests behind single SCIM requests, counted by a client that logs what the real SCIM handler sends
 * (licensing on, as deployed): how many, of which kind, and how many round trips the caller waits for in sequence.
 */

/** Enough for every user the tests below keep active before the seat test fills the rest. */
const SEATS = 10;
const SIGNING_KEY_SECRET_ID = 'test/license-signing-key';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

let base: TestConfig;
let server: ApiServerHandle;
let client: DynamoDBClient;
const log = new DynamoRequestLog();

beforeAll(async () => {
  base = await testConfig({ label: 'round-trips' });
  ensureLocalSigningKey(base.config.localSecretsDir, SIGNING_KEY_SECRET_ID);
  const config: LocalServiceConfig = {
    ...base.config,
    signingKeySecretId: SIGNING_KEY_SECRET_ID,
    defaultOrgSeats: SEATS,
  };
  client = log.attach(
    new DynamoDBClient({ endpoint: config.dynamoEndpoint, region: config.region, credentials: LOCAL_CREDENTIALS }),
  );
  server = await startApiServer({
    port: 0,
    config,
    scimHandler: createScimHandler(config, { ...localAdapters(config), dynamo: client }),
    authorizerCacheTtlSeconds: 0,
  });
});

afterAll(async () => {
  await server?.close();
  client?.destroy();
  await base?.cleanup();
});

// biome-ignore lint/suspicious/noExplicitAny: tests navigate arbitrary SCIM bodies.
async function scim(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.scimBaseUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${base.token}`, 'Content-Type': 'application/scim+json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** The response and the DynamoDB requests the handler made for it. */
async function measured(method: string, path: string, body?: unknown) {
  log.reset();
  const response = await scim(method, path, body);
  return { response, requests: log.byCommand(), roundTrips: log.roundTrips() };
}

function newUser() {
  const userName = `rt.${randomBytes(4).toString('hex')}@example.com`;
  return {
    schemas: [USER_SCHEMA],
    userName,
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [{ value: userName, type: 'work', primary: true }],
    active: true,
  };
}

/** The user's newest license item, read with a client of its own (not logged). */
async function newestLicenseOf(userId: string): Promise<Record<string, unknown> | undefined> {
  const reader = new DynamoDBClient({
    endpoint: base.config.dynamoEndpoint,
    region: base.config.region,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    const result = await reader.send(
      new QueryCommand({
        TableName: base.config.licensesTable,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :license)',
        ExpressionAttributeValues: {
          ':pk': { S: `${base.config.defaultOrgId}#USER#${userId}` },
          ':license': { S: 'LICENSE#' },
        },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = result.Items?.[0];
    return item ? unmarshall(item) : undefined;
  } finally {
    reader.destroy();
  }
}

describe('DynamoDB round trips of a change to one user', () => {
  async function created(): Promise<{ id: string; userName: string }> {
    const response = await scim('POST', '/Users', newUser());
    expect(response.status).toBe(201);
    return response.body;
  }

  it('replaces a profile with one read round trip (user and groups together) and one TransactWriteItems', async () => {
    const user = await created();
    const body = { ...newUser(), userName: user.userName, title: 'Engineer' };

    const { response, requests, roundTrips } = await measured('PUT', `/Users/${user.id}`, body);

    expect(response).toMatchObject({ status: 200, body: { id: user.id, title: 'Engineer', groups: [] } });
    expect(requests).toEqual({ GetItem: 1, Query: 1, TransactWriteItems: 1 });
    expect(roundTrips).toBe(2);
  });

  it("changes an attribute by PATCH in two round trips, the member's groups read alongside", async () => {
    const user = await created();
    const group = await scim('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: `rt-group-${randomBytes(4).toString('hex')}`,
      members: [{ value: user.id }],
    });
    const patch = {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'title', value: 'Architect' }],
    };

    const { response, requests, roundTrips } = await measured('PATCH', `/Users/${user.id}`, patch);

    expect(response).toMatchObject({
      status: 200,
      body: { id: user.id, title: 'Architect', groups: [{ value: group.body.id, display: group.body.displayName }] },
    });
    // The group names follow the membership query while the user is read and written.
    expect(requests).toEqual({ GetItem: 1, Query: 1, BatchGetItem: 1, TransactWriteItems: 1 });
    expect(roundTrips).toBe(2);
  });

  it('deactivates by PATCH reading the user, its active license and its groups together, then one write', async () => {
    const user = await created();
    const patch = {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value: { active: false } }],
    };

    const { response, requests, roundTrips } = await measured('PATCH', `/Users/${user.id}`, patch);

    expect(response).toMatchObject({ status: 200, body: { id: user.id, active: false, groups: [] } });
    expect(requests).toEqual({ GetItem: 1, Query: 2, TransactWriteItems: 1 });
    expect(roundTrips).toBe(2);
    const license = await newestLicenseOf(user.id);
    expect(license).toMatchObject({ status: 'revoked', revocationReason: 'deactivated' });
  });

  it('reactivates by PATCH with one read round trip and one write that issues the new license', async () => {
    const user = await created();
    const deactivate = {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    };
    expect((await scim('PATCH', `/Users/${user.id}`, deactivate)).status).toBe(200);
    const reactivate = {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Replace', path: 'active', value: 'True' }],
    };

    const { response, requests, roundTrips } = await measured('PATCH', `/Users/${user.id}`, reactivate);

    expect(response).toMatchObject({ status: 200, body: { id: user.id, active: true, groups: [] } });
    // The user was inactive, so the license read alongside it is not needed. The new license's plan needs the
    // organization's plans, read alongside the user too (a PATCH naming `active` may reactivate); with no plan
    // defined, the user's groups are not read.
    expect(requests).toEqual({ GetItem: 1, Query: 3, TransactWriteItems: 1 });
    expect(roundTrips).toBe(2);
    expect(await newestLicenseOf(user.id)).toMatchObject({ status: 'active' });
  });

  it('deletes a user reading it, its active license and its memberships together, then one transaction', async () => {
    const user = await created();

    const { response, requests, roundTrips } = await measured('DELETE', `/Users/${user.id}`);

    expect(response).toEqual({ status: 204, body: undefined });
    // The memberships (two queries: the user's mirrors with its joins count, and the index) are read with the user,
    // and the transaction fails if the user joined a group since, so none is left behind without a third trip.
    expect(requests).toEqual({ GetItem: 1, Query: 3, TransactWriteItems: 1 });
    expect(roundTrips).toBe(2);
    expect((await scim('GET', `/Users/${user.id}`)).status).toBe(404);
    expect(await newestLicenseOf(user.id)).toMatchObject({ status: 'revoked', revocationReason: 'deleted' });
  });

  it('deletes a member of two groups in the same two round trips, leaving both groups at a new version', async () => {
    const user = await created();
    const groups = [];
    for (const name of ['rt-left-a', 'rt-left-b']) {
      const group = await scim('POST', '/Groups', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: `${name}-${randomBytes(3).toString('hex')}`,
        members: [{ value: user.id }],
      });
      expect(group.body.members).toEqual([expect.objectContaining({ value: user.id })]);
      groups.push(group.body);
    }

    const { response, requests, roundTrips } = await measured('DELETE', `/Users/${user.id}`);

    expect(response).toEqual({ status: 204, body: undefined });
    expect(requests).toEqual({ GetItem: 1, Query: 3, TransactWriteItems: 1 });
    expect(roundTrips).toBe(2);
    for (const group of groups) {
      const after = await scim('GET', `/Groups/${group.id}`);
      expect(after.status).toBe(200);
      expect(after.body.members ?? []).toEqual([]);
      expect(after.body.meta.version).not.toBe(group.meta.version);
    }
    expect((await scim('GET', `/Users/${user.id}`)).status).toBe(404);
  });
});

describe('DynamoDB round trips of a change to one group', () => {
  it('adds a member by PATCH reading the user and whether it is a member already together', async () => {
    const user = (await scim('POST', '/Users', newUser())).body;
    const group = await scim('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: `rt-join-${randomBytes(3).toString('hex')}`,
    });
    expect(group.status).toBe(201);

    const { response, requests, roundTrips } = await measured('PATCH', `/Groups/${group.body.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'add', path: 'members', value: [{ value: user.id }] }],
    });

    expect(response.status).toBe(200);
    expect(response.body.members).toEqual([expect.objectContaining({ value: user.id })]);
    // The group with the organization's plans, then which of the users are members and who they are, then the
    // transaction, then the group's new version with its members for the answer: four round trips, each sent together.
    expect(requests).toEqual({ GetItem: 2, BatchGetItem: 2, Query: 2, TransactWriteItems: 1 });
    expect(roundTrips).toBe(4);
  });
});

describe('DynamoDB requests per SCIM request', () => {
  it('creates an active user, its license, seat and email in one TransactWriteItems', async () => {
    const body = newUser();

    const { response, requests, roundTrips } = await measured('POST', '/Users', body);

    expect(response).toMatchObject({ status: 201, body: { userName: body.userName, active: true } });
    expect(requests).toEqual({ TransactWriteItems: 1 });
    expect(roundTrips).toBe(1);
  });

  it('reads a user and its groups together: one round trip for a user in no group', async () => {
    const created = await scim('POST', '/Users', newUser());

    const { response, requests, roundTrips } = await measured('GET', `/Users/${created.body.id}`);

    expect(response).toMatchObject({ status: 200, body: { id: created.body.id, groups: [] } });
    expect(requests).toEqual({ GetItem: 1, Query: 1 });
    expect(roundTrips).toBe(1);
  });

  it("reads a member's group names after the membership query, in parallel with the user", async () => {
    const created = await scim('POST', '/Users', newUser());
    const group = await scim('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: `rt-group-${randomBytes(4).toString('hex')}`,
      members: [{ value: created.body.id }],
    });

    const { response, requests, roundTrips } = await measured('GET', `/Users/${created.body.id}`);

    expect(response.status).toBe(200);
    expect(response.body.groups).toEqual([
      expect.objectContaining({ value: group.body.id, display: group.body.displayName }),
    ]);
    expect(requests).toEqual({ GetItem: 1, Query: 1, BatchGetItem: 1 });
    expect(roundTrips).toBe(2);
  });

  it('answers 404 for an unknown id, the groups read in flight notwithstanding', async () => {
    const id = '01900000-0000-7000-8000-000000000000';

    const { response } = await measured('GET', `/Users/${id}`);

    expect(response).toMatchObject({ status: 404, body: { schemas: [ERROR_SCHEMA], status: '404' } });
  });

  it('refuses a user beyond the seat limit with 403 from the transaction itself, writing nothing', async () => {
    let filled = await measured('POST', '/Users', newUser());
    while (filled.response.status === 201) filled = await measured('POST', '/Users', newUser());
    const refusedBody = newUser();

    const refused = await measured('POST', '/Users', refusedBody);

    expect(filled.response.status).toBe(403);
    expect(refused.response).toMatchObject({
      status: 403,
      body: {
        schemas: [ERROR_SCHEMA],
        status: '403',
        detail: expect.stringMatching(new RegExp(`^no license seats available: ${SEATS} of ${SEATS} in use`)),
      },
    });
    // The refusal changed nothing; its activity record is one PutItem of its own, written once the answer is known.
    expect(refused.requests).toEqual({ TransactWriteItems: 1, PutItem: 1 });
    const lookup = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${refusedBody.userName}"`)}`);
    expect(lookup.body.totalResults).toBe(0);
  });
});

describe('DynamoDB requests of the authorizer', () => {
  const event = {
    headers: { Authorization: '' },
    methodArn: 'arn:aws:execute-api:us-east-1:123456789012:api/v1/GET/scim/v2/Users',
  } as unknown as APIGatewayRequestAuthorizerEvent;

  it("reads an organization's item once for its SCIM state and throttle slot, then serves both from its cache", async () => {
    const authorizer = createAuthorizerHandler(base.config, { ...localAdapters(base.config), dynamo: client });
    const request = { ...event, headers: { Authorization: `Bearer ${base.token}` } };

    log.reset();
    const cold = await authorizer(request);
    const coldRequests = log.byCommand();
    log.reset();
    const warm = await authorizer(request);

    expect(cold).toMatchObject({ principalId: 'default', context: { orgId: 'default', throttleTier: 'standard' } });
    expect(coldRequests).toEqual({ GetItem: 1 });
    expect(warm).toEqual(cold);
    expect(log.byCommand()).toEqual({});
  });
});
