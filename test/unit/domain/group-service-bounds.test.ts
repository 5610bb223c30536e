import {
  InvalidReferenceError,
  NotFoundError,
  PreconditionFailedError,
  VersionConflictError,
} from '../../../lambda/domain/errors';
import {
  type GroupEdit,
  type GroupRecord,
  GroupService,
  type MembershipPolicy,
  matchesGroupCriteria,
} from '../../../lambda/domain/groups';
import type { LinkedWrite } from '../../../lambda/domain/users';
import { idAt, userRecord } from '../../support/contracts/records';
import { steppingClock } from '../../support/in-memory/clock';
import { InMemoryGroupRepository } from '../../support/in-memory/groups';
import { InMemoryMemberDirectory, InMemoryUserRepository } from '../../support/in-memory/users';

const ORG = 'acme';

/** Users 1..5 of ORG (ids `idAt(1)`…). */
async function seededUsers(): Promise<InMemoryUserRepository> {
  const users = new InMemoryUserRepository();
  for (const n of [1, 2, 3, 4, 5]) await users.create(userRecord(ORG, n), []);
  return users;
}

async function setup(options: { backoff?: (attempt: number) => Promise<void>; membership?: MembershipPolicy } = {}) {
  const users = await seededUsers();
  const repository = new InMemoryGroupRepository();
  const directory = new InMemoryMemberDirectory(users);
  let next = 100;
  const service = new GroupService(repository, directory, {
    clock: steppingClock(),
    newId: () => idAt(next++),
    backoff: async () => {},
    ...options,
  });
  return { service, repository, directory, interleaving: repository.interleaving };
}

type World = Awaited<ReturnType<typeof setup>>;

/** Makes the next `times` writes lose against a concurrent rename of the group. */
function contend({ service, interleaving }: World, groupId: string, times: number, onLoss: () => void = () => {}) {
  interleaving.beforeEachOfNextWrites(times, async (attempt) => {
    onLoss();
    await service.update(ORG, groupId, () => [{ kind: 'setExternalId', externalId: `winner-${attempt}` }]);
  });
}

const add = (...ns: number[]): GroupEdit => ({ kind: 'addMembers', userIds: ns.map(idAt) });
const setExternalId = (externalId: string): GroupEdit => ({ kind: 'setExternalId', externalId });

