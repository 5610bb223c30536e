import { createServer, type Server, type Socket } from 'node:net';
import { createDynamoDbClient } from '../../lambda/adapters/dynamodb-client';
import { createScimHandler, type ProxyHandler } from '../../lambda/handlers/scim';
import { localAdapters } from '../../local/local-adapters';
import type { LocalApi } from '../support/local-api';
import { startLocalApi } from '../support/local-api';

/**
 * DynamoDB out of reach: a stalled endpoint (accepts connections, never answers) and a closed port. The SCIM API
 * answers 503 with Retry-After and a SCIM error body, within the function's timeout, instead of hanging until the
 * gateway's 29 s limit (504) or answering 500.
 */

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
/** The SCIM function's timeout: the answer must come before it. */
const FUNCTION_TIMEOUT_MS = 10_000;

let api: LocalApi;
let handler: ProxyHandler;
let stalled: Server;
const sockets: Socket[] = [];

beforeAll(async () => {
  stalled = createServer((socket) => {
    sockets.push(socket);
  });
  await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
  api = await startLocalApi({ label: 'outage', scimHandler: (event, context) => handler(event, context) });
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => stalled?.close(resolve));
  await api?.close();
});

/** The SCIM handler with the deployed functions' DynamoDB client (its time limits), pointed at `endpoint`. */
function pointAt(endpoint: string): void {
  handler = createScimHandler(api.config, {
    ...localAdapters(api.config),
    dynamo: createDynamoDbClient({ endpoint, region: api.config.region }),
  });
}

describe('DynamoDB out of reach', () => {
  it.each([
    ['a stalled endpoint', () => `http://127.0.0.1:${(stalled.address() as { port: number }).port}`],
    ['a closed port', () => 'http://127.0.0.1:9'],
  ])('answers 503 with Retry-After for %s', async (_, endpoint) => {
    pointAt(endpoint());

    const started = Date.now();
    const response = await api.request('GET', '/Users?filter=userName%20eq%20%22a%40example.com%22');
    const elapsed = Date.now() - started;

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(response.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(response.body).toEqual({
      schemas: [ERROR_SCHEMA],
      status: '503',
      detail: expect.stringMatching(/retry the request after a few seconds/),
    });
    expect(elapsed).toBeLessThan(FUNCTION_TIMEOUT_MS);
  });
});
