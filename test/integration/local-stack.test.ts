import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayRequestAuthorizerEvent,
} from 'aws-lambda';
import { licensesTable, usersTable } from '../../lambda/contract/tables';
import { MAX_GATEWAY_BODY_BYTES } from '../../local/api-gateway-adapter';
import { createTables } from '../../local/create-tables';
import { JavaNotFoundError, startDynamoDbLocal } from '../../local/dynamodb-local';
import { localSecretPath } from '../../local/local-secrets';
import { LOCAL_TOKEN_SECRET_ID, type LocalStack, startLocalStack } from '../../local/local-stack';
import { isRunning } from '../../local/pid-file';
import { findFreePort, PortInUseError } from '../../local/ports';
import { dynamoDbEndpoint, testDynamoDbClient } from '../support/dynamodb';
import { type LocalApi, startLocalApi } from '../support/local-api';

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

/**
 * The API Gateway emulation, with recording stand-ins for the handlers: these tests are about what the gateway
 * does (routing, the authorizer contract, its own error answers, the event it builds), not about SCIM.
 */
describe('API Gateway emulation', () => {
  const events: APIGatewayProxyEvent[] = [];
  const authorizerEvents: APIGatewayRequestAuthorizerEvent[] = [];
  let authorizerAnswer: (event: APIGatewayRequestAuthorizerEvent) => APIGatewayAuthorizerResult;
  let handlerAnswer: (event: APIGatewayProxyEvent) => APIGatewayProxyResult;
  let api: LocalApi;
  let cachedApi: LocalApi;

  const allow = (event: APIGatewayRequestAuthorizerEvent): APIGatewayAuthorizerResult => ({
    principalId: 'org-1',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${event.methodArn.split('/')[0]}/*` }],
    },
    context: { orgId: 'org-1', seats: 5, trusted: true },
  });
  const echo = (): APIGatewayProxyResult => ({
    statusCode: 200,
    headers: { 'Content-Type': 'application/scim+json; charset=utf-8' },
    body: '{"ok":true}',
  });
  const options = {
    label: 'gateway',
    authorizerHandler: async (event: APIGatewayRequestAuthorizerEvent) => {
      authorizerEvents.push(event);
      return authorizerAnswer(event);
    },
    scimHandler: async (event: APIGatewayProxyEvent) => {
      events.push(event);
      return handlerAnswer(event);
    },
    extraRoutes: [
      {
        method: 'POST',
        path: '/licenses/validate',
        handler: async (event: APIGatewayProxyEvent) => {
          events.push(event);
          return { statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: '{"valid":false}' };
        },
      },
    ],
  };

  beforeAll(async () => {
    api = await startLocalApi(options);
    cachedApi = await startLocalApi({ ...options, authorizerCacheTtlSeconds: 60 });
  });

  afterAll(async () => {
    await api?.close();
    await cachedApi?.close();
  });

  beforeEach(() => {
    events.length = 0;
    authorizerEvents.length = 0;
    authorizerAnswer = allow;
    handlerAnswer = echo;
  });

  function expectGatewayError(response: { status: number; headers: Headers; body: unknown }, status: number): void {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    expect(response.body).toEqual({
      schemas: [ERROR_SCHEMA],
      status: String(status),
      detail: expect.stringMatching(/\S/),
    });
  }

  test('builds the proxy event API Gateway would pass', async () => {
    const response = await api.request('GET', '/Users?filter=userName+eq+%22a%20b%40c.com%22&x=1&x=2&empty', {
      headers: { Authorization: 'Bearer abc', 'X-Custom-Header': 'Kept' },
    });

    expect(response.status).toBe(200);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event).toEqual(
      expect.objectContaining({
        httpMethod: 'GET',
        path: '/scim/v2/Users',
        resource: '/scim/v2/{proxy+}',
        pathParameters: { proxy: 'Users' },
        // API Gateway decodes %XX but leaves + as it is.
        queryStringParameters: { filter: 'userName+eq+"a b@c.com"', x: '2', empty: '' },
        multiValueQueryStringParameters: { filter: ['userName+eq+"a b@c.com"'], x: ['1', '2'], empty: [''] },
        body: null,
        isBase64Encoded: false,
        stageVariables: null,
      }),
    );
    expect(event?.headers).toEqual(
      expect.objectContaining({ Authorization: 'Bearer abc', 'X-Custom-Header': 'Kept', 'X-Forwarded-Proto': 'http' }),
    );
    expect(event?.multiValueHeaders['X-Custom-Header']).toEqual(['Kept']);
    const port = new URL(api.baseUrl).port;
    expect(event?.requestContext).toEqual(
      expect.objectContaining({
        domainName: `localhost:${port}`,
        path: '/scim/v2/Users',
        resourcePath: '/scim/v2/{proxy+}',
        httpMethod: 'GET',
        stage: 'local',
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        // Numbers and booleans in the authorizer context reach the integration as strings.
        authorizer: expect.objectContaining({ orgId: 'org-1', seats: '5', trusted: 'true', principalId: 'org-1' }),
      }),
    );
    expect(authorizerEvents[0]).toEqual(
      expect.objectContaining({
        type: 'REQUEST',
        methodArn: expect.stringMatching(/^arn:aws:execute-api:[^:]+:\d{12}:[^/]+\/local\/GET\/scim\/v2\/Users$/),
        path: '/scim/v2/Users',
      }),
    );
  });

  test('maps /scim/v2 itself and //Users to the right resources', async () => {
    await api.request('GET', '');
    await api.request('POST', '//Users', { body: '{"a":1}' });

    expect(events.map((event) => [event.resource, event.pathParameters, event.body])).toEqual([
      ['/scim/v2', null, null],
      ['/scim/v2/{proxy+}', { proxy: '/Users' }, '{"a":1}'],
    ]);
  });

  test('answers 401 without calling the authorizer when the Authorization header is missing', async () => {
    const response = await api.request('GET', '/Users', { headers: { Authorization: undefined } });

    expectGatewayError(response, 401);
    expect(authorizerEvents).toHaveLength(0);
    expect(events).toHaveLength(0);
  });

  test("answers 401 when the authorizer throws 'Unauthorized'", async () => {
    authorizerAnswer = () => {
      throw new Error('Unauthorized');
    };

    const response = await api.request('GET', '/Users');

    expectGatewayError(response, 401);
    expect(events).toHaveLength(0);
  });

  test('answers 403 when the policy denies the method', async () => {
    authorizerAnswer = (event) => ({
      principalId: 'org-1',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: event.methodArn }],
      },
    });

    const response = await api.request('GET', '/Users');

    expectGatewayError(response, 403);
    expect(events).toHaveLength(0);
  });

  test('answers 500 when the authorizer fails otherwise or returns an object in its context', async () => {
    authorizerAnswer = () => {
      throw new Error('secret store unreachable');
    };
    const failed = await api.request('GET', '/Users');
    authorizerAnswer = (event) => ({ ...allow(event), context: { org: { id: 'x' } } as never });

    const malformed = await api.request('GET', '/Users');

    expectGatewayError(failed, 500);
    expect(failed.text).not.toContain('secret store');
    expectGatewayError(malformed, 500);
    expect(events).toHaveLength(0);
  });

  test('caches the authorizer answer per Authorization value when a TTL is set', async () => {
    await cachedApi.request('GET', '/Users', { headers: { Authorization: 'one' } });
    await cachedApi.request('GET', '/Groups', { headers: { Authorization: 'one' } });
    await cachedApi.request('GET', '/Users', { headers: { Authorization: 'two' } });
    await api.request('GET', '/Users', { headers: { Authorization: 'one' } });

    await api.request('GET', '/Users', { headers: { Authorization: 'one' } });

    expect(authorizerEvents.map((event) => event.headers?.Authorization)).toEqual(['one', 'two', 'one', 'one']);
  });

  test('answers a generic SCIM 500 when the handler throws', async () => {
    handlerAnswer = () => {
      throw new Error('table scim-users is missing');
    };

    const response = await api.request('GET', '/Users');

    expectGatewayError(response, 500);
    expect(response.text).not.toContain('scim-users');
  });

  test('passes the handler status, headers and body through', async () => {
    handlerAnswer = () => ({
      statusCode: 201,
      headers: { 'Content-Type': 'application/scim+json; charset=utf-8', ETag: 'W/"1"' },
      multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] },
      body: '{"id":"x"}',
    });

    const response = await api.request('POST', '/Users', { body: {} });

    expect(response.status).toBe(201);
    expect(response.headers.get('etag')).toBe('W/"1"');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(response.body).toEqual({ id: 'x' });
  });

  test('answers 413 for a body over the API Gateway limit without calling anything', async () => {
    const response = await api.request('POST', '/Users', { body: 'x'.repeat(MAX_GATEWAY_BODY_BYTES + 1) });

    expectGatewayError(response, 413);
    expect(authorizerEvents).toHaveLength(0);
    expect(events).toHaveLength(0);
  });

  test('answers a SCIM 404 outside the routes, including a wrong method on an extra route', async () => {
    const unknown = await api.request('GET', '/', { fromOrigin: true });
    const wrongCase = await api.request('GET', '/SCIM/v2/Users', { fromOrigin: true });
    const wrongMethod = await api.request('GET', '/licenses/validate', { fromOrigin: true });

    for (const response of [unknown, wrongCase, wrongMethod]) expectGatewayError(response, 404);
    expect(events).toHaveLength(0);
  });

  test('serves extra routes without the authorizer', async () => {
    const response = await api.request('POST', '/licenses/validate', {
      fromOrigin: true,
      body: { licenseKey: 'ABCD' },
      headers: { Authorization: undefined, 'Content-Type': 'application/json' },
    });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ valid: false });
    expect(authorizerEvents).toHaveLength(0);
    expect(events[0]).toEqual(
      expect.objectContaining({
        resource: '/licenses/validate',
        path: '/licenses/validate',
        body: '{"licenseKey":"ABCD"}',
      }),
    );
    expect(events[0]?.requestContext.authorizer).toBeNull();
  });
});

/** The whole local stack as `npm start` runs it: DynamoDB Local on disk, real handlers, the generated token. */
describe('local stack', () => {
  let dataDir: string;
  const running: LocalStack[] = [];

  const start = async (token?: string) => {
    const stack = await startLocalStack({
      port: await findFreePort(),
      dynamoDbPort: await findFreePort(),
      mailPort: await findFreePort(),
      dataDir,
      token,
      authorizerCacheTtlSeconds: 0,
    });
    running.push(stack);
    return stack;
  };
  const stop = async (stack: LocalStack) => {
    await stack.stop();
    running.splice(running.indexOf(stack), 1);
  };
  const listUsers = (stack: LocalStack, token = stack.token) =>
    fetch(`${stack.scimBaseUrl}/Users?startIndex=1&count=100`, {
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/scim+json' },
    });

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'scim-local-stack-'));
  });

  afterAll(async () => {
    for (const stack of running.splice(0)) await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('generates a token on the first start, serves authenticated requests, and stops every process', async () => {
    const stack = await start();

    const created = await fetch(`${stack.scimBaseUrl}/Users`, {
      method: 'POST',
      headers: { Authorization: stack.token, 'Content-Type': 'application/scim+json' },
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'persisted@example.com',
        name: { givenName: 'Per', familyName: 'Sisted' },
        emails: [{ value: 'persisted@example.com', type: 'work', primary: true }],
        active: true,
      }),
    });
    const listed = await listUsers(stack);
    const listedBody = await listed.json();
    const { pid } = stack.dynamoDb;
    const pidFileWhileRunning = JSON.parse(readFileSync(stack.paths.dynamoDbPidFile, 'utf8'));
    await stop(stack);

    expect(stack.tokenSource).toBe('generated');
    expect(stack.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(stack.scimBaseUrl).toBe(`http://localhost:${stack.settings.port}/scim/v2`);
    expect(readFileSync(stack.paths.tokenFile, 'utf8').trim()).toBe(stack.token);
    expect(statSync(stack.paths.tokenFile).mode & 0o777).toBe(0o600);
    const secretFile = localSecretPath(stack.paths.secretsDir, LOCAL_TOKEN_SECRET_ID);
    expect(JSON.parse(readFileSync(secretFile, 'utf8'))).toEqual({ orgId: 'default', token: stack.token });
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    expect(created.status).toBe(201);
    expect(listed.status).toBe(200);
    expect(listed.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(listedBody).toEqual(expect.objectContaining({ schemas: [LIST_SCHEMA], totalResults: 1 }));
    expect(pidFileWhileRunning).toEqual({ owner: process.pid, pid });
    expect(isRunning(pid)).toBe(false);
    expect(() => statSync(stack.paths.dynamoDbPidFile)).toThrow();
    await expect(fetch(stack.scimBaseUrl)).rejects.toThrow();
  });

  test('reuses the stored token and the stored data on the next start', async () => {
    const stack = await start();

    const listed = await listUsers(stack);
    const body = (await listed.json()) as { Resources: Array<{ userName: string }> };
    await stop(stack);

    expect(stack.tokenSource).toBe('stored');
    expect(stack.token).toBe(readFileSync(stack.paths.tokenFile, 'utf8').trim());
    expect(listed.status).toBe(200);
    expect(body.Resources.map((user: { userName: string }) => user.userName)).toEqual(['persisted@example.com']);
    expect(isRunning(stack.dynamoDb.pid)).toBe(false);
  });

  test('keeps the database folder and files readable by their owner only', async () => {
    const stack = await start();
    const databaseFiles = readdirSync(stack.paths.dynamoDbDir);
    await stop(stack);

    expect(statSync(stack.paths.dynamoDbDir).mode & 0o777).toBe(0o700);
    expect(databaseFiles.length).toBeGreaterThan(0);
    for (const file of databaseFiles) {
      expect({ file, mode: statSync(join(stack.paths.dynamoDbDir, file)).mode & 0o777 }).toEqual({ file, mode: 0o600 });
    }
  });

  test('restarts a killed DynamoDB Local on the same port with the same data', async () => {
    const stack = await start();
    const firstPid = stack.dynamoDb.pid;
    await fetch(`${stack.scimBaseUrl}/Users`, {
      method: 'POST',
      headers: { Authorization: stack.token, 'Content-Type': 'application/scim+json' },
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'survives-a-crash@example.com',
        active: true,
      }),
    });
    const before = (await (await listUsers(stack)).json()) as { totalResults: number };

    process.kill(firstPid, 'SIGKILL');
    let after: Response | undefined;
    for (let attempt = 0; attempt < 300 && after?.status !== 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await listUsers(stack);
    }
    const afterBody = (await after?.json()) as { totalResults: number };
    const pidFile = JSON.parse(readFileSync(stack.paths.dynamoDbPidFile, 'utf8'));
    const restartedPid = stack.dynamoDb.pid;
    await stop(stack);

    expect(after?.status).toBe(200);
    expect(before.totalResults).toBeGreaterThan(0);
    expect(afterBody.totalResults).toBe(before.totalResults);
    expect(stack.dynamoDb.restarts).toBe(1);
    expect(restartedPid).not.toBe(firstPid);
    expect(pidFile).toEqual({ owner: process.pid, pid: restartedPid });
    expect(isRunning(restartedPid)).toBe(false);
  });

  test('SCIM_TOKEN replaces the stored token for the default organization', async () => {
    const stored = readFileSync(join(dataDir, 'default-token'), 'utf8').trim();
    const stack = await start('explicit-token-from-the-environment');

    const withNew = await listUsers(stack);
    const withStored = await listUsers(stack, stored);
    const withStoredBody = await withStored.json();
    await stop(stack);

    expect(stack.tokenSource).toBe('environment');
    expect(withNew.status).toBe(200);
    expect(withStored.status).toBe(401);
    expect(withStoredBody).toEqual(expect.objectContaining({ schemas: [ERROR_SCHEMA], status: '401' }));
  });

  test('keeps a rotated default token and its grace period across a restart', async () => {
    const secretFile = localSecretPath(join(dataDir, 'secrets'), LOCAL_TOKEN_SECRET_ID);
    const rotated = {
      orgId: 'default',
      token: 'scim_default_rotated-token-0123456789abcdefghijklmnopq',
      previousToken: 'explicit-token-from-the-environment',
      previousTokenExpiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    };
    writeFileSync(secretFile, JSON.stringify(rotated));

    const stack = await start();
    const withCurrent = await listUsers(stack, rotated.token);
    const withPrevious = await listUsers(stack, rotated.previousToken);
    await stop(stack);

    expect(stack.tokenSource).toBe('stored');
    expect(stack.token).toBe(rotated.token);
    expect(withCurrent.status).toBe(200);
    expect(withPrevious.status).toBe(200);
    expect(JSON.parse(readFileSync(secretFile, 'utf8'))).toEqual(rotated);
  });

  test('names the environment variable to change when a port is taken, and leaves nothing running', async () => {
    const blocker: Server = createServer();
    const takenPort = await findFreePort();
    await new Promise<void>((resolve) => blocker.listen(takenPort, resolve));

    const attempt = startLocalStack({
      port: takenPort,
      dynamoDbPort: await findFreePort(),
      mailPort: await findFreePort(),
      dataDir,
    });

    await expect(attempt).rejects.toThrow(PortInUseError);
    await expect(attempt).rejects.toThrow(/set PORT to a free port/);
    expect(() => statSync(join(dataDir, 'dynamodb.pid'))).toThrow();
    await new Promise((resolve) => blocker.close(resolve));
  });
});

