import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AUTHENTICATION_CHALLENGE } from '../../lambda/contract/gateway-errors';
import { ERROR_SCHEMA } from '../../lambda/scim/errors';
import { SCIM_CONTENT_TYPE } from '../../lambda/scim/http';
import { ScimApi } from '../../lib/constructs/scim-api';
import { CDK_JSON_CONTEXT, logicalIdOf, synthScimStack } from './support/app';

const { stack, template } = synthScimStack();
const scimFunctionId = logicalIdOf(stack.scimFunction.function);
const authorizerFunctionId = logicalIdOf(stack.authorizerFunction.function);

function resourceIdOfPath(pathPart: string, parentId?: string): string {
  const match = Object.entries(template.findResources('AWS::ApiGateway::Resource')).find(
    ([, resource]) =>
      resource.Properties.PathPart === pathPart &&
      (parentId === undefined || JSON.stringify(resource.Properties.ParentId) === JSON.stringify({ Ref: parentId })),
  );
  if (!match) throw new Error(`no resource ${pathPart}`);
  return match[0];
}

describe('SCIM routes', () => {
  const scimId = resourceIdOfPath('scim');
  const v2Id = resourceIdOfPath('v2', scimId);
  const proxyId = resourceIdOfPath('{proxy+}', v2Id);
  const authorizerId = Object.keys(template.findResources('AWS::ApiGateway::Authorizer'))[0];

  it.each([
    ['/scim/v2', v2Id],
    ['/scim/v2/{proxy+}', proxyId],
  ])('%s answers ANY method through the authorizer and the SCIM function (Lambda proxy)', (_path, resourceId) => {
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      ResourceId: { Ref: resourceId },
      HttpMethod: 'ANY',
      AuthorizationType: 'CUSTOM',
      AuthorizerId: { Ref: authorizerId },
      Integration: {
        Type: 'AWS_PROXY',
        IntegrationHttpMethod: 'POST',
        Uri: Match.objectLike({
          'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [scimFunctionId, 'Arn'] }])],
        }),
      },
    });
  });

  it('has no method without authorization but the license validation (a license key is its credential)', () => {
    const validateId = resourceIdOfPath('validate', resourceIdOfPath('licenses'));
    // The admin API's routes use IAM instead of the SCIM authorizer (test/infra/admin-api.test.ts).
    const adminId = resourceIdOfPath('{proxy+}', resourceIdOfPath('admin'));
    for (const method of Object.values(template.findResources('AWS::ApiGateway::Method'))) {
      const resource = JSON.stringify(method.Properties.ResourceId);
      const isValidation = resource === JSON.stringify({ Ref: validateId });
      const isAdmin = resource === JSON.stringify({ Ref: adminId });
      expect(method.Properties.AuthorizationType).toBe(isValidation ? 'NONE' : isAdmin ? 'AWS_IAM' : 'CUSTOM');
    }
    template.resourceCountIs('AWS::ApiGateway::Method', 4);
  });

  it('uses a REQUEST authorizer on the Authorization header, cached for at most 60 seconds', () => {
    const authorizer = template.findResources('AWS::ApiGateway::Authorizer')[authorizerId ?? '']?.Properties;

    expect(authorizer).toMatchObject({
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerUri: expect.anything(),
    });
    expect(authorizer.AuthorizerResultTtlInSeconds).toBeLessThanOrEqual(60);
    expect(JSON.stringify(authorizer.AuthorizerUri)).toContain(authorizerFunctionId);
  });

  it('lets only API Gateway invoke the functions', () => {
    // The token rotation Lambda is invoked by Secrets Manager instead (test/infra/token-rotation.test.ts), the
    // mailer's sweep of held emails by an EventBridge schedule (test/infra/licenses.test.ts).
    const gatewayPermissions = Object.values(template.findResources('AWS::Lambda::Permission')).filter(
      (permission) =>
        permission.Properties.Principal !== 'secretsmanager.amazonaws.com' &&
        permission.Properties.Principal !== 'events.amazonaws.com',
    );
    expect(gatewayPermissions.length).toBeGreaterThan(0);
    for (const permission of gatewayPermissions) {
      expect(permission.Properties).toMatchObject({
        Action: 'lambda:InvokeFunction',
        Principal: 'apigateway.amazonaws.com',
        SourceArn: expect.anything(),
      });
    }
  });
});

describe('stage', () => {
  const stageResource = Object.values(template.findResources('AWS::ApiGateway::Stage'))[0];
  const stageProps = stageResource?.Properties;

  it('is throttled, traced, and logs errors without request or response bodies', () => {
    expect(stageProps).toMatchObject({
      StageName: 'v1',
      TracingEnabled: true,
      MethodSettings: [
        {
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: 50,
          ThrottlingBurstLimit: 100,
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
        },
        // POST /licenses/validate has its own throttle (test/infra/licenses.test.ts).
        expect.objectContaining({ ResourcePath: '/~1licenses~1validate', HttpMethod: 'POST' }),
      ],
    });
  });

  it('writes JSON access logs to a dedicated log group, without the Authorization header', () => {
    const destination = stageProps.AccessLogSetting.DestinationArn as { 'Fn::GetAtt': [string, string] };
    const logGroup = template.findResources('AWS::Logs::LogGroup')[destination['Fn::GetAtt'][0]];
    const format = JSON.parse(stageProps.AccessLogSetting.Format as string) as Record<string, string>;

    expect(logGroup?.Properties.RetentionInDays).toBe(30);
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      status: '$context.status',
      orgId: '$context.authorizer.orgId',
    });
    expect(stageProps.AccessLogSetting.Format).not.toMatch(/authorization|header|requestOverride|body/i);
  });

  it('owns its execution log group so that it expires, created before the stage', () => {
    const executionLogGroups = Object.entries(template.findResources('AWS::Logs::LogGroup')).filter(([, group]) =>
      JSON.stringify(group.Properties.LogGroupName ?? '').includes('API-Gateway-Execution-Logs_'),
    );

    expect(executionLogGroups).toHaveLength(1);
    const [logicalId, group] = executionLogGroups[0]!;
    expect(group.Properties.RetentionInDays).toBe(30);
    expect(stageResource?.DependsOn).toContain(logicalId);
  });
});

