import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { createApp } from '../../bin/app';
import { emailTemplatesDigest, loadEmailTemplates } from '../../lambda/adapters/email-template-files';
import { STACK_NAME } from '../../lambda/contract/deployment';
import type { ServiceFunction } from '../../lib/constructs/service-function';
import type { ScimStack } from '../../lib/scim-stack';
import { CDK_JSON_CONTEXT, logicalIdOf, SENDER_EMAIL } from './support/app';

/**
 * The one infra test that runs esbuild, so a broken entry point, an unbundleable import, or a handler that cannot
 * start with the environment the stack gives it fails here rather than after `cdk deploy`.
 */
const EMAIL_TEMPLATES_DIR = path.join(__dirname, '..', '..', 'examples', 'email-templates');

describe('Lambda bundles', () => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'scim-cdk-'));
  let stack: ScimStack;
  let template: Template;

  beforeAll(() => {
    const app = createApp({
      outdir,
      context: {
        ...CDK_JSON_CONTEXT,
        senderEmail: SENDER_EMAIL,
        supportEmail: 'help@example.com',
        emailTemplatesDir: EMAIL_TEMPLATES_DIR,
      },
    });
    stack = app.node.findChild(STACK_NAME) as ScimStack;
    const assembly = app.synth();
    template = Template.fromJSON(
      JSON.parse(readFileSync(assembly.getStackByName(STACK_NAME).templateFullPath, 'utf8')),
    );
  }, 120_000);

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  function functionProperties(fn: ServiceFunction) {
    return template.findResources('AWS::Lambda::Function')[logicalIdOf(fn.function)]?.Properties;
  }

  function bundlePath(fn: ServiceFunction): string {
    const key = functionProperties(fn).Code.S3Key as string;
    return path.join(outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.js');
  }

  /** The function's environment as deployed, with references to other resources replaced by plausible values. */
  function deployedEnvironment(fn: ServiceFunction): Record<string, string> {
    const variables = functionProperties(fn).Environment.Variables as Record<string, unknown>;
    const environment: Record<string, string> = { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1' };
    for (const [name, value] of Object.entries(variables)) {
      environment[name] =
        typeof value === 'string' ? value : `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`;
    }
    return environment;
  }

  /** Runs a script in a fresh Node.js process with only the given environment; returns what it printed. */
  function runNode(script: string, env: Record<string, string>): string {
    return execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8', timeout: 30_000 });
  }

  const functions: Array<[string, (s: ScimStack) => ServiceFunction]> = [
    ['SCIM', (s) => s.scimFunction],
    ['authorizer', (s) => s.authorizerFunction],
    ['admin', (s) => s.adminApi.function],
  ];

  /**
   * Minified bundle sizes (KiB, AWS SDK included) the functions must stay within: module load, most of a cold start,
   * grows with the bundle, so a heavy new import should be a decision, not an accident. `npm run bench` prints the
   * sizes and load times of every function. The SCIM budget went from 600 to 620 KiB when license plans, sorting and
   * group activity records added about 15 KiB of the project's own code (603 KiB then); the AWS SDK and zod are
   * four fifths of the bundle.
   */
  const SIZE_BUDGET_KIB: Record<string, number> = { SCIM: 620, authorizer: 400, admin: 600 };

  it.each(functions)('the %s handler bundles with a source map and the AWS SDK inside', (_name, pick) => {
    const bundle = bundlePath(pick(stack));

    expect(existsSync(bundle)).toBe(true);
    expect(existsSync(`${bundle}.map`)).toBe(true);
    // The optional CRT signer is required lazily inside a try block by the SDK itself; everything else is inlined.
    const external = [...readFileSync(bundle, 'utf8').matchAll(/require\("(@aws-sdk\/[^"]+|@smithy\/[^"]+)"\)/g)]
      .map((match) => match[1])
      .filter((name) => name !== '@aws-sdk/signature-v4-crt');
    expect(external).toEqual([]);
  });

  it.each(functions)('the %s bundle stays within its size budget', (name, pick) => {
    const kib = statSync(bundlePath(pick(stack))).size / 1024;

    expect(kib).toBeLessThanOrEqual(SIZE_BUDGET_KIB[name] ?? 0);
  });

  it.each(functions)('the %s bundle loads with its deployed environment and exports a handler', (_name, pick) => {
    const fn = pick(stack);

    const exported = runNode(
      `process.stdout.write(typeof require(${JSON.stringify(bundlePath(fn))}).handler)`,
      deployedEnvironment(fn),
    );

    expect(exported).toBe('function');
  });

  it.each(functions)('the %s bundle holds no code of the local stack or the tests', (_name, pick) => {
    const bundle = bundlePath(pick(stack));
    const sources = JSON.parse(readFileSync(`${bundle}.map`, 'utf8')).sources as string[];
    const projectRoot = path.resolve(__dirname, '..', '..');
    const ownSources = sources
      .map((source) => path.relative(projectRoot, path.resolve(path.dirname(bundle), source)))
      .filter((source) => !source.includes('node_modules'));

    expect(ownSources).toEqual(expect.arrayContaining([expect.stringMatching(/^lambda\/handlers\//)]));
    expect(ownSources.filter((source) => !source.startsWith('lambda/'))).toEqual([]);
  });

  it('the authorizer, with its deployed environment, refuses a request without an API key as Unauthorized', () => {
    const fn = stack.authorizerFunction;
    const event = {
      type: 'REQUEST',
      methodArn: 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/v1/GET/scim/v2/Users',
      headers: {},
    };
    const context = { awsRequestId: 'test', functionName: 'authorizer' };

    // No API key: the authorizer must answer without calling AWS, so no credentials are needed.
    const outcome = runNode(
      `const { handler } = require(${JSON.stringify(bundlePath(fn))});
       const context = { ...${JSON.stringify(context)}, getRemainingTimeInMillis: () => 5000 };
       handler(${JSON.stringify(event)}, context).then(
         () => console.log('OUTCOME allowed'),
         (error) => console.log('OUTCOME rejected: ' + error.message),
       );`,
      deployedEnvironment(fn),
    );

    // The handler's own JSON logs share stdout; the outcome is the marked line.
    expect(/^OUTCOME (.*)$/m.exec(outcome)?.[1]).toBe('rejected: Unauthorized');
  });

  it('the admin handler, with its deployed environment, refuses a request that carries no IAM caller', () => {
    const fn = stack.adminApi.function;
    const event = {
      resource: '/admin/{proxy+}',
      path: '/admin/organizations',
      httpMethod: 'GET',
      headers: {},
      pathParameters: { proxy: 'organizations' },
      requestContext: { requestId: 'test', path: '/v1/admin/organizations', identity: {} },
    };
    const context = { awsRequestId: 'test', functionName: 'admin' };

    const outcome = runNode(
      `const { handler } = require(${JSON.stringify(bundlePath(fn))});
       const context = { ...${JSON.stringify(context)}, getRemainingTimeInMillis: () => 5000 };
       handler(${JSON.stringify(event)}, context).then(
         (result) => console.log('OUTCOME ' + result.statusCode + ' ' + result.headers['Content-Type']),
         (error) => console.log('OUTCOME failed: ' + error.message),
       );`,
      deployedEnvironment(fn),
    );

    expect(/^OUTCOME (.*)$/m.exec(outcome)?.[1]).toBe('403 application/problem+json');
  });

  it('the mailer bundle carries the email templates its environment names, and no other function does', () => {
    const templates = loadEmailTemplates(EMAIL_TEMPLATES_DIR, { supportEmail: 'help@example.com' });
    const mailer = stack.licenseMailer.function;
    const bundle = readFileSync(bundlePath(mailer), 'utf8');

    expect(bundle).toContain('license key ending in <strong>{{keyHint}}</strong> no longer works.');
    expect(deployedEnvironment(mailer).EMAIL_TEMPLATES_SHA256).toBe(emailTemplatesDigest(templates));
    expect(readFileSync(bundlePath(stack.scimFunction), 'utf8')).not.toContain('{{licenseKey}}');
  });
});
