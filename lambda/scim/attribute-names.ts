/** Canonical attribute-name casing lives in the attribute model; this module keeps the old import path working. */
export { canonicalAttributeName } from './attribute-model';
