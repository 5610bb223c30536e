/**
 * `npm run faults`: a load, race, fuzz and fault campaign against a local stack of its own (free loopback ports, a
 * temporary DATA_DIR), then a check of the invariants the data must keep whatever happened. Bounded in requests and
 * time (FAULTS_* variables below). Prints one table; exits non-zero when a figure that must be 0 is not.
 *
 * Phases: a mixed SCIM load from N clients; the races (member add vs user delete, 20 writers on one group's
 * membership, 20 writers toggling one user); random filters and PATCH bodies; and DynamoDB Local killed (SIGKILL,
 * the supervisor restarts it) and frozen (SIGSTOP, then SIGCONT) while clients keep writing.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { EVENT_ID_HEADER } from '../lambda/adapters/ses-mailer';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/dynamodb-local';
import { type LocalStack, startLocalStack } from '../local/local-stack';
import { findFreePort } from '../local/ports';
import { readSesStore } from '../local/ses-local';

const CLIENTS = Number(process.env.FAULTS_CLIENTS ?? 8);
const LOAD_REQUESTS = Number(process.env.FAULTS_LOAD_REQUESTS ?? 600);
const RACES = Number(process.env.FAULTS_RACES ?? 20);
const WRITERS = 20;
const FUZZ_CASES = Number(process.env.FAULTS_FUZZ_CASES ?? 300);
/** Load kept up after the last recovery. */
const FAULT_TAIL_MS = Number(process.env.FAULTS_TAIL_MS ?? 5_000);
const FREEZE_MS = Number(process.env.FAULTS_FREEZE_MS ?? 4_000);
/** The whole run stops starting new work after this; the settling and checks still run. */
const TIME_LIMIT_MS = Number(process.env.FAULTS_TIME_LIMIT_S ?? 420) * 1000;
const REQUEST_TIMEOUT_MS = 35_000;
/** Longer than the mailer's 120 s send lease, so an email whose sender died mid-send is retried before counting it. */
const OUTBOX_WAIT_MS = Number(process.env.FAULTS_OUTBOX_WAIT_S ?? 150) * 1000;
process.env.POWERTOOLS_LOG_LEVEL ??= 'CRITICAL';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

type Phase = 'load' | 'races' | 'fuzz' | 'faults';

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the campaign navigates arbitrary SCIM bodies.
  body: any;
  retryAfter: string | null;
  ms: number;
}

class Figures {
  requests = 0;
  readonly byPhase = new Map<Phase, Map<number, number>>();
  /** 5xx while no fault was injected: caused by what the client sent (or a bug), never acceptable. */
  serverErrorsWithoutFault: string[] = [];
  /** 503 with Retry-After while no fault was injected: the machine's own overload (DynamoDB calls timing out). */
  busyWithoutFault = 0;
  conflictDetails: string[] = [];
  conflicts = new Map<Phase, number>();
  faultAnswers = { ok: 0, unavailableWithRetryAfter: 0, otherServerErrors: 0, clientErrors: 0, networkErrors: 0 };
  faultMaxMs = 0;
  lostUpdates = 0;

  record(phase: Phase, status: number, what: string, answer?: Answer): void {
    this.requests++;
    const counts = this.byPhase.get(phase) ?? new Map<number, number>();
    counts.set(status, (counts.get(status) ?? 0) + 1);
    this.byPhase.set(phase, counts);
    if (status === 409) {
      this.conflicts.set(phase, (this.conflicts.get(phase) ?? 0) + 1);
      this.conflictDetails.push(`${phase} ${what} → 409 ${JSON.stringify(answer?.body).slice(0, 200)}`);
    }
    if (phase === 'faults') {
      if (answer) this.faultMaxMs = Math.max(this.faultMaxMs, answer.ms);
      if (status === 0) this.faultAnswers.networkErrors++;
      else if (status === 503 && answer?.retryAfter) this.faultAnswers.unavailableWithRetryAfter++;
      else if (status >= 500) this.faultAnswers.otherServerErrors++;
      else if (status >= 400) this.faultAnswers.clientErrors++;
      else this.faultAnswers.ok++;
    } else if (status === 503 && answer?.retryAfter) {
      this.busyWithoutFault++;
    } else if (status >= 500 || status === 0) {
      this.serverErrorsWithoutFault.push(`${phase} ${what} → ${status} ${JSON.stringify(answer?.body).slice(0, 200)}`);
    }
  }
}