describe('GroupService retry bounds', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('gives up an update after 40 attempts, and succeeds on the 40th', async () => {
    const world = await setup();
    const { group } = await world.service.create(ORG, { displayName: 'G', memberIds: [] });
    contend(world, group.id, 50);
    const change = jest.fn((): GroupEdit[] => [setExternalId('loser')]);

    await expect(world.service.update(ORG, group.id, change)).rejects.toThrow(VersionConflictError);
    expect(change).toHaveBeenCalledTimes(40);

    const other = await world.service.create(ORG, { displayName: 'H', memberIds: [] });
    contend(world, other.group.id, 39);
    await expect(world.service.update(ORG, other.group.id, () => [setExternalId('last')])).resolves.toMatchObject({
      externalId: 'last',
    });
  });

  it('gives up a delete after 40 attempts, and keeps the group', async () => {
    const world = await setup();
    const { group } = await world.service.create(ORG, { displayName: 'G', memberIds: [] });
    let losses = 0;
    contend(world, group.id, 50, () => losses++);

    await expect(world.service.delete(ORG, group.id)).rejects.toThrow(VersionConflictError);

    expect(losses).toBe(40);
    expect(await world.service.get(ORG, group.id)).toMatchObject({ externalId: 'winner-40' });
  });

  it('deletes on the 40th attempt when 39 races are lost', async () => {
    const world = await setup();
    const { group } = await world.service.create(ORG, { displayName: 'G', memberIds: [] });
    contend(world, group.id, 39);

    await world.service.delete(ORG, group.id);

    await expect(world.service.get(ORG, group.id)).rejects.toThrow(NotFoundError);
  });

  it.each(['update', 'delete'] as const)('stops retrying a %s once 7 seconds have passed', async (operation) => {
    jest.useFakeTimers({ now: Date.parse('2026-05-01T08:00:00.000Z') });
    const world = await setup({
      backoff: async () => {
        jest.setSystemTime(Date.now() + 3500);
      },
    });
    const { group } = await world.service.create(ORG, { displayName: 'G', memberIds: [] });
    let losses = 0;
    contend(world, group.id, 10, () => losses++);

    const attempt =
      operation === 'update'
        ? world.service.update(ORG, group.id, () => [setExternalId('loser')])
        : world.service.delete(ORG, group.id);

    await expect(attempt).rejects.toThrow(VersionConflictError);
    // Attempts start at 0 s, 3.5 s and 7 s: the third one's loss finds the budget spent.
    expect(losses).toBe(3);
  });

  it('does not retry a delete that failed for another reason than a conflict', async () => {
    const world = await setup();
    const { group } = await world.service.create(ORG, { displayName: 'G', memberIds: [] });
    const remove = jest.spyOn(world.repository, 'delete').mockRejectedValue(new Error('throttled'));

    await expect(world.service.delete(ORG, group.id)).rejects.toThrow('throttled');

    expect(remove).toHaveBeenCalledTimes(1);
  });

  it('waits a full-jitter exponential backoff by default: up to 50, 100, 200 ms after the first conflicts', async () => {
    jest.useFakeTimers({ now: Date.parse('2026-05-01T08:00:00.000Z') });
    const random = jest.spyOn(Math, 'random').mockReturnValue(0.5);
    const users = await seededUsers();
    const repository = new InMemoryGroupRepository();
    const service = new GroupService(repository, new InMemoryMemberDirectory(users), { clock: steppingClock() });
    const { group } = await service.create(ORG, { displayName: 'G', memberIds: [] });
    repository.interleaving.beforeEachOfNextWrites(3, async (n) => {
      await service.update(ORG, group.id, () => [setExternalId(`winner-${n}`)]);
    });
    let settled = false;

    const update = service
      .update(ORG, group.id, () => [setExternalId('last')])
      .finally(() => {
        settled = true;
      });
    // Half of 50, 100 and 200 ms: 175 ms in all.
    await jest.advanceTimersByTimeAsync(174);
    const settledEarly = settled;
    await jest.advanceTimersByTimeAsync(1);
    const settledOnTime = settled;
    await jest.advanceTimersByTimeAsync(10_000);
    random.mockRestore();

    expect([settledEarly, settledOnTime]).toEqual([false, true]);
    await expect(update).resolves.toMatchObject({ externalId: 'last' });
  });
});

describe('GroupService purging the memberships of deleted groups', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  /** `count` groups with one member each, deleted in the repository without their purge. */
  async function deletedGroups(world: World, count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let n = 0; n < count; n++) {
      const { group } = await world.service.create(ORG, { displayName: `G${n}`, memberIds: [idAt(1)] });
      await world.repository.delete(group);
      ids.push(group.id);
    }
    return ids;
  }

  it('answers true when every pending purge is done, false while 25 or more were pending', async () => {
    const world = await setup();
    await deletedGroups(world, 25);

    const first = await world.service.purgeDeleted(ORG, Date.now() + 60_000);
    const second = await world.service.purgeDeleted(ORG, Date.now() + 60_000);

    expect([first, second]).toEqual([false, true]);
    expect(await world.service.groupsOfUser(ORG, idAt(1))).toEqual([]);
  });

  it('answers true at once for 24 pending purges', async () => {
    const world = await setup();
    await deletedGroups(world, 24);

    await expect(world.service.purgeDeleted(ORG, Date.now() + 60_000)).resolves.toBe(true);
  });

  it('purges the named group first, then the others, each once, within the deadline it passes on', async () => {
    const world = await setup();
    const [a, b, c] = await deletedGroups(world, 3);
    const purge = jest.spyOn(world.repository, 'purgeMembers');
    const deadline = Date.now() + 60_000;

    await expect(world.service.purgeDeleted(ORG, deadline, b)).resolves.toBe(true);

    expect(purge.mock.calls).toEqual([
      [ORG, b, { deadline }],
      [ORG, a, { deadline }],
      [ORG, c, { deadline }],
    ]);
  });

  it('stops at the deadline, purging nothing once it has come', async () => {
    jest.useFakeTimers({ now: Date.parse('2026-05-01T08:00:00.000Z') });
    const world = await setup();
    await deletedGroups(world, 2);
    const purge = jest.spyOn(world.repository, 'purgeMembers');

    await expect(world.service.purgeDeleted(ORG, Date.now())).resolves.toBe(false);

    expect(purge).not.toHaveBeenCalled();
  });

  it('stops when a purge is cut short, leaving the rest to the next call', async () => {
    const world = await setup();
    const [a] = await deletedGroups(world, 2);
    const purge = jest.spyOn(world.repository, 'purgeMembers').mockResolvedValueOnce(false);

    await expect(world.service.purgeDeleted(ORG, Date.now() + 60_000)).resolves.toBe(false);

    expect(purge.mock.calls.map(([, groupId]) => groupId)).toEqual([a]);
  });
});

