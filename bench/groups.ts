/**
 * Large groups, step by step, through the SCIM API: 5,000 users pushed into one group in 100-member PATCHes (as Okta's
 * Push Groups does), one member removed, a full push of the unchanged membership, reads with and without members,
 * and the delete. `bench/run.ts` calls `benchGroups` against the local stack and prints what it returns.
 *
 * Timings compare steps within one run on one machine; the DynamoDB request counts are the portable figures.
 */

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export interface BenchResponse {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: SCIM bodies are navigated loosely here.
  readonly body: any;
}

export interface GroupsBenchContext {
  /** SCIM base URL, e.g. `http://localhost:8080/scim/v2` (reported, requests go through `request`). */
  readonly baseUrl: string;
  readonly token: string;
  /** Sends one SCIM request (`path` below the base URL, with query) and answers its status and parsed body. */
  request(method: string, path: string, body?: unknown): Promise<BenchResponse>;
  /** The number of DynamoDB requests the handler sent so far; when given, each step reports how many it took. */
  readonly dynamoRequestCount?: () => number;
  /** @default 5000 */
  readonly groupSize?: number;
  /** Members per PATCH. @default 100 */
  readonly batchSize?: number;
  /** Concurrent `POST /Users` while creating the members. @default 4 */
  readonly userConcurrency?: number;
  /**
   * Makes `count` users of the token's organization and answers their ids. @default `POST /Users` for each, which
   * takes minutes for 5,000 on DynamoDB Local; `seedUsers` (test/support/seed-users.ts) writes them in seconds.
   */
  readonly createUsers?: (count: number) => Promise<string[]>;
  /**
   * Writes memberships straight into the table. When given, all members but the last `addedByPatch` are seeded this
   * way (pushing 100,000 members in 1,000 PATCHes takes far too long on DynamoDB Local), and the PATCHes add the rest.
   */
  readonly seedMembers?: (groupId: string, userIds: readonly string[]) => Promise<void>;
  /** @default 1000 */
  readonly addedByPatch?: number;
  /** Memberships of the group still stored; when given, the purge after the DELETE is followed until it ends. */
  readonly storedMemberships?: (groupId: string) => Promise<number>;
}

/**
 * Runs the steps and answers their figures, keyed `<step>.<figure>`: times in milliseconds, DynamoDB requests when
 * `dynamoRequestCount` is given. Throws when a step answers an unexpected status or the membership comes out wrong.
 */
