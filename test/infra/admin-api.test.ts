import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { PROBLEM_CONTENT_TYPE } from '../../lambda/contract/http';
import { ScimStack } from '../../lib/scim-stack';
import {
  actionsOf,
  CDK_JSON_CONTEXT,
  logicalIdOf,
  NO_BUNDLING,
  rolePermissions,
  SENDER_EMAIL,
  synthScimStack,
} from './support/app';

const { stack, template } = synthScimStack();
const apiId = logicalIdOf(stack.scimApi.api);
const adminFunctionId = logicalIdOf(stack.adminApi.function.function);

function resourceIdOfPath(pathPart: string): string {
  const match = Object.entries(template.findResources('AWS::ApiGateway::Resource')).find(
    ([, resource]) => resource.Properties.PathPart === pathPart,
  );
  if (!match) throw new Error(`no resource ${pathPart}`);
  return match[0];
}

/** `arn:<partition>:execute-api:<region>:<account>:<api>/<stage>/*\/admin/*`, as CloudFormation joins it. */
const ADMIN_INVOKE_ARN = {
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':execute-api:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      ':',
      { Ref: apiId },
      '/',
      { Ref: logicalIdOf(stack.scimApi.stage) },
      '/*/admin/*',
    ],
  ],
};

describe('admin routes', () => {
  it('are /admin/{proxy+}, any method, with IAM authorization and no Lambda authorizer, to the admin function', () => {
    const adminProxy = Object.entries(template.findResources('AWS::ApiGateway::Resource')).find(
      ([, resource]) =>
        resource.Properties.PathPart === '{proxy+}' &&
        JSON.stringify(resource.Properties.ParentId) === JSON.stringify({ Ref: resourceIdOfPath('admin') }),
    );
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).filter(
      (method) => JSON.stringify(method.Properties.ResourceId) === JSON.stringify({ Ref: adminProxy?.[0] }),
    );

    expect(methods).toHaveLength(1);
    expect(methods[0]?.Properties).toMatchObject({ HttpMethod: 'ANY', AuthorizationType: 'AWS_IAM' });
    expect(methods[0]?.Properties.AuthorizerId).toBeUndefined();
    expect(JSON.stringify(methods[0]?.Properties.Integration.Uri)).toContain(adminFunctionId);
  });

  it('are the only IAM methods, and the SCIM authorizer guards none of them', () => {
    const iamMethods = Object.values(template.findResources('AWS::ApiGateway::Method')).filter(
      (method) => method.Properties.AuthorizationType === 'AWS_IAM',
    );

    expect(iamMethods).toHaveLength(1);
    expect(JSON.stringify(iamMethods)).not.toContain('AuthorizerId');
  });

  it('answer signature errors as problem details', () => {
    for (const type of ['INVALID_SIGNATURE', 'EXPIRED_TOKEN']) {
      const [response] = Object.values(template.findResources('AWS::ApiGateway::GatewayResponse')).filter(
        (candidate) => candidate.Properties.ResponseType === type,
      );

      expect(response?.Properties.StatusCode).toBe('403');
      expect(response?.Properties.ResponseParameters['gatewayresponse.header.Content-Type']).toBe(
        `'${PROBLEM_CONTENT_TYPE}'`,
      );
      expect(JSON.parse(response?.Properties.ResponseTemplates['application/json'])).toMatchObject({
        type: 'about:blank',
        title: 'Forbidden',
        status: 403,
      });
    }
  });

  it('print the admin URL and the ARN to grant', () => {
    template.hasOutput('AdminInvokeArn', { Value: ADMIN_INVOKE_ARN });
    template.hasOutput('AdminApiUrl', {});
  });
});

