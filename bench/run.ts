/**
 * `npm run bench`: the figures the design promises, measured side by side in one run against DynamoDB Local.
 * - per kind of SCIM request through the local API Gateway emulation: p50/p95 latency, the DynamoDB requests it made,
 *   how many round trips it waited for in sequence, the capacity units it consumed, and the SCIM handler's own CPU
 *   time apart from the emulation's;
 * - a bare GetItem / PutItem on the same emulator, the floor those latencies stand on, and the ratios to it;
 * - cold starts: each Lambda bundled as the CDK stack bundles it, loaded in fresh Node.js processes;
 * - a bounded load run of concurrent Okta-like clients;
 * - the AWS cost of a million requests of each kind and of a month of a 10,000-user organization;
 * - the steps of a large group push;
 * - a whole organization pushed and imported end to end (bench/bulk.ts), on a fresh stack of its own.
 * Timings are for comparison within one run on one machine, not absolute promises.
 *
 * Environment: BENCH_ROUNDS (200), BENCH_COLD_RUNS (5), BENCH_LOAD_CLIENTS (8), BENCH_LOAD_SECONDS (10, 0 skips the
 * load run), BENCH_GROUP_SIZE (5000, 0 skips the group push), BENCH_BULK_USERS (10000, 0 skips the whole-organization
 * push and import), BENCH_BULK_CONCURRENCY (5).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AttributeValue,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { createScimHandler } from '../lambda/handlers/scim';
import { startApiServer } from '../local/api-gateway-adapter';
import { createTables } from '../local/create-tables';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '../local/dynamodb-local';
import { ensureLocalSigningKey, LOCAL_SIGNING_KEY_SECRET_ID } from '../local/license-signing-key';
import { type LocalServiceConfig, localAdapters } from '../local/local-adapters';
import { generateToken, writeLocalSecret } from '../local/local-secrets';
import { findFreePort } from '../local/ports';
import { DynamoRequestLog } from '../test/support/dynamodb-request-log';
import { seedMemberships, seedUsers } from '../test/support/seed-users';
import { bulkConcurrencyFromEnv, bulkUsersFromEnv, printBulk, runBulkBench } from './bulk';
import { type ColdStartRow, measureColdStarts } from './cold-start';
import { costOf, monthlyCost, type RequestProfile, TEN_THOUSAND_USERS } from './cost';
import { benchGroups } from './groups';
import { type LoadResult, runLoad } from './load';
import { PRICES_AS_OF } from './prices';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
/** Users of the organization a `co` filter reads through (the evaluation bound is 10,000). */
const CO_FILTER_USERS = Number(process.env.BENCH_CO_USERS ?? 9_900);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 5);
const LOAD_CLIENTS = Number(process.env.BENCH_LOAD_CLIENTS ?? 8);
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 10);
const GROUP_SIZE = Number(process.env.BENCH_GROUP_SIZE ?? 5000);
const BULK_USERS = bulkUsersFromEnv();
// One log line per request would drown the figures.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

interface Row {
  readonly name: string;
  readonly p50: number;
  readonly p95: number;
  /** DynamoDB requests per call, by command. */
  readonly requests: string;
  readonly requestsPerCall: number;
  /** Round trips waited for in sequence, per call (mean, and the most any call needed). */
  readonly roundTrips: number;
  readonly maxRoundTrips: number;
  readonly readUnits: number;
  readonly writeUnits: number;
  /** Median CPU time inside the SCIM handler, and in everything else of the process (gateway emulation, client). */
  readonly handlerCpuMs?: number;
  readonly otherCpuMs?: number;
  /** Median wall time inside the SCIM handler. */
  readonly handlerMs?: number;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** CPU and wall time the SCIM handler spends, collected per call by wrapping the handler the gateway invokes. */
class HandlerMeter {
  cpuMs: number[] = [];
  wallMs: number[] = [];

  wrap<R>(handler: (event: APIGatewayProxyEvent) => Promise<R>): (event: APIGatewayProxyEvent) => Promise<R> {
    return async (event) => {
      const cpu = process.cpuUsage();
      const start = performance.now();
      try {
        return await handler(event);
      } finally {
        this.wallMs.push(performance.now() - start);
        const used = process.cpuUsage(cpu);
        this.cpuMs.push((used.user + used.system) / 1000);
      }
    };
  }

