import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ServiceFunction } from '../../lib/constructs/service-function';
import { actionsOf, CDK_JSON_CONTEXT, NO_BUNDLING, rolePermissions, synthScimStack } from './support/app';

describe('every Lambda function of the stack', () => {
  const { template } = synthScimStack();
  const functions = Object.entries(template.findResources('AWS::Lambda::Function'));
  const logGroups = template.findResources('AWS::Logs::LogGroup');

  it('is the SCIM handler, the authorizer, the token rotation, the license mailer, the license events publisher, the email feedback recorder, the license validation and the admin API, nothing else (no CDK helper functions)', () => {
    expect(functions.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'AdminApiFunction',
      'AuthorizerFunction',
      'LicenseEventsFeedbackRecorderFunction',
      'LicenseEventsPublisherFunction',
      'LicenseMailerFunction',
      'LicenseValidationFunction',
      'ScimHandlerFunction',
      'TokenRotationFunction',
    ]);
  });

  /** Functions that are no API Gateway integration have time for retries: the mailer for SES and its backoff, the
   * events publisher for PutEvents batches of a whole stream batch. */
  const TIMEOUT_SECONDS: Record<string, number> = { LicenseMailer: 60, LicenseEventsPublisher: 30 };
  const timeoutOf = (id: string) =>
    Object.entries(TIMEOUT_SECONDS).find(([prefix]) => id.startsWith(prefix))?.[1] ?? 10;

  it.each(functions)('%s runs the newest Node.js LTS on ARM64 with active tracing and source maps', (id, fn) => {
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      MemorySize: 512,
      Timeout: timeoutOf(id),
      Handler: 'index.handler',
      Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps' } },
    });
  });

  it.each(functions)('%s logs to its own log group, kept for 30 days', (_id, fn) => {
    const logGroupRef = fn.Properties.LoggingConfig.LogGroup as { Ref: string };
    const logGroup = logGroups[logGroupRef.Ref];

    expect(logGroup?.Properties.RetentionInDays).toBe(30);
  });

  it.each(functions)('%s has a role with no managed policy and log writes limited to its log group', (_id, fn) => {
    const roleLogicalId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const logGroupLogicalId = (fn.Properties.LoggingConfig.LogGroup as { Ref: string }).Ref;

    const { statements, managedPolicies } = rolePermissions(template, roleLogicalId);

    expect(managedPolicies).toEqual([]);
    const logStatements = statements.filter((statement) => actionsOf([statement]).some((a) => a.startsWith('logs:')));
    expect(logStatements).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logGroupLogicalId, 'Arn'] },
      },
    ]);
  });
});

describe('ServiceFunction', () => {
  it('lets a function override memory, timeout and log retention', () => {
    const stack = new Stack(new App({ context: { ...CDK_JSON_CONTEXT, ...NO_BUNDLING } }), 'Test');

    new ServiceFunction(stack, 'Fn', {
      // Any existing TypeScript file will do: nothing is bundled.
      entry: path.join(__dirname, 'support', 'app.ts'),
      memorySize: 1024,
      timeout: Duration.seconds(3),
      logRetention: logs.RetentionDays.ONE_WEEK,
      environment: { TABLE: 'name' },
    });

    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 1024,
      Timeout: 3,
      Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps', TABLE: 'name' } },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });
});
