/** Go's `%q` for strings (strconv.Quote): printable runes kept, the rest escaped Go-style. */
export function goQuote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    out += escapeRune(ch, cp);
  }
  return `${out}"`;
}

const SHORT: Readonly<Record<number, string>> = {
  0x07: '\\a', 0x08: '\\b', 0x0c: '\\f', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x0b: '\\v',
  0x5c: '\\\\', 0x22: '\\"',
};

function escapeRune(ch: string, cp: number): string {
  const short = SHORT[cp];
  if (short !== undefined) return short;
  if (cp >= 0x20 && cp < 0x7f) return ch;
  if (cp < 0x20 || cp === 0x7f) return `\\x${cp.toString(16).padStart(2, '0')}`;
  // Lone surrogates are invalid UTF-8 in Go and print as the replacement escape.
  if (cp >= 0xd800 && cp <= 0xdfff) return '\\ufffd';
  if (/[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch) || cp === 0x20) return ch;
  return cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
}
