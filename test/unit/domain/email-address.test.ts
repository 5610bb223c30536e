import { isDeliverableAddress } from '../../../lambda/domain/email-address';

/** A valid address of exactly `length` characters: a 64-character local part and 63-character labels. */
function addressOfLength(length: number, letter = 'b'): string {
  const local = 'a'.repeat(64);
  let domain = 'com';
  while (local.length + 1 + domain.length < length) {
    const room = length - (local.length + 1 + domain.length) - 1;
    domain = `${letter.repeat(Math.min(63, Math.max(1, room)))}.${domain}`;
  }
  return `${local}@${domain}`;
}

describe('isDeliverableAddress bounds', () => {
  it('accepts 254 characters and refuses 255', () => {
    expect(addressOfLength(254)).toHaveLength(254);
    expect(isDeliverableAddress(addressOfLength(254))).toBe(true);
    expect(addressOfLength(255)).toHaveLength(255);
    expect(isDeliverableAddress(addressOfLength(255))).toBe(false);
  });

  it('counts UTF-8 bytes, not characters', () => {
    const address = addressOfLength(200, 'ü');

    expect(Buffer.byteLength(address, 'utf8')).toBeGreaterThan(254);
    expect(isDeliverableAddress(address)).toBe(false);
    expect(isDeliverableAddress(addressOfLength(120, 'ü'))).toBe(true);
  });

  it('accepts a local part of 64 characters next to a long domain', () => {
    expect(isDeliverableAddress(`${'a'.repeat(64)}@example.com`)).toBe(true);
    expect(isDeliverableAddress(`a@${'b'.repeat(63)}.example.com`)).toBe(true);
  });

  it.each([
    'a b@example.com',
    'a"b@example.com',
    'a(b)@example.com',
    'a[b]@example.com',
    'a\\b@example.com',
    'a<b@example.com',
    'a,b@example.com',
    'a;b@example.com',
    'a\u0001b@example.com',
    'a\u007fb@example.com',
    '@example.com',
    'ada.@example.com',
    'a..b@example.com',
    'ada@-example.com',
    'ada@example-.com',
    'ada@a_b.com',
    'ada@example.co1',
    'ada@example.1co',
    'ada@example.c',
  ])('refuses %j', (address) => {
    expect(isDeliverableAddress(address)).toBe(false);
  });

  it.each(['ada@x.example.com', 'ada@1and1.com', 'ada@a1b.example.com', 'ada@ab1.example.com', 'ada@a-b.example.com'])(
    'accepts %j',
    (address) => {
      expect(isDeliverableAddress(address)).toBe(true);
    },
  );
});
