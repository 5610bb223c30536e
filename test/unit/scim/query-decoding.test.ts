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
});