describe('who may invoke the admin API', () => {
  function stackWithPortalRole() {
    const app = new App({ context: { ...CDK_JSON_CONTEXT, ...NO_BUNDLING } });
    const roles = new Stack(app, 'Portal');
    const portalRole = new iam.Role(roles, 'PortalBackend', { assumedBy: new iam.AccountRootPrincipal() });
    const scim = new ScimStack(app, 'Scim', { senderEmail: SENDER_EMAIL, adminPrincipal: portalRole });
    return { scim, portalRole, roles };
  }

  it('grants the adminPrincipal execute-api:Invoke on the admin routes of the stage, and nothing else', () => {
    const { roles, portalRole } = stackWithPortalRole();
    const { statements, managedPolicies } = rolePermissions(Template.fromStack(roles), logicalIdOf(portalRole));

    expect(managedPolicies).toEqual([]);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ Effect: 'Allow', Action: 'execute-api:Invoke' });
    expect(JSON.stringify(statements[0]?.Resource)).toMatch(/\/\*\/admin\/\*"/);
    expect(JSON.stringify(statements[0]?.Resource)).not.toContain('scim');
  });

  it('grants nobody by default', () => {
    const invokers = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
      actionsOf(policy.Properties.PolicyDocument.Statement).includes('execute-api:Invoke'),
    );

    expect(invokers).toEqual([]);
  });

  it('grantInvoke gives another principal the same single statement', () => {
    const { scim } = stackWithPortalRole();
    const operator = new iam.Role(scim, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });

    scim.adminApi.grantInvoke(operator);

    const { statements } = rolePermissions(Template.fromStack(scim), logicalIdOf(operator));
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 'execute-api:Invoke',
        Resource: {
          'Fn::Join': [
            '',
            expect.arrayContaining([':execute-api:', { Ref: logicalIdOf(scim.scimApi.api) }, '/*/admin/*']),
          ],
        },
      },
    ]);
  });
});

describe('admin function', () => {
  it('may manage only the organization secrets under the stack prefix and the default secret', () => {
    const role = template.findResources('AWS::Lambda::Function')[adminFunctionId]?.Properties.Role as
      | { 'Fn::GetAtt': [string, string] }
      | undefined;
    const roleId = role?.['Fn::GetAtt'][0] ?? 'missing';
    const { statements } = rolePermissions(template, roleId);
    const secretStatements = statements.filter((statement) =>
      actionsOf([statement]).some((action) => action.startsWith('secretsmanager:')),
    );

    for (const statement of secretStatements) {
      const resource = JSON.stringify(statement.Resource);
      expect(
        resource === JSON.stringify({ Ref: logicalIdOf(stack.tokenSecret.secret) }) ||
          resource.includes('ScimLicensePortal/org-token/*'),
      ).toBe(true);
    }
    expect(actionsOf(secretStatements)).toEqual(
      expect.arrayContaining(['secretsmanager:CreateSecret', 'secretsmanager:RotateSecret']),
    );
    expect(actionsOf(statements)).not.toContain('secretsmanager:DeleteSecret');
  });
});

describe('CDK context adminRoleArn', () => {
  it('grants that role execute-api:Invoke on the admin routes', () => {
    const roleArn = 'arn:aws:iam::123456789012:role/portal-backend';

    const { template: withRole } = synthScimStack({ adminRoleArn: roleArn });

    const policies = Object.values(withRole.findResources('AWS::IAM::Policy')).filter((policy) =>
      actionsOf(policy.Properties.PolicyDocument.Statement).includes('execute-api:Invoke'),
    );
    expect(policies).toHaveLength(1);
    expect(policies[0]?.Properties.Roles).toEqual(['portal-backend']);
    expect(JSON.stringify(policies[0]?.Properties.PolicyDocument.Statement)).toContain('/*/admin/*');
  });

  it('refuses something that is not a role ARN', () => {
    expect(() => synthScimStack({ adminRoleArn: 'portal-backend' })).toThrow(/must be an IAM role ARN/);
  });

  it('reads the users table only by key and through its userName index, and writes none of it', () => {
    const role = template.findResources('AWS::Lambda::Function')[adminFunctionId]?.Properties.Role as
      | { 'Fn::GetAtt': [string, string] }
      | undefined;
    const { statements } = rolePermissions(template, role?.['Fn::GetAtt'][0] ?? 'missing');
    const usersTableId = logicalIdOf(stack.tables.users);
    const onUsers = statements.filter((statement) => JSON.stringify(statement.Resource).includes(usersTableId));

    expect(onUsers).toEqual([
      expect.objectContaining({
        Sid: 'ReadUserNames',
        Action: expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query']),
        Resource: [
          { 'Fn::GetAtt': [usersTableId, 'Arn'] },
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [usersTableId, 'Arn'] }, '/index/byUserName']] },
        ],
      }),
    ]);
    expect(new Set(actionsOf(onUsers)).size).toBe(3);
  });
});
