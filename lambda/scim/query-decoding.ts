/**
 * API Gateway decodes `%XX` escapes in query values but leaves `+` alone, so a `+` reaching us is either a space that a
 * form-encoding client (Okta sends `filter=userName+eq+"…"`) wrote as `+`, or a real plus that arrived as `%2B`.
 * The two cannot be told apart after decoding, so we decide by position: outside quoted strings a `+` can only be a
 * space; inside a quoted value it is a space only when the client used `+` for the separators too and the value is
 * not an email address (plus addressing such as `jane+test@example.com` is common, spaces in an address are not).
 */
export function decodePlusInFilter(filter: string): string {
  const formEncoded = hasPlusOutsideQuotes(filter) && !filter.includes(' ');
  let out = '';
  let inQuotes = false;
  let quotedStart = 0;
  for (let i = 0; i < filter.length; i++) {
    const char = filter[i];
    if (char === '"' && !isEscaped(filter, i)) {
      if (!inQuotes) quotedStart = i;
      inQuotes = !inQuotes;
      out += char;
    } else if (char === '+') {
      if (!inQuotes) out += ' ';
      else out += formEncoded && !quotedValueAt(filter, quotedStart).includes('@') ? ' ' : '+';
    } else {
      out += char;
    }
  }
  return out;
}

function hasPlusOutsideQuotes(filter: string): boolean {
  let inQuotes = false;
  for (let i = 0; i < filter.length; i++) {
    if (filter[i] === '"' && !isEscaped(filter, i)) inQuotes = !inQuotes;
    else if (!inQuotes && filter[i] === '+') return true;
  }
  return false;
}

function isEscaped(text: string, index: number): boolean {
  let backslashes = 0;
  for (let i = index - 1; i >= 0 && text[i] === '\\'; i--) backslashes++;
  return backslashes % 2 === 1;
}

function quotedValueAt(text: string, openingQuote: number): string {
  for (let i = openingQuote + 1; i < text.length; i++) {
    if (text[i] === '"' && !isEscaped(text, i)) return text.slice(openingQuote + 1, i);
  }
  return text.slice(openingQuote + 1);
}
