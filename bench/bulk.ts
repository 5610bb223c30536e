/**
 * A whole organization at once, end to end, against a fresh local stack (DynamoDB Local, the API Gateway emulation,
 * the stream poller and the mailer sending through aws-ses-v2-local), all in this process:
 * - push: N users provisioned as Okta's Provisioning pushes them (existence lookup by userName, then `POST /Users`
 *   with Okta's body), each with its license and outbox email item, then one group of all N pushed in PATCHes of
 *   Okta's 100 members; and how long until the mailer has sent every license email;
 * - import: Okta's "Import New Users and Profile Updates": `GET /Users?startIndex=…&count=100` through every user,
 *   then `GET /Groups` paged and each group read with its members.
 *
 * `npm run bench:bulk` runs it alone; `npm run bench` runs it after its other parts. BENCH_BULK_USERS (10000; 0 skips
 * it in `npm run bench`) sets N, BENCH_BULK_CONCURRENCY (5) the connections Okta holds open to one app.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DEFAULT_EMAIL_BUDGET } from '../lambda/domain/email-budget';
import { createScimHandler } from '../lambda/handlers/scim';
import { startApiServer } from '../local/api-gateway-adapter';
import { createTables } from '../local/create-tables';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '../local/dynamodb-local';
import { type LocalServiceConfig, localAdapters } from '../local/local-adapters';
import { localLicenseConfig, startLocalMail } from '../local/local-licensing';
import { generateToken, writeLocalSecret } from '../local/local-secrets';
import { useLocalAwsCredentials } from '../local/local-stack';
import { findFreePort } from '../local/ports';
import { readSesStore } from '../local/ses-local';
import { DynamoRequestLog } from '../test/support/dynamodb-request-log';
import { type LatencySummary, pageStarts, runPool, summarize } from './stats';

/**
 * Connections the Okta-like client keeps busy. Okta documents no per-app figure for its outbound SCIM requests (its own
 * rate-limit pages say even large bulk loads rarely need more than 10 simultaneous transactions, and in practice an
 * app sees a few requests at a time), so 5 is an assumption on the generous side; BENCH_BULK_CONCURRENCY changes it.
 */
export const OKTA_CONCURRENCY = 5;
/** Members per membership PATCH in Okta's Push Groups. */
export const OKTA_GROUP_BATCH = 100;
/** Okta's import page size. */
export const OKTA_PAGE_SIZE = 100;

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export interface PhaseFigures {
  readonly name: string;
  readonly requests: number;
  readonly wallMs: number;
  readonly latency: LatencySummary;
  /** The same, per kind of request, where a phase sends more than one kind. */
  readonly byKind: Readonly<Record<string, LatencySummary>>;
  /** DynamoDB requests the SCIM handler sent, by command, and the capacity units DynamoDB reported. */
  readonly dynamo: {
    readonly requests: number;
    readonly byCommand: string;
    readonly read: number;
    readonly write: number;
  };
}

export interface BulkFigures {
  readonly users: number;
  readonly concurrency: number;
  readonly bareGetItemP50: number;
  readonly phases: readonly PhaseFigures[];
  /** From the first create until aws-ses-v2-local held every license email, and how many it held. */
  readonly mailMs: number;
  readonly mailAfterLastCreateMs: number;
  readonly emails: number;
  readonly importPages: number;
  readonly groupMembersRead: number;
}

