import fc from 'fast-check';
import { decodePlusInFilter } from '../../../lambda/scim/query-decoding';

describe('decodePlusInFilter', () => {
  it('turns form-encoded separators into spaces and keeps plus addressing in emails', () => {
    expect(decodePlusInFilter('userName+eq+"jane+test@example.com"')).toBe('userName eq "jane+test@example.com"');
  });

  it('turns plus signs inside a form-encoded display name into spaces', () => {
    expect(decodePlusInFilter('displayName+eq+"Sales+Team"')).toBe('displayName eq "Sales Team"');
  });

  it('keeps a plus inside quotes when the separators were real spaces', () => {
    expect(decodePlusInFilter('displayName eq "C++ developers"')).toBe('displayName eq "C++ developers"');
  });

  it('leaves a filter without plus signs alone', () => {
    expect(decodePlusInFilter('userName eq "a\\"b"')).toBe('userName eq "a\\"b"');
  });

  it('keeps escaped quotes inside a value and decodes an unterminated one to the end', () => {
    expect(decodePlusInFilter('displayName+eq+"a\\"+b"+and+x')).toBe('displayName eq "a\\" b" and x');
    expect(decodePlusInFilter('displayName+eq+"a+b')).toBe('displayName eq "a b');
    expect(decodePlusInFilter('displayName+eq+"a\\\\"+b')).toBe('displayName eq "a\\\\" b');
  });

  it('changes nothing but plus signs, and keeps the length', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '+', '"', '\\', ' ', '@') }), (filter) => {
        const decoded = decodePlusInFilter(filter);
        expect(decoded).toHaveLength(filter.length);
        expect(decoded.replaceAll(' ', '+')).toBe(filter.replaceAll(' ', '+'));
      }),
    );
  });

  // Generous bound: the per-plus rescan took minutes on this input; a linear pass takes milliseconds.
  it('decodes a quoted value of 200,000 plus signs well within a second', () => {
    const filter = `displayName+eq+"${'+'.repeat(200_000)}`;
    const started = performance.now();

    const decoded = decodePlusInFilter(filter);

    expect(performance.now() - started).toBeLessThan(1000);
    expect(decoded).toBe(`displayName eq "${' '.repeat(200_000)}`);
  });
});

describe('decodePlusInFilter: quotes after backslashes', () => {
  it('ends a quoted value at a quote after an escaped backslash', () => {
    expect(decodePlusInFilter('displayName+eq+"a\\\\"+and+title+eq+"b+c"')).toBe(
      'displayName eq "a\\\\" and title eq "b c"',
    );
  });

  it('keeps a quote after one backslash inside the value', () => {
    expect(decodePlusInFilter('title+eq+"a\\"+b"')).toBe('title eq "a\\" b"');
  });
});

describe('decodePlusInFilter: which plus signs are spaces', () => {
  it('reads a plus outside quotes as a space also in a filter with spaces, keeping quoted ones', () => {
    expect(decodePlusInFilter('title eq "a+b" and+nickName pr')).toBe('title eq "a+b" and nickName pr');
  });

  it('keeps a plus inside the quotes of a filter that has no plus outside them', () => {
    expect(decodePlusInFilter('"a+b"')).toBe('"a+b"');
  });

  it('ends a quoted value at a quote after an escaped backslash, as an address after it shows', () => {
    expect(decodePlusInFilter('userName+eq+"a\\\\"+and+emails+eq+"j+x@y.com"')).toBe(
      'userName eq "a\\\\" and emails eq "j+x@y.com"',
    );
  });

  it('keeps an escaped quote inside the value, as an address after it shows', () => {
    expect(decodePlusInFilter('userName+eq+"a\\"+b@x.com"')).toBe('userName eq "a\\"+b@x.com"');
  });
});
