import {
  DEFAULT_GRACE_HOURS,
  graceState,
  isOrgToken,
  newOrgToken,
  pendingSecretProblems,
  RotationError,
  rotatedSecret,
  TokenRotation,
  withoutPreviousToken,
} from '../../../lambda/domain/token-rotation';
import { parseTokenSecret, type TokenSecret } from '../../../lambda/domain/tokens';
import { InMemoryTokenStore } from './in-memory-token-store';

const NOW = new Date('2026-11-28T12:00:00Z');
const HOUR = 3_600_000;
const SECRET_ID = 'org-token/acme';
const OLD_TOKEN = `scim_acme_${'o'.repeat(43)}`;

/** Each call gives different bytes, so every generated token differs and is predictable. */
function sequentialRandom(): (size: number) => Buffer {
  let call = 0;
  return (size) => Buffer.alloc(size, ++call);
}

function setup(options: { graceHours?: number; current?: TokenSecret } = {}) {
  const store = new InMemoryTokenStore(() => NOW);
  store.seed(SECRET_ID, JSON.stringify(options.current ?? { orgId: 'acme', token: OLD_TOKEN }));
  let version = 0;
  const rotation = new TokenRotation(store, {
    graceMs: (options.graceHours ?? DEFAULT_GRACE_HOURS) * HOUR,
    clock: { now: () => NOW },
    random: sequentialRandom(),
    newVersionId: () => `new-${++version}`,
  });
  const current = () => parseTokenSecret(store.currentValue(SECRET_ID) ?? '');
  return { store, rotation, current };
}

describe('newOrgToken', () => {
  it('names the organization and carries 32 random bytes as 43 base64url characters', () => {
    const random = Buffer.from('f'.repeat(64), 'hex');

    const token = newOrgToken('acme-7k2', () => random);

    expect(token).toBe(`scim_acme-7k2_${random.toString('base64url')}`);
    expect(token.length).toBe('scim_acme-7k2_'.length + 43);
    expect(isOrgToken(token, 'acme-7k2')).toBe(true);
  });

  it('gives tokens the verifier recognises as naming another organization only when that is their prefix', () => {
    const token = newOrgToken('acme');

    expect(isOrgToken(token, 'acme')).toBe(true);
    expect(isOrgToken(token, 'acm')).toBe(false);
    expect(isOrgToken(`${token}x`, 'acme')).toBe(false);
  });
});

describe('rotatedSecret', () => {
  it('makes the new token current and keeps the replaced one until the grace period ends', () => {
    const current: TokenSecret = { orgId: 'acme', token: OLD_TOKEN };

    const next = rotatedSecret(current, { newToken: 'new', now: NOW, graceMs: 72 * HOUR });

    expect(next).toEqual({
      orgId: 'acme',
      token: 'new',
      previousToken: OLD_TOKEN,
      previousTokenExpiresAt: '2026-12-01T12:00:00.000Z',
    });
  });

  it('drops a token still in an earlier grace period: only the replaced token overlaps', () => {
    const current: TokenSecret = {
      orgId: 'acme',
      token: 'middle',
      previousToken: 'oldest',
      previousTokenExpiresAt: '2026-11-30T00:00:00.000Z',
    };

    const next = rotatedSecret(current, { newToken: 'newest', now: NOW, graceMs: HOUR });

    expect(next).toEqual({
      orgId: 'acme',
      token: 'newest',
      previousToken: 'middle',
      previousTokenExpiresAt: '2026-11-28T13:00:00.000Z',
    });
  });

  it('records no previous token with a zero grace period', () => {
    const next = rotatedSecret({ orgId: 'acme', token: OLD_TOKEN }, { newToken: 'new', now: NOW, graceMs: 0 });

    expect(next).toEqual({ orgId: 'acme', token: 'new' });
  });

  it('refuses a new token equal to the current one', () => {
    expect(() =>
      rotatedSecret({ orgId: 'acme', token: OLD_TOKEN }, { newToken: OLD_TOKEN, now: NOW, graceMs: HOUR }),
    ).toThrow(RotationError);
  });
});

