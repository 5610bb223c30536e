import {
  IDEMPOTENCY_KEY_PATTERN,
  IDEMPOTENCY_LEASE_MS,
  IDEMPOTENCY_TTL_SECONDS,
  requestFingerprint,
  scopedKey,
} from '../../../lambda/domain/idempotency';

describe('idempotency keys', () => {
  it('identifies a request by caller, method in any case, path and body, an absent body being an empty one', () => {
    const base = requestFingerprint('admin', 'POST', '/organizations', '{"id":"acme"}');

    expect(requestFingerprint('admin', 'post', '/organizations', '{"id":"acme"}')).toBe(base);
    expect(requestFingerprint('admin', 'POST', '/organizations', undefined)).toBe(
      requestFingerprint('admin', 'POST', '/organizations', ''),
    );
    expect(
      new Set([
        base,
        requestFingerprint('support', 'POST', '/organizations', '{"id":"acme"}'),
        requestFingerprint('admin', 'PUT', '/organizations', '{"id":"acme"}'),
        requestFingerprint('admin', 'POST', '/organizations/acme', '{"id":"acme"}'),
        requestFingerprint('admin', 'POST', '/organizations', '{"id":"beta"}'),
        requestFingerprint('admin', 'POST', '/organizations', undefined),
      ]).size,
    ).toBe(6);
  });

  it('keeps the fingerprints and scoped keys that are already stored (a deployment must not change them)', () => {
    expect(requestFingerprint('admin', 'post', '/organizations', undefined)).toBe(
      '0884a24511634384ed17a568679e67f184004165aee5ed41bb67f1ff08a0a710',
    );
    expect(scopedKey('admin', 'key-1')).toBe('4af99d77af74edf85518c7eec4e5397c96f9c8753c8d0ee2f8e4f623372bd784');
  });

  it('scopes a client key by caller, so two callers using the same key never meet', () => {
    expect(scopedKey('admin', 'key-1')).toBe(scopedKey('admin', 'key-1'));
    expect(scopedKey('admin', 'key-1')).not.toBe(scopedKey('support', 'key-1'));
    expect(scopedKey('admin', 'key-1')).not.toBe(scopedKey('admin', 'key-2'));
    expect(scopedKey('ad', 'min:key')).not.toBe(scopedKey('admin:', 'key'));
  });

  it.each(['550e8400-e29b-41d4-a716-446655440000', '!', '~'.repeat(255), 'a-b_c.d:e/f'])(
    'accepts the key %s',
    (key) => {
      expect(IDEMPOTENCY_KEY_PATTERN.test(key)).toBe(true);
    },
  );

  it.each([
    ['empty', ''],
    ['of 256 characters', 'k'.repeat(256)],
    ['with a space', 'key 1'],
    ['with a leading space', ' key'],
    ['with a trailing newline', 'key\n'],
    ['with a control character', 'key\u0001'],
    ['with a non-ASCII letter', 'clé'],
    ['with DEL', 'key\u007f'],
  ])('refuses a key %s', (_, key) => {
    expect(IDEMPOTENCY_KEY_PATTERN.test(key)).toBe(false);
  });

  it('replays an answer for a day and lets a crashed request block retries for a minute', () => {
    expect(IDEMPOTENCY_TTL_SECONDS).toBe(86_400);
    expect(IDEMPOTENCY_LEASE_MS).toBe(60_000);
  });
});
