import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { STACK_NAME } from '../lambda/contract/deployment';
import { ADMIN_BASE_PATH } from '../lambda/contract/routes';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/dynamodb-local';
import { localStackSettingsFromEnv } from '../local/local-stack';
import { httpAdminClient } from './admin-client';
import type { Target, Values } from './command';
import { describeFailure } from './output';

/**
 * Where the admin commands act: always the admin API, of a deployed stack (signed with the operator's AWS
 * credentials) or, with `--local`, of the local stack of `npm start` (signed with the fixed local credentials).
 */

/** Where the deployed admin API is when neither --url nor the stack's outputs say (e.g. without CloudFormation access). */
export const ADMIN_API_URL_ENV = 'ADMIN_API_URL';

/** The stack output naming the admin API (see lib/scim-stack.ts). */
export const ADMIN_API_URL_OUTPUT = 'AdminApiUrl';

/** The local stack: its gateway on PORT verifies signatures made with the local credentials. */
export function localTarget(env: NodeJS.ProcessEnv = process.env): Target {
  const { port } = localStackSettingsFromEnv(env);
  return {
    description: `the local stack on port ${port}`,
    api: httpAdminClient({
      baseUrl: `http://localhost:${port}${ADMIN_BASE_PATH}`,
      region: LOCAL_REGION,
      credentials: async () => LOCAL_CREDENTIALS,
      unreachable: (cause) =>
        new Error(`local stack not running on port ${port}, start it with npm start (and the same PORT)`, { cause }),
    }),
    rotationHint: 'the local stack rotates tokens only through `token rotate`',
  };
}

/**
 * A deployed stack's admin API: the URL from --url, else ADMIN_API_URL, else the stack's AdminApiUrl output; the
 * credentials and region from the AWS SDK's default chain (environment, profile, SSO, instance role).
 */
export async function awsTarget(values: Values, env: NodeJS.ProcessEnv = process.env): Promise<Target> {
  const stackName = values.stack ?? STACK_NAME;
  // The client resolves the SDK's default credential chain and region; it only calls CloudFormation for the URL.
  const cloudFormation = new CloudFormationClient({ ...(values.region ? { region: values.region } : {}) });
  try {
    const given = values.url ?? env[ADMIN_API_URL_ENV];
    const baseUrl = given ? withAdminPath(given) : await stackAdminUrl(cloudFormation, stackName, values.region);
    const region = values.region ?? regionOfUrl(baseUrl) ?? (await defaultRegion(cloudFormation));
    const credentials = cloudFormation.config.credentials;
    return {
      description: given ? `the admin API at ${baseUrl}` : `stack ${stackName} in ${region}`,
      api: httpAdminClient({
        baseUrl,
        region,
        credentials: async () => {
          try {
            return await credentials();
          } catch (error) {
            throw new Error(
              `no AWS credentials (${describeFailure(error)}): set AWS_PROFILE or sign in with \`aws sso login\``,
              { cause: error },
            );
          }
        },
        unreachable: (cause) =>
          new Error(`cannot reach the admin API at ${baseUrl} (${describeFailure(causeOf(cause))})`, { cause }),
      }),
      rotationHint:
        'attach it with `aws secretsmanager rotate-secret --secret-id <secret> --rotation-lambda-arn ' +
        '<the stack output TokenRotationFunctionArn> --no-rotate-immediately`',
    };
  } finally {
    // Credentials resolved by the client stay usable after it is destroyed; only its connections close.
    cloudFormation.destroy();
  }
}

async function stackAdminUrl(client: CloudFormationClient, stackName: string, region?: string): Promise<string> {
  let outputs: Record<string, string | undefined>;
  try {
    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((output) => [output.OutputKey, output.OutputValue]));
  } catch (error) {
    throw new Error(
      `cannot read stack ${stackName}${region ? ` in ${region}` : ''} (${describeFailure(error)}): check your AWS ` +
        `credentials and region, pass --stack/--region or --url (or ${ADMIN_API_URL_ENV}), or use --local for the local stack`,
      { cause: error },
    );
  }
  const url = outputs[ADMIN_API_URL_OUTPUT];
  if (!url) {
    throw new Error(
      `stack ${stackName} has no output ${ADMIN_API_URL_OUTPUT}: deploy this version with \`npm run deploy\`, or pass --url`,
    );
  }
  return withAdminPath(url);
}

/** The AdminApiUrl output ends in /admin; a URL given by hand may be the API's (stage) URL. */
export function withAdminPath(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith(ADMIN_BASE_PATH) ? trimmed : `${trimmed}${ADMIN_BASE_PATH}`;
}

/** `https://abc123.execute-api.eu-west-1.amazonaws.com/v1/admin` is in eu-west-1; a custom domain says nothing. */
export function regionOfUrl(url: string): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(new URL(url).hostname)?.[1];
}

async function defaultRegion(client: CloudFormationClient): Promise<string> {
  try {
    return await client.config.region();
  } catch (error) {
    throw new Error('no AWS region: pass --region or set AWS_REGION', { cause: error });
  }
}

function causeOf(error: unknown): unknown {
  return error instanceof Error && error.cause !== undefined ? error.cause : error;
}
