/**
 * Cold starts: each Lambda entry bundled the way the CDK construct bundles it (esbuild, CommonJS, minified, source
 * map without sources, AWS SDK inside, ES module builds preferred), then loaded in a fresh Node.js process with the
 * deployed `NODE_OPTIONS=--enable-source-maps`, several times. Each run reports how long `require` of the bundle took
 * (module load: what Lambda's INIT phase spends in our code) and how long the first invocation took after it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

export interface ColdStartRow {
  readonly entry: string;
  readonly kib: number;
  readonly loadMs: number;
  /** CPU time of the load: what a busy machine's waiting for a core does not inflate. */
  readonly loadCpuMs: number;
  /** Undefined when the bench has no first request for this function. */
  readonly firstRequestMs?: number;
  readonly firstRequest?: string;
}

/** A first invocation for a function, and the environment it needs. */
export interface FirstRequest {
  readonly describe: string;
  readonly event: unknown;
}

/** The handler files that export `handler` are the Lambda entry points; the others are shared wiring. */
export function lambdaEntries(): string[] {
  const dir = join(__dirname, '..', 'lambda', 'handlers');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.ts') && /export const handler\b/.test(readFileSync(join(dir, file), 'utf8')))
    .map((file) => join(dir, file));
}

/** Bundles one entry as lib/constructs/service-function.ts does; answers the bundle's path. */
export async function bundleLikeCdk(entry: string, outdir: string): Promise<string> {
  const outfile = join(outdir, 'index.js');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    mainFields: ['module', 'main'],
    logLevel: 'silent',
  });
  return outfile;
}

const CHILD = `
const started = performance.now();
const cpu = process.cpuUsage();
const mod = require(process.env.BENCH_BUNDLE);
const loaded = performance.now();
const used = process.cpuUsage(cpu);
const context = { awsRequestId: 'bench', functionName: 'bench', getRemainingTimeInMillis: () => 10000 };
const event = process.env.BENCH_EVENT ? JSON.parse(process.env.BENCH_EVENT) : undefined;
const report = (extra) => process.stdout.write('\\nBENCH ' + JSON.stringify({ loadMs: loaded - started, loadCpuMs: (used.user + used.system) / 1000, ...extra }) + '\\n');
if (event === undefined) report({});
else Promise.resolve()
  .then(() => mod.handler(event, context))
  .then(() => 'ok', (error) => 'threw ' + (error && error.message))
  .then((outcome) => report({ firstRequestMs: performance.now() - loaded, outcome }));
`;

function runOnce(bundle: string, env: Record<string, string>, event: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--enable-source-maps', '-e', CHILD], {
      env: {
        ...env,
        PATH: process.env.PATH ?? '',
        BENCH_BUNDLE: bundle,
        ...(event !== undefined ? { BENCH_EVENT: JSON.stringify(event) } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', () => {
      clearTimeout(timer);
      const line = /^BENCH (.*)$/m.exec(out)?.[1];
      if (line) resolve(JSON.parse(line));
      else reject(new Error(`cold start run printed no result: ${err.slice(0, 500)}`));
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export async function measureColdStarts(options: {
  readonly runs: number;
  /** The deployed environment of every function (table names, secret ids, endpoints of the emulators). */
  readonly env: Record<string, string>;
  readonly firstRequests: Readonly<Record<string, FirstRequest>>;
}): Promise<ColdStartRow[]> {
  const rows: ColdStartRow[] = [];
  for (const entry of lambdaEntries()) {
    const name = entry.split('/').pop() ?? entry;
    const bundle = await bundleLikeCdk(entry, mkdtempSync(join(tmpdir(), 'bench-bundle-')));
    const first = options.firstRequests[name];
    const loads: number[] = [];
    const loadCpus: number[] = [];
    const firsts: number[] = [];
    let outcome = '';
    for (let run = 0; run < options.runs; run++) {
      const result = await runOnce(bundle, options.env, first?.event);
      loads.push(Number(result.loadMs));
      loadCpus.push(Number(result.loadCpuMs));
      if (result.firstRequestMs !== undefined) firsts.push(Number(result.firstRequestMs));
      outcome = String(result.outcome ?? '');
    }
    rows.push({
      entry: name,
      kib: statSync(bundle).size / 1024,
      loadMs: median(loads),
      loadCpuMs: median(loadCpus),
      ...(firsts.length > 0 ? { firstRequestMs: median(firsts) } : {}),
      ...(first ? { firstRequest: `${first.describe}${outcome && outcome !== 'ok' ? ` (${outcome})` : ''}` } : {}),
    });
  }
  return rows;
}
