import { extractToken, type SecretReader, TokenVerifier } from '../../../lambda/domain/tokens';

class FakeSecrets implements SecretReader {
  readonly values = new Map<string, string>();
  reads = 0;

  async read(secretId: string): Promise<string | undefined> {
    this.reads++;
    return this.values.get(secretId);
  }
}

const DEFAULT_TOKEN = 'k'.repeat(64);

function setup(now = { t: Date.parse('2026-11-28T12:00:00Z') }) {
  const secrets = new FakeSecrets();
  secrets.values.set('default-secret', JSON.stringify({ orgId: 'default', token: DEFAULT_TOKEN }));
  const verifier = new TokenVerifier(secrets, {
    defaultOrgId: 'default',
    defaultSecretId: 'default-secret',
    orgSecretId: (orgId) => `org/${orgId}`,
    clock: { now: () => new Date(now.t) },
  });
  return { secrets, verifier, now };
}

describe('extractToken', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['BEARER   abc  ', 'abc'],
    ['abc', 'abc'],
  ])('reads %j as %j', (header, token) => {
    expect(extractToken(header)).toBe(token);
  });

  it.each([undefined, '', 'Bearer ', 'two words', 'Basic dXNlcjpwYXNz extra'])('finds no token in %j', (header) => {
    expect(extractToken(header)).toBeUndefined();
  });
});

describe('TokenVerifier', () => {
  it('accepts the default organization token bare and with the Bearer scheme', async () => {
    const { verifier } = setup();

    const bare = await verifier.verify(DEFAULT_TOKEN);
    const bearer = await verifier.verify(`Bearer ${DEFAULT_TOKEN}`);

    expect(bare).toEqual({ ok: true, orgId: 'default', usedPreviousToken: false });
    expect(bearer).toEqual({ ok: true, orgId: 'default', usedPreviousToken: false });
  });

  it('refuses a wrong token and says why without echoing it', async () => {
    const { verifier } = setup();

    const result = await verifier.verify('non-token');

    expect(result).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('reads the secret of the organization a token names', async () => {
    const { verifier, secrets } = setup();
    const token = `scim_acme_${'a'.repeat(43)}`;
    secrets.values.set('org/acme', JSON.stringify({ orgId: 'acme', token }));

    const result = await verifier.verify(token);

    expect(result).toEqual({ ok: true, orgId: 'acme', usedPreviousToken: false });
  });

  it('refuses a token naming an organization whose secret belongs to another one', async () => {
    const { verifier, secrets } = setup();
    const token = `scim_acme_${'a'.repeat(43)}`;
    secrets.values.set('org/acme', JSON.stringify({ orgId: 'other', token }));

    expect(await verifier.verify(token)).toEqual({ ok: false, reason: 'unknown-organization' });
  });

  it('accepts the previous token until its grace period ends', async () => {
    const { verifier, secrets, now } = setup();
    secrets.values.set(
      'default-secret',
      JSON.stringify({
        orgId: 'default',
        token: 'n'.repeat(64),
        previousToken: DEFAULT_TOKEN,
        previousTokenExpiresAt: '2026-11-28T13:00:00Z',
      }),
    );

    const during = await verifier.verify(DEFAULT_TOKEN);
    now.t = Date.parse('2026-11-28T13:00:01Z');
    const after = await verifier.verify(DEFAULT_TOKEN);

    expect(during).toEqual({ ok: true, orgId: 'default', usedPreviousToken: true });
    expect(after).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('reuses a secret for the cache period, then reads it again', async () => {
    const { verifier, secrets, now } = setup();

    await verifier.verify(DEFAULT_TOKEN);
    await verifier.verify(DEFAULT_TOKEN);
    now.t += 31_000;
    await verifier.verify(DEFAULT_TOKEN);

    expect(secrets.reads).toBe(2);
  });
});
