/**
 * API Gateway decodes `%XX` escapes in query values but leaves `+` alone, so a `+` reaching us is either a space that a
 * form-encoding client (Okta sends `filter=userName+eq+"…"`) wrote as `+`, or a real plus that arrived as `%2B`.
 * The two cannot be told apart after decoding, so we decide by position: outside quoted strings a `+` can only be a
 * space; inside a quoted value it is a space only when the client used `+` for the separators too and the value is
 * not an email address (plus addressing such as `jane+test@example.com` is common, spaces in an address are not).
 *
 * One pass splits the text at unescaped quotes, a second rewrites each piece, so the work is linear in the length
 * whatever the input (a quoted value full of `+` used to be rescanned for every `+`).
 */
export function decodePlusInFilter(filter: string): string {
  const segments = splitAtQuotes(filter);
  const formEncoded =
    !filter.includes(' ') && segments.some((segment) => !segment.quoted && segment.text.includes('+'));
  return segments
    .map(({ text, quoted }) => {
      if (!quoted) return text.replaceAll('+', ' ');
      return formEncoded && !text.includes('@') ? text.replaceAll('+', ' ') : text;
    })
    .join('');
}

interface Segment {
  readonly text: string;
  /** A quoted value, without its quotes (an unterminated one runs to the end). */
  readonly quoted: boolean;
}

function splitAtQuotes(filter: string): Segment[] {
  const segments: Segment[] = [];
  let inQuotes = false;
  let start = 0;
  let backslashes = 0;
  // Stryker disable next-line EqualityOperator: equivalent, the character past the end is undefined and changes nothing
  for (let i = 0; i < filter.length; i++) {
    const char = filter[i];
    if (char === '"' && backslashes % 2 === 0) {
      // Stryker disable next-line BooleanLiteral: equivalent, a lone quote has no plus sign to decode
      segments.push({ text: filter.slice(start, i), quoted: inQuotes }, { text: '"', quoted: false });
      inQuotes = !inQuotes;
      start = i + 1;
    }
    // Stryker disable next-line ArithmeticOperator: equivalent, counting down keeps the parity that decides
    backslashes = char === '\\' ? backslashes + 1 : 0;
  }
  segments.push({ text: filter.slice(start), quoted: inQuotes });
  return segments;
}