  reset(): void {
    this.cpuMs = [];
    this.wallMs = [];
  }
}

async function measure(
  name: string,
  rounds: number,
  run: (i: number) => Promise<void>,
  log: DynamoRequestLog,
  meter?: HandlerMeter,
): Promise<Row> {
  const times: number[] = [];
  const handlerCpu: number[] = [];
  const otherCpu: number[] = [];
  const handlerWall: number[] = [];
  const commands = new Map<string, number>();
  let trips = 0;
  let maxTrips = 0;
  let read = 0;
  let write = 0;
  for (let i = 0; i < rounds; i++) {
    log.reset();
    meter?.reset();
    const cpu = process.cpuUsage();
    const start = performance.now();
    await run(i);
    times.push(performance.now() - start);
    const used = process.cpuUsage(cpu);
    if (meter) {
      const inHandler = meter.cpuMs.reduce((sum, ms) => sum + ms, 0);
      handlerCpu.push(inHandler);
      otherCpu.push((used.user + used.system) / 1000 - inHandler);
      handlerWall.push(meter.wallMs.reduce((sum, ms) => sum + ms, 0));
    }
    for (const [command, count] of Object.entries(log.byCommand())) {
      commands.set(command, (commands.get(command) ?? 0) + count);
    }
    const roundTrips = log.roundTrips();
    trips += roundTrips;
    maxTrips = Math.max(maxTrips, roundTrips);
    const capacity = log.capacity();
    read += capacity.read;
    write += capacity.write;
  }
  const total = [...commands.values()].reduce((sum, count) => sum + count, 0);
  return {
    name,
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    requests: [...commands.entries()].map(([command, count]) => `${command}×${+(count / rounds).toFixed(2)}`).join(' '),
    requestsPerCall: total / rounds,
    roundTrips: trips / rounds,
    maxRoundTrips: maxTrips,
    readUnits: read / rounds,
    writeUnits: write / rounds,
    ...(meter
      ? {
          handlerCpuMs: percentile(handlerCpu, 50),
          otherCpuMs: percentile(otherCpu, 50),
          handlerMs: percentile(handlerWall, 50),
        }
      : {}),
  };
}

const pad = (value: string | number, width: number) => String(value).padStart(width);
const money = (value: number) => (value === 0 ? '$0' : value >= 0.01 ? `$${value.toFixed(2)}` : `$${value.toFixed(4)}`);

async function main(): Promise<void> {
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
    const log = new DynamoRequestLog({ consumedCapacity: true });
    const client = log.attach(
      new DynamoDBClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
    );
    const meter = new HandlerMeter();
    const server = await startApiServer({
      port: 0,
      config,
      scimHandler: meter.wrap(createScimHandler(config, { ...localAdapters(config), dynamo: client })),
      authorizerCacheTtlSeconds: 60,
      log: () => {},
    });
    const send = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${server.scimBaseUrl}${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    };
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await send(method, path, body);
      if (response.status >= 400)
        throw new Error(`${method} ${path} → ${response.status} ${JSON.stringify(response.body)}`);
      return response.body;
    };

