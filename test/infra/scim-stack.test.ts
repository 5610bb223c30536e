import { Match } from 'aws-cdk-lib/assertions';
import { createApp } from '../../bin/app';
import { STACK_NAME } from '../../lambda/contract/deployment';
import type { ScimStack } from '../../lib/scim-stack';
import { actionsOf, logicalIdOf, NO_BUNDLING, rolePermissions, SENDER_EMAIL, synthScimStack } from './support/app';

const { stack, template } = synthScimStack();
const tableIds = {
  users: logicalIdOf(stack.tables.users),
  groups: logicalIdOf(stack.tables.groups),
  licenses: logicalIdOf(stack.tables.licenses),
};
const secretId = logicalIdOf(stack.tokenSecret.secret);

function functionProps(fn: typeof stack.scimFunction) {
  return template.findResources('AWS::Lambda::Function')[logicalIdOf(fn.function)]?.Properties;
}

function permissionsOf(fn: typeof stack.scimFunction) {
  const roleId = (functionProps(fn).Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return rolePermissions(template, roleId);
}

describe('token secret', () => {
  it('is generated at deploy time with at least 256 bits of entropy and retained', () => {
    const secret = template.findResources('AWS::SecretsManager::Secret')[secretId];

    expect(secret?.DeletionPolicy).toBe('Retain');
    expect(secret?.UpdateReplacePolicy).toBe('Retain');
    const generate = secret?.Properties.GenerateSecretString;
    expect(generate).toMatchObject({
      SecretStringTemplate: JSON.stringify({ orgId: 'default' }),
      GenerateStringKey: 'token',
      ExcludePunctuation: true,
    });
    // 62 symbols (letters and digits): log2(62) bits per character.
    expect(generate.PasswordLength * Math.log2(62)).toBeGreaterThanOrEqual(256);
    expect(secret?.Properties.SecretString).toBeUndefined();
  });
});

describe('SES', () => {
  it('creates an email identity for the sender address', () => {
    template.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: SENDER_EMAIL });
  });
});

describe('SCIM function', () => {
  it('gets table names, the default organization and its service name', () => {
    expect(functionProps(stack.scimFunction).Environment.Variables).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      USERS_TABLE: { Ref: tableIds.users },
      GROUPS_TABLE: { Ref: tableIds.groups },
      LICENSES_TABLE: { Ref: tableIds.licenses },
      DEFAULT_ORG_ID: 'default',
      SIGNING_KEY_SECRET_ARN: { Ref: logicalIdOf(stack.licenseSigningKey.secret) },
      POWERTOOLS_SERVICE_NAME: 'scim',
    });
  });

  it('passes the activity log retention from context activityRetentionDays (90 days in the handler by default)', () => {
    const { stack: kept, template: keptTemplate } = synthScimStack({ activityRetentionDays: '30' });

    const props = keptTemplate.findResources('AWS::Lambda::Function')[logicalIdOf(kept.scimFunction.function)];
    expect(props?.Properties.Environment.Variables.ACTIVITY_RETENTION_DAYS).toBe('30');
    expect(() => synthScimStack({ activityRetentionDays: '0' })).toThrow(
      /"activityRetentionDays" must be a positive integer/,
    );
  });

  it('reserves no concurrency by default, so a deploy to a new account with a small quota succeeds', () => {
    expect(functionProps(stack.scimFunction).ReservedConcurrentExecutions).toBeUndefined();
  });

  it.each([
    ['20', 20],
    [5, 5],
  ])('reserves the concurrency that context scimConcurrency %p asks for', (scimConcurrency, expected) => {
    const { stack: capped, template: cappedTemplate } = synthScimStack({ scimConcurrency });

    const props = cappedTemplate.findResources('AWS::Lambda::Function')[logicalIdOf(capped.scimFunction.function)];
    expect(props?.Properties.ReservedConcurrentExecutions).toBe(expected);
  });

  it.each([['0'], ['many'], [2.5]])('rejects scimConcurrency %p', (scimConcurrency) => {
    expect(() => synthScimStack({ scimConcurrency })).toThrow(/"scimConcurrency" must be a positive integer/);
  });

  it('can read and write the three tables and their indexes, and nothing else', () => {
    const { statements } = permissionsOf(stack.scimFunction);
    const dynamo = statements.filter((statement) => actionsOf([statement]).some((a) => a.startsWith('dynamodb:')));

    expect(dynamo).toHaveLength(1);
    expect(actionsOf(dynamo)).toEqual(
      expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']),
    );
    expect(actionsOf(dynamo)).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:ConditionCheckItem']));
    expect(actionsOf(dynamo)).not.toContain('dynamodb:*');
    const resources = JSON.stringify(dynamo[0]?.Resource);
    for (const id of Object.values(tableIds)) expect(resources).toContain(id);
    // Secrets Manager: reading the license signing key only (test/infra/licenses.test.ts).
    expect(actionsOf(statements).every((a) => /^(dynamodb|logs|xray|secretsmanager):/.test(a))).toBe(true);
  });
});

