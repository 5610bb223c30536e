import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DYNAMODB_LOCAL_MARKER, startDynamoDbLocal } from '../../local/dynamodb-local';
import { killOnExit, killStaleProcess, removePidFile, writePidFile } from '../../local/pid-file';
import { findFreePort } from '../../local/ports';
import { motoUnavailableReason } from './moto';
import { sesLocalEmulator } from './ses-local';

/**
 * The emulators one jest run shares. Each starts on a free port, hands its address to the tests through environment
 * variables (jest's global setup runs in the parent process; in-band tests and workers both see its environment),
 * and is recorded in a pid file so a run that died cannot leave it behind.
 * aws-ses-v2-local exports SES_ENDPOINT (test/support/ses-local.ts).
 * moto_server is started per test file (test/support/moto.ts); the setup only checks that a CI run has it.
 */
export interface TestEmulator {
  readonly name: string;
  /** Appears on the process's command line; guards the stale-process cleanup against reused pids. */
  readonly marker: string;
  /** Resolves undefined when the emulator is optional and cannot run here (tests needing it skip with a message). */
  start(): Promise<RunningEmulator | undefined>;
}

export interface RunningEmulator {
  readonly pid: number;
  /** Exported to the tests, e.g. `DYNAMODB_ENDPOINT`. */
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

export const EMULATOR_PID_DIR = join(__dirname, '..', '..', '.test-emulators');

export const testEmulators: readonly TestEmulator[] = [
  {
    name: 'dynamodb',
    marker: DYNAMODB_LOCAL_MARKER,
    async start() {
      const dynamoDb = await startDynamoDbLocal({ port: await findFreePort() });
      return { pid: dynamoDb.pid, env: { DYNAMODB_ENDPOINT: dynamoDb.endpoint }, stop: () => dynamoDb.stop() };
    },
  },
  sesLocalEmulator,
];

interface StartedEmulator {
  readonly emulator: TestEmulator;
  readonly running: RunningEmulator;
  readonly cancelKillOnExit: () => void;
}

/** One file per jest process: several runs in one checkout (engineers, CI retries) must not clobber each other. */
const pidFile = (emulator: TestEmulator) => join(EMULATOR_PID_DIR, `${emulator.name}-${process.pid}.pid`);

function pidFilesOf(emulator: TestEmulator): string[] {
  try {
    const pattern = new RegExp(`^${emulator.name}-\\d+\\.pid$`);
    return readdirSync(EMULATOR_PID_DIR)
      .filter((name) => pattern.test(name))
      .map((name) => join(EMULATOR_PID_DIR, name));
  } catch {
    return [];
  }
}

/** Starts every emulator (in parallel: DynamoDB Local alone takes seconds) and exports their addresses. */
export async function startTestEmulators(env: NodeJS.ProcessEnv = process.env): Promise<StartedEmulator[]> {
  for (const emulator of testEmulators) {
    // Emulators of runs still going are left alone; those of runs that died are killed.
    for (const file of pidFilesOf(emulator)) {
      const outcome = await killStaleProcess(file, emulator.marker);
      if (outcome.kind === 'killed')
        console.warn(`killed ${emulator.name} (pid ${outcome.pid}) left by an earlier run`);
    }
  }
  const results = await Promise.allSettled(testEmulators.map((emulator) => emulator.start()));
  const started: StartedEmulator[] = [];
  results.forEach((result, index) => {
    const emulator = testEmulators[index]!;
    if (result.status !== 'fulfilled' || !result.value) return;
    writePidFile(pidFile(emulator), { owner: process.pid, pid: result.value.pid });
    started.push({ emulator, running: result.value, cancelKillOnExit: killOnExit(result.value.pid) });
    Object.assign(env, result.value.env);
  });
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) {
    await stopTestEmulators(started);
    throw failure.reason;
  }
  return started;
}

export async function stopTestEmulators(started: readonly StartedEmulator[]): Promise<void> {
  await Promise.all(
    started.map(async ({ emulator, running, cancelKillOnExit }) => {
      await running.stop();
      cancelKillOnExit();
      removePidFile(pidFile(emulator));
    }),
  );
}

type StartedEmulators = Awaited<ReturnType<typeof startTestEmulators>>;
const globals = globalThis as typeof globalThis & { __testEmulators?: StartedEmulators };

/**
 * Starts the shared emulators once per jest run, in jest's parent process, and points the AWS SDK at fake
 * credentials so no test can reach a real AWS account through a developer's profile.
 */
export default async function globalSetup(): Promise<void> {
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  process.env.AWS_REGION = 'us-east-1';
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
  // Handlers log every request as JSON on stdout; keep failures visible and the rest out of the test output.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  // Under CI this throws before any emulator starts, so a missing moto_server fails the run at once.
  motoUnavailableReason();
  globals.__testEmulators = await startTestEmulators();
}

/** For the global teardown: globals set in the global setup are visible there (same process), not in tests. */
export async function stopStartedTestEmulators(): Promise<void> {
  const started = globals.__testEmulators ?? [];
  globals.__testEmulators = undefined;
  await stopTestEmulators(started);
}