const figures = new Figures();
const startedAt = Date.now();
const timeLeft = () => TIME_LIMIT_MS - (Date.now() - startedAt);
const unique = () => randomBytes(5).toString('hex');

function client(stack: LocalStack) {
  return async (phase: Phase, method: string, path: string, body?: unknown): Promise<Answer> => {
    const started = performance.now();
    let answer: Answer;
    try {
      const response = await fetch(`${stack.scimBaseUrl}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${stack.token}`,
          'Content-Type': 'application/scim+json',
          Accept: 'application/scim+json',
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // Kept as text for the report.
      }
      answer = {
        status: response.status,
        body: parsed,
        retryAfter: response.headers.get('retry-after'),
        ms: performance.now() - started,
      };
    } catch (error) {
      answer = { status: 0, body: String(error), retryAfter: null, ms: performance.now() - started };
    }
    figures.record(phase, answer.status, `${method} ${path.slice(0, 80)}`, answer);
    return answer;
  };
}

type Request = ReturnType<typeof client>;

function newUser(label: string) {
  const userName = `${label}.${unique()}@example.com`;
  return {
    schemas: [USER_SCHEMA],
    userName,
    name: { givenName: 'Load', familyName: label },
    emails: [{ value: userName, type: 'work', primary: true }],
    active: true,
  };
}

const patch = (...operations: unknown[]) => ({ schemas: [PATCH_SCHEMA], Operations: operations });
const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(Math.random() * items.length)];

async function createUser(request: Request, phase: Phase, label: string): Promise<string | undefined> {
  const created = await request(phase, 'POST', '/Users', newUser(label));
  return created.status === 201 ? created.body.id : undefined;
}

async function createGroup(request: Request, phase: Phase, members: string[]): Promise<string | undefined> {
  const created = await request(phase, 'POST', '/Groups', {
    schemas: [GROUP_SCHEMA],
    displayName: `Group ${unique()}`,
    members: members.map((value) => ({ value })),
  });
  return created.status === 201 ? created.body.id : undefined;
}

/** N clients, each picking a random SCIM operation until the shared budget of requests is spent. */
async function mixedLoad(request: Request, phase: Phase, until: () => boolean): Promise<void> {
  const users: string[] = [];
  const groups: string[] = [];
  const operations: Array<() => Promise<unknown>> = [
    async () => {
      const id = await createUser(request, phase, 'load');
      if (id) users.push(id);
    },
    async () => {
      const id = pick(users);
      if (id) await request(phase, 'GET', `/Users/${id}`);
    },
    () => request(phase, 'GET', `/Users?filter=${encodeURIComponent(`userName sw "load."`)}&count=20`),
    async () => {
      const id = pick(users);
      if (id) await request(phase, 'PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: false }));
    },
    async () => {
      const id = pick(users);
      if (id) await request(phase, 'PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: true }));
    },
    async () => {
      const id = pick(users);
      if (id) {
        await request(phase, 'PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'displayName', value: unique() }));
      }
    },
    async () => {
      const members = [pick(users), pick(users)].filter((id): id is string => id !== undefined);
      const id = await createGroup(request, phase, [...new Set(members)]);
      if (id) groups.push(id);
    },
    async () => {
      const group = pick(groups);
      const user = pick(users);
      if (group && user) {
        await request(
          phase,
          'PATCH',
          `/Groups/${group}`,
          patch({ op: 'add', path: 'members', value: [{ value: user }] }),
        );
      }
    },
    async () => {
      const group = pick(groups);
      const user = pick(users);
      if (group && user) {
        await request(phase, 'PATCH', `/Groups/${group}`, patch({ op: 'remove', path: `members[value eq "${user}"]` }));
      }
    },
    async () => {
      if (users.length < 10) return;
      const [id] = users.splice(Math.floor(Math.random() * users.length), 1);
      if (id) await request(phase, 'DELETE', `/Users/${id}`);
    },
    () => request(phase, 'GET', '/Groups?count=20'),
  ];
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (until()) await pick(operations)?.();
    }),
  );
}

