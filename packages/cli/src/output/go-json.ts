/**
 * JSON as SPIRE's CLI prints it: protojson output decoded into a generic Go value and encoded
 * again with encoding/json, so object keys come out sorted, `null`s vanish, the text is
 * compact, `<`, `>`, `&`, U+2028 and U+2029 are escaped, and one newline ends it.
 */

/** A plain JSON value (as JSON.parse returns). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Encodes one value Go-style, with the trailing newline of json.Encoder. */
export function encodeGoJson(value: JsonValue): string {
  return `${encode(value)}\n`;
}

function encode(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map((v) => encode(v)).join(',')}]`;
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'string':
      return escapeString(value);
    default: {
      const keys = Object.keys(value)
        .filter((k) => value[k] !== null && value[k] !== undefined)
        .sort(compareKeys);
      return `{${keys.map((k) => `${escapeString(k)}:${encode(value[k] as JsonValue)}`).join(',')}}`;
    }
  }
}

/** Go sorts map keys by their UTF-8 bytes; comparing code points gives the same order. */
function compareKeys(a: string, b: string): number {
  const ca = [...a].map((c) => c.codePointAt(0) ?? 0);
  const cb = [...b].map((c) => c.codePointAt(0) ?? 0);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    if (ca[i] !== cb[i]) return (ca[i] ?? 0) - (cb[i] ?? 0);
  }
  return ca.length - cb.length;
}

function escapeString(text: string): string {
  return JSON.stringify(text)
    .replaceAll('<', '\\u003c')
    .replaceAll('>', '\\u003e')
    .replaceAll('&', '\\u0026')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029');
}
