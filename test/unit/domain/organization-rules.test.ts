import { NotFoundError } from '../../../lambda/domain/errors';
import {
  CachedOrganizationGate,
  DEFAULT_ORG_SECRET_PREFIX,
  InvalidOrganizationError,
  OrganizationExistsError,
  type OrganizationGate,
  OrganizationService,
  TokenExistsError,
} from '../../../lambda/domain/organizations';
import { MAX_SEATS } from '../../../lambda/domain/seat-limits';
import { InMemoryOrganizationRepository } from '../../support/in-memory/organizations';
import { InMemoryTokenStore } from './in-memory-token-store';

const NOW = new Date('2026-11-28T12:00:00Z');

function setup(options: { tokensCreatedAt?: Date } = {}) {
  const organizations = new InMemoryOrganizationRepository();
  const tokens = new InMemoryTokenStore(() => options.tokensCreatedAt ?? NOW);
  let call = 0;
  tokens.seed('default-secret', JSON.stringify({ orgId: 'default', token: 'd'.repeat(64) }));
  const service = new OrganizationService(organizations, tokens, {
    defaultOrgId: 'default',
    secretIdOf: (orgId) => (orgId === 'default' ? 'default-secret' : `prefix/${orgId}`),
    clock: { now: () => NOW },
    random: (size) => Buffer.alloc(size, ++call),
  });
  return { organizations, tokens, service };
}

describe('organization ids, names and seats', () => {
  it('names token secrets under the prefix already deployed', () => {
    expect(DEFAULT_ORG_SECRET_PREFIX).toBe('scim-license-portal/org-token/');
  });

  it.each([
    ['Acme Café', 'acme-cafe-111111'],
    ['Ünïcode Labs', 'unicode-labs-111111'],
    ['Ｆｕｌｌｗｉｄｔｈ Crème Brûlée', 'fullwidth-creme-brulee-111111'],
    ['--Acme   Corp--', 'acme-corp-111111'],
    ['a  b', 'a-b-111111'],
    ['Twenty-four characters-x and more', 'twenty-four-characters-x-111111'],
    ['Twenty-three characters and more', 'twenty-three-characters-111111'],
    ['!!!', 'org-111111'],
  ])('derives the id of %j from its name as a slug', async (name, orgId) => {
    const { service } = setup();

    await expect(service.createWithoutToken({ name })).resolves.toMatchObject({ orgId });
  });

  it.each([
    ['a character outside the pattern after a valid start', 'acme_corp'],
    ['64 characters', 'a'.repeat(64)],
    ['a leading dash', '-acme'],
  ])('refuses an id with %s', async (_, orgId) => {
    const { service, organizations } = setup();

    const creating = service.createWithoutToken({ name: 'x', orgId });

    await expect(creating).rejects.toThrow(
      new InvalidOrganizationError(`organization id "${orgId}" must be lower-case letters, digits and dashes`),
    );
    expect(organizations.peek(orgId)).toBeUndefined();
  });

  it('accepts an id of 63 characters, a name of 200 and the extreme seat limits', async () => {
    const { service } = setup();

    await expect(service.createWithoutToken({ name: 'n'.repeat(200), orgId: 'a'.repeat(63) })).resolves.toMatchObject({
      orgId: 'a'.repeat(63),
    });
    await expect(service.createWithoutToken({ name: 'x', orgId: 'zero', seatLimit: 0 })).resolves.toMatchObject({
      seatLimit: 0,
    });
    await expect(service.setSeats('zero', MAX_SEATS)).resolves.toMatchObject({ seatLimit: MAX_SEATS });
  });

  it.each([
    [{ name: 'n'.repeat(201) }, 'the organization name must be 1 to 200 characters'],
    [{ name: '   ' }, 'the organization name must be 1 to 200 characters'],
    [{ name: 'x', seatLimit: MAX_SEATS + 1 }, `seats must be a whole number from 0 to ${MAX_SEATS}`],
  ])('refuses %j', async (input, message) => {
    const { service } = setup();

    await expect(service.createWithoutToken(input)).rejects.toThrow(new InvalidOrganizationError(message));
  });

  it('refuses to create the default organization without a token too, storing nothing', async () => {
    const { service, organizations } = setup();

    await expect(service.createWithoutToken({ name: 'Default', orgId: 'default' })).rejects.toThrow(
      new OrganizationExistsError('"default" is the default organization, which always exists'),
    );
    expect(organizations.peek('default')).toBeUndefined();
  });
});

describe('first keys, SCIM switch and listing', () => {
  it('answers TokenExists to the loser of two first-key requests at once', async () => {
    const { service, tokens } = setup();
    await service.createWithoutToken({ name: 'Acme', orgId: 'acme' });
    jest.spyOn(tokens, 'readCurrent').mockResolvedValueOnce(undefined);
    tokens.seed('prefix/acme', JSON.stringify({ orgId: 'acme', token: 'w'.repeat(64) }));

    await expect(service.issueFirstToken('acme')).rejects.toThrow(
      new TokenExistsError('organization acme already has an API key: rotate it to get a new one'),
    );
  });

  it('answers NotFound when the organization disappears while SCIM is switched or seats are set', async () => {
    const { service, organizations } = setup();
    await service.createWithoutToken({ name: 'Acme', orgId: 'acme' });
    jest.spyOn(organizations, 'setScimDisabled').mockResolvedValueOnce(undefined);

    await expect(service.setScimEnabled('acme', false)).rejects.toThrow(
      new NotFoundError('organization acme does not exist'),
    );
    await expect(service.setSeats('nobody', 1)).rejects.toThrow(
      new NotFoundError('organization nobody does not exist'),
    );
  });

  it('lists a configured default organization once, as stored', async () => {
    const { service } = setup();
    await service.setSeats('default', 7);
    await service.createWithoutToken({ name: 'Acme', orgId: 'acme' });

    const list = await service.list();

    expect(list.filter((organization) => organization.orgId === 'default')).toEqual([
      expect.objectContaining({ seatLimit: 7 }),
    ]);
    expect(list).toHaveLength(2);
  });

  it('shows the default organization before it is configured under its default name, as not stored', async () => {
    const { service } = setup();

    const details = await service.show('default');

    expect(details.stored).toBe(false);
    expect(details.organization).toEqual({
      orgId: 'default',
      name: 'Default organization',
      seatsUsed: 0,
      createdAt: '',
    });
    expect((await service.list())[0]?.name).toBe('Default organization');
  });
});