describe('GroupService details a client sees', () => {
  it('keeps an externalId given on create, and stores none when none is given', async () => {
    const { service } = await setup();

    const { group: withId } = await service.create(ORG, { displayName: 'A', externalId: 'ext-a', memberIds: [] });
    const { group: without } = await service.create(ORG, { displayName: 'B', memberIds: [] });

    expect(withId.externalId).toBe('ext-a');
    expect(await service.get(ORG, withId.id)).toMatchObject({ externalId: 'ext-a' });
    expect(without.externalId).toBeUndefined();
  });

  it('answers the members of a new group in user id order, however they were sent', async () => {
    const { service } = await setup();

    const { members } = await service.create(ORG, { displayName: 'A', memberIds: [5, 2, 4, 1, 3].map(idAt) });

    expect(members.map((member) => member.userId)).toEqual([1, 2, 3, 4, 5].map(idAt));
  });

  it('names the group in NotFound and stale If-Match errors', async () => {
    const { service } = await setup();
    const { group } = await service.create(ORG, { displayName: 'A', memberIds: [] });
    await service.update(ORG, group.id, () => [setExternalId('v2')]);
    const missing = idAt(99);

    await expect(service.get(ORG, missing)).rejects.toThrow(`Group ${missing} not found`);
    await expect(service.delete(ORG, missing)).rejects.toThrow(new NotFoundError(`Group ${missing} not found`));
    const stale = `Group ${group.id} is at version 2, not 1`;
    await expect(service.update(ORG, group.id, () => [setExternalId('v3')], { ifMatch: 1 })).rejects.toThrow(
      new PreconditionFailedError(stale),
    );
    await expect(service.delete(ORG, group.id, { ifMatch: 1 })).rejects.toThrow(new PreconditionFailedError(stale));
  });

  it('names at most ten unknown member ids, each cut to 80 characters, and counts the rest', async () => {
    const { service } = await setup();
    const unknown = Array.from({ length: 12 }, (_, n) => idAt(200 + n));
    const long = `x${'y'.repeat(100)}`;

    const create = service.create(ORG, { displayName: 'A', memberIds: [long, ...unknown] });

    await expect(create).rejects.toThrow(
      new InvalidReferenceError(
        `Group members must be users of this organization; unknown user id(s): ${[long.slice(0, 80), ...unknown.slice(0, 9)].join(', ')} and 3 more. ` +
          'Provision these users first (or push the group again), then retry; nothing was changed',
      ),
    );
  });

  it('names all of exactly ten unknown member ids', async () => {
    const { service } = await setup();
    const unknown = Array.from({ length: 10 }, (_, n) => idAt(200 + n));

    await expect(service.create(ORG, { displayName: 'A', memberIds: unknown })).rejects.toThrow(
      `unknown user id(s): ${unknown.join(', ')}. Provision`,
    );
  });

  it('reads only the memberships of ids it could have issued, and none when no such id is named', async () => {
    const { service, repository } = await setup();
    const { group } = await service.create(ORG, { displayName: 'A', memberIds: [idAt(1)] });
    const among = jest.spyOn(repository, 'membersAmong');

    await service.update(ORG, group.id, () => [{ kind: 'removeMembers', userIds: ['not-an-id', idAt(1)] }]);
    await service.update(ORG, group.id, () => [{ kind: 'removeMembers', userIds: ['not-an-id'] }]);

    expect(among.mock.calls).toEqual([[ORG, group.id, [idAt(1)]]]);
    expect(await service.members(ORG, group.id)).toEqual([]);
  });
});