async function races(request: Request): Promise<{ addDeleteLeftovers: number }> {
  const phase = 'races';
  let addDeleteLeftovers = 0;
  for (let round = 0; round < RACES && timeLeft() > 0; round++) {
    const user = await createUser(request, phase, 'race');
    const group = await createGroup(request, phase, []);
    if (!user || !group) continue;
    await Promise.all([
      request(phase, 'PATCH', `/Groups/${group}`, patch({ op: 'add', path: 'members', value: [{ value: user }] })),
      request(phase, 'DELETE', `/Users/${user}`),
    ]);
    const after = await request(phase, 'GET', `/Groups/${group}`);
    if ((after.body?.members ?? []).some((member: { value: string }) => member.value === user)) addDeleteLeftovers++;
  }

  // 20 writers on one group: adds of different users commute, so none may conflict and none may be lost.
  const members = (
    await Promise.all(Array.from({ length: WRITERS }, () => createUser(request, phase, 'writer')))
  ).filter((id): id is string => id !== undefined);
  const group = await createGroup(request, phase, []);
  if (group) {
    await Promise.all(
      members.map((id) =>
        request(phase, 'PATCH', `/Groups/${group}`, patch({ op: 'add', path: 'members', value: [{ value: id }] })),
      ),
    );
    const removed = members.slice(0, WRITERS / 2);
    await Promise.all(
      removed.map((id) =>
        request(phase, 'PATCH', `/Groups/${group}`, patch({ op: 'remove', path: `members[value eq "${id}"]` })),
      ),
    );
    const final = await request(phase, 'GET', `/Groups/${group}`);
    const have = new Set((final.body?.members ?? []).map((member: { value: string }) => member.value));
    const expected = members.slice(WRITERS / 2);
    figures.lostUpdates += expected.filter((id) => !have.has(id)).length + removed.filter((id) => have.has(id)).length;
  }

  // 20 writers toggling one user: each PATCH must land (retried inside the service), ending in a consistent license.
  const toggled = await createUser(request, phase, 'toggled');
  if (toggled) {
    for (let round = 0; round < 3 && timeLeft() > 0; round++) {
      await Promise.all(
        Array.from({ length: WRITERS }, (_, i) =>
          request(phase, 'PATCH', `/Users/${toggled}`, patch({ op: 'replace', path: 'active', value: i % 2 === 0 })),
        ),
      );
    }
    const last = await request(
      phase,
      'PATCH',
      `/Users/${toggled}`,
      patch({ op: 'replace', path: 'active', value: true }),
    );
    if (last.body?.active !== true) figures.lostUpdates++;
  }
  return { addDeleteLeftovers };
}

const attributePaths = [
  'userName',
  'displayName',
  'emails',
  'emails.value',
  'name.givenName',
  'active',
  'meta.created',
];

function filterArbitrary(): fc.Arbitrary<string> {
  const value = fc.oneof(fc.string(), fc.string({ unit: 'grapheme', maxLength: 600 }), fc.integer().map(String));
  const comparison = fc
    .tuple(
      fc.oneof(fc.constantFrom(...attributePaths), fc.string({ maxLength: 30 })),
      fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'pr', 'xx'),
      value,
    )
    .map(([path, op, text]) => (op === 'pr' ? `${path} pr` : `${path} ${op} ${JSON.stringify(text)}`));
  const expression: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
    e: fc.oneof(
      { depthSize: 'small' },
      comparison,
      fc.tuple(tie('e'), fc.constantFrom('and', 'or'), tie('e')).map(([a, op, b]) => `${a} ${op} ${b}`),
      tie('e').map((inner) => `not (${inner})`),
      fc.tuple(fc.constantFrom('emails', 'addresses'), tie('e')).map(([path, inner]) => `${path}[${inner}]`),
    ),
  })).e;
  return fc.oneof(expression, fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 3000 }));
}