describe('show', () => {
  it('counts the token age in whole days and the seats still available', async () => {
    const { service, organizations, tokens } = setup({ tokensCreatedAt: new Date('2026-11-25T00:00:00Z') });
    await service.create({ name: 'Acme', orgId: 'acme', seatLimit: 5 });
    jest.spyOn(organizations, 'get').mockResolvedValue({
      orgId: 'acme',
      name: 'Acme',
      seatLimit: 5,
      seatsUsed: 2,
      createdAt: NOW.toISOString(),
    });

    const details = await service.show('acme');

    expect(details.seats).toEqual({ used: 2, limit: 5, available: 3 });
    expect(details.token).toMatchObject({ ageDays: 3, inGracePeriod: false, rotationInProgress: false });
    await tokens.putPending('prefix/acme', 'next', '{}');
    expect((await service.show('acme')).token?.rotationInProgress).toBe(true);
  });

  it('shows no grace period for a secret that is no token secret', async () => {
    const { service, tokens } = setup();
    await service.createWithoutToken({ name: 'Acme', orgId: 'acme' });
    tokens.seed('prefix/acme', 'not json');

    expect((await service.show('acme')).token).toMatchObject({ inGracePeriod: false });
  });
});

describe('throttle tiers and token rotation', () => {
  it('refuses an unknown tier by name', async () => {
    const { service } = setup();
    await service.createWithoutToken({ name: 'Acme', orgId: 'acme' });

    await expect(service.setThrottleTier('acme', 'huge' as never)).rejects.toThrow(
      new InvalidOrganizationError('unknown throttle tier "huge"'),
    );
  });

  it('says how to grow a full tier', async () => {
    const { service, organizations } = setup();
    for (let slot = 0; slot < 10; slot++) organizations.throttleClaims.set(`large#${slot}`, `o${slot}`);
    await service.createWithoutToken({ name: 'Acme', orgId: 'acme' });

    await expect(service.setThrottleTier('acme', 'large')).rejects.toThrow(
      new InvalidOrganizationError(
        'throttle tier large is full (10 organizations): raise its slots in ' +
          'lambda/contract/throttle-tiers.ts and deploy, or move an organization to another tier',
      ),
    );
  });

  it('does not create an organization that disappears while it is moved, and frees the slot it took', async () => {
    const { service, organizations } = setup();
    jest.spyOn(organizations, 'get').mockResolvedValueOnce({
      orgId: 'ghost',
      name: 'Ghost',
      seatsUsed: 0,
      createdAt: NOW.toISOString(),
    });

    await expect(service.setThrottleTier('ghost', 'standard')).rejects.toThrow(
      new NotFoundError('organization ghost does not exist'),
    );
    expect(organizations.peek('ghost')).toBeUndefined();
    expect(organizations.throttleClaims.size).toBe(0);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses a grace period of %p hours', async (hours) => {
    const { service } = setup();
    await service.create({ name: 'Acme', orgId: 'acme' });

    await expect(service.rotateToken('acme', hours)).rejects.toThrow(
      new InvalidOrganizationError('the grace period must be zero or more hours'),
    );
  });

  it('accepts a zero grace period: the replaced token stops at once', async () => {
    const { service } = setup();
    await service.create({ name: 'Acme', orgId: 'acme' });

    const rotated = await service.rotateToken('acme', 0);

    expect(rotated.previousTokenExpiresAt).toBeUndefined();
    expect((await service.show('acme')).token?.inGracePeriod).toBe(false);
  });
});

describe('CachedOrganizationGate at a real time of day', () => {
  it('serves an enabled gate from its cache until the period has passed', async () => {
    let now = NOW.getTime();
    const reads: string[] = [];
    const gate: OrganizationGate = { scimEnabled: true };
    const gates = new CachedOrganizationGate(
      {
        gateOf: async (orgId) => {
          reads.push(orgId);
          return gate;
        },
      },
      30_000,
      { clock: { now: () => new Date(now) } },
    );

    await gates.gateOf('acme');
    now += 29_999;
    await gates.gateOf('acme');
    const readsWithinPeriod = reads.length;
    now += 1;
    await gates.gateOf('acme');

    expect([readsWithinPeriod, reads.length]).toEqual([1, 2]);
  });
});

describe('first key failures', () => {
  it('lets a failure to create the first key secret through as it is', async () => {
    const { service, tokens } = setup();
    await service.createWithoutToken({ name: 'Acme', orgId: 'acme' });
    const failure = new Error('AccessDeniedException');
    jest.spyOn(tokens, 'createSecret').mockRejectedValueOnce(failure);

    await expect(service.issueFirstToken('acme')).rejects.toBe(failure);
  });
});