export async function runBulkBench(options: {
  users: number;
  concurrency?: number;
  log?: (line: string) => void;
}): Promise<BulkFigures> {
  const users = options.users;
  const concurrency = options.concurrency ?? OKTA_CONCURRENCY;
  const say = options.log ?? (() => {});
  // The mailer's SES client finds credentials the usual way; a developer's real profile must not be needed.
  useLocalAwsCredentials();
  const dynamo = await startDynamoDbLocal({ port: await findFreePort() });
  const scratch = mkdtempSync(join(tmpdir(), 'bench-bulk-'));
  const stops: Array<() => Promise<void>> = [];
  try {
    const names = { users: 'bulk-users', groups: 'bulk-groups', licenses: 'bulk-licenses' };
    await createTables(dynamo.endpoint, names);
    const token = generateToken();
    writeLocalSecret(scratch, 'bulk-token', { orgId: 'default', token });
    const mailPort = await findFreePort();
    const config: LocalServiceConfig = {
      usersTable: names.users,
      groupsTable: names.groups,
      licensesTable: names.licenses,
      defaultOrgId: 'default',
      tokenSecretId: 'bulk-token',
      localSecretsDir: scratch,
      dynamoEndpoint: dynamo.endpoint,
      region: LOCAL_REGION,
      ...localLicenseConfig({ mailPort }),
    };
    // The organization's hourly email budget would hold all but the first 500 emails for hours (printed below): lifted
    // here, so the figure is how fast the mailer itself gets through them.
    const mail = await startLocalMail({
      config,
      mailPort,
      pidFile: join(scratch, 'ses.pid'),
      emailBudget: { ...DEFAULT_EMAIL_BUDGET, perOrganization: Math.max(users, DEFAULT_EMAIL_BUDGET.perOrganization) },
    });
    stops.push(() => mail.stop());
    const log = new DynamoRequestLog({ consumedCapacity: true });
    const client = log.attach(
      new DynamoDBClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
    );
    const server = await startApiServer({
      port: 0,
      config,
      scimHandler: createScimHandler(config, { ...localAdapters(config), dynamo: client }),
      authorizerCacheTtlSeconds: 60,
      log: () => {},
    });
    stops.push(() => server.close());

    // biome-ignore lint/suspicious/noExplicitAny: SCIM bodies are navigated loosely here.
    const call = async (method: string, path: string, expected: readonly number[], body?: unknown): Promise<any> => {
      const response = await fetch(`${server.scimBaseUrl}${path}`, {
        method,
        // Okta's "HTTP Header" authentication sends the token as typed.
        headers: { Authorization: token, 'Content-Type': 'application/scim+json', Accept: 'application/scim+json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!expected.includes(response.status))
        throw new Error(`${method} ${path} → ${response.status} ${text.slice(0, 300)}`);
      return text ? JSON.parse(text) : undefined;
    };

    const phases: PhaseFigures[] = [];
    type Timed = <T>(request: () => Promise<T>, kind?: string) => Promise<T>;
    const phase = async (name: string, body: (timed: Timed) => Promise<void>) => {
      say(`  ${name}…`);
      log.reset();
      const latencies: number[] = [];
      const kinds = new Map<string, number[]>();
      const timed: Timed = async (request, kind) => {
        const start = performance.now();
        const value = await request();
        const ms = performance.now() - start;
        latencies.push(ms);
        if (kind) {
          const values = kinds.get(kind) ?? [];
          values.push(ms);
          kinds.set(kind, values);
        }
        return value;
      };
      const start = performance.now();
      await body(timed);
      const wallMs = performance.now() - start;
      const byCommand = Object.entries(log.byCommand())
        .map(([command, count]) => `${command}×${count}`)
        .join(' ');
      const capacity = log.capacity();
      phases.push({
        name,
        requests: latencies.length,
        wallMs,
        latency: summarize(latencies),
        byKind: Object.fromEntries([...kinds].map(([kind, values]) => [kind, summarize(values)])),
        dynamo: { requests: log.requests.length, byCommand, read: capacity.read, write: capacity.write },
      });
      log.reset();
    };

    const ids = new Array<string>(users);
    const userName = (i: number) => `okta.user.${i}@example.com`;
    const pushStarted = performance.now();
    let lastCreate = pushStarted;
    await phase('push users: lookup by userName, then POST /Users', (timed) =>
      runPool(users, concurrency, async (i) => {
        const found = await timed(
          () =>
            call(
              'GET',
              `/Users?filter=${encodeURIComponent(`userName eq "${userName(i)}"`)}&startIndex=1&count=100`,
              [200],
            ),
          'GET /Users?filter=userName eq',
        );
        if (found.totalResults !== 0) throw new Error(`${userName(i)} exists before its push`);
        const created = await timed(
          () =>
            call('POST', '/Users', [201], {
              schemas: [USER_SCHEMA],
              userName: userName(i),
              name: { givenName: 'Okta', familyName: `User ${i}` },
              emails: [{ primary: true, value: userName(i), type: 'work' }],
              displayName: `Okta User ${i}`,
              locale: 'en-US',
              externalId: `00u${i.toString(36).padStart(17, '0')}`,
              groups: [],
              password: 'xY7!placeholder',
              active: true,
            }),
          'POST /Users',
        );
        ids[i] = created.id;
        lastCreate = performance.now();
      }),
    );

    const displayName = 'Everyone (bulk bench)';
    let groupId = '';
    await phase(`push the group: ${OKTA_GROUP_BATCH} members per PATCH`, async (timed) => {
      const found = await timed(() =>
        call(
          'GET',
          `/Groups?filter=${encodeURIComponent(`displayName eq "${displayName}"`)}&startIndex=1&count=100`,
          [200],
        ),
      );
      if (found.totalResults !== 0) throw new Error('the group exists before its push');
      groupId = (
        await timed(() => call('POST', '/Groups', [201], { schemas: [GROUP_SCHEMA], displayName, members: [] }))
      ).id;
      for (let start = 0; start < users; start += OKTA_GROUP_BATCH) {
        const value = ids
          .slice(start, start + OKTA_GROUP_BATCH)
          .map((id, k) => ({ value: id, display: userName(start + k) }));
        await timed(
          () =>
            call('PATCH', `/Groups/${groupId}`, [200, 204], {
              schemas: [PATCH_SCHEMA],
              Operations: [
                { op: 'replace', value: { id: groupId, displayName } },
                { op: 'add', path: 'members', value },
              ],
            }),
          'PATCH /Groups/{id}',
        );
      }
    });

    say('  waiting for the mailer to send every license email…');
    await mail.poller.waitUntilIdle(30 * 60_000);
    const mailDone = performance.now();
    const emails = (await readSesStore(`http://127.0.0.1:${mailPort}`)).length;

    let importPages = 0;
    await phase(`import users: GET /Users count=${OKTA_PAGE_SIZE} pages`, async (timed) => {
      let seen = 0;
      for (const startIndex of pageStarts(users, OKTA_PAGE_SIZE)) {
        const page = await timed(() => call('GET', `/Users?startIndex=${startIndex}&count=${OKTA_PAGE_SIZE}`, [200]));
        seen += page.Resources?.length ?? 0;
        importPages++;
        if (page.totalResults !== users)
          throw new Error(`import page ${startIndex}: totalResults ${page.totalResults}`);
      }
      if (seen !== users) throw new Error(`the import read ${seen} users, expected ${users}`);
    });

    let groupMembersRead = 0;
    await phase('import groups: GET /Groups, each group with members', async (timed) => {
      const list = await timed(() => call('GET', `/Groups?startIndex=1&count=${OKTA_PAGE_SIZE}`, [200]));
      for (const group of list.Resources ?? []) {
        const full = await timed(() => call('GET', `/Groups/${group.id}`, [200]), 'GET /Groups/{id}');
        groupMembersRead += full.members?.length ?? 0;
      }
      if (groupMembersRead !== users)
        throw new Error(`the group import read ${groupMembersRead} members, expected ${users}`);
    });

    // The floor, measured last: DynamoDB Local's JVM is warm by now.
    const bare = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    await bare.send(new PutItemCommand({ TableName: names.users, Item: { pk: { S: 'bare' }, sk: { S: 'X' } } }));
    const bareTimes: number[] = [];
    for (let i = 0; i < 200; i++) {
      const start = performance.now();
      await bare.send(new GetItemCommand({ TableName: names.users, Key: { pk: { S: 'bare' }, sk: { S: 'X' } } }));
      bareTimes.push(performance.now() - start);
    }

    return {
      users,
      concurrency,
      bareGetItemP50: summarize(bareTimes).p50,
      phases,
      mailMs: mailDone - pushStarted,
      mailAfterLastCreateMs: mailDone - lastCreate,
      emails,
      importPages,
      groupMembersRead,
    };
  } finally {
    for (const stop of stops.reverse()) await stop();
    await dynamo.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

const pad = (value: string | number, width: number) => String(value).padStart(width);

export function printBulk(figures: BulkFigures, print: (line: string) => void = console.log): void {
  print(
    `\nWhole organization: ${figures.users} users, Okta-like client with ${figures.concurrency} connections, one process (client, gateway emulation, handler, mailer) and DynamoDB Local`,
  );
  print(
    `  ${'phase'.padEnd(52)} ${pad('wall s', 8)} ${pad('requests', 8)} ${pad('req/s', 7)} ${pad('p50 ms', 7)} ${pad('p99 ms', 7)} ${pad('p50/bare', 8)} ${pad('DynamoDB', 8)} ${pad('RRU', 8)} ${pad('WRU', 8)}`,
  );
  for (const phase of figures.phases) {
    const seconds = phase.wallMs / 1000;
    print(
      `  ${phase.name.padEnd(52)} ${pad(seconds.toFixed(1), 8)} ${pad(phase.requests, 8)} ${pad((phase.requests / seconds).toFixed(1), 7)} ${pad(phase.latency.p50.toFixed(1), 7)} ${pad(phase.latency.p99.toFixed(1), 7)} ${pad(`${(phase.latency.p50 / figures.bareGetItemP50).toFixed(0)}×`, 8)} ${pad(phase.dynamo.requests, 8)} ${pad(Math.round(phase.dynamo.read), 8)} ${pad(Math.round(phase.dynamo.write), 8)}`,
    );
    for (const [kind, latency] of Object.entries(phase.byKind)) {
      print(
        `    ${kind.padEnd(50)} ${pad('', 8)} ${pad(latency.count, 8)} ${pad('', 7)} ${pad(latency.p50.toFixed(1), 7)} ${pad(latency.p99.toFixed(1), 7)} ${pad(`${(latency.p50 / figures.bareGetItemP50).toFixed(0)}×`, 8)}`,
      );
    }
  }
  print(
    `  ${'bare GetItem, the floor'.padEnd(52)} ${pad('', 8)} ${pad(200, 8)} ${pad('', 7)} ${pad(figures.bareGetItemP50.toFixed(2), 7)}`,
  );
  const [users] = figures.phases;
  if (users) {
    print(
      `  users pushed: ${(figures.users / (users.wallMs / 1000)).toFixed(1)} users/s (two requests each); DynamoDB requests: ${users.dynamo.byCommand}`,
    );
  }
  print(
    `  license emails: ${figures.emails} of ${figures.users} in aws-ses-v2-local ${(figures.mailMs / 1000).toFixed(1)} s after the first create, ${(figures.mailAfterLastCreateMs / 1000).toFixed(1)} s after the last`,
  );
  const perHour = DEFAULT_EMAIL_BUDGET.perOrganization * (3_600_000 / DEFAULT_EMAIL_BUDGET.windowMs);
  print(
    `  (organization email budget lifted to ${figures.users} for this figure; as deployed, ${DEFAULT_EMAIL_BUDGET.perOrganization} an hour, the last of ${figures.users} license emails leaves about ${Math.max(0, Math.ceil(figures.users / perHour) - 1)} h after the push)`,
  );
  print(
    `  import: ${figures.importPages} pages of ${OKTA_PAGE_SIZE}; group import read ${figures.groupMembersRead} members`,
  );
  print(
    "  DynamoDB: requests the SCIM handler sent in the phase (the mailer's not counted); RRU/WRU: capacity units reported",
  );
}

export function bulkUsersFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return Number(env.BENCH_BULK_USERS ?? 10_000);
}

export function bulkConcurrencyFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return Number(env.BENCH_BULK_CONCURRENCY ?? OKTA_CONCURRENCY);
}

if (require.main === module) {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  const users = bulkUsersFromEnv();
  console.log(`Whole-organization push and import of ${users} users…`);
  runBulkBench({ users, concurrency: bulkConcurrencyFromEnv(), log: console.log })
    .then((figures) => printBulk(figures))
    .catch((error) => {
      console.error(error);
      process.exitCode = 1;
    });
}
