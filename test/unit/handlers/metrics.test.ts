import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { scimMetricResource } from '../../../lambda/contract/metrics';
import type { SecretReader } from '../../../lambda/domain/tokens';
import { createAuthorizerHandler } from '../../../lambda/handlers/authorizer';
import { createScimHandler } from '../../../lambda/handlers/scim';
import type { Counter } from '../../../lambda/wiring/metrics';

const TOKEN = 'k'.repeat(64);
const PREVIOUS = 'p'.repeat(64);
const silent = () => new Logger({ logLevel: 'SILENT' });

function recordingCounter() {
  const counts: { name: string; dimensions?: Readonly<Record<string, string>> }[] = [];
  const counter: Counter = { count: (name, dimensions) => counts.push({ name, dimensions }) };
  return { counter, counts };
}

function authorizerWith(secrets: SecretReader, counter: Counter) {
  return createAuthorizerHandler(
    { defaultOrgId: 'default', tokenSecretId: 'default-secret' },
    { secrets, counter, cacheTtlMs: 0, logger: silent(), clock: { now: () => new Date('2026-11-28T12:00:00Z') } },
  );
}

function authorizerEvent(authorization?: string): APIGatewayRequestAuthorizerEvent {
  return {
    headers: authorization === undefined ? {} : { Authorization: authorization },
    methodArn: 'arn:aws:execute-api:us-east-1:123456789012:api/v1/GET/scim/v2/Users',
  } as unknown as APIGatewayRequestAuthorizerEvent;
}

describe('authorizer metrics', () => {
  const secrets: SecretReader = {
    read: async () =>
      JSON.stringify({
        orgId: 'default',
        token: TOKEN,
        previousToken: PREVIOUS,
        previousTokenExpiresAt: '2026-11-28T11:00:00Z',
      }),
  };

  it.each([
    [undefined, 'missing'],
    ['Bearer two words', 'malformed'],
    [`Bearer ${'x'.repeat(64)}`, 'mismatch'],
    [`Bearer ${PREVIOUS}`, 'expired'],
    [`Bearer scim_nobody_${'a'.repeat(40)}`, 'unknown-organization'],
  ])('counts a refused key (%j) by its reason, %s, and answers Unauthorized', async (authorization, reason) => {
    const { counter, counts } = recordingCounter();
    const handler = createAuthorizerHandler(
      { defaultOrgId: 'default', tokenSecretId: 'default-secret' },
      {
        secrets: { read: async (id) => (id === 'default-secret' ? secrets.read(id) : undefined) },
        counter,
        cacheTtlMs: 0,
        logger: silent(),
        clock: { now: () => new Date('2026-11-28T12:00:00Z') },
      },
    );

    const outcome = await handler(authorizerEvent(authorization)).catch((error: Error) => error.message);

    expect(outcome).toBe('Unauthorized');
    expect(counts).toEqual([{ name: 'RejectedTokens', dimensions: { reason } }]);
    expect(JSON.stringify(counts)).not.toContain(PREVIOUS);
  });

  it('counts a failure to read the secret as an authorizer failure, not as a refused key', async () => {
    const { counter, counts } = recordingCounter();
    const failing: SecretReader = {
      read: async () => {
        throw new Error('AccessDeniedException');
      },
    };

    const outcome = await authorizerWith(
      failing,
      counter,
    )(authorizerEvent(`Bearer ${TOKEN}`)).catch((error: Error) => error.message);

    expect(outcome).toBe('AccessDeniedException');
    expect(counts).toEqual([{ name: 'AuthorizerFailures', dimensions: undefined }]);
  });

  it('counts nothing for an accepted key', async () => {
    const { counter, counts } = recordingCounter();

    const result = await authorizerWith(secrets, counter)(authorizerEvent(`Bearer ${TOKEN}`));

    expect(result.context).toEqual({ orgId: 'default', throttleTier: 'standard' });
    expect(counts).toEqual([]);
  });
});