function patchArbitrary(): fc.Arbitrary<unknown> {
  const operation = fc.record(
    {
      op: fc.oneof(fc.constantFrom('add', 'replace', 'remove', 'Add', 'REPLACE'), fc.string()),
      path: fc.oneof(
        fc.constantFrom(...attributePaths, 'emails[type eq "work"].value', 'members', 'name', ''),
        fc.string({ maxLength: 100 }),
      ),
      value: fc.oneof(
        fc.jsonValue({ maxDepth: 3 }),
        fc.array(fc.record({ value: fc.string(), type: fc.string() }), { maxLength: 80 }),
      ),
    },
    { requiredKeys: [] },
  );
  return fc.oneof(
    fc.record({ schemas: fc.constant([PATCH_SCHEMA]), Operations: fc.array(operation, { maxLength: 12 }) }),
    fc.jsonValue({ maxDepth: 4 }),
  );
}

async function fuzz(request: Request): Promise<void> {
  const target = await createUser(request, 'fuzz', 'fuzzed');
  const filters = fc.sample(filterArbitrary(), FUZZ_CASES);
  const patches = fc.sample(patchArbitrary(), FUZZ_CASES);
  for (let i = 0; i < FUZZ_CASES && timeLeft() > 0; i += CLIENTS) {
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, offset) => {
        const filter = filters[i + offset];
        if (filter !== undefined) {
          await request('fuzz', 'GET', `/Users?filter=${encodeURIComponent(filter)}`);
          await request('fuzz', 'GET', `/Groups?filter=${encodeURIComponent(filter)}`);
        }
        const body = patches[i + offset];
        if (body !== undefined && target) await request('fuzz', 'PATCH', `/Users/${target}`, body);
      }),
    );
  }
}

/**
 * Writers keep going while DynamoDB Local is killed (the supervisor restarts it), then frozen and thawed; each
 * recovery is timed from the fault's end to the first write that succeeds again.
 */
async function faults(stack: LocalStack, request: Request, log: (line: string) => void): Promise<string[]> {
  let stop = false;
  const load = mixedLoad(request, 'faults', () => !stop && timeLeft() > -60_000);
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const recovered = async (since: number): Promise<string> => {
    while (Date.now() - since < 120_000) {
      const probe = await request('faults', 'GET', '/Users?count=1');
      if (probe.status === 200) return `${((Date.now() - since) / 1000).toFixed(1)} s`;
      await sleep(200);
    }
    return 'not within 120 s';
  };
  const notes: string[] = [];
  try {
    await sleep(2_000);
    const killed = stack.dynamoDb.pid;
    const killedAt = Date.now();
    process.kill(killed, 'SIGKILL');
    log(`  DynamoDB Local (pid ${killed}) killed`);
    notes.push(`kill: answering again after ${await recovered(killedAt)} (restarts: ${stack.dynamoDb.restarts})`);

    await sleep(3_000);
    const frozen = stack.dynamoDb.pid;
    process.kill(frozen, 'SIGSTOP');
    log(`  DynamoDB Local (pid ${frozen}) frozen for ${FREEZE_MS} ms`);
    await sleep(FREEZE_MS);
    process.kill(frozen, 'SIGCONT');
    notes.push(`freeze of ${FREEZE_MS / 1000} s: answering again ${await recovered(Date.now())} after SIGCONT`);
    await sleep(FAULT_TAIL_MS);
  } finally {
    stop = true;
    await load;
  }
  return notes;
}

interface Invariants {
  orphanMemberships: number;
  seatCountMismatch: number;
  usersWithoutOneActiveLicense: number;
  activeLicensesOfInactiveUsers: number;
  duplicateUserNames: number;
  emailsLost: number;
  lostDetails: string[];
  emailsDoubled: number;
  outboxItems: number;
}