describe('DynamoDB Local and table creation', () => {
  let client: DynamoDBClient;

  beforeAll(() => {
    client = testDynamoDbClient();
  });

  afterAll(() => {
    client.destroy();
  });

  test('names Java 17 when the java command does not exist', async () => {
    const attempt = startDynamoDbLocal({ port: await findFreePort(), javaCommand: 'java-17-is-not-installed' });

    await expect(attempt).rejects.toThrow(JavaNotFoundError);
    await expect(attempt).rejects.toThrow(/needs Java 17 or newer, but no `java-17-is-not-installed` command/);
  });

  test('brings a table from an older schema up to date and leaves existing tables alone', async () => {
    const prefix = `upgrade-${Date.now().toString(36)}`;
    const names = { users: `${prefix}-users`, groups: `${prefix}-groups`, licenses: `${prefix}-licenses` };
    // A persistent local database created before the indexes, the stream and TTL were added.
    await client.send(
      new CreateTableCommand({
        TableName: names.licenses,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );

    await createTables(dynamoDbEndpoint(), names);
    await createTables(dynamoDbEndpoint(), names);

    const licenses = await client.send(new DescribeTableCommand({ TableName: names.licenses }));
    const users = await client.send(new DescribeTableCommand({ TableName: names.users }));
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: names.licenses }));
    const indexNames = (description: typeof users) =>
      (description.Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName).sort();
    expect(indexNames(licenses)).toEqual(licensesTable.indexes.map((index) => index.name).sort());
    expect(indexNames(users)).toEqual(usersTable.indexes.map((index) => index.name).sort());
    expect(licenses.Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: licensesTable.stream });
    expect(users.Table?.StreamSpecification?.StreamEnabled ?? false).toBe(false);
    expect(users.Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(ttl.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
  });
});
