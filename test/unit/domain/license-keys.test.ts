import {
  canonicalize,
  checkLicenseKey,
  deriveLicenseKey,
  LICENSE_KEY_PATTERN,
  LicenseKeys,
  type SigningKeyProvider,
} from '../../../lambda/domain/license-keys';

const SECRET = Buffer.from('k'.repeat(48));
const OTHER_SECRET = Buffer.from('x'.repeat(48));
const LICENSE_ID = '01900000-0000-7000-8000-000000000001';

/** Replaces the character at `index` with another character of the alphabet. */
function mistype(key: string, index: number): string {
  const char = key[index]!;
  const replacement = char === '7' ? '8' : '7';
  return key.slice(0, index) + replacement + key.slice(index + 1);
}

describe('deriveLicenseKey', () => {
  it('gives six dash-separated groups of five Crockford base32 characters', () => {
    const { key } = deriveLicenseKey(SECRET, 'default', LICENSE_ID);

    expect(key).toMatch(LICENSE_KEY_PATTERN);
    expect(key).not.toMatch(/[ILOU]/);
  });

  it('gives the same key for the same organization and license, so an admin can re-send it', () => {
    const first = deriveLicenseKey(SECRET, 'default', LICENSE_ID);

    const again = deriveLicenseKey(SECRET, 'default', LICENSE_ID);

    expect(again).toEqual(first);
  });

  it('gives different keys for another license, organization or secret', () => {
    const base = deriveLicenseKey(SECRET, 'default', LICENSE_ID).key;

    const keys = [
      deriveLicenseKey(SECRET, 'default', '01900000-0000-7000-8000-000000000002').key,
      deriveLicenseKey(SECRET, 'acme', LICENSE_ID).key,
      deriveLicenseKey(OTHER_SECRET, 'default', LICENSE_ID).key,
    ];

    expect(new Set([base, ...keys]).size).toBe(4);
  });

  it('stores a SHA-256 hash and the last four characters, never the key', () => {
    const derived = deriveLicenseKey(SECRET, 'default', LICENSE_ID);

    expect(derived.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(derived.hash).not.toContain(derived.key.replace(/-/g, '').toLowerCase());
    expect(derived.hint).toBe(derived.key.slice(-4));
  });

  it('spreads keys over the whole alphabet (128 bits of body)', () => {
    const characters = new Set<string>();

    for (let index = 0; index < 200; index++) {
      for (const char of deriveLicenseKey(SECRET, 'default', `license-${index}`).key.replace(/-/g, '')) {
        characters.add(char);
      }
    }

    expect(characters.size).toBe(32);
  });

  it('refuses a signing secret shorter than 32 bytes', () => {
    expect(() => deriveLicenseKey(Buffer.from('short'), 'default', LICENSE_ID)).toThrow(/at least 32 bytes/);
  });

  it('accepts a signing secret of exactly 32 bytes', () => {
    const derived = deriveLicenseKey(Buffer.from('k'.repeat(32)), 'default', LICENSE_ID);

    expect(derived.key).toMatch(LICENSE_KEY_PATTERN);
  });

  it('keeps giving the key already emailed for a known secret, organization and license', () => {
    const derived = deriveLicenseKey(SECRET, 'default', LICENSE_ID);

    expect(derived).toEqual({
      key: '7RHK1-DAPNW-7S2EB-WN4Z0-XH24P-5WQ20',
      hash: '642e563dcab34773f05473d52172def1c0661b7208be691f1eda36464e999a3a',
      hint: 'WQ20',
    });
  });
});

describe('LICENSE_KEY_PATTERN', () => {
  it.each([
    ['a leading character', 'X7RHK1-DAPNW-7S2EB-WN4Z0-XH24P-5WQ20'],
    ['a trailing character', '7RHK1-DAPNW-7S2EB-WN4Z0-XH24P-5WQ20X'],
    ['a seventh group', '7RHK1-DAPNW-7S2EB-WN4Z0-XH24P-5WQ20-ABCDE'],
    ['lower case', '7rhk1-dapnw-7s2eb-wn4z0-xh24p-5wq20'],
    ['an I, L, O or U', '7RHKI-DAPNW-7S2EB-WN4ZO-XH24P-5WQ2U'],
  ])('does not describe a key with %s', (_name, key) => {
    expect(key).not.toMatch(LICENSE_KEY_PATTERN);
  });
});

describe('checkLicenseKey', () => {
  const derived = deriveLicenseKey(SECRET, 'default', LICENSE_ID);

  it('accepts the key and returns the hash to look up', () => {
    const result = checkLicenseKey(SECRET, derived.key);

    expect(result).toEqual({ ok: true, hash: derived.hash });
  });

  it('accepts every issued key, whatever its leading and check characters (500 licenses)', () => {
    const rejected: string[] = [];

    for (let index = 0; index < 500; index++) {
      const issued = deriveLicenseKey(SECRET, 'default', `license-${index}`);
      const result = checkLicenseKey(SECRET, issued.key);
      if (!result.ok || result.hash !== issued.hash) rejected.push(issued.key);
    }

    expect(rejected).toEqual([]);
  });

  it('reads I and L as 1 and O as 0, in either case', () => {
    const key = '7RHK1-DAPNW-7S2EB-WN4Z0-XH24P-5WQ20';
    const issued = deriveLicenseKey(SECRET, 'default', LICENSE_ID);

    const variants = [
      '7RHKI-DAPNW-7S2EB-WN4ZO-XH24P-5WQ2O',
      '7rhki-dapnw-7s2eb-wn4zo-xh24p-5wq2o',
      key.replace('1', 'L'),
    ];

    for (const variant of variants) expect(checkLicenseKey(SECRET, variant)).toEqual({ ok: true, hash: issued.hash });
  });

  it('accepts the key typed in lower case, without dashes, with spaces, and with O/I/L for 0/1', () => {
    const compact = derived.key.replace(/-/g, '');
    const confusable = compact.replace(/0/g, 'O').replace(/1/g, 'l');

    const variants = [derived.key.toLowerCase(), compact, ` ${derived.key.replace(/-/g, ' ')} `, confusable].map(
      (variant) => checkLicenseKey(SECRET, variant),
    );

    for (const result of variants) expect(result).toEqual({ ok: true, hash: derived.hash });
  });

  it('rejects every single-character typo without any lookup', () => {
    const compact = derived.key.replace(/-/g, '');

    const results = [...compact].map((_, index) => checkLicenseKey(SECRET, mistype(compact, index)));

    expect(results.every((result) => !result.ok && result.reason === 'checksum')).toBe(true);
  });

  it('rejects two swapped neighbouring characters', () => {
    const compact = derived.key.replace(/-/g, '');
    const index = [...compact].findIndex((char, at) => at > 0 && char !== compact[at - 1]);
    const swapped = compact.slice(0, index - 1) + compact[index] + compact[index - 1] + compact.slice(index + 1);

    const result = checkLicenseKey(SECRET, swapped);

    expect(result).toEqual({ ok: false, reason: 'checksum' });
  });

  it('rejects a key made with another secret (a forged key)', () => {
    const forged = deriveLicenseKey(OTHER_SECRET, 'default', LICENSE_ID).key;

    const result = checkLicenseKey(SECRET, forged);

    expect(result).toEqual({ ok: false, reason: 'checksum' });
  });

  it.each([
    ['empty', ''],
    ['too short', derived.key.slice(0, -1)],
    ['too long', `${derived.key}X`],
    ['a U (not in the alphabet)', `U${derived.key.slice(1)}`],
    ['punctuation', derived.key.replace('-', '_')],
    ['very long input', 'A'.repeat(10_000)],
    ['more than 100 characters of padding', `${' '.repeat(71)}${derived.key.replace(/-/g, '')}`],
  ])('reports %s input as malformed', (_name, input) => {
    const result = checkLicenseKey(SECRET, input);

    expect(result).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('canonicalize', () => {
  it('maps the key to upper case without separators', () => {
    expect(canonicalize('abcde-fghjk-mnpqr-stvwx-yz012-34567')).toBe('ABCDEFGHJKMNPQRSTVWXYZ01234567');
  });

  it('accepts up to 100 characters of input, spaces included', () => {
    const padded = `${' '.repeat(70)}abcdefghjkmnpqrstvwxyz01234567`;

    expect(canonicalize(padded)).toBe('ABCDEFGHJKMNPQRSTVWXYZ01234567');
  });
});

describe('LicenseKeys', () => {
  it('does not read the secret for a malformed key', async () => {
    let reads = 0;
    const provider: SigningKeyProvider = {
      signingKey: async () => {
        reads++;
        return SECRET;
      },
    };
    const keys = new LicenseKeys(provider);

    const result = await keys.check('not a key');

    expect(result).toEqual({ ok: false, reason: 'malformed' });
    expect(reads).toBe(0);
  });

  it('derives and checks with the provider secret', async () => {
    const keys = new LicenseKeys({ signingKey: async () => SECRET });

    const derived = await keys.derive('default', LICENSE_ID);
    const checked = await keys.check(derived.key);

    expect(checked).toEqual({ ok: true, hash: derived.hash });
  });
});
