import { THROTTLE_TIERS } from '../../../lambda/contract/throttle-tiers';
import { NotFoundError } from '../../../lambda/domain/errors';
import {
  CachedOrganizationGate,
  InvalidOrganizationError,
  OrganizationExistsError,
  type OrganizationGate,
  OrganizationService,
  TokenExistsError,
} from '../../../lambda/domain/organizations';
import { isOrgToken } from '../../../lambda/domain/token-rotation';
import { parseTokenSecret } from '../../../lambda/domain/tokens';
import { InMemoryOrganizationRepository } from '../../support/in-memory/organizations';
import { InMemoryTokenStore } from './in-memory-token-store';

function hasOrganization(organizations: InMemoryOrganizationRepository, orgId: string): boolean {
  return organizations.peek(orgId) !== undefined;
}

const NOW = new Date('2026-11-28T12:00:00Z');

function setup() {
  const organizations = new InMemoryOrganizationRepository();
  const tokens = new InMemoryTokenStore(() => NOW);
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

describe('OrganizationService.create', () => {
  it('stores the organization and a secret holding a token that names it', async () => {
    const { service, tokens, organizations } = setup();

    const created = await service.create({ name: '  Acme Corp. ', seatLimit: 5 });

    expect(created.organization).toEqual({
      orgId: 'acme-corp-111111',
      name: 'Acme Corp.',
      seatLimit: 5,
      seatsUsed: 0,
      createdAt: NOW.toISOString(),
    });
    expect(created.secretId).toBe('prefix/acme-corp-111111');
    expect(isOrgToken(created.token, 'acme-corp-111111')).toBe(true);
    expect(parseTokenSecret(tokens.currentValue('prefix/acme-corp-111111') ?? '')).toEqual({
      orgId: 'acme-corp-111111',
      token: created.token,
    });
    expect(tokens.tags.get('prefix/acme-corp-111111')).toBe('acme-corp-111111');
    expect(hasOrganization(organizations, 'acme-corp-111111')).toBe(true);
  });

  it('removes the organization again when its secret cannot be created', async () => {
    const { service, tokens, organizations } = setup();
    tokens.seed('prefix/taken', '{}');

    const attempt = service.create({ name: 'Taken', orgId: 'taken' });

    await expect(attempt).rejects.toThrow(OrganizationExistsError);
    expect(hasOrganization(organizations, 'taken')).toBe(false);
  });

  it.each([
    [{ name: '' }, 'name must be 1 to 200 characters'],
    [{ name: 'x', seatLimit: -1 }, 'seats must be a whole number'],
    [{ name: 'x', seatLimit: 1.5 }, 'seats must be a whole number'],
    [{ name: 'x', orgId: 'Bad_Id' }, 'lower-case letters, digits and dashes'],
  ])('refuses %j', async (input, message) => {
    const { service } = setup();

    await expect(service.create(input)).rejects.toThrow(message);
    await expect(service.create(input)).rejects.toThrow(InvalidOrganizationError);
  });

  it('refuses to create the default organization', async () => {
    const { service } = setup();

    await expect(service.create({ name: 'Default', orgId: 'default' })).rejects.toThrow(OrganizationExistsError);
  });
});

describe('OrganizationService.createWithoutToken and issueFirstToken', () => {
  it('creates the organization without a secret, then issues its first key once', async () => {
    const { service, tokens } = setup();

    const organization = await service.createWithoutToken({ name: 'Later', orgId: 'later' });
    const before = tokens.currentValue('prefix/later');
    const issued = await service.issueFirstToken('later');
    const again = service.issueFirstToken('later');

    expect(organization).toMatchObject({ orgId: 'later', name: 'Later', seatsUsed: 0 });
    expect(before).toBeUndefined();
    expect(issued).toMatchObject({ orgId: 'later', secretId: 'prefix/later' });
    expect(parseTokenSecret(tokens.currentValue('prefix/later') ?? '')).toEqual({
      orgId: 'later',
      token: issued.token,
    });
    await expect(again).rejects.toThrow(TokenExistsError);
    await expect(again).rejects.toThrow('already has an API key: rotate it');
  });

  it('refuses a first key for the default organization, whose key is deployed, and for an unknown one', async () => {
    const { service } = setup();

    await expect(service.issueFirstToken('default')).rejects.toThrow(TokenExistsError);
    await expect(service.issueFirstToken('nobody')).rejects.toThrow(NotFoundError);
  });
});

describe('OrganizationService.setScimEnabled', () => {
  it('records when SCIM was disabled, keeps that time when disabled again, and clears it when enabled', async () => {
    const { service } = setup();
    await service.create({ name: 'Acme', orgId: 'acme', seatLimit: 3 });

    const disabled = await service.setScimEnabled('acme', false);
    const twice = await service.setScimEnabled('acme', false);
    const enabled = await service.setScimEnabled('acme', true);

    expect(disabled).toMatchObject({ orgId: 'acme', seatLimit: 3, scimDisabledAt: NOW.toISOString() });
    expect(twice.scimDisabledAt).toBe(NOW.toISOString());
    expect(enabled).not.toHaveProperty('scimDisabledAt');
    expect(enabled.seatLimit).toBe(3);
  });

  it('creates the default organization item to disable it, and refuses an unknown organization', async () => {
    const { service } = setup();

    const disabled = await service.setScimEnabled('default', false);

    expect(disabled).toMatchObject({ orgId: 'default', name: 'Default organization' });
    expect(disabled.scimDisabledAt).toBe(NOW.toISOString());
    await expect(service.setScimEnabled('nobody', false)).rejects.toThrow(NotFoundError);
  });
});

describe('OrganizationService.list, show and setSeats', () => {
  it('lists the default organization even before it has an item', async () => {
    const { service } = setup();
    await service.create({ name: 'Acme', orgId: 'acme' });

    const list = await service.list();

    expect(list.map((organization) => organization.orgId)).toEqual(['default', 'acme']);
  });

  it('shows seats, token age and the grace period of a rotation', async () => {
    const { service } = setup();
    await service.create({ name: 'Acme', orgId: 'acme', seatLimit: 5 });
    const rotated = await service.rotateToken('acme', 10);

    const details = await service.show('acme');

    expect(details.seats).toEqual({ used: 0, limit: 5, available: 5 });
    expect(details.token).toEqual({
      secretId: 'prefix/acme',
      issuedAt: NOW.toISOString(),
      ageDays: 0,
      inGracePeriod: true,
      previousTokenExpiresAt: '2026-11-28T22:00:00.000Z',
      rotationInProgress: false,
      rotation: { rotationEnabled: false },
    });
    expect(rotated.previousTokenExpiresAt).toBe('2026-11-28T22:00:00.000Z');
  });

  it('sets the default organization seats by creating its item, and clears a limit', async () => {
    const { service } = setup();

    const limited = await service.setSeats('default', 3);
    const unlimited = await service.setSeats('default', undefined);

    expect(limited).toMatchObject({ orgId: 'default', seatLimit: 3, seatsUsed: 0 });
    expect(unlimited.seatLimit).toBeUndefined();
  });

  it('answers NotFoundError for an unknown organization', async () => {
    const { service } = setup();

    await expect(service.setSeats('nobody', 3)).rejects.toThrow(NotFoundError);
    await expect(service.show('nobody')).rejects.toThrow('organization nobody does not exist');
    await expect(service.rotateToken('nobody')).rejects.toThrow(NotFoundError);
  });
});

describe('OrganizationService token rotation', () => {
  it('rotates the default organization secret to a token that names the organization', async () => {
    const { service, tokens } = setup();

    const rotated = await service.rotateToken('default');

    expect(isOrgToken(rotated.token, 'default')).toBe(true);
    expect(parseTokenSecret(tokens.currentValue('default-secret') ?? '')?.previousToken).toBe('d'.repeat(64));
  });

  it('revokes the previous token after a rotation, and reports when there is none', async () => {
    const { service } = setup();
    await service.create({ name: 'Acme', orgId: 'acme' });
    await service.rotateToken('acme');

    const first = await service.revokePreviousToken('acme');
    const second = await service.revokePreviousToken('acme');

    expect(first).toEqual({ orgId: 'acme', revoked: true });
    expect(second).toEqual({ orgId: 'acme', revoked: false });
    expect((await service.show('acme')).token?.inGracePeriod).toBe(false);
  });
});

describe('OrganizationService.setThrottleTier', () => {
  it('gives each organization its own slot of the tier, and frees the old one on a move', async () => {
    const { service, organizations } = setup();
    const acme = await service.create({ name: 'Acme' });
    const globex = await service.create({ name: 'Globex' });

    const first = await service.setThrottleTier(acme.organization.orgId, 'standard');
    const second = await service.setThrottleTier(globex.organization.orgId, 'standard');
    const again = await service.setThrottleTier(acme.organization.orgId, 'standard');
    const moved = await service.setThrottleTier(acme.organization.orgId, 'large');
    const third = await service.setThrottleTier('default', 'standard');

    expect(first.throttleSlot).toEqual({ tier: 'standard', slot: 0 });
    expect(second.throttleSlot).toEqual({ tier: 'standard', slot: 1 });
    expect(again.throttleSlot).toEqual({ tier: 'standard', slot: 0 });
    expect(moved.throttleSlot).toEqual({ tier: 'large', slot: 0 });
    expect(third).toMatchObject({ orgId: 'default', throttleSlot: { tier: 'standard', slot: 0 } });
    expect(Object.fromEntries(organizations.throttleClaims)).toEqual({
      'standard#0': 'default',
      'standard#1': globex.organization.orgId,
      'large#0': acme.organization.orgId,
    });
  });

  it('refuses a full tier with a message that says how to grow it, and keeps the organization where it was', async () => {
    const { service, organizations } = setup();
    for (let slot = 0; slot < THROTTLE_TIERS.large.slots; slot++)
      organizations.throttleClaims.set(`large#${slot}`, `o${slot}`);
    const acme = await service.create({ name: 'Acme' });
    await service.setThrottleTier(acme.organization.orgId, 'standard');

    const moving = service.setThrottleTier(acme.organization.orgId, 'large');

    await expect(moving).rejects.toThrow(InvalidOrganizationError);
    await expect(moving).rejects.toThrow('throttle tier large is full (10 organizations)');
    expect(organizations.peek(acme.organization.orgId)?.throttleSlot).toEqual({ tier: 'standard', slot: 0 });
  });

  it('refuses an unknown organization and releases the slot it claimed', async () => {
    const { service, organizations } = setup();

    await expect(service.setThrottleTier('nobody', 'standard')).rejects.toThrow(NotFoundError);
    expect(organizations.throttleClaims.size).toBe(0);
  });
});

describe('CachedOrganizationGate', () => {
  function setup(first: OrganizationGate | Error) {
    let now = 0;
    let answer: OrganizationGate | Error = first;
    const reads: string[] = [];
    const errors: string[] = [];
    const gates = new CachedOrganizationGate(
      {
        gateOf: async (orgId) => {
          reads.push(orgId);
          if (answer instanceof Error) throw answer;
          return answer;
        },
      },
      30_000,
      { clock: { now: () => new Date(now) }, onError: (orgId) => errors.push(orgId) },
    );
    return {
      gates,
      reads,
      errors,
      advance: (ms: number) => {
        now += ms;
      },
      answer: (next: OrganizationGate | Error) => {
        answer = next;
      },
    };
  }

  it('reads an enabled organization once per period, its slot with it', async () => {
    const large: OrganizationGate = { scimEnabled: true, throttleSlot: { tier: 'large', slot: 3 } };
    const { gates, reads, advance } = setup(large);

    expect(await gates.gateOf('acme')).toEqual(large);
    advance(29_999);
    expect(await gates.gateOf('acme')).toEqual(large);
    expect(reads).toEqual(['acme']);
    advance(1);
    await gates.gateOf('acme');
    expect(reads).toEqual(['acme', 'acme']);
  });

  it('does not remember a disabled organization, so enabling it again works at once', async () => {
    const { gates, reads, answer } = setup({ scimEnabled: false });

    expect(await gates.gateOf('acme')).toEqual({ scimEnabled: false });
    answer({ scimEnabled: true });
    expect(await gates.gateOf('acme')).toEqual({ scimEnabled: true });
    expect(reads).toHaveLength(2);
  });

  it('answers the last gate read when a read fails, else enabled without a slot, and reports the failure', async () => {
    const own: OrganizationGate = { scimEnabled: true, throttleSlot: { tier: 'standard', slot: 1 } };
    const { gates, errors, advance, answer } = setup(own);
    await gates.gateOf('acme');
    answer(new Error('ProvisionedThroughputExceededException'));
    advance(60_000);

    expect(await gates.gateOf('acme')).toEqual(own);
    expect(await gates.gateOf('beta')).toEqual({ scimEnabled: true });
    expect(errors).toEqual(['acme', 'beta']);
  });
});