describe('authorizer usage-plan key', () => {
  const secrets: SecretReader = {
    read: async (id) => JSON.stringify({ orgId: id === 'default-secret' ? 'default' : id, token: TOKEN }),
  };
  const orgToken = (orgId: string) => `scim_${orgId}_${'a'.repeat(40)}`;
  const authorizer = (slots: Record<string, { tier: 'standard' | 'large'; slot: number }>) =>
    createAuthorizerHandler(
      { defaultOrgId: 'default', tokenSecretId: 'default-secret', orgSecretPrefix: '', usageKeyPrefix: 'stack-keys-' },
      {
        secrets: { read: async (id) => JSON.stringify({ orgId: id, token: orgToken(id) }) },
        organizations: { gateOf: async (orgId) => ({ scimEnabled: true, throttleSlot: slots[orgId] }) },
        cacheTtlMs: 0,
        logger: silent(),
      },
    );

  it.each([
    ['acme', 'stack-keys-large-007', 'large'],
    ['beta', 'stack-keys-unassigned', 'standard'],
  ])('answers %s with key %s (%s tier)', async (orgId, key, tier) => {
    const result = await authorizer({ acme: { tier: 'large', slot: 7 } })(authorizerEvent(`Bearer ${orgToken(orgId)}`));

    expect(result.usageIdentifierKey).toBe(key);
    expect(result.context).toEqual({ orgId, throttleTier: tier });
  });

  it('answers the default organization with its own key', async () => {
    const result = await authorizerWith(secrets, recordingCounter().counter)(authorizerEvent(`Bearer ${TOKEN}`));

    expect(result.usageIdentifierKey).toBe('local-scim-usage-key-default');
  });

  it('keeps answering when the slot cannot be read, with the shared key', async () => {
    const handler = createAuthorizerHandler(
      { defaultOrgId: 'default', tokenSecretId: 'default-secret', orgSecretPrefix: '', usageKeyPrefix: 'k-' },
      {
        secrets: { read: async (id) => JSON.stringify({ orgId: id, token: orgToken(id) }) },
        organizations: {
          gateOf: async () => {
            throw new Error('ProvisionedThroughputExceededException');
          },
        },
        cacheTtlMs: 0,
        logger: silent(),
      },
    );

    const result = await handler(authorizerEvent(`Bearer ${orgToken('acme')}`));

    expect(result.usageIdentifierKey).toBe('k-unassigned');
  });
});

describe('SCIM request metrics', () => {
  const config = {
    usersTable: 'users',
    groupsTable: 'groups',
    licensesTable: 'licenses',
    defaultOrgId: 'default',
    tokenSecretId: '',
    region: 'us-east-1',
  };
  const event = (proxy: string) =>
    ({
      httpMethod: 'GET',
      path: `/scim/v2/${proxy}`,
      pathParameters: { proxy },
      queryStringParameters: null,
      headers: { Accept: 'application/scim+json' },
      body: null,
      isBase64Encoded: false,
      requestContext: { requestId: 'r1', authorizer: { orgId: 'default' }, path: `/v1/scim/v2/${proxy}` },
    }) as unknown as APIGatewayProxyEvent;

  // No DynamoDB client is ever used: the requests below are answered without a read.
  it('counts each request by resource and status class, with unknown paths as "other"', async () => {
    const { counter, counts } = recordingCounter();
    const handler = createScimHandler(config, { counter, logger: silent() });

    const found = await handler(event('ServiceProviderConfig'));
    const missing = await handler(event('Nope/ab12'));

    expect(found.statusCode).toBe(200);
    expect(missing.statusCode).toBe(404);
    expect(counts).toEqual([
      { name: 'ScimRequests', dimensions: { resource: 'ServiceProviderConfig', statusClass: '2xx' } },
      { name: 'ScimRequests', dimensions: { resource: 'other', statusClass: '4xx' } },
    ]);
  });

  it.each([
    ['/Users/abc', 'Users'],
    ['//users', 'Users'],
    ['/Groups', 'Groups'],
    ['/', 'other'],
    ['/Users%00', 'other'],
  ])('names the metric resource of %j %s', (path, resource) => {
    expect(scimMetricResource(path)).toBe(resource);
  });
});