export async function benchGroups(ctx: GroupsBenchContext): Promise<Record<string, number | string>> {
  const size = ctx.groupSize ?? 5000;
  const batch = ctx.batchSize ?? 100;
  const results: Record<string, number | string> = { 'group.size': size, 'patch.batchSize': batch };
  const run = tag();

  const step = async <T>(name: string, action: () => Promise<T>): Promise<T> => {
    const requestsBefore = ctx.dynamoRequestCount?.();
    const start = performance.now();
    const value = await action();
    results[`${name}.ms`] = round(performance.now() - start);
    if (requestsBefore !== undefined && ctx.dynamoRequestCount) {
      results[`${name}.dynamoRequests`] = ctx.dynamoRequestCount() - requestsBefore;
    }
    return value;
  };
  const expectStatus = (response: BenchResponse, expected: readonly number[], what: string): BenchResponse => {
    if (!expected.includes(response.status)) {
      throw new Error(`${what} answered ${response.status}: ${JSON.stringify(response.body)?.slice(0, 300)}`);
    }
    return response;
  };

  const userIds = await step('users.create', () =>
    ctx.createUsers
      ? ctx.createUsers(size)
      : createUsers(ctx, size, ctx.userConcurrency ?? 4, run, (response, i) =>
          expectStatus(response, [201], `user ${i}`),
        ),
  );

  const groupId = await step('group.create', async () => {
    const response = await ctx.request('POST', '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: `Bench everyone ${run}`,
      members: [],
    });
    return expectStatus(response, [201], 'POST /Groups').body.id as string;
  });

  const seeded = ctx.seedMembers ? Math.max(0, size - (ctx.addedByPatch ?? 1000)) : 0;
  if (ctx.seedMembers && seeded > 0) {
    const seedMembers = ctx.seedMembers;
    await step('members.seed', () => seedMembers(groupId, userIds.slice(0, seeded)));
    results['members.seeded'] = seeded;
  }

  const patchTimes: number[] = [];
  const patchRequests: number[] = [];
  const patchStatuses = new Set<number>();
  await step('members.add', async () => {
    for (let start = seeded; start < size; start += batch) {
      const value = userIds.slice(start, start + batch).map((id) => ({ value: id }));
      const requestsBefore = ctx.dynamoRequestCount?.();
      const began = performance.now();
      const response = await ctx.request('PATCH', `/Groups/${groupId}`, {
        schemas: [PATCH_SCHEMA],
        Operations: [
          { op: 'replace', value: { id: groupId, displayName: `Bench everyone ${run}` } },
          { op: 'add', path: 'members', value },
        ],
      });
      patchTimes.push(performance.now() - began);
      if (requestsBefore !== undefined && ctx.dynamoRequestCount) {
        patchRequests.push(ctx.dynamoRequestCount() - requestsBefore);
      }
      patchStatuses.add(expectStatus(response, [200, 204], `PATCH add ${start}`).status);
    }
  });
  results['members.add.patches'] = patchTimes.length;
  results['members.add.p50Ms'] = round(percentile(patchTimes, 50));
  results['members.add.p95Ms'] = round(percentile(patchTimes, 95));
  results['members.add.maxMs'] = round(Math.max(...patchTimes));
  results['members.add.statuses'] = [...patchStatuses].sort().join('/');
  if (patchRequests.length > 0) {
    results['members.add.dynamoRequestsPerPatchMax'] = Math.max(...patchRequests);
    results['members.add.dynamoRequestsPerPatchLast'] = patchRequests[patchRequests.length - 1] ?? 0;
  }

  const lastBatch = userIds.slice(Math.max(0, size - batch)).map((id) => ({ value: id }));
  await step('members.addExisting', async () => {
    const response = await ctx.request('PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'add', path: 'members', value: lastBatch }],
    });
    expectStatus(response, [200, 204], 'PATCH add existing');
  });
  await step('members.removeNonMembers', async () => {
    const response = await ctx.request('PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'remove', path: 'members', value: [{ value: '00000000-0000-7000-8000-000000000000' }] }],
    });
    expectStatus(response, [200, 204], 'PATCH remove non-members');
  });
  await step('groups.list200', async () => {
    const response = expectStatus(await ctx.request('GET', '/Groups?startIndex=1&count=200'), [200], 'GET /Groups');
    const withMembers = (response.body.Resources ?? []).filter((group: { members?: unknown }) => group.members);
    if (withMembers.length > 0) throw new Error('a list without attributes=members returned members');
  });

  const leaving = userIds[Math.floor(size / 2)] ?? '';
  await step('members.removeOne', async () => {
    const response = await ctx.request('PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'remove', path: `members[value eq "${leaving}"]` }],
    });
    results['members.removeOne.status'] = expectStatus(response, [200, 204], 'PATCH remove').status;
  });

  await step('group.getWithoutMembers', async () => {
    const response = await ctx.request('GET', `/Groups/${groupId}?excludedAttributes=members`);
    if (expectStatus(response, [200], 'GET without members').body.members !== undefined) {
      throw new Error('excludedAttributes=members still returned members');
    }
  });

  const remaining = userIds.filter((id) => id !== leaving);
  await step('group.getWithMembers', async () => {
    const response = expectStatus(await ctx.request('GET', `/Groups/${groupId}`), [200, 400], 'GET with members');
    results['group.getWithMembers.status'] = response.status;
    if (response.status === 400) {
      // Past the response limit (about 45,000 members): refused with tooMany, before reading every member.
      if (response.body.scimType !== 'tooMany') throw new Error(`GET with members: ${JSON.stringify(response.body)}`);
      return;
    }
    results['group.getWithMembers.bytes'] = JSON.stringify(response.body).length;
    const members: string[] = (response.body.members ?? []).map((member: { value: string }) => member.value);
    if (members.length !== size - 1 || members.includes(leaving)) {
      throw new Error(`the group has ${members.length} members after the removal, expected ${size - 1}`);
    }
  });

  await step('user.groups', async () => {
    const response = expectStatus(await ctx.request('GET', `/Users/${leaving}`), [200], 'GET user');
    if ((response.body.groups ?? []).length !== 0) throw new Error('the removed user still lists the group');
  });

  await step('members.fullPushUnchanged', async () => {
    const response = await ctx.request('PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'replace', path: 'members', value: remaining.map((id) => ({ value: id })) }],
    });
    // A push of about 20,000 members or more passes the 1 MB request body limit: 413, and nothing changes.
    results['members.fullPushUnchanged.status'] = expectStatus(response, [200, 204, 413], 'PATCH full push').status;
  });

  await step('group.delete', async () => {
    expectStatus(await ctx.request('DELETE', `/Groups/${groupId}`), [204], 'DELETE /Groups');
  });

  const storedMemberships = ctx.storedMemberships;
  if (storedMemberships) {
    results['group.delete.membershipsLeft'] = await storedMemberships(groupId);
    // Each later group DELETE of the organization (here the repeated one, answered 404) purges for its time budget.
    const deletes: number[] = [];
    await step('group.purgeRest', async () => {
      while ((await storedMemberships(groupId)) > 0) {
        const began = performance.now();
        expectStatus(await ctx.request('DELETE', `/Groups/${groupId}`), [404], 'repeated DELETE');
        deletes.push(performance.now() - began);
      }
    });
    results['group.purgeRest.deletes'] = deletes.length;
    results['group.purgeRest.maxMs'] = round(Math.max(0, ...deletes));
  }

  return results;
}

async function createUsers(
  ctx: GroupsBenchContext,
  count: number,
  concurrency: number,
  run: string,
  check: (response: BenchResponse, index: number) => BenchResponse,
): Promise<string[]> {
  const ids = new Array<string>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const userName = `bench.group.${run}.${index}@example.com`;
      const response = await ctx.request('POST', '/Users', {
        schemas: [USER_SCHEMA],
        userName,
        name: { givenName: 'Bench', familyName: `Member ${index}` },
        emails: [{ value: userName, type: 'work', primary: true }],
        active: true,
      });
      ids[index] = check(response, index).body.id;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return ids;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function tag(): string {
  return Math.random().toString(36).slice(2, 8);
}