describe('GroupService with a membership policy', () => {
  const planWrite = (userId: string): LinkedWrite => ({ kind: `plan-of-${userId}` });

  it('asks the policy about the new members of a created group, and removes no one', async () => {
    const plan = jest.fn(async () => new Map<string, readonly LinkedWrite[]>());
    const { service } = await setup({ membership: { plan } });

    const { group } = await service.create(ORG, { displayName: 'A', memberIds: [idAt(1)] });

    expect(plan.mock.calls[0]?.slice(0, 3)).toEqual([
      group,
      { add: [{ userId: idAt(1), display: 'user1@example.com' }], remove: [] },
      new Set(),
    ]);
  });

  it('plans a created group again without the plans whose seats ran out', async () => {
    const refusedSets: string[][] = [];
    const { service, repository } = await setup({
      membership: {
        plan: async (_group, change, refused) => {
          refusedSets.push([...refused]);
          return new Map(change.add.map((member) => [member.userId, [planWrite(member.userId)]]));
        },
      },
    });
    const create = jest.spyOn(repository, 'create');
    create.mockImplementationOnce(async () => {
      throw Object.assign(new Error('plan seats taken'), { refusals: [{ userId: idAt(1), plan: 'gold' }] });
    });

    const { group } = await service.create(ORG, { displayName: 'A', memberIds: [idAt(1)] });

    expect(refusedSets).toEqual([[], [`${idAt(1)}#gold`]]);
    expect(create).toHaveBeenCalledTimes(2);
    expect(await service.members(ORG, group.id)).toEqual([{ userId: idAt(1), display: 'user1@example.com' }]);
  });

  it.each(['create', 'update'] as const)(
    'gives up a %s whose refusals repeat: planning again would change nothing',
    async (operation) => {
      const refusal = Object.assign(new Error('plan seats taken'), { refusals: [{ userId: idAt(2), plan: 'gold' }] });
      const plan = jest.fn(async () => new Map<string, readonly LinkedWrite[]>([[idAt(2), [planWrite(idAt(2))]]]));
      const { service, repository } = await setup({ membership: { plan } });
      const { group } = await service.create(ORG, { displayName: 'A', memberIds: [idAt(1)] });
      plan.mockClear();
      jest.spyOn(repository, operation === 'create' ? 'create' : 'changeMembers').mockRejectedValue(refusal);

      const attempt =
        operation === 'create'
          ? service.create(ORG, { displayName: 'B', memberIds: [idAt(2)] })
          : service.update(ORG, group.id, () => [add(2)]);

      await expect(attempt).rejects.toBe(refusal);
      expect(plan).toHaveBeenCalledTimes(2);
    },
  );
});

describe('matchesGroupCriteria: a group matches when every criterion holds', () => {
  const group: GroupRecord = {
    orgId: ORG,
    id: idAt(1),
    displayName: 'Engineering',
    externalId: 'ext-Eng',
    version: 1,
    created: '2026-05-01T08:00:00.000Z',
    lastModified: '2026-05-01T08:00:00.000Z',
  };

  it.each([
    ['no criterion', {}],
    ['its id', { id: idAt(1) }],
    ['its displayName in another case', { displayName: 'ENGINEERING' }],
    ['its externalId', { externalId: 'ext-Eng' }],
    ['all three', { id: idAt(1), displayName: 'engineering', externalId: 'ext-Eng' }],
  ])('matches %s', (_, criteria) => {
    expect(matchesGroupCriteria(group, criteria)).toBe(true);
  });

  it.each([
    ['another id', { id: idAt(2) }],
    ['another displayName', { displayName: 'Sales' }],
    ['its externalId in another case', { externalId: 'EXT-ENG' }],
    ['a right displayName with a wrong id', { id: idAt(2), displayName: 'Engineering' }],
    ['a right id with a wrong displayName', { id: idAt(1), displayName: 'Sales' }],
    ['a right displayName with a wrong externalId', { displayName: 'Engineering', externalId: 'ext-Sales' }],
  ])('does not match %s', (_, criteria) => {
    expect(matchesGroupCriteria(group, criteria)).toBe(false);
  });
});