describe('graceState and withoutPreviousToken', () => {
  const inGrace: TokenSecret = {
    orgId: 'acme',
    token: 'new',
    previousToken: 'old',
    previousTokenExpiresAt: '2026-11-28T13:00:00.000Z',
  };

  it('reports the grace period as running until its expiry, then over', () => {
    expect(graceState(inGrace, NOW)).toEqual({
      inGracePeriod: true,
      previousTokenExpiresAt: '2026-11-28T13:00:00.000Z',
    });
    expect(graceState(inGrace, new Date('2026-11-28T13:00:00Z')).inGracePeriod).toBe(false);
    expect(graceState({ orgId: 'acme', token: 'new' }, NOW)).toEqual({ inGracePeriod: false });
  });

  it('removes the previous token and its expiry', () => {
    expect(withoutPreviousToken(inGrace)).toEqual({ orgId: 'acme', token: 'new' });
  });
});

describe('pendingSecretProblems', () => {
  const current: TokenSecret = { orgId: 'acme', token: OLD_TOKEN };
  const fresh = newOrgToken('acme');

  it('accepts a value derived from the current one', () => {
    const pending = rotatedSecret(current, { newToken: fresh, now: NOW, graceMs: HOUR });

    expect(pendingSecretProblems(pending, current)).toEqual([]);
  });

  it.each([
    ['unparseable', undefined, 'not a token secret'],
    ['another organization', { orgId: 'other', token: newOrgToken('other') }, 'names organization other'],
    ['a token without the organization prefix', { orgId: 'acme', token: 'x'.repeat(64) }, 'not shaped'],
    ['the current token again', { orgId: 'acme', token: OLD_TOKEN }, 'equals the current one'],
    [
      'a previous token other than the current one',
      { orgId: 'acme', token: fresh, previousToken: 'older', previousTokenExpiresAt: NOW.toISOString() },
      'not derived from the current one',
    ],
    [
      'a previous token equal to the new one',
      { orgId: 'acme', token: fresh, previousToken: fresh, previousTokenExpiresAt: NOW.toISOString() },
      'repeats its token',
    ],
    [
      'a previous token without an expiry',
      { orgId: 'acme', token: fresh, previousToken: OLD_TOKEN, previousTokenExpiresAt: 'soon' },
      'without a valid expiry',
    ],
  ])('refuses %s', (_case, pending, problem) => {
    const problems = pendingSecretProblems(pending as TokenSecret | undefined, current);

    expect(problems.join('; ')).toContain(problem);
  });
});

