import { Match } from 'aws-cdk-lib/assertions';
import { actionsOf, logicalIdOf, rolePermissions, type Statement, synthScimStack } from './support/app';

const ORG_SECRETS_ARN = {
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':secretsmanager:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      ':secret:ScimLicensePortal/org-token/*',
    ],
  ],
};

function statementsOn(statements: readonly Statement[], resource: unknown): Statement[] {
  return statements.filter((statement) => JSON.stringify(statement.Resource) === JSON.stringify(resource));
}

describe('token rotation', () => {
  it('attaches the rotation Lambda to the default secret without a schedule and never rotates on deploy', () => {
    const { stack, template } = synthScimStack();

    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 1);
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: logicalIdOf(stack.tokenSecret.secret) },
      RotationLambdaARN: { 'Fn::GetAtt': [logicalIdOf(stack.tokenRotation.function.function), 'Arn'] },
      RotateImmediatelyOnUpdate: false,
      RotationRules: Match.absent(),
    });
  });

  it('schedules rotation every tokenRotationDays when that context is set', () => {
    const { template } = synthScimStack({ tokenRotationDays: '30' });

    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
      RotateImmediatelyOnUpdate: false,
    });
  });

  it('passes the grace period from tokenGraceHours, 72 hours by default', () => {
    const defaults = synthScimStack();
    const custom = synthScimStack({ tokenGraceHours: '12' });

    const graceOf = (result: ReturnType<typeof synthScimStack>) =>
      result.template.findResources('AWS::Lambda::Function')[logicalIdOf(result.stack.tokenRotation.function.function)]
        ?.Properties.Environment.Variables.TOKEN_GRACE_HOURS;
    expect(graceOf(defaults)).toBe('72');
    expect(graceOf(custom)).toBe('12');
  });

  it.each([
    [{ tokenGraceHours: '-1' }, 'tokenGraceHours'],
    [{ tokenRotationDays: '0' }, 'tokenRotationDays'],
  ])('refuses the context %j', (context, key) => {
    expect(() => synthScimStack(context)).toThrow(key);
  });

  it('lets the rotation Lambda change the default secret and the organization secrets, nothing else', () => {
    const { stack, template } = synthScimStack();
    const roleId = logicalIdOf(stack.tokenRotation.function.function.role!);

    const { statements } = rolePermissions(template, roleId);

    const rotationActions = [
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
    ];
    expect(actionsOf(statementsOn(statements, ORG_SECRETS_ARN)).sort()).toEqual(rotationActions);
    expect(actionsOf(statementsOn(statements, { Ref: logicalIdOf(stack.tokenSecret.secret) })).sort()).toEqual(
      rotationActions,
    );
    expect(actionsOf(statementsOn(statements, '*')).filter((action) => action.startsWith('secretsmanager:'))).toEqual([
      'secretsmanager:GetRandomPassword',
    ]);
  });

  it("lets Secrets Manager invoke the rotation Lambda for this account's secrets only", () => {
    const { stack, template } = synthScimStack();
    const rotationArn = { 'Fn::GetAtt': [logicalIdOf(stack.tokenRotation.function.function), 'Arn'] };

    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).filter(
      (permission) => JSON.stringify(permission.Properties.FunctionName) === JSON.stringify(rotationArn),
    );

    expect(permissions.map((permission) => permission.Properties)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        Principal: 'secretsmanager.amazonaws.com',
        FunctionName: rotationArn,
        SourceAccount: { Ref: 'AWS::AccountId' },
      },
    ]);
  });
});

describe('authorizer and organization secrets', () => {
  it('reads only the current value of the organization secrets under the stack prefix, and knows the prefix', () => {
    const { stack, template } = synthScimStack();
    const roleId = logicalIdOf(stack.authorizerFunction.function.role!);

    const { statements } = rolePermissions(template, roleId);
    const fn = template.findResources('AWS::Lambda::Function')[logicalIdOf(stack.authorizerFunction.function)];

    expect(actionsOf(statementsOn(statements, ORG_SECRETS_ARN))).toEqual(['secretsmanager:GetSecretValue']);
    const secretActions = actionsOf(statements).filter((action) => action.startsWith('secretsmanager:'));
    expect([...new Set(secretActions)].sort()).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ]);
    expect(fn?.Properties.Environment.Variables.ORG_SECRET_PREFIX).toBe('ScimLicensePortal/org-token/');
  });

  it('keeps API Gateway authorizer answers for at most 30 s, so with the secret cache a revoked key ends within 60 s', () => {
    const { template } = synthScimStack();

    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      AuthorizerResultTtlInSeconds: Match.anyValue(),
    });
    const [authorizer] = Object.values(template.findResources('AWS::ApiGateway::Authorizer'));
    expect(authorizer?.Properties.AuthorizerResultTtlInSeconds).toBeLessThanOrEqual(30);
  });

  it('outputs what the admin command line reads', () => {
    const { template } = synthScimStack();

    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;

    expect(outputs.OrgTokenSecretPrefix?.Value).toBe('ScimLicensePortal/org-token/');
    for (const name of [
      'ScimBaseUrl',
      'TokenSecretArn',
      'TokenRotationFunctionArn',
      'UsersTableName',
      'LicensesTableName',
    ]) {
      expect(outputs[name]).toBeDefined();
    }
  });
});
