import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { assertPortAvailable, PortInUseError } from './ports';

/** Appears on the emulator's command line; lets stale-process cleanup recognise it. */
export const SES_LOCAL_MARKER = 'aws-ses-v2-local';

export interface SesLocalOptions {
  readonly port: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 15000 */
  readonly startTimeoutMs?: number;
  /** Environment variable that sets `port`, named in the error when the port is taken. */
  readonly portEnvVar?: string;
}

export interface SesLocalHandle {
  /** SES API endpoint for the SDK, and the mail viewer in a browser: `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly pid: number;
  /** Stops the emulator (SIGTERM, then SIGKILL); resolves once it exited. Every email it held is gone. */
  stop(): Promise<void>;
}

/** One email as aws-ses-v2-local's `GET /store` lists it. */
export interface StoredEmail {
  readonly messageId: string;
  readonly from: string;
  readonly destination: { readonly to: string[]; readonly cc: string[]; readonly bcc: string[] };
  readonly subject: string;
  readonly body: { readonly html?: string; readonly text?: string };
  readonly headers?: { readonly name: string; readonly value: string }[];
  /** Epoch seconds. */
  readonly at: number;
}

function cliPath(): string {
  return join(dirname(require.resolve('aws-ses-v2-local/package.json')), 'dist', 'cli.js');
}

/**
 * Starts aws-ses-v2-local (a pure-JS SES v1/v2 emulator: `POST /v2/email/outbound-emails` accepts SendEmail, the web
 * page at `/` shows what was sent, `GET /store` lists it as JSON) as a child process, resolved once it answers.
 */
export async function startSesLocal(options: SesLocalOptions): Promise<SesLocalHandle> {
  await assertPortAvailable(options.port, options.portEnvVar);
  const host = options.host ?? '127.0.0.1';
  const endpoint = `http://${host}:${options.port}`;
  const child = spawn(process.execPath, [cliPath(), '--host', host, '--port', String(options.port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('aws-ses-v2-local started without a pid');
  const stop = () => stopChild(child, exited);

  const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
  for (;;) {
    if (child.exitCode !== null) {
      if (/EADDRINUSE/.test(output)) throw new PortInUseError(options.port, options.portEnvVar);
      throw new Error(`aws-ses-v2-local exited during start. Output:\n${output}`);
    }
    if (await answers(`${endpoint}/health-check`)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`aws-ses-v2-local did not answer on ${endpoint}. Output:\n${output}`);
    }
    await sleep(50);
  }
  child.stdout?.off('data', collect);
  child.stderr?.off('data', collect);
  child.stdout?.resume();
  child.stderr?.resume();
  return { endpoint, pid, stop };
}

/** Everything the emulator received since it started (or was cleared). */
export async function readSesStore(endpoint: string): Promise<StoredEmail[]> {
  const response = await fetch(`${endpoint}/store`);
  if (!response.ok) throw new Error(`GET ${endpoint}/store answered ${response.status}`);
  const body = (await response.json()) as { emails: StoredEmail[] };
  return body.emails;
}

export async function clearSesStore(endpoint: string): Promise<void> {
  const response = await fetch(`${endpoint}/clear-store`, { method: 'POST' });
  if (!response.ok) throw new Error(`POST ${endpoint}/clear-store answered ${response.status}`);
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return response.ok;
  } catch {
    return false;
  }
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