describe('TokenRotation steps', () => {
  it('createSecret writes a pending version with a new token and the current one in the grace fields', async () => {
    const { store, rotation } = setup({ graceHours: 24 });

    const result = await rotation.createSecret(SECRET_ID, 'v1');

    const pending = parseTokenSecret((await store.readPending(SECRET_ID, 'v1')) ?? '');
    expect(result).toEqual({ orgId: 'acme', outcome: 'created', previousTokenExpiresAt: '2026-11-29T12:00:00.000Z' });
    expect(pending).toEqual({
      orgId: 'acme',
      token: `scim_acme_${Buffer.alloc(32, 1).toString('base64url')}`,
      previousToken: OLD_TOKEN,
      previousTokenExpiresAt: '2026-11-29T12:00:00.000Z',
    });
    expect(Object.fromEntries(await store.stages(SECRET_ID))).toEqual({ v0: ['AWSCURRENT'], v1: ['AWSPENDING'] });
  });

  it('createSecret is idempotent: a retry with the same version keeps the pending token', async () => {
    const { store, rotation } = setup();
    await rotation.createSecret(SECRET_ID, 'v1');
    const first = await store.readPending(SECRET_ID, 'v1');

    const retry = await rotation.createSecret(SECRET_ID, 'v1');

    expect(retry.outcome).toBe('pending-exists');
    expect(await store.readPending(SECRET_ID, 'v1')).toBe(first);
  });

  it('setSecret has nothing to set and changes nothing', async () => {
    const { store, rotation } = setup();
    await rotation.createSecret(SECRET_ID, 'v1');
    const before = Object.fromEntries(await store.stages(SECRET_ID));

    const result = await rotation.setSecret(SECRET_ID, 'v1');

    expect(result).toEqual({ orgId: 'acme', outcome: 'nothing-to-set' });
    expect(Object.fromEntries(await store.stages(SECRET_ID))).toEqual(before);
  });

  it('testSecret passes a value createSecret wrote and refuses a tampered one', async () => {
    const { store, rotation } = setup();
    await rotation.createSecret(SECRET_ID, 'v1');

    const passed = await rotation.testSecret(SECRET_ID, 'v1');
    await store.putPending(SECRET_ID, 'v2', JSON.stringify({ orgId: 'other', token: newOrgToken('other') }));
    const refused = rotation.testSecret(SECRET_ID, 'v2');

    expect(passed.outcome).toBe('tested');
    await expect(refused).rejects.toThrow(/v2 of org-token\/acme is not usable: .*names organization other/);
  });

  it('testSecret treats a pending copy of the current value as Secrets Manager checking the configuration', async () => {
    const { store, rotation } = setup();
    await store.putPending(SECRET_ID, 'check', store.currentValue(SECRET_ID)!);

    const result = await rotation.testSecret(SECRET_ID, 'check');

    expect(result.outcome).toBe('configuration-check');
  });

  it('finishSecret makes the pending version current, and a repeat changes nothing', async () => {
    const { rotation, current } = setup();
    await rotation.createSecret(SECRET_ID, 'v1');

    const finished = await rotation.finishSecret(SECRET_ID, 'v1');
    const repeated = await rotation.finishSecret(SECRET_ID, 'v1');

    expect(finished.outcome).toBe('promoted');
    expect(repeated.outcome).toBe('already-current');
    expect(current()?.previousToken).toBe(OLD_TOKEN);
    expect(current()?.token).not.toBe(OLD_TOKEN);
  });

  it('refuses to finish a version another rotation replaced', async () => {
    const { store, rotation, current } = setup();
    await rotation.createSecret(SECRET_ID, 'v1');
    await rotation.createSecret(SECRET_ID, 'v2');

    const stale = rotation.finishSecret(SECRET_ID, 'v1');

    await expect(stale).rejects.toThrow(/v1 of org-token\/acme is not pending/);
    expect(current()?.token).toBe(OLD_TOKEN);
    expect((await store.stages(SECRET_ID)).get('v2')).toEqual(['AWSPENDING']);
  });

  it('fails with a message naming the secret when it has no current token secret', async () => {
    const { store, rotation } = setup();
    store.seed(SECRET_ID, 'not json');

    await expect(rotation.createSecret(SECRET_ID, 'v1')).rejects.toThrow(
      'the current version of org-token/acme is not a token secret',
    );
  });
});

describe('TokenRotation.rotateNow and revokePrevious', () => {
  it('runs the four steps: the new token is current and the old one is recorded with its expiry', async () => {
    const { rotation, current } = setup({ graceHours: 2 });

    const { versionId, secret } = await rotation.rotateNow(SECRET_ID);

    expect(versionId).toBe('new-1');
    expect(secret).toEqual(current());
    expect(secret.previousToken).toBe(OLD_TOKEN);
    expect(secret.previousTokenExpiresAt).toBe('2026-11-28T14:00:00.000Z');
    expect(isOrgToken(secret.token, 'acme')).toBe(true);
  });

  it('revokePrevious leaves only the current token and no pending label on an older version', async () => {
    const { store, rotation, current } = setup();
    const { secret } = await rotation.rotateNow(SECRET_ID);

    const result = await rotation.revokePrevious(SECRET_ID);

    expect(result).toEqual({ revoked: true, orgId: 'acme' });
    expect(current()).toEqual({ orgId: 'acme', token: secret.token });
    const stages = [...(await store.stages(SECRET_ID)).values()];
    expect(stages.filter((labels) => labels.includes('AWSPENDING') && !labels.includes('AWSCURRENT'))).toEqual([]);
  });

  it('revokePrevious reports nothing to revoke when no previous token is recorded', async () => {
    const { rotation, current } = setup();

    const result = await rotation.revokePrevious(SECRET_ID);

    expect(result).toEqual({ revoked: false, orgId: 'acme' });
    expect(current()).toEqual({ orgId: 'acme', token: OLD_TOKEN });
  });

  it('refuses a negative grace period', () => {
    const store = new InMemoryTokenStore();

    expect(() => new TokenRotation(store, { graceMs: -1 })).toThrow(RotationError);
  });
});

