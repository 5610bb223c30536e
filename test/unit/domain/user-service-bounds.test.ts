import { NotFoundError, PreconditionFailedError, VersionConflictError } from '../../../lambda/domain/errors';
import {
  matchesCriteria,
  type PrefetchIntent,
  type UserChangePolicy,
  type UserProfile,
  type UserRecord,
  UserService,
} from '../../../lambda/domain/users';
import { idAt } from '../../support/contracts/records';
import { steppingClock } from '../../support/in-memory/clock';
import { InMemoryUserRepository } from '../../support/in-memory/users';

const ORG = 'acme';

function sequentialIds(): () => string {
  let n = 1;
  return () => idAt(n++);
}

function profile(userName: string, extra: Partial<UserProfile> = {}): UserProfile {
  return {
    userName,
    active: true,
    emails: [{ value: userName.toLowerCase(), type: 'work' }],
    document: { userName },
    ...extra,
  };
}

function withAttribute(name: string, value: unknown) {
  return (current: UserRecord): UserProfile => ({ ...current, document: { ...current.document, [name]: value } });
}

function setup(options: { backoff?: (attempt: number) => Promise<void>; policy?: UserChangePolicy } = {}) {
  const repository = new InMemoryUserRepository();
  const service = new UserService(repository, { clock: steppingClock(), newId: sequentialIds(), ...options });
  return { repository, service, interleaving: repository.interleaving };
}

/** Makes the next `times` writes lose against a concurrent change of the same user. */
function contend(
  { service, interleaving }: ReturnType<typeof setup>,
  userId: string,
  times: number,
  onLoss: () => void = () => {},
) {
  interleaving.beforeEachOfNextWrites(times, async (attempt) => {
    onLoss();
    await service.update(ORG, userId, withAttribute('winner', attempt));
  });
}

describe('UserService retry bounds', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('gives up an update after 40 attempts when every one of them loses a race', async () => {
    const backoff = jest.fn(async (_attempt: number) => {});
    const world = setup({ backoff });
    const user = await world.service.create(ORG, profile('ada@example.com'));
    contend(world, user.id, 50);
    const change = jest.fn(withAttribute('department', 'R&D'));

    await expect(world.service.update(ORG, user.id, change)).rejects.toThrow(VersionConflictError);

    expect(change).toHaveBeenCalledTimes(40);
    expect(backoff.mock.calls.map(([attempt]) => attempt)).toEqual(Array.from({ length: 39 }, (_, i) => i + 1));
    expect((await world.service.get(ORG, user.id)).document).not.toHaveProperty('department');
  });

  it('succeeds on the 40th attempt when only 39 races are lost', async () => {
    const world = setup({ backoff: async () => {} });
    const user = await world.service.create(ORG, profile('ada@example.com'));
    contend(world, user.id, 39);

    const updated = await world.service.update(ORG, user.id, withAttribute('department', 'R&D'));

    expect(updated.document).toMatchObject({ winner: 39, department: 'R&D' });
  });

  it('gives up a delete after 40 attempts when every one of them loses a race, and keeps the user', async () => {
    const backoff = jest.fn(async (_attempt: number) => {});
    const world = setup({ backoff });
    const user = await world.service.create(ORG, profile('ada@example.com'));
    const writesBefore = world.interleaving.writes;
    contend(world, user.id, 50);

    await expect(world.service.delete(ORG, user.id)).rejects.toThrow(VersionConflictError);

    expect(world.interleaving.writes - writesBefore).toBe(40);
    expect(backoff.mock.calls.map(([attempt]) => attempt)).toEqual(Array.from({ length: 39 }, (_, i) => i + 1));
    expect(await world.service.get(ORG, user.id)).toMatchObject({ version: 41, document: { winner: 40 } });
  });

  it('stops retrying once 7 seconds have passed since the request started, however few attempts that was', async () => {
    jest.useFakeTimers({ now: Date.parse('2026-05-01T08:00:00.000Z') });
    const world = setup({
      backoff: async () => {
        jest.setSystemTime(Date.now() + 3500);
      },
    });
    const user = await world.service.create(ORG, profile('ada@example.com'));
    contend(world, user.id, 10);
    const change = jest.fn(withAttribute('department', 'R&D'));

    await expect(world.service.update(ORG, user.id, change)).rejects.toThrow(VersionConflictError);

    // Attempts start at 0 s, 3.5 s and 7 s: the third one's loss finds the budget spent.
    expect(change).toHaveBeenCalledTimes(3);
  });

  it('stops retrying a delete once 7 seconds have passed', async () => {
    jest.useFakeTimers({ now: Date.parse('2026-05-01T08:00:00.000Z') });
    const world = setup({
      backoff: async () => {
        jest.setSystemTime(Date.now() + 3500);
      },
    });
    const user = await world.service.create(ORG, profile('ada@example.com'));
    let losses = 0;
    contend(world, user.id, 10, () => losses++);

    await expect(world.service.delete(ORG, user.id)).rejects.toThrow(VersionConflictError);

    expect(losses).toBe(3);
  });

  it('waits a full-jitter exponential backoff between attempts, capped at 400 ms', async () => {
    jest.useFakeTimers({ now: Date.parse('2026-05-01T08:00:00.000Z') });
    const random = jest.spyOn(Math, 'random').mockReturnValue(0.5);
    const world = setup();
    const user = await world.service.create(ORG, profile('ada@example.com'));
    contend(world, user.id, 5);
    let settled = false;

    const update = world.service.update(ORG, user.id, withAttribute('department', 'R&D')).finally(() => {
      settled = true;
    });
    // Half of 40, 80, 160, 320 and then 400 ms (not 640) after the five losses: 500 ms in all.
    await jest.advanceTimersByTimeAsync(499);
    const settledEarly = settled;
    await jest.advanceTimersByTimeAsync(1);
    const settledOnTime = settled;
    await jest.advanceTimersByTimeAsync(10_000);
    random.mockRestore();

    expect([settledEarly, settledOnTime]).toEqual([false, true]);
    await expect(update).resolves.toMatchObject({ document: { winner: 5, department: 'R&D' } });
  });
});

