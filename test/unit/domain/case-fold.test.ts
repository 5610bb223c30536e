import { foldCase, legacyFoldCase } from '../../../lambda/domain/case-fold';

describe('foldCase', () => {
  it.each([
    ['STRASSE', 'straße'],
    ['ΟΔΟΣ', 'οδοσ'],
    ['οδος', 'οδοσ'],
    ['\u212a', 'k'],
    ['ﬁle', 'FILE'],
    ['Ｆｕｌｌ', 'full'],
    ['e\u0301', 'É'],
  ])('folds %s and %s to the same key', (a, b) => {
    expect(foldCase(a)).toBe(foldCase(b));
  });

  it('is toLowerCase for ASCII, so keys written before it are unchanged there', () => {
    const ascii = 'Jane.Doe+Test@Example.COM~!#$%&*()_-=[]{}|;:,.<>/?`^ 0123456789';

    expect(foldCase(ascii)).toBe(ascii.toLowerCase());
    expect(legacyFoldCase(ascii)).toBe(foldCase(ascii));
  });

  it('is idempotent', () => {
    for (const text of ['Straße', 'ΟΔΟΣ', 'İstanbul', 'ﬃ', 'ǅ']) expect(foldCase(foldCase(text))).toBe(foldCase(text));
  });
});
