/** A JSON object, as opposed to an array, null or a scalar: what every SCIM resource and complex value is. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
