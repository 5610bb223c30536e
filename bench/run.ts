/**
 * `npm run bench`: the figures the design promises, measured side by side in one run against DynamoDB Local.
 * - each Lambda's bundle size (esbuild, as the CDK stack bundles them);
 * - p50/p95 latency of SCIM requests through the local API Gateway emulation, with the DynamoDB requests each made;
 * - a bare GetItem / PutItem on the same emulator, as the floor those latencies stand on.
 * Timings are for comparison within one run on one machine, not absolute promises.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { build } from 'esbuild';
import { createScimHandler } from '../lambda/handlers/scim';
import { startApiServer } from '../local/api-gateway-adapter';
import { createTables } from '../local/create-tables';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '../local/dynamodb-local';
import { ensureLocalSigningKey, LOCAL_SIGNING_KEY_SECRET_ID } from '../local/license-signing-key';
import { type LocalServiceConfig, localAdapters } from '../local/local-adapters';
import { generateToken, writeLocalSecret } from '../local/local-secrets';
import { findFreePort } from '../local/ports';
import { seedUsers } from '../test/support/seed-users';
import { benchGroups } from './groups';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const GROUP_SIZE = Number(process.env.BENCH_GROUP_SIZE ?? 5000);
// One log line per request would drown the figures.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';

interface Row {
  name: string;
  p50: number;
  p95: number;
  requests: string;
}

async function bundleSizes(): Promise<{ entry: string; kib: number }[]> {
  const dir = join(__dirname, '..', 'lambda', 'handlers');
  // Lambda entry points are the handler files that export `handler`; the others are shared wiring.
  const entries = readdirSync(dir).filter(
    (file) => file.endsWith('.ts') && /export const handler\b/.test(readFileSync(join(dir, file), 'utf8')),
  );
  const sizes = [];
  for (const entry of entries) {
    const result = await build({
      entryPoints: [join(dir, entry)],
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      // ES module builds of the AWS SDK tree-shake far better than its CommonJS ones (the CDK construct does the same).
      mainFields: ['module', 'main'],
      write: false,
      logLevel: 'silent',
    });
    const bytes = result.outputFiles.reduce((sum, file) => sum + file.contents.byteLength, 0);
    sizes.push({ entry, kib: bytes / 1024 });
  }
  return sizes;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function measure(
  name: string,
  rounds: number,
  run: (i: number) => Promise<void>,
  counter: Counter,
): Promise<Row> {
  const times: number[] = [];
  counter.reset();
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await run(i);
    times.push(performance.now() - start);
  }
  return { name, p50: percentile(times, 50), p95: percentile(times, 95), requests: counter.perRound(rounds) };
}

class Counter {
  private counts = new Map<string, number>();

  attach(client: DynamoDBClient): DynamoDBClient {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const name = String(context.commandName).replace(/Command$/, '');
        this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize', name: 'benchCounter' },
    );
    return client;
  }

  reset(): void {
    this.counts.clear();
  }

  total(): number {
    let sum = 0;
    for (const count of this.counts.values()) sum += count;
    return sum;
  }

  perRound(rounds: number): string {
    return [...this.counts.entries()].map(([name, count]) => `${name}×${+(count / rounds).toFixed(2)}`).join(' ');
  }
}

async function main(): Promise<void> {
  console.log('Bundling handlers…');
  const sizes = await bundleSizes();

  const port = await findFreePort();
  const dynamo = await startDynamoDbLocal({ port });
  try {
    const names = { users: 'bench-users', groups: 'bench-groups', licenses: 'bench-licenses' };
    await createTables(dynamo.endpoint, names);
    const secretsDir = mkdtempSync(join(tmpdir(), 'bench-secrets-'));
    const token = generateToken();
    writeLocalSecret(secretsDir, 'bench-token', { orgId: 'default', token });
    const config: LocalServiceConfig = {
      usersTable: names.users,
      groupsTable: names.groups,
      licensesTable: names.licenses,
      defaultOrgId: 'default',
      tokenSecretId: 'bench-token',
      localSecretsDir: secretsDir,
      dynamoEndpoint: dynamo.endpoint,
      region: LOCAL_REGION,
      // Licensing on, as deployed: every create and deactivation also writes a license, a seat and an outbox item.
      signingKeySecretId: LOCAL_SIGNING_KEY_SECRET_ID,
    };
    ensureLocalSigningKey(secretsDir);
    const counter = new Counter();
    const client = counter.attach(
      new DynamoDBClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
    );
    const server = await startApiServer({
      port: 0,
      config,
      scimHandler: createScimHandler(config, { ...localAdapters(config), dynamo: client }),
      authorizerCacheTtlSeconds: 60,
      log: () => {},
    });
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${server.scimBaseUrl}${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (response.status >= 400) throw new Error(`${method} ${path} → ${response.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    };

    const user = (i: number, prefix: string) => ({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: `${prefix}.${i}@example.com`,
      name: { givenName: 'Bench', familyName: `User ${i}` },
      emails: [{ value: `${prefix}.${i}@example.com`, type: 'work', primary: true }],
      externalId: `ext-${prefix}-${i}`,
      active: true,
    });
    const ids: string[] = [];
    const rows: Row[] = [];
    rows.push(
      await measure(
        'POST /Users',
        ROUNDS,
        async (i) => {
          ids.push((await call('POST', '/Users', user(i, 'bench'))).id);
        },
        counter,
      ),
    );
    rows.push(
      await measure('GET /Users/{id}', ROUNDS, async (i) => void (await call('GET', `/Users/${ids[i]}`)), counter),
    );
    rows.push(
      await measure(
        'GET /Users?filter=userName eq',
        ROUNDS,
        async (i) =>
          void (await call('GET', `/Users?filter=${encodeURIComponent(`userName eq "bench.${i}@example.com"`)}`)),
        counter,
      ),
    );
    rows.push(
      await measure(
        'PATCH /Users/{id} (deactivate)',
        ROUNDS,
        async (i) =>
          void (await call('PATCH', `/Users/${ids[i]}`, {
            schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
            Operations: [{ op: 'replace', value: { active: false } }],
          })),
        counter,
      ),
    );
    const pages = Math.floor(ROUNDS / 100);
    rows.push(
      await measure(
        'GET /Users?startIndex=…&count=100 (import)',
        pages,
        async (i) => void (await call('GET', `/Users?startIndex=${i * 100 + 1}&count=100`)),
        counter,
      ),
    );

    const bare = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    const bareCounter = new Counter();
    bareCounter.attach(bare);
    rows.push(
      await measure(
        'bare PutItem',
        ROUNDS,
        async (i) =>
          void (await bare.send(
            new PutItemCommand({ TableName: names.users, Item: { pk: { S: `bare#${i}` }, sk: { S: 'X' } } }),
          )),
        bareCounter,
      ),
    );
    rows.push(
      await measure(
        'bare GetItem',
        ROUNDS,
        async (i) =>
          void (await bare.send(
            new GetItemCommand({ TableName: names.users, Key: { pk: { S: `bare#${i}` }, sk: { S: 'X' } } }),
          )),
        bareCounter,
      ),
    );

    console.log(`Pushing a ${GROUP_SIZE}-member group…`);
    counter.reset();
    const groupFigures = await benchGroups({
      baseUrl: server.scimBaseUrl,
      token,
      groupSize: GROUP_SIZE,
      dynamoRequestCount: () => counter.total(),
      request: async (method, path, body) => {
        const response = await fetch(`${server.scimBaseUrl}${path}`, {
          method,
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await response.text();
        return { status: response.status, body: text ? JSON.parse(text) : undefined };
      },
      createUsers: (count) =>
        seedUsers({ dynamo: client, usersTable: names.users, orgId: 'default', count, prefix: 'bench.member' }),
    });

    console.log('\nLambda bundles (esbuild, minified, AWS SDK included)');
    for (const { entry, kib } of sizes) console.log(`  ${entry.padEnd(28)} ${kib.toFixed(1).padStart(8)} KiB`);
    console.log(`\nLatency through the local API Gateway emulation (${ROUNDS} rounds; DynamoDB Local on this machine)`);
    console.log(
      `  ${'operation'.padEnd(44)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)}  DynamoDB requests per call`,
    );
    for (const row of rows) {
      console.log(
        `  ${row.name.padEnd(44)} ${row.p50.toFixed(2).padStart(8)} ${row.p95.toFixed(2).padStart(8)}  ${row.requests}`,
      );
    }
    console.log(`\nLarge group (${GROUP_SIZE} members, 100 per PATCH)`);
    for (const [name, value] of Object.entries(groupFigures)) console.log(`  ${name.padEnd(44)} ${value}`);
    await server.close();
  } finally {
    await dynamo.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
