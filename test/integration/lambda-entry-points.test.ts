import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { type TestConfig, testConfig } from '../support/dynamodb';

/**
 * The exported `handler`s are what Lambda runs: middy-wrapped, wired from the environment the CDK stack sets.
 * These tests set that environment and call them as Lambda would, against DynamoDB Local.
 */
describe('Lambda entry points', () => {
  let setup: TestConfig;
  const saved = { ...process.env };

  beforeAll(async () => {
    setup = await testConfig({ label: 'entry-points' });
    Object.assign(process.env, {
      USERS_TABLE: setup.config.usersTable,
      GROUPS_TABLE: setup.config.groupsTable,
      LICENSES_TABLE: setup.config.licensesTable,
      DEFAULT_ORG_ID: setup.config.defaultOrgId,
      TOKEN_SECRET_ARN: setup.config.tokenSecretId,
      LOCAL_SECRETS_DIR: setup.config.localSecretsDir,
      DYNAMODB_ENDPOINT: setup.config.dynamoEndpoint,
    });
  });

  afterAll(async () => {
    process.env = saved;
    await setup.cleanup();
  });

  const context = {
    functionName: 'test',
    awsRequestId: 'req-1',
    getRemainingTimeInMillis: () => 10_000,
  } as unknown as Context;

  it('authorizer handler allows the default token for the whole stage and names the organization', async () => {
    const { handler } = await import('../../lambda/handlers/authorizer');
    const event = {
      type: 'REQUEST',
      methodArn: 'arn:aws:execute-api:eu-west-1:123456789012:abc123/v1/GET/scim/v2/Users',
      headers: { Authorization: setup.token },
    } as unknown as APIGatewayRequestAuthorizerEvent;

    const result = await handler(event, context);

    expect(result.context).toEqual({ orgId: 'default' });
    expect(result.policyDocument.Statement).toEqual([
      {
        Action: 'execute-api:Invoke',
        Effect: 'Allow',
        Resource: 'arn:aws:execute-api:eu-west-1:123456789012:abc123/v1/*',
      },
    ]);
  });

  it('authorizer handler refuses a wrong token with Unauthorized', async () => {
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
