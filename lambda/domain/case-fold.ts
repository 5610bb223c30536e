/**
 * The one case folding of the service: every case-insensitive key (userName and displayName claims, email index
 * items) and every case-insensitive comparison (filters, uniqueness) goes through `foldCase`.
 *
 * JavaScript has no full Unicode case folding, and `toLowerCase()` alone keeps `ß` apart from `ss` and the final
 * sigma `ς` apart from `σ`, so `STRASSE` and `straße` could both be taken. Upper-casing first maps `ß` to `SS` and
 * both sigmas to `Σ`; lower-casing then gives one form. NFKC first makes compatibility forms (the Kelvin sign, the
 * `ﬁ` ligature, full-width letters) and composed/decomposed accents equal. For ASCII the result is `toLowerCase()`,
 * so keys written before this fold are unchanged for ASCII text.
 *
 * The fold can make a string longer (`ß` → `ss`): count key bytes after folding.
 */
export function foldCase(value: string): string {
  return value.normalize('NFKC').toUpperCase().toLowerCase();
}

/**
 * The fold keys were written with before `foldCase` (NFC and `toLowerCase()`). Equal to `foldCase` for ASCII; used
 * only to find and release claims that users and groups with other characters still hold from before.
 */
export function legacyFoldCase(value: string): string {
  return value.normalize('NFC').toLowerCase();
}