describe('gateway responses', () => {
  const responses = Object.values(template.findResources('AWS::ApiGateway::GatewayResponse'));
  const byType = new Map(
    responses.map((response) => [response.Properties.ResponseType as string, response.Properties]),
  );

  it.each([
    ['UNAUTHORIZED', '401'],
    ['ACCESS_DENIED', '403'],
    ['MISSING_AUTHENTICATION_TOKEN', '404'],
    ['REQUEST_TOO_LARGE', '413'],
    ['THROTTLED', '429'],
    ['DEFAULT_4XX', '400'],
    ['DEFAULT_5XX', '500'],
  ])('%s answers %s with a SCIM error body in application/scim+json', (type, status) => {
    const response = byType.get(type);

    expect(response?.StatusCode).toBe(status);
    expect(response?.ResponseParameters['gatewayresponse.header.Content-Type']).toBe(`'${SCIM_CONTENT_TYPE}'`);
    for (const contentType of ['application/json', 'application/scim+json']) {
      const body = JSON.parse(response?.ResponseTemplates[contentType] as string);
      expect(body).toEqual({ schemas: [ERROR_SCHEMA], status, detail: expect.any(String) });
      // Templates substitute `$` variables: a detail must not contain one by accident.
      expect(body.detail).not.toContain('$');
      expect(body.detail.length).toBeGreaterThan(20);
    }
  });

  it('tells the admin where the API key goes on 401', () => {
    const body = JSON.parse(byType.get('UNAUTHORIZED')?.ResponseTemplates['application/json'] as string);

    expect(body.detail).toMatch(/API key/);
    expect(body.detail).toMatch(/Authorization header/);
  });

  it('sends a Bearer challenge on 401, the one the local stack sends', () => {
    const header = byType.get('UNAUTHORIZED')?.ResponseParameters['gatewayresponse.header.WWW-Authenticate'];

    expect(header).toBe(`'${AUTHENTICATION_CHALLENGE}'`);
    expect(AUTHENTICATION_CHALLENGE).toMatch(/^Bearer realm="[^"']+"$/);
  });

  it('sends an integer Retry-After on 429', () => {
    const header = byType.get('THROTTLED')?.ResponseParameters['gatewayresponse.header.Retry-After'] as string;

    expect(header).toMatch(/^'\d+'$/);
  });

  it('rewrites every response API Gateway can produce on its own, status codes included', () => {
    // Signature errors come only from the admin API's IAM routes, which answer problem details instead.
    for (const response of responses.filter(
      (candidate) => !['INVALID_SIGNATURE', 'EXPIRED_TOKEN'].includes(candidate.Properties.ResponseType),
    )) {
      expect(response.Properties.StatusCode).toMatch(/^[45]\d\d$/);
      expect(response.Properties.ResponseParameters['gatewayresponse.header.Content-Type']).toBe(
        `'${SCIM_CONTENT_TYPE}'`,
      );
    }
  });
});

describe('ScimApi options', () => {
  function apiStack(props: Partial<ConstructorParameters<typeof ScimApi>[2]> = {}): Stack {
    const testStack = new Stack(new App({ context: { ...CDK_JSON_CONTEXT } }), 'Test');
    const code = lambda.Code.fromInline('exports.handler = async () => ({})');
    const fn = (id: string) =>
      new lambda.Function(testStack, id, { code, handler: 'index.handler', runtime: lambda.Runtime.NODEJS_24_X });
    new ScimApi(testStack, 'Api', { handler: fn('Scim'), authorizerHandler: fn('Auth'), ...props });
    return testStack;
  }

  it('refuses an authorizer cache that, with the 30 s secret cache, would let a revoked token work beyond 60 s', () => {
    const tooLong = Duration.seconds(31);

    const build = () => apiStack({ authorizerCacheTtl: tooLong });

    expect(build).toThrow(/at most 30 seconds/);
  });

  it('accepts an authorizer cache of 30 seconds, which with the secret cache adds up to 60 s', () => {
    const apiTemplate = Template.fromStack(apiStack({ authorizerCacheTtl: Duration.seconds(30) }));

    apiTemplate.hasResourceProperties('AWS::ApiGateway::Authorizer', { AuthorizerResultTtlInSeconds: 30 });
  });

  it('associates the stage with a web ACL when one is given', () => {
    const webAclArn = 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/scim/abc';

    const apiTemplate = Template.fromStack(apiStack({ webAclArn }));

    apiTemplate.hasResourceProperties('AWS::WAFv2::WebACLAssociation', { WebACLArn: webAclArn });
  });

  it('leaves the account-wide logging role alone when asked to', () => {
    const apiTemplate = Template.fromStack(apiStack({ manageCloudWatchRole: false }));

    apiTemplate.resourceCountIs('AWS::ApiGateway::Account', 0);
    apiTemplate.resourceCountIs('AWS::IAM::Role', 2);
  });

  it('takes stage throttling from its props', () => {
    const apiTemplate = Template.fromStack(apiStack({ throttlingRateLimit: 5, throttlingBurstLimit: 10 }));

    apiTemplate.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 })],
    });
  });
});