describe('UserService asks its policy for the reads a change needs', () => {
  function recordingPolicy() {
    const intents: PrefetchIntent[] = [];
    const prefetched = { marker: Promise.resolve('read early') };
    const planned: unknown[] = [];
    const policy: UserChangePolicy = {
      prefetch: (_orgId, _userId, intent) => {
        intents.push(intent);
        return prefetched;
      },
      plan: async (change) => {
        planned.push(change.prefetched);
        return [];
      },
    };
    return { policy, intents, planned, prefetched };
  }

  it('by default prepares an update for a deactivation, not an activation', async () => {
    const { policy, intents, planned, prefetched } = recordingPolicy();
    const { service } = setup({ policy });
    const user = await service.create(ORG, profile('ada@example.com'));

    await service.update(ORG, user.id, withAttribute('title', 'x'));

    expect(intents).toEqual([{ deactivation: true, activation: false }]);
    expect(planned.at(-1)).toBe(prefetched);
  });

  it('passes on what the caller says the update may do', async () => {
    const { policy, intents } = recordingPolicy();
    const { service } = setup({ policy });
    const user = await service.create(ORG, profile('ada@example.com', { active: false }));

    await service.update(ORG, user.id, withAttribute('title', 'x'), { mayDeactivate: false, mayActivate: true });

    expect(intents).toEqual([{ deactivation: false, activation: true }]);
  });

  it('prepares a delete as a deactivation', async () => {
    const { policy, intents, planned, prefetched } = recordingPolicy();
    const { service } = setup({ policy });
    const user = await service.create(ORG, profile('ada@example.com'));

    await service.delete(ORG, user.id);

    expect(intents).toEqual([{ deactivation: true, activation: false }]);
    expect(planned.at(-1)).toBe(prefetched);
  });
});

