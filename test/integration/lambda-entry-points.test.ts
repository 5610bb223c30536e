import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { encodeEnvironment } from '../../lambda/contract/environment';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb-local';
import { type TestConfig, testConfig } from '../support/dynamodb';
import { type MotoServer, motoUnavailableReason, startMoto } from '../support/moto';

/**
 * The exported `handler`s are what Lambda runs: middy-wrapped, wired from the environment the CDK stack sets.
 * These tests set that environment and call them as Lambda would, against DynamoDB Local.
 */
const unavailable = motoUnavailableReason();

describe('Lambda entry points', () => {
  let setup: TestConfig;
  let moto: MotoServer | undefined;
  const saved = { ...process.env };

  beforeAll(async () => {
    setup = await testConfig({ label: 'entry-points' });
    // The deployed handlers read Secrets Manager and DynamoDB; the SDK's standard endpoint variables point them at
    // moto_server and DynamoDB Local, so no local code path is involved.
    moto = unavailable ? undefined : await startMoto();
    if (moto) {
      await moto.client.send(
        new CreateSecretCommand({
          Name: setup.config.tokenSecretId,
          SecretString: JSON.stringify({ orgId: setup.config.defaultOrgId, token: setup.token }),
        }),
      );
    }
    Object.assign(process.env, {
      ...encodeEnvironment({
        usersTable: setup.config.usersTable,
        groupsTable: setup.config.groupsTable,
        licensesTable: setup.config.licensesTable,
        defaultOrgId: setup.config.defaultOrgId,
        tokenSecretId: setup.config.tokenSecretId,
      }),
      AWS_ENDPOINT_URL_DYNAMODB: setup.config.dynamoEndpoint,
      ...(moto ? { AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.endpoint } : {}),
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    });
  });

  afterAll(async () => {
    process.env = saved;
    await moto?.stop();
    await setup.cleanup();
  });

  const context = {
    functionName: 'test',
    awsRequestId: 'req-1',
    getRemainingTimeInMillis: () => 10_000,
  } as unknown as Context;

  if (unavailable) {
    // moto_server is optional on developer machines (required under CI): say so instead of passing nothing.
    it('authorizer handler against Secrets Manager (moto_server): not run here', () => {
      expect(unavailable).toContain('moto_server');
    });
  }
  const authorizerTest = unavailable ? () => undefined : it;

  authorizerTest(
    'authorizer handler allows the default token for the whole stage and names the organization',
    async () => {
      const { handler } = await import('../../lambda/handlers/authorizer');
      const event = {
        type: 'REQUEST',
        methodArn: 'arn:aws:execute-api:eu-west-1:123456789012:abc123/v1/GET/scim/v2/Users',
        headers: { Authorization: setup.token },
      } as unknown as APIGatewayRequestAuthorizerEvent;

      const result = await handler(event, context);

      expect(result.context).toEqual({ orgId: 'default', throttleTier: 'standard' });
      // The default organization's own usage-plan key (no USAGE_KEY_PREFIX set here: the local prefix).
      expect(result.usageIdentifierKey).toBe('local-scim-usage-key-default');
      expect(result.policyDocument.Statement).toEqual([
        {
          Action: 'execute-api:Invoke',
          Effect: 'Allow',
          Resource: 'arn:aws:execute-api:eu-west-1:123456789012:abc123/v1/*',
        },
      ]);
    },
  );

  authorizerTest('authorizer handler refuses a wrong token with Unauthorized', async () => {
    const { handler } = await import('../../lambda/handlers/authorizer');
    const event = {
      type: 'REQUEST',
      methodArn: 'arn:aws:execute-api:eu-west-1:123456789012:abc123/v1/GET/scim/v2/Users',
      headers: { authorization: 'Bearer non-token' },
    } as unknown as APIGatewayRequestAuthorizerEvent;

    await expect(handler(event, context)).rejects.toThrow('Unauthorized');
  });

  it('SCIM handler answers a list request with a SCIM ListResponse', async () => {
    const { handler } = await import('../../lambda/handlers/scim');
    const event = {
      httpMethod: 'GET',
      path: '/scim/v2/Users',
      resource: '/scim/v2/{proxy+}',
      pathParameters: { proxy: 'Users' },
      queryStringParameters: { startIndex: '1', count: '2' },
      headers: { Host: 'api.example.com', Accept: 'application/scim+json' },
      body: null,
      isBase64Encoded: false,
      requestContext: {
        requestId: 'r1',
        domainName: 'api.example.com',
        path: '/v1/scim/v2/Users',
        stage: 'v1',
        authorizer: { orgId: 'default', principalId: 'default' },
      },
    } as unknown as APIGatewayProxyEvent;

    const result = await handler(event, context);

    expect(result.statusCode).toBe(200);
    expect(result.headers?.['Content-Type']).toBe('application/scim+json; charset=utf-8');
    expect(JSON.parse(result.body)).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });
  });
});