    const user = (i: number, prefix: string, familyName = `User ${i}`) => ({
      schemas: [USER_SCHEMA],
      userName: `${prefix}.${i}@example.com`,
      name: { givenName: 'Bench', familyName },
      emails: [{ value: `${prefix}.${i}@example.com`, type: 'work', primary: true }],
      externalId: `ext-${prefix}-${i}`,
      active: true,
    });
    const ids: string[] = [];
    const rows: Row[] = [];
    const byName = new Map<string, Row>();
    const add = (row: Row) => {
      rows.push(row);
      byName.set(row.name, row);
    };
    console.log(`Measuring SCIM requests (${ROUNDS} rounds each)…`);
    add(
      await measure(
        'POST /Users',
        ROUNDS,
        async (i) => {
          ids.push((await call('POST', '/Users', user(i, 'bench'))).id);
        },
        log,
        meter,
      ),
    );
    add(
      await measure('GET /Users/{id}', ROUNDS, async (i) => void (await call('GET', `/Users/${ids[i]}`)), log, meter),
    );
    add(
      await measure(
        'GET /Users?filter=userName eq',
        ROUNDS,
        async (i) =>
          void (await call('GET', `/Users?filter=${encodeURIComponent(`userName eq "bench.${i}@example.com"`)}`)),
        log,
        meter,
      ),
    );
    // Users whose work address is not their lookup (primary) email: every address is its own index item.
    const secondaryRounds = Math.min(ROUNDS, 50);
    for (let i = 0; i < secondaryRounds; i++) {
      await call('POST', '/Users', {
        ...user(i, 'second'),
        emails: [
          { value: `second.${i}@home.example`, type: 'home', primary: true },
          { value: `second.${i}@work.example`, type: 'work' },
        ],
      });
    }
    add(
      await measure(
        'GET /Users?filter=emails[type eq "work"].value eq (secondary address)',
        secondaryRounds,
        async (i) =>
          void (await call(
            'GET',
            `/Users?filter=${encodeURIComponent(`emails[type eq "work"].value eq "second.${i}@work.example"`)}`,
          )),
        log,
        meter,
      ),
    );
    add(
      await measure(
        'PUT /Users/{id} (profile change)',
        ROUNDS,
        async (i) => void (await call('PUT', `/Users/${ids[i]}`, user(i, 'bench', `Renamed ${i}`))),
        log,
        meter,
      ),
    );
    const pages = Math.max(1, Math.floor(ROUNDS / 100));
    add(
      await measure(
        'GET /Users?startIndex=…&count=100 (import)',
        pages,
        async (i) => void (await call('GET', `/Users?startIndex=${i * 100 + 1}&count=100`)),
        log,
        meter,
      ),
    );

    let load: LoadResult | undefined;
    if (LOAD_SECONDS > 0) {
      console.log(`Load run: ${LOAD_CLIENTS} clients for ${LOAD_SECONDS} s…`);
      load = await runLoad({
        clients: LOAD_CLIENTS,
        seconds: LOAD_SECONDS,
        request: send,
        users: ids.map((id, i) => ({ id, userName: `bench.${i}@example.com` })),
      });
    }

    add(
      await measure(
        'PATCH /Users/{id} (deactivate)',
        ROUNDS,
        async (i) =>
          void (await call('PATCH', `/Users/${ids[i]}`, {
            schemas: [PATCH_SCHEMA],
            Operations: [{ op: 'replace', value: { active: false } }],
          })),
        log,
        meter,
      ),
    );
    add(
      await measure(
        'DELETE /Users/{id} (inactive user)',
        ROUNDS,
        async (i) => void (await call('DELETE', `/Users/${ids[i]}`)),
        log,
        meter,
      ),
    );

    // A filter no index answers is evaluated over the organization page by page, up to 10,000 users (the bound): the
    // organization is filled up to CO_FILTER_USERS, counting the users the rows above and the load run created.
    const existing = Number((await call('GET', '/Users?count=0')).totalResults);
    const seeded = Math.max(1, CO_FILTER_USERS - existing);
    const coUsers = existing + seeded;
    console.log(`Seeding ${seeded} users for the co filter (${coUsers} in the organization)…`);
    await seedUsers({
      dynamo: client,
      usersTable: names.users,
      orgId: 'default',
      count: seeded,
      prefix: 'co',
    });
    add(
      await measure(
        `GET /Users?filter=name.familyName co (${coUsers} users)`,
        3,
        async () =>
          void (await call('GET', `/Users?filter=${encodeURIComponent(`name.familyName co "Member ${seeded - 1}"`)}`)),
        log,
        meter,
      ),
    );

    const bareLog = new DynamoRequestLog({ consumedCapacity: true });
    const bare = bareLog.attach(
      new DynamoDBClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
    );
    add(
      await measure(
        'bare PutItem',
        ROUNDS,
        async (i) =>
          void (await bare.send(
            new PutItemCommand({ TableName: names.users, Item: { pk: { S: `bare#${i}` }, sk: { S: 'X' } } }),
          )),
        bareLog,
      ),
    );
    add(
      await measure(
        'bare GetItem',
        ROUNDS,
        async (i) =>
          void (await bare.send(
            new GetItemCommand({ TableName: names.users, Key: { pk: { S: `bare#${i}` }, sk: { S: 'X' } } }),
          )),
        bareLog,
      ),
    );