describe('UserService error messages name the user and the versions', () => {
  it('says which user was not found, on read, update and delete', async () => {
    const { service } = setup();
    const missing = idAt(99);

    await expect(service.get(ORG, missing)).rejects.toThrow(new NotFoundError(`User ${missing} not found`));
    await expect(service.update(ORG, missing, withAttribute('title', 'x'))).rejects.toThrow(
      `User ${missing} not found`,
    );
    await expect(service.delete(ORG, missing)).rejects.toThrow(`User ${missing} not found`);
  });

  it('says which version the user is at when If-Match names another', async () => {
    const { service } = setup();
    const user = await service.create(ORG, profile('ada@example.com'));
    await service.update(ORG, user.id, withAttribute('title', 'v2'));

    const expected = `User ${user.id} is at version 2, not 1`;
    await expect(service.update(ORG, user.id, withAttribute('title', 'v3'), { ifMatch: 1 })).rejects.toThrow(
      new PreconditionFailedError(expected),
    );
    await expect(service.delete(ORG, user.id, { ifMatch: 1 })).rejects.toThrow(expected);
  });
});

describe('matchesCriteria: a user matches when every criterion holds', () => {
  const ada: UserRecord = {
    orgId: ORG,
    id: idAt(1),
    version: 1,
    created: '2026-05-01T08:00:00.000Z',
    lastModified: '2026-05-01T08:00:00.000Z',
    userName: 'Ada@Example.com',
    externalId: 'ext-Ada',
    active: true,
    emails: [
      { value: 'ada@home.example', type: 'home' },
      { value: 'Ada.Lovelace@Work.example', type: 'Work' },
      {
        value: 'ada@untyped.example',
      },
    ],
    document: {},
  };

  it.each([
    ['no criterion', {}],
    ['its id', { id: idAt(1) }],
    ['its userName in another case', { userName: 'ADA@example.COM' }],
    ['its externalId exactly', { externalId: 'ext-Ada' }],
    ['any of its emails in another case', { email: { value: 'ADA.LOVELACE@work.example' } }],
    ['an email with its type in another case', { email: { value: 'ada.lovelace@work.example', type: 'work' } }],
    [
      'all of id, userName, externalId and email',
      {
        id: idAt(1),
        userName: 'ada@example.com',
        externalId: 'ext-Ada',
        email: { value: 'ada@home.example', type: 'HOME' },
      },
    ],
  ])('matches %s', (_, criteria) => {
    expect(matchesCriteria(ada, criteria)).toBe(true);
  });

  it.each([
    ['another id', { id: idAt(2) }],
    ['another userName', { userName: 'grace@example.com' }],
    ['its externalId in another case', { externalId: 'EXT-ADA' }],
    ['an email it does not have', { email: { value: 'grace@example.com' } }],
    ['its email under another type', { email: { value: 'ada@home.example', type: 'work' } }],
    ['an untyped email asked with a type', { email: { value: 'ada@untyped.example', type: 'other' } }],
    ['a right userName with a wrong id', { id: idAt(2), userName: 'ada@example.com' }],
    ['a right userName with a wrong externalId', { userName: 'ada@example.com', externalId: 'ext-Grace' }],
    ['a right externalId with a wrong email', { externalId: 'ext-Ada', email: { value: 'grace@example.com' } }],
    ['a right id with a wrong userName', { id: idAt(1), userName: 'grace@example.com' }],
  ])('does not match %s', (_, criteria) => {
    expect(matchesCriteria(ada, criteria)).toBe(false);
  });

  it('finds users through the service by these criteria', async () => {
    const { service } = setup();
    const user = await service.create(ORG, profile('ada@example.com', { externalId: 'ext-1' }));
    await service.create(ORG, profile('grace@example.com', { externalId: 'ext-2' }));

    expect(await service.find(ORG, { userName: 'ADA@example.com', externalId: 'ext-1' })).toEqual([user]);
    expect(await service.find(ORG, { userName: 'ada@example.com', externalId: 'ext-2' })).toEqual([]);
  });
});
