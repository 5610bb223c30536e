import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb-local';
import { findFreePort } from '../../local/ports';

/** Where `moto_server` is on PATH, or undefined. Checked synchronously so a test file can choose its suites at load time. */
export function findMotoServer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const directory of (env.PATH ?? '').split(delimiter)) {
    if (!directory) continue;
    const candidate = join(directory, 'moto_server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

/** True when the run is a CI build (CI=true, as GitHub Actions, GitLab and most CI services set it). */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = (env.CI ?? '').trim().toLowerCase();
  return value !== '' && value !== 'false' && value !== '0';
}

/**
 * Why the Secrets Manager emulator cannot run here, or undefined when it can. On a developer machine the Secrets
 * Manager tests then say they did not run; under CI a missing emulator throws instead, because a build that skips the
 * token rotation tests would pass without having tested them.
 */
export function motoUnavailableReason(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.SECRETS_MANAGER_ENDPOINT) return undefined;
  if (findMotoServer(env)) return undefined;
  const reason =
    'moto_server is not on PATH: install it with `pip install "moto[server]==5.2.1"` to run the Secrets Manager tests';
  if (isCi(env)) throw new Error(`${reason}; under CI (CI=${env.CI}) these tests are required, not skipped`);
  return reason;
}

export interface MotoServer {
  readonly endpoint: string;
  readonly client: SecretsManagerClient;
  stop(): Promise<void>;
}

/**
 * A Secrets Manager emulator for one test file: the one the global setup exported (SECRETS_MANAGER_ENDPOINT), else a
 * `moto_server` started here on a free port, in its own process group so stopping it also stops the Python process
 * behind a version manager's shim.
 */
export async function startMoto(timeoutMs = 30_000): Promise<MotoServer> {
  const shared = process.env.SECRETS_MANAGER_ENDPOINT;
  if (shared) {
    const client = motoClient(shared);
    return { endpoint: shared, client, stop: async () => client.destroy() };
  }
  const executable = findMotoServer();
  if (!executable) throw new Error(motoUnavailableReason());
  const port = await findFreePort();
  const child = spawn(executable, ['-H', '127.0.0.1', '-p', String(port)], { detached: true, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = motoClient(endpoint);
  const stop = async () => {
    client.destroy();
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await client.send(new ListSecretsCommand({}));
      return { endpoint, client, stop };
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`moto_server did not answer on ${endpoint}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

export function motoClient(endpoint: string): SecretsManagerClient {
  return new SecretsManagerClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}
