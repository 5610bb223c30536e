/**
 * A recipient address the shared sender may use: one `local@domain` with a dotted domain, no whitespace or control
 * characters (CR/LF would inject headers), no angle brackets, commas or semicolons (several recipients), at most 254
 * bytes (RFC 5321).
 */
export function isDeliverableAddress(address: string): boolean {
  if (Buffer.byteLength(address, 'utf8') > 254) return false;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses.
  if (/[\s\u0000-\u001f\u007f<>,;"()[\]\\]/.test(address)) return false;
  const at = address.lastIndexOf('@');
  if (at <= 0 || at !== address.indexOf('@')) return false;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length > 64 || local.startsWith('.') || local.endsWith('.') || local.includes('..')) return false;
  const labels = domain.split('.');
  return (
    labels.length >= 2 &&
    labels.every((label) => /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u.test(label)) &&
    /^[\p{L}]{2,}$/u.test(labels[labels.length - 1]!)
  );
}