    // The same path with no DynamoDB request behind it: what the HTTP hop, the gateway emulation (authorizer answer
    // cached, as API Gateway caches it) and the handler's routing cost by themselves.
    add(
      await measure(
        'GET /ServiceProviderConfig (no DynamoDB)',
        ROUNDS,
        async () => void (await call('GET', '/ServiceProviderConfig')),
        log,
        meter,
      ),
    );

    console.log(`Cold starts (${COLD_RUNS} fresh processes per function)…`);
    const coldStarts = await measureColdStarts({
      runs: COLD_RUNS,
      env: {
        AWS_REGION: LOCAL_REGION,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        // The SDK's service-specific endpoint variable: the deployed code, unchanged, talks to DynamoDB Local.
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
        USERS_TABLE: names.users,
        GROUPS_TABLE: names.groups,
        LICENSES_TABLE: names.licenses,
        DEFAULT_ORG_ID: 'default',
        TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench-token-AbCdEf',
        SIGNING_KEY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench-signing-AbCdEf',
        SENDER_EMAIL: 'licenses@example.com',
        POWERTOOLS_LOG_LEVEL: 'WARN',
      },
      firstRequests: {
        'scim.ts': { describe: 'GET /Users?filter=userName eq (1 Query)', event: scimEvent() },
        'authorizer.ts': {
          describe: 'no API key: refused without an AWS call',
          event: {
            type: 'REQUEST',
            methodArn: 'arn:aws:execute-api:us-east-1:123456789012:abc/v1/GET/scim/v2/Users',
            headers: {},
          },
        },
        'validate-license.ts': {
          describe: 'malformed key: no AWS call, 60 ms minimum answer time',
          event: validateEvent(),
        },
        'mailer.ts': { describe: 'an empty stream batch', event: { Records: [] } },
      },
    });

    let groupFigures: Record<string, unknown> | undefined;
    if (GROUP_SIZE > 0) {
      console.log(`Pushing a ${GROUP_SIZE}-member group…`);
      let counted = 0;
      groupFigures = await benchGroups({
        baseUrl: server.scimBaseUrl,
        token,
        groupSize: GROUP_SIZE,
        dynamoRequestCount: () => {
          counted += log.requests.length;
          log.reset();
          return counted;
        },
        request: send,
        createUsers: (count) =>
          seedUsers({ dynamo: client, usersTable: names.users, orgId: 'default', count, prefix: 'bench.member' }),
        seedMembers: (groupId, userIds) =>
          seedMemberships({ dynamo: client, groupsTable: names.groups, orgId: 'default', groupId, userIds }),
        storedMemberships: async (groupId) => {
          let count = 0;
          let startKey: Record<string, AttributeValue> | undefined;
          do {
            const page = await client.send(
              new QueryCommand({
                TableName: names.groups,
                KeyConditionExpression: 'pk = :pk AND begins_with(sk, :member)',
                ExpressionAttributeValues: { ':pk': { S: `default#GROUP#${groupId}` }, ':member': { S: 'MEMBER#' } },
                Select: 'COUNT',
                ExclusiveStartKey: startKey,
              }),
            );
            count += page.Count ?? 0;
            startKey = page.LastEvaluatedKey;
          } while (startKey);
          return count;
        },
      });
    }
    await server.close();

    report(rows, byName, coldStarts, load, groupFigures);
  } finally {
    await dynamo.stop();
  }
}

function scimEvent(): APIGatewayProxyEvent {
  return {
    httpMethod: 'GET',
    path: '/scim/v2/Users',
    resource: '/scim/v2/{proxy+}',
    pathParameters: { proxy: 'Users' },
    queryStringParameters: { filter: 'userName eq "bench.0@example.com"' },
    multiValueQueryStringParameters: null,
    headers: { Host: 'bench.example.com' },
    multiValueHeaders: {},
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: {
      authorizer: { orgId: 'default' },
      requestId: 'bench',
      path: '/v1/scim/v2/Users',
      domainName: 'bench.example.com',
    },
  } as unknown as APIGatewayProxyEvent;
}