async function scanAll(client: DynamoDBClient, table: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    for (const item of page.Items ?? []) items.push(unmarshall(item));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

async function allUsers(request: Request): Promise<Array<{ id: string; userName: string; active: boolean }>> {
  const users = [];
  for (let startIndex = 1; ; startIndex += 200) {
    const page = await request('load', 'GET', `/Users?startIndex=${startIndex}&count=200&attributes=userName,active`);
    if (page.status !== 200) throw new Error(`listing users answered ${page.status}`);
    users.push(...page.body.Resources);
    if (page.body.Resources.length < 200) return users;
  }
}

async function checkInvariants(stack: LocalStack, request: Request): Promise<Invariants> {
  const dynamo = new DynamoDBClient({
    endpoint: stack.dynamoDb.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    const users = await allUsers(request);
    const ids = new Set(users.map((user) => user.id));
    const active = new Set(users.filter((user) => user.active).map((user) => user.id));
    const folded = new Map<string, number>();
    for (const user of users)
      folded.set(user.userName.toLowerCase(), (folded.get(user.userName.toLowerCase()) ?? 0) + 1);
    const duplicateUserNames = [...folded.values()].filter((count) => count > 1).length;

    const groupItems = await scanAll(dynamo, stack.config.groupsTable);
    const orphanMemberships = groupItems.filter((item) => {
      const sk = String(item.sk);
      const pk = String(item.pk);
      if (sk.startsWith('MEMBER#')) return !ids.has(sk.slice('MEMBER#'.length));
      if (pk.includes('#MEMBEROF#')) return !ids.has(pk.slice(pk.indexOf('#MEMBEROF#') + '#MEMBEROF#'.length));
      return false;
    }).length;

    const licenseItems = await scanAll(dynamo, stack.config.licensesTable);
    const licenses = licenseItems.filter((item) => item.kind === 'license');
    const activeByUser = new Map<string, number>();
    for (const license of licenses) {
      if (license.status === 'active') {
        const user = String(license.userId);
        activeByUser.set(user, (activeByUser.get(user) ?? 0) + 1);
      }
    }
    const usersWithoutOneActiveLicense = [...active].filter((id) => activeByUser.get(id) !== 1).length;
    const activeLicensesOfInactiveUsers = [...activeByUser.keys()].filter((id) => !active.has(id)).length;
    const org = licenseItems.find((item) => item.pk === `ORG#${stack.config.defaultOrgId}` && item.sk === 'ORG');
    const activeLicenses = [...activeByUser.values()].reduce((sum, count) => sum + count, 0);
    const seatCountMismatch = Math.abs(Number(org?.seatsUsed ?? 0) - activeLicenses);

    const outbox = licenseItems.filter((item) => item.kind === 'outbox');
    const emails = await readSesStore(stack.mailViewerUrl.replace(/\/$/, ''));
    const sentPerEvent = new Map<string, number>();
    for (const email of emails) {
      const eventId = email.headers?.find((header) => header.name.toLowerCase() === EVENT_ID_HEADER.toLowerCase());
      if (eventId) sentPerEvent.set(eventId.value, (sentPerEvent.get(eventId.value) ?? 0) + 1);
    }
    const lost = outbox.filter((item) => !item.failedAt && !sentPerEvent.has(String(item.eventId)));
    const emailsLost = lost.length;
    const lostDetails = lost.map((item) =>
      JSON.stringify({ ...item, recipient: undefined, displayName: undefined, keyHint: undefined }),
    );
    const emailsDoubled = [...sentPerEvent.values()].reduce((sum, count) => sum + Math.max(0, count - 1), 0);
    return {
      orphanMemberships,
      seatCountMismatch,
      usersWithoutOneActiveLicense,
      activeLicensesOfInactiveUsers,
      duplicateUserNames,
      emailsLost,
      lostDetails,
      emailsDoubled,
      outboxItems: outbox.length,
    };
  } finally {
    dynamo.destroy();
  }
}

/** The mailer works from the stream: wait until every outbox item is sent (or failed for good), or time runs out. */
async function waitForOutbox(stack: LocalStack, timeoutMs: number): Promise<void> {
  const dynamo = new DynamoDBClient({
    endpoint: stack.dynamoDb.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      const items = await scanAll(dynamo, stack.config.licensesTable);
      const pending = items.filter((item) => item.kind === 'outbox' && !item.sentAt && !item.failedAt).length;
      if (pending === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  } finally {
    dynamo.destroy();
  }
}

async function main(): Promise<void> {
  const log = (line: string) => console.log(line);
  const dataDir = mkdtempSync(join(tmpdir(), 'scim-faults-'));
  const stack = await startLocalStack({
    port: await findFreePort(),
    dynamoDbPort: await findFreePort(),
    mailPort: await findFreePort(),
    dataDir,
    authorizerCacheTtlSeconds: 60,
  });
  const request = client(stack);
  let failed = false;
  try {
    const phaseTimes: string[] = [];
    const timed = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
      const started = Date.now();
      log(`${name}…`);
      const result = await run();
      phaseTimes.push(`${name} ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return result;
    };

    let issued = 0;
    await timed(`mixed load: ${CLIENTS} clients, ${LOAD_REQUESTS} requests`, () =>
      mixedLoad(request, 'load', () => issued++ < LOAD_REQUESTS && timeLeft() > 0),
    );
    const { addDeleteLeftovers } = await timed(
      `races: ${RACES} add/delete, ${WRITERS} writers on a group and a user`,
      () => races(request),
    );
    await timed(`fuzz: ${FUZZ_CASES} filters and PATCH bodies`, () => fuzz(request));
    const faultNotes = await timed('faults: DynamoDB Local killed, then frozen, under load', () =>
      faults(stack, request, log),
    );
    await timed('settling: waiting for the outbox', () => waitForOutbox(stack, OUTBOX_WAIT_MS));
    const invariants = await checkInvariants(stack, request);

    const statuses = (phase: Phase) =>
      [...(figures.byPhase.get(phase) ?? new Map()).entries()]
        .sort(([a], [b]) => a - b)
        .map(([status, count]) => `${status}×${count}`)
        .join(' ');
    const mustBeZero: Record<string, number> = {
      '5xx without a fault (input or bug)': figures.serverErrorsWithoutFault.length,
      '409 in load and races': (figures.conflicts.get('load') ?? 0) + (figures.conflicts.get('races') ?? 0),
      'lost updates (20 writers)': figures.lostUpdates,
      'add/delete races leaving the member': addDeleteLeftovers,
      'orphan memberships': invariants.orphanMemberships,
      'seat count − active licenses': invariants.seatCountMismatch,
      'active users without exactly one active license': invariants.usersWithoutOneActiveLicense,
      'active licenses of inactive or deleted users': invariants.activeLicensesOfInactiveUsers,
      'duplicate userNames': invariants.duplicateUserNames,
      'emails lost': invariants.emailsLost,
    };
    log('');
    log(
      `requests: ${figures.requests} in ${((Date.now() - startedAt) / 1000).toFixed(0)} s (${phaseTimes.join(', ')})`,
    );
    for (const phase of ['load', 'races', 'fuzz', 'faults'] as const) log(`  ${phase}: ${statuses(phase)}`);
    log(
      `during faults: ${figures.faultAnswers.ok} ok, ${figures.faultAnswers.unavailableWithRetryAfter} × 503 with Retry-After, ` +
        `${figures.faultAnswers.otherServerErrors} other 5xx, ${figures.faultAnswers.clientErrors} 4xx, ` +
        `${figures.faultAnswers.networkErrors} without an answer; slowest ${(figures.faultMaxMs / 1000).toFixed(1)} s; ` +
        `409s ${figures.conflicts.get('faults') ?? 0}; DynamoDB Local restarts ${stack.dynamoDb.restarts}`,
    );
    for (const note of faultNotes) log(`  ${note}`);
    log(`503 with Retry-After outside the fault phase (overload of this machine): ${figures.busyWithoutFault}`);
    log(`emails: ${invariants.outboxItems} outbox items, ${invariants.emailsDoubled} doubled`);
    for (const line of invariants.lostDetails) log(`  lost: ${line}`);
    for (const [name, value] of Object.entries(mustBeZero)) {
      log(`${value === 0 ? 'ok  ' : 'FAIL'} ${name}: ${value}`);
      if (value !== 0) failed = true;
    }
    for (const line of figures.serverErrorsWithoutFault.slice(0, 10)) log(`  ${line}`);
    for (const line of figures.conflictDetails.slice(0, 10)) log(`  ${line}`);
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 2;
});
