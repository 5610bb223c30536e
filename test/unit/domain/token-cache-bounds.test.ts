import { type SecretReader, TokenVerifier } from '../../../lambda/domain/tokens';

/** Secrets by id, counting reads per id. */
class CountingSecrets implements SecretReader {
  readonly values = new Map<string, string>();
  readonly reads = new Map<string, number>();

  async read(secretId: string): Promise<string | undefined> {
    this.reads.set(secretId, (this.reads.get(secretId) ?? 0) + 1);
    return this.values.get(secretId);
  }
}

const ACME_TOKEN = `scim_acme_${'a'.repeat(40)}`;

function setup(limits: { maxUnknownCached?: number; maxKnownCached?: number } = {}) {
  const secrets = new CountingSecrets();
  secrets.values.set('org/acme', JSON.stringify({ orgId: 'acme', token: ACME_TOKEN }));
  const verifier = new TokenVerifier(secrets, {
    defaultOrgId: 'default',
    defaultSecretId: 'default-secret',
    orgSecretId: (orgId) => `org/${orgId}`,
    clock: { now: () => new Date('2026-11-29T12:00:00Z') },
    ...limits,
  });
  return { secrets, verifier };
}

const guess = (i: number) => `scim_guess${i}_${'g'.repeat(40)}`;

describe('TokenVerifier cache bounds', () => {
  it('keeps memory bounded under a flood of guessed organizations', async () => {
    const { verifier } = setup({ maxUnknownCached: 50 });

    for (let i = 0; i < 500; i++) await verifier.verify(guess(i));

    expect(verifier.cachedSecrets).toEqual({ known: 0, unknown: 50 });
  });

  it('still answers a repeated guess from the cache while it is among the newest', async () => {
    const { secrets, verifier } = setup({ maxUnknownCached: 50 });

    for (let i = 0; i < 10; i++) await verifier.verify(guess(i));
    const again = await verifier.verify(guess(3));

    expect(again).toEqual({ ok: false, reason: 'unknown-organization' });
    expect(secrets.reads.get('org/guess3')).toBe(1);
  });

  it('forgets the oldest guess first once the bound is passed', async () => {
    const { secrets, verifier } = setup({ maxUnknownCached: 5 });

    for (let i = 0; i < 6; i++) await verifier.verify(guess(i));
    await verifier.verify(guess(0));
    await verifier.verify(guess(5));

    expect(secrets.reads.get('org/guess0')).toBe(2);
    expect(secrets.reads.get('org/guess5')).toBe(1);
  });

  it('never lets guesses push a real organization out of the cache', async () => {
    const { secrets, verifier } = setup({ maxUnknownCached: 5 });
    await verifier.verify(ACME_TOKEN);

    for (let i = 0; i < 100; i++) await verifier.verify(guess(i));
    const result = await verifier.verify(ACME_TOKEN);

    expect(result).toEqual({ ok: true, orgId: 'acme', usedPreviousToken: false });
    expect(secrets.reads.get('org/acme')).toBe(1);
    expect(verifier.cachedSecrets.known).toBe(1);
  });

  it('bounds real organizations too, forgetting the least recently used', async () => {
    const { secrets, verifier } = setup({ maxKnownCached: 2 });
    for (const org of ['b', 'c']) {
      secrets.values.set(`org/${org}`, JSON.stringify({ orgId: org, token: `scim_${org}_${'t'.repeat(40)}` }));
    }

    await verifier.verify(ACME_TOKEN);
    await verifier.verify(`scim_b_${'t'.repeat(40)}`);
    await verifier.verify(ACME_TOKEN);
    await verifier.verify(`scim_c_${'t'.repeat(40)}`);
    await verifier.verify(ACME_TOKEN);
    await verifier.verify(`scim_b_${'t'.repeat(40)}`);

    expect(verifier.cachedSecrets.known).toBe(2);
    expect(secrets.reads.get('org/acme')).toBe(1);
    expect(secrets.reads.get('org/b')).toBe(2);
  });
});
