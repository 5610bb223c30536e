import { isResourceId, systemClock, uuidV7 } from '../../../lambda/domain/clock';
import { DomainError, NotFoundError, SeatLimitError } from '../../../lambda/domain/errors';

describe('uuidV7', () => {
  const at = Date.parse('2026-05-01T08:00:00.000Z');

  it('puts the milliseconds first, then the version 7 and RFC 9562 variant around the random bits', () => {
    expect(uuidV7(at, Buffer.alloc(10, 0xff))).toBe('019de28d-3c00-7fff-bfff-ffffffffffff');
    expect(uuidV7(at, Buffer.alloc(10, 0x00))).toBe('019de28d-3c00-7000-8000-000000000000');
    expect(uuidV7(at, Buffer.from('0123456789abcdef0123', 'hex'))).toBe('019de28d-3c00-7123-8567-89abcdef0123');
  });

  it('sorts ids by creation time, whatever their random part', () => {
    const earlier = uuidV7(at, Buffer.alloc(10, 0xff));
    const later = uuidV7(at + 1, Buffer.alloc(10, 0x00));

    expect(earlier < later).toBe(true);
  });

  it('is random by default: two ids of the same millisecond differ', () => {
    const one = uuidV7(at);
    const two = uuidV7(at);

    expect(one).not.toBe(two);
    expect(isResourceId(one)).toBe(true);
    expect(one.slice(0, 13)).toBe('019de28d-3c00');
  });

  it('uses the current time by default', () => {
    const before = Date.now();
    const id = uuidV7();
    const after = Date.now();

    const millis = Number.parseInt(id.replace('-', '').slice(0, 12), 16);
    expect(millis).toBeGreaterThanOrEqual(before);
    expect(millis).toBeLessThanOrEqual(after);
  });
});

describe('isResourceId', () => {
  it.each(['019de28d-3c00-7000-8000-000000000000', '00000000-0000-0000-0000-000000000000'])('accepts %s', (id) => {
    expect(isResourceId(id)).toBe(true);
  });

  it.each([
    ['upper case', '019DE28D-3C00-7000-8000-000000000000'],
    ['a missing hyphen', '019de28d3c00-7000-8000-000000000000'],
    ['a prefix', 'x019de28d-3c00-7000-8000-000000000000'],
    ['a suffix', '019de28d-3c00-7000-8000-000000000000x'],
    ['a short group', '019de28d-3c0-7000-8000-000000000000'],
    ['a short first group', '019de28-3c00-7000-8000-000000000000'],
    ['a short third group', '019de28d-3c00-700-8000-000000000000'],
    ['a short fourth group', '019de28d-3c00-7000-800-000000000000'],
    ['a short last group', '019de28d-3c00-7000-8000-00000000000'],
    ['a non-hex letter', '019de28d-3c00-7000-8000-00000000000g'],
    ['a userName', 'ada@example.com'],
  ])('refuses an id with %s', (_, id) => {
    expect(isResourceId(id)).toBe(false);
  });
});

describe('systemClock', () => {
  it('reads the current time', () => {
    const before = Date.now();
    const now = systemClock.now().getTime();

    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});

describe('domain errors', () => {
  it('carry their own class name and the cause they wrap', () => {
    const cause = new Error('throttled');
    const error = new SeatLimitError('no seat', { cause });

    expect(error).toBeInstanceOf(DomainError);
    expect(error.name).toBe('SeatLimitError');
    expect(new NotFoundError('x').name).toBe('NotFoundError');
    expect(error.message).toBe('no seat');
    expect(error.cause).toBe(cause);
  });
});