function validateEvent(): APIGatewayProxyEvent {
  return {
    httpMethod: 'POST',
    path: '/licenses/validate',
    resource: '/licenses/validate',
    pathParameters: null,
    queryStringParameters: null,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ licenseKey: 'not-a-key' }),
    isBase64Encoded: false,
    requestContext: { requestId: 'bench', path: '/v1/licenses/validate' },
  } as unknown as APIGatewayProxyEvent;
}

function report(
  rows: readonly Row[],
  byName: ReadonlyMap<string, Row>,
  coldStarts: readonly ColdStartRow[],
  load: LoadResult | undefined,
  groupFigures: Record<string, unknown> | undefined,
): void {
  console.log(
    `\nRequests through the local API Gateway emulation, ${ROUNDS} rounds each, DynamoDB Local on this machine`,
  );
  console.log(
    `  ${'request'.padEnd(42)} ${pad('p50 ms', 7)} ${pad('p95 ms', 7)} ${pad('trips', 5)} ${pad('RRU', 5)} ${pad('WRU', 5)} ${pad('cpu ms', 6)} ${pad('other', 6)}  DynamoDB requests per call`,
  );
  for (const row of rows) {
    const cpu = row.handlerCpuMs === undefined ? '' : row.handlerCpuMs.toFixed(2);
    const other = row.otherCpuMs === undefined ? '' : row.otherCpuMs.toFixed(2);
    console.log(
      `  ${row.name.padEnd(42)} ${pad(row.p50.toFixed(2), 7)} ${pad(row.p95.toFixed(2), 7)} ${pad(+row.roundTrips.toFixed(2), 5)} ${pad(+row.readUnits.toFixed(2), 5)} ${pad(+row.writeUnits.toFixed(2), 5)} ${pad(cpu, 6)} ${pad(other, 6)}  ${row.requests}`,
    );
  }
  console.log(
    '  trips: DynamoDB round trips waited for one after another (mean); RRU/WRU: capacity units DynamoDB Local reported;',
  );
  console.log(
    '  cpu ms: median CPU time inside the SCIM handler; other: the rest of the process (gateway emulation, client).',
  );

  const floor = byName.get('bare GetItem')?.p50 ?? Number.NaN;
  console.log(
    '\nRatios to a bare GetItem (p50, same run): over HTTP through the gateway emulation, and inside the handler',
  );
  for (const [name, target] of [
    ['GET /Users?filter=userName eq', 1.5],
    ['GET /Users/{id}', 2],
    ['POST /Users', undefined],
  ] as const) {
    const row = byName.get(name);
    if (!row) continue;
    const inHandler = row.handlerMs === undefined ? '' : `  handler ${(row.handlerMs / floor).toFixed(2)}×`;
    console.log(
      `  ${name.padEnd(42)} ${pad((row.p50 / floor).toFixed(2), 6)}×${inHandler}${target !== undefined ? `  (target ≤ ${target}×)` : ''}`,
    );
  }
  const empty = byName.get('GET /ServiceProviderConfig (no DynamoDB)');
  if (empty) {
    console.log(
      `  ${'the same path with no DynamoDB request'.padEnd(42)} ${pad((empty.p50 / floor).toFixed(2), 6)}×  (${empty.p50.toFixed(2)} ms: HTTP hop, gateway emulation, routing)`,
    );
  }

  console.log('\nCold starts: bundled as the CDK stack does, fresh Node.js process each run, medians');
  console.log(
    `  ${'function'.padEnd(22)} ${pad('KiB', 7)} ${pad('load ms', 8)} ${pad('load CPU', 9)} ${pad('first ms', 9)}  first request`,
  );
  for (const row of coldStarts) {
    console.log(
      `  ${row.entry.padEnd(22)} ${pad(row.kib.toFixed(1), 7)} ${pad(row.loadMs.toFixed(1), 8)} ${pad(row.loadCpuMs.toFixed(1), 9)} ${pad(row.firstRequestMs?.toFixed(1) ?? '—', 9)}  ${row.firstRequest ?? ''}`,
    );
  }

  if (load) {
    console.log(`\nLoad run: ${LOAD_CLIENTS} concurrent Okta-like clients on loopback for ${LOAD_SECONDS} s`);
    console.log('  mix: 50% lookup by userName, 20% GET by id, 20% PATCH title, 10% POST');
    console.log(
      `  ${load.requests} requests, ${load.perSecond.toFixed(1)} requests/s, p50 ${load.p50.toFixed(1)} ms, p99 ${load.p99.toFixed(1)} ms, ${load.errors} errors${load.firstError ? ` (first: ${load.firstError})` : ''}`,
    );
  }

  const profile = (name: string, emails: number): RequestProfile | undefined => {
    const row = byName.get(name);
    if (!row || row.handlerMs === undefined) return undefined;
    return { name, handlerMs: row.handlerMs, readUnits: row.readUnits, writeUnits: row.writeUnits, emails };
  };
  const profiles = [
    profile('POST /Users', 1),
    profile('GET /Users/{id}', 0),
    profile('GET /Users?filter=userName eq', 0),
    profile('PUT /Users/{id} (profile change)', 0),
    profile('PATCH /Users/{id} (deactivate)', 1),
    profile('DELETE /Users/{id} (inactive user)', 0),
    profile('GET /Users?startIndex=…&count=100 (import)', 0),
  ].filter((p): p is RequestProfile => p !== undefined);
  console.log(
    `\nAWS cost of 1 million requests of each kind (us-east-1 list prices of ${PRICES_AS_OF}, bench/prices.ts; SCIM Lambda ARM 512 MB at the handler's measured median duration)`,
  );
  console.log(
    `  ${'request'.padEnd(42)} ${pad('API GW', 8)} ${pad('Lambda', 8)} ${pad('DynamoDB', 9)} ${pad('SES', 8)} ${pad('total', 9)}`,
  );
  for (const p of profiles) {
    const cost = costOf(p, 1e6);
    console.log(
      `  ${p.name.padEnd(42)} ${pad(money(cost.apiGateway), 8)} ${pad(money(cost.lambda), 8)} ${pad(money(cost.dynamoDb), 9)} ${pad(money(cost.ses), 8)} ${pad(money(cost.total), 9)}`,
    );
  }
  const importPage = byName.get('GET /Users?startIndex=…&count=100 (import)');
  const needed = {
    importPage: profile('GET /Users?startIndex=…&count=100 (import)', 0),
    lookup: profile('GET /Users?filter=userName eq', 0),
    create: profile('POST /Users', 1),
    deactivate: profile('PATCH /Users/{id} (deactivate)', 1),
  };
  const scimInit = coldStarts.find((row) => row.entry === 'scim.ts')?.loadMs ?? 0;
  if (needed.importPage && needed.lookup && needed.create && needed.deactivate && importPage) {
    const month = monthlyCost(
      TEN_THOUSAND_USERS,
      { importPage: needed.importPage, lookup: needed.lookup, create: needed.create, deactivate: needed.deactivate },
      scimInit,
      importPage.p50,
    );
    console.log(
      `\nOne month of a ${TEN_THOUSAND_USERS.users.toLocaleString('en-US')}-user organization: daily Okta import, ${TEN_THOUSAND_USERS.churn * 100}% churn (${month.requests} SCIM requests)`,
    );
    for (const item of month.items) console.log(`  ${item.what.padEnd(44)} ${pad(money(item.cost.total), 9)}`);
    console.log(`  ${'cold starts (INIT) and authorizer calls'.padEnd(44)} ${pad(money(month.coldStartLambda), 9)}`);
    console.log(
      `  ${`Secrets Manager (${TEN_THOUSAND_USERS.secrets} secrets, calls after caching)`.padEnd(44)} ${pad(money(month.secretsManager), 9)}`,
    );
    console.log(`  ${'total'.padEnd(44)} ${pad(money(month.total), 9)}`);
  }

  if (groupFigures) {
    console.log(`\nLarge group (${GROUP_SIZE} members, 100 per PATCH)`);
    for (const [name, value] of Object.entries(groupFigures)) console.log(`  ${name.padEnd(44)} ${value}`);
  }
}

async function all(): Promise<void> {
  await main();
  if (BULK_USERS > 0) {
    // After the other parts, on a stack of its own: their users and groups would change what an import reads.
    console.log(`\nWhole-organization push and import of ${BULK_USERS} users…`);
    printBulk(await runBulkBench({ users: BULK_USERS, concurrency: bulkConcurrencyFromEnv(), log: console.log }));
  }
}

all().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