describe('authorizer function', () => {
  it('gets the secret ARN, never its value', () => {
    expect(functionProps(stack.authorizerFunction).Environment.Variables).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      DEFAULT_ORG_ID: 'default',
      TOKEN_SECRET_ARN: { Ref: secretId },
      ORG_SECRET_PREFIX: 'ScimLicensePortal/org-token/',
      POWERTOOLS_SERVICE_NAME: 'scim-authorizer',
      USAGE_KEY_PREFIX: { 'Fn::Join': ['', [{ Ref: 'AWS::StackName' }, '-scim-usage-key-']] },
      LICENSES_TABLE: { Ref: tableIds.licenses },
    });
  });

  it('can only read the token secrets, and the organization items for their throttle slot', () => {
    const { statements } = permissionsOf(stack.authorizerFunction);
    const nonTelemetry = statements.filter(
      (statement) => !actionsOf([statement]).every((a) => /^(logs|xray):/.test(a)),
    );

    expect(nonTelemetry).toEqual([
      {
        Effect: 'Allow',
        Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        Resource: { Ref: secretId },
      },
      // Other organizations' secrets, by name prefix (test/infra/token-rotation.test.ts).
      expect.objectContaining({ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue' }),
      {
        Sid: 'ReadOrganizationThrottleSlots',
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: { 'Fn::GetAtt': [tableIds.licenses, 'Arn'] },
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['ORG#*'] } },
      },
    ]);
  });
});

describe('environment variables', () => {
  it('never resolve a secret into a function configuration', () => {
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      expect(JSON.stringify(fn.Properties.Environment)).not.toMatch(/resolve:secretsmanager|SecretString/);
    }
  });
});

describe('outputs', () => {
  it('give the SCIM base URL below the stage', () => {
    template.hasOutput('ScimBaseUrl', {
      Value: {
        'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('/scim/v2$')])],
      },
    });
  });

  it('give the token secret ARN and the command that reveals the token', () => {
    template.hasOutput('TokenSecretArn', { Value: { Ref: secretId } });
    template.hasOutput('RevealTokenCommand', {
      Description: Match.stringLikeRegexp('"token" field'),
      Value: {
        'Fn::Join': [
          '',
          [
            'aws secretsmanager get-secret-value --secret-id ',
            { Ref: secretId },
            ' --query SecretString --output text',
          ],
        ],
      },
    });
  });
});

describe('app context', () => {
  it('fails with a clear message when senderEmail is missing', () => {
    expect(() => createApp({ context: { ...NO_BUNDLING } })).toThrow(
      /Missing CDK context "senderEmail".*-c senderEmail=/s,
    );
  });

  it('rejects a senderEmail that is not an address', () => {
    expect(() => createApp({ context: { senderEmail: 'licenses', ...NO_BUNDLING } })).toThrow(
      /must be an email address/,
    );
  });

  it.each([
    ['50', 50],
    [50, 50],
    [undefined, undefined],
  ])('reads seats %p as %p', (seats, expected) => {
    const app = createApp({ context: { senderEmail: SENDER_EMAIL, seats, ...NO_BUNDLING } });

    expect((app.node.findChild(STACK_NAME) as ScimStack).seats).toBe(expected);
  });

  it.each([['0'], ['-1'], ['many'], [2.5]])('rejects seats %p', (seats) => {
    expect(() => createApp({ context: { senderEmail: SENDER_EMAIL, seats, ...NO_BUNDLING } })).toThrow(
      /"seats" must be a positive integer/,
    );
  });
});