describe('token rotation edge cases', () => {
  it('shows no grace period for a secret recording an expiry but no previous token', () => {
    const future = new Date(NOW.getTime() + HOUR).toISOString();

    expect(graceState({ orgId: 'acme', token: OLD_TOKEN, previousTokenExpiresAt: future }, NOW)).toEqual({
      inGracePeriod: false,
    });
  });

  it('accepts a pending value without a previous token, and names a previous token without a valid expiry', () => {
    const current: TokenSecret = { orgId: 'acme', token: OLD_TOKEN };
    const next = newOrgToken('acme', () => Buffer.alloc(32, 7));

    expect(pendingSecretProblems({ orgId: 'acme', token: next }, current)).toEqual([]);
    expect(pendingSecretProblems({ orgId: 'acme', token: next, previousToken: OLD_TOKEN }, current)).toEqual([
      'the pending value has a previous token without a valid expiry',
    ]);
  });

  it('says why a new token equal to the current one is refused', () => {
    expect(() =>
      rotatedSecret({ orgId: 'acme', token: OLD_TOKEN }, { newToken: OLD_TOKEN, now: NOW, graceMs: HOUR }),
    ).toThrow(new RotationError('the new token equals the current one'));
  });

  it('keeps the replaced token 72 hours by default, and accepts a zero grace period', async () => {
    const store = new InMemoryTokenStore(() => NOW);
    store.seed(SECRET_ID, JSON.stringify({ orgId: 'acme', token: OLD_TOKEN }));

    const created = await new TokenRotation(store, { clock: { now: () => NOW } }).createSecret(SECRET_ID, 'v1');

    expect(created.previousTokenExpiresAt).toBe(new Date(NOW.getTime() + 72 * HOUR).toISOString());
    expect(() => new TokenRotation(store, { graceMs: 0 })).not.toThrow();
    expect(() => new TokenRotation(store, { graceMs: Number.NaN })).toThrow(
      new RotationError('the grace period must be >= 0'),
    );
  });

  it('creates nothing for a version that is already current', async () => {
    const { store, rotation } = setup();
    const currentVersion = [...(await store.stages(SECRET_ID)).keys()][0] ?? '';

    const result = await rotation.createSecret(SECRET_ID, currentVersion);

    expect(result).toEqual({ orgId: 'acme', outcome: 'already-current' });
    expect([...(await store.stages(SECRET_ID)).keys()]).toEqual([currentVersion]);
  });

  it('tests nothing for a version that is already current', async () => {
    const { rotation } = setup();
    await rotation.createSecret(SECRET_ID, 'v1');
    await rotation.finishSecret(SECRET_ID, 'v1');

    await expect(rotation.testSecret(SECRET_ID, 'v1')).resolves.toEqual({ orgId: 'acme', outcome: 'already-current' });
  });

  it('names the secret, the version and every problem of a pending value it refuses', async () => {
    const { store, rotation } = setup();
    await store.putPending(SECRET_ID, 'v1', JSON.stringify({ orgId: 'other', token: OLD_TOKEN }));

    await expect(rotation.testSecret(SECRET_ID, 'v1')).rejects.toThrow(
      new RotationError(
        'pending version v1 of org-token/acme is not usable: the pending value names organization other; the pending token equals the current one',
      ),
    );
  });

  it('says when another rotation finished at the same time as rotateNow', async () => {
    const { store, rotation } = setup();
    const readCurrent = store.readCurrent.bind(store);
    let reads = 0;
    jest.spyOn(store, 'readCurrent').mockImplementation(async (secretId) => {
      const version = await readCurrent(secretId);
      return ++reads === 5 && version ? { ...version, versionId: 'someone-else' } : version;
    });

    await expect(rotation.rotateNow(SECRET_ID)).rejects.toThrow(
      new RotationError('another rotation of org-token/acme finished at the same time; run the rotation again'),
    );
  });

  it('says which secret has no current version', async () => {
    const rotation = new TokenRotation(new InMemoryTokenStore(() => NOW));

    await expect(rotation.createSecret('org-token/none', 'v1')).rejects.toThrow(
      new RotationError('secret org-token/none has no current version'),
    );
  });
});
