import { extractToken, parseTokenSecret, type SecretReader, TokenVerifier } from '../../../lambda/domain/tokens';

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

describe('parseTokenSecret', () => {
  it('reads the rotation fields only when they are texts, and leaves out any other', () => {
    const secret = (fields: Record<string, unknown>) => JSON.stringify({ orgId: 'acme', token: 't', ...fields });

    expect(
      parseTokenSecret(secret({ previousToken: 'p', previousTokenExpiresAt: '2026-12-01T00:00:00.000Z' })),
    ).toStrictEqual({
      orgId: 'acme',
      token: 't',
      previousToken: 'p',
      previousTokenExpiresAt: '2026-12-01T00:00:00.000Z',
    });
    expect(
      parseTokenSecret(secret({ previousToken: 5, previousTokenExpiresAt: 1764547200000, other: 'x' })),
    ).toStrictEqual({
      orgId: 'acme',
      token: 't',
    });
  });

  it.each(['', 'not json', '{"orgId":"acme"}', '{"orgId":"acme","token":""}', '{"orgId":5,"token":"t"}'])(
    'reads %j as no secret',
    (raw) => {
      expect(parseTokenSecret(raw)).toBeUndefined();
    },
  );
});

describe('extractToken', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['BEARER   abc  ', 'abc'],
    ['  Bearer\tabc', 'abc'],
    ['abc', 'abc'],
  ])('reads %j as %j', (header, token) => {
    expect(extractToken(header)).toBe(token);
  });

  it.each([undefined, '', 'Bearer ', 'two words', 'Basic dXNlcjpwYXNz extra'])('finds no token in %j', (header) => {
    expect(extractToken(header)).toBeUndefined();
  });

  it('accepts a token of 1024 characters and refuses a longer one', () => {
    const longest = 'a'.repeat(1024);

    const accepted = extractToken(`Bearer ${longest}`);
    const refused = extractToken(`Bearer ${longest}a`);

    expect(accepted).toBe(longest);
    expect(refused).toBeUndefined();
  });

  it('reads the scheme only at the start of the header and only when a space follows it', () => {
    expect(extractToken('mybearer abc')).toBeUndefined();
    expect(extractToken('bearerabc')).toBe('bearerabc');
    expect(extractToken('Bearer abc\ndef')).toBeUndefined();
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

  it('accepts the previous token until its grace period ends, then refuses it as expired', async () => {
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
    expect(after).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a wrong token while a rotation grace period is active', async () => {
    const { verifier, secrets } = setup();
    secrets.values.set(
      'default-secret',
      JSON.stringify({
        orgId: 'default',
        token: 'n'.repeat(64),
        previousToken: DEFAULT_TOKEN,
        previousTokenExpiresAt: '2026-11-28T13:00:00Z',
      }),
    );

    const wrong = await verifier.verify(`Bearer ${'w'.repeat(64)}`);
    const current = await verifier.verify(`Bearer ${'n'.repeat(64)}`);

    expect(wrong).toEqual({ ok: false, reason: 'mismatch' });
    expect(current).toEqual({ ok: true, orgId: 'default', usedPreviousToken: false });
  });

  it.each([
    ['no expiry', {}],
    ['an unreadable expiry', { previousTokenExpiresAt: 'soon' }],
  ])('refuses a previous token with %s', async (_name, expiry) => {
    const { verifier, secrets } = setup();
    secrets.values.set(
      'default-secret',
      JSON.stringify({ orgId: 'default', token: 'n'.repeat(64), previousToken: DEFAULT_TOKEN, ...expiry }),
    );

    const result = await verifier.verify(DEFAULT_TOKEN);

    expect(result).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses the previous token at the exact instant its grace period ends', async () => {
    const { verifier, secrets, now } = setup();
    secrets.values.set(
      'default-secret',
      JSON.stringify({
        orgId: 'default',
        token: 'n'.repeat(64),
        previousToken: DEFAULT_TOKEN,
        previousTokenExpiresAt: '2026-11-28T13:00:00.000Z',
      }),
    );
    now.t = Date.parse('2026-11-28T13:00:00.000Z');

    const result = await verifier.verify(DEFAULT_TOKEN);

    expect(result).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a revoked token once the cache period has passed', async () => {
    const { verifier, secrets, now } = setup();
    const before = await verifier.verify(DEFAULT_TOKEN);
    secrets.values.set('default-secret', JSON.stringify({ orgId: 'default', token: 'n'.repeat(64) }));

    now.t += 10_000;
    const withinCache = await verifier.verify(DEFAULT_TOKEN);
    now.t += 21_000;
    const afterCache = await verifier.verify(DEFAULT_TOKEN);
    now.t += 60 * 60_000;
    const anHourLater = await verifier.verify(DEFAULT_TOKEN);

    expect(before).toEqual({ ok: true, orgId: 'default', usedPreviousToken: false });
    expect(withinCache).toEqual({ ok: true, orgId: 'default', usedPreviousToken: false });
    expect(afterCache).toEqual({ ok: false, reason: 'mismatch' });
    expect(anHourLater).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('reads the secret again exactly when the configured cache period has passed', async () => {
    const secrets = new FakeSecrets();
    secrets.values.set('default-secret', JSON.stringify({ orgId: 'default', token: DEFAULT_TOKEN }));
    const now = { t: Date.parse('2026-11-28T12:00:00Z') };
    const verifier = new TokenVerifier(secrets, {
      defaultOrgId: 'default',
      defaultSecretId: 'default-secret',
      cacheTtlMs: 5_000,
      clock: { now: () => new Date(now.t) },
    });

    await verifier.verify(DEFAULT_TOKEN);
    now.t += 4_999;
    await verifier.verify(DEFAULT_TOKEN);
    const readsWithinPeriod = secrets.reads;
    now.t += 1;
    await verifier.verify(DEFAULT_TOKEN);

    expect(readsWithinPeriod).toBe(1);
    expect(secrets.reads).toBe(2);
  });

  it('remembers an organization whose secret was deleted as unknown, reading it once per cache period', async () => {
    const { verifier, secrets, now } = setup();
    const token = `scim_gone_${'a'.repeat(43)}`;
    secrets.values.set('org/gone', JSON.stringify({ orgId: 'gone', token }));

    const known = await verifier.verify(token);
    secrets.values.delete('org/gone');
    now.t += 61_000;
    const deleted = await verifier.verify(token);
    const again = await verifier.verify(token);

    expect(known).toEqual({ ok: true, orgId: 'gone', usedPreviousToken: false });
    expect(deleted).toEqual(again);
    expect(again.ok).toBe(false);
    expect(secrets.reads).toBe(2);
  });

  it('forgets an organization remembered as unknown once its secret exists', async () => {
    const { verifier, secrets, now } = setup();
    const token = `scim_late_${'a'.repeat(43)}`;

    const before = await verifier.verify(token);
    secrets.values.set('org/late', JSON.stringify({ orgId: 'late', token }));
    now.t += 61_000;
    const created = await verifier.verify(token);
    secrets.values.delete('org/late');
    now.t += 61_000;
    const deletedAgain = await verifier.verify(token);
    const readsAfterDelete = secrets.reads;
    await verifier.verify(token);

    expect(before.ok).toBe(false);
    expect(created.ok).toBe(true);
    expect(deletedAgain.ok).toBe(false);
    expect(secrets.reads).toBe(readsAfterDelete);
  });

  it('remembers an unknown organization for the cache period instead of reading its secret again', async () => {
    const { verifier, secrets } = setup();
    const token = `scim_ghost_${'a'.repeat(43)}`;

    const first = await verifier.verify(token);
    const second = await verifier.verify(token);

    expect(first).toEqual({ ok: false, reason: 'unknown-organization' });
    expect(second).toEqual({ ok: false, reason: 'unknown-organization' });
    expect(secrets.reads).toBe(1);
  });

  it('checks a token against the default organization when the organization prefix is not at its start', async () => {
    const { verifier, secrets } = setup();
    const token = `x-scim_acme_${'a'.repeat(43)}`;
    secrets.values.set('org/acme', JSON.stringify({ orgId: 'acme', token }));

    const result = await verifier.verify(token);

    expect(result).toEqual({ ok: false, reason: 'mismatch' });
  });

  it.each([
    ['characters outside the token alphabet after the prefix', `scim_acme_${'a'.repeat(43)}.`],
    ['a random part shorter than 32 characters', `scim_acme_${'a'.repeat(31)}`],
    ['an organization id starting with a dash', `scim_-acme_${'a'.repeat(43)}`],
    ['an upper-case organization id', `scim_ACME_${'a'.repeat(43)}`],
    ['an organization id longer than 63 characters', `scim_${'a'.repeat(64)}_${'a'.repeat(43)}`],
  ])('does not read an organization secret for a token with %s', async (_name, token) => {
    const { verifier, secrets } = setup();
    const orgId = /^scim_([^_]+)_/.exec(token)?.[1] ?? '';
    secrets.values.set(`org/${orgId}`, JSON.stringify({ orgId, token }));

    const result = await verifier.verify(token);

    expect(result).toEqual({ ok: false, reason: 'mismatch' });
    expect(secrets.reads).toBe(1);
  });

  it('reads the secret of an organization id of 63 characters with digits and dashes', async () => {
    const { verifier, secrets } = setup();
    const orgId = `0${'a-9'.repeat(20)}zz`;
    const token = `scim_${orgId}_${'Az09_-'.repeat(6)}`;
    secrets.values.set(`org/${orgId}`, JSON.stringify({ orgId, token }));

    const result = await verifier.verify(token);

    expect(result).toEqual({ ok: true, orgId, usedPreviousToken: false });
  });

  it('checks an organization token against the default secret when organizations have no secrets of their own', async () => {
    const secrets = new FakeSecrets();
    const token = `scim_acme_${'a'.repeat(43)}`;
    secrets.values.set('default-secret', JSON.stringify({ orgId: 'default', token }));
    const verifier = new TokenVerifier(secrets, { defaultOrgId: 'default', defaultSecretId: 'default-secret' });

    const result = await verifier.verify(token);

    expect(result).toEqual({ ok: true, orgId: 'default', usedPreviousToken: false });
  });

  it('reads the default secret for a token naming the default organization', async () => {
    const { verifier, secrets } = setup();
    const token = `scim_default_${'a'.repeat(43)}`;
    secrets.values.set('default-secret', JSON.stringify({ orgId: 'default', token }));

    const result = await verifier.verify(token);

    expect(result).toEqual({ ok: true, orgId: 'default', usedPreviousToken: false });
  });

  it.each([
    ['a missing header', undefined, 'missing'],
    ['a blank header', '   ', 'missing'],
    ['a header with two words', 'Bearer two words', 'malformed'],
  ])('refuses %s and says why', async (_name, header, reason) => {
    const { verifier, secrets } = setup();

    const result = await verifier.verify(header);

    expect(result).toEqual({ ok: false, reason });
    expect(secrets.reads).toBe(0);
  });

  it.each([
    ['is not JSON', 'not json'],
    ['has no organization', JSON.stringify({ token: DEFAULT_TOKEN })],
    ['has an empty token', JSON.stringify({ orgId: 'default', token: '' })],
    ['has no token', JSON.stringify({ orgId: 'default' })],
  ])('refuses every token when the secret %s', async (_name, raw) => {
    const { verifier, secrets } = setup();
    secrets.values.set('default-secret', raw);

    const result = await verifier.verify(DEFAULT_TOKEN);

    expect(result).toEqual({ ok: false, reason: 'unknown-organization' });
  });

  it('ignores grace fields that are not text, so a malformed secret cannot open a grace period', async () => {
    const { verifier, secrets } = setup();
    secrets.values.set(
      'default-secret',
      JSON.stringify({
        orgId: 'default',
        token: 'n'.repeat(64),
        previousToken: DEFAULT_TOKEN,
        // A bare year: Date.parse would read it as 1 January 2099 if it were passed on.
        previousTokenExpiresAt: 2099,
      }),
    );

    const result = await verifier.verify(DEFAULT_TOKEN);

    expect(result).toEqual({ ok: false, reason: 'expired' });
  });

  it('checks the current token when the previous one in the secret is not text', async () => {
    const { verifier, secrets } = setup();
    secrets.values.set(
      'default-secret',
      JSON.stringify({
        orgId: 'default',
        token: 'n'.repeat(64),
        previousToken: 42,
        previousTokenExpiresAt: '2027-01-01',
      }),
    );

    const current = await verifier.verify('n'.repeat(64));
    const other = await verifier.verify('42');

    expect(current).toEqual({ ok: true, orgId: 'default', usedPreviousToken: false });
    expect(other).toEqual({ ok: false, reason: 'mismatch' });
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
