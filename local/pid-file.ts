import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Child processes (java) outlive a parent killed with SIGKILL or a crashed jest run. Each child's pid is recorded
 * with its owner's pid, so the next start can kill a leftover whose owner is gone, and refuse to touch one whose
 * owner is still running (another local stack using the same folder).
 */
export interface PidRecord {
  /** The node process that started the child. */
  readonly owner: number;
  readonly pid: number;
}

export function writePidFile(path: string, record: PidRecord): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(record)}\n`);
}

export function readPidFile(path: string): PidRecord | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<PidRecord>;
    if (typeof parsed.owner === 'number' && typeof parsed.pid === 'number')
      return { owner: parsed.owner, pid: parsed.pid };
  } catch {
    // Missing or from an older format: nothing to clean up.
  }
  return undefined;
}

export function removePidFile(path: string): void {
  rmSync(path, { force: true });
}

export type StaleProcessOutcome =
  | { readonly kind: 'none' }
  | { readonly kind: 'killed'; readonly pid: number }
  | { readonly kind: 'owned-by-live-process'; readonly owner: number; readonly pid: number };

/**
 * Kills the child recorded in `path` when its owner is gone, the child still runs, and its command line contains
 * `marker` (so a pid reused by an unrelated process is left alone).
 */
export async function killStaleProcess(path: string, marker: string): Promise<StaleProcessOutcome> {
  const record = readPidFile(path);
  if (!record) return { kind: 'none' };
  const childAlive = isRunning(record.pid) && (commandLineOf(record.pid)?.includes(marker) ?? false);
  if (!childAlive) {
    removePidFile(path);
    return { kind: 'none' };
  }
  if (record.owner !== process.pid && isRunning(record.owner)) {
    return { kind: 'owned-by-live-process', owner: record.owner, pid: record.pid };
  }
  try {
    process.kill(record.pid, 'SIGKILL');
  } catch {
    // Exited meanwhile.
  }
  // SIGKILL is asynchronous: wait until the port and files it held are free again.
  const deadline = Date.now() + 5_000;
  while (isRunning(record.pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  removePidFile(path);
  return { kind: 'killed', pid: record.pid };
}

/** True while the process exists and is not a zombie (a zombie holds no ports or files any more). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    // A killed JVM's main thread turns zombie before its other threads have exited and released its sockets.
    return state !== 'Z' || readdirSync(`/proc/${pid}/task`).length > 1;
  } catch {
    // No procfs (macOS): signal 0 succeeding is all we know.
    return true;
  }
}

function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    try {
      // No procfs (macOS).
      return execFileSync('ps', ['-p', String(pid), '-o', 'command='], { encoding: 'utf8' });
    } catch {
      return undefined;
    }
  }
}

/**
 * Last-resort cleanup when the owner exits without running its shutdown code (an uncaught exception, a
 * `process.exit()`): 'exit' handlers run synchronously, so the child is killed without waiting for it.
 */
export function killOnExit(pid: number): () => void {
  const kill = () => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  process.once('exit', kill);
  return () => process.off('exit', kill);
}
