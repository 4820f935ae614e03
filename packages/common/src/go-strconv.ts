/**
 * Go strconv rules that SPIRE's inputs follow: flags and weakly-typed config values parse
 * integers with `strconv.ParseInt(s, 0, 64)` and booleans with `strconv.ParseBool`.
 */

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: 'parse error' | 'value out of range' };

const BOOL_VALUES: ReadonlyMap<string, boolean> = new Map([
  ['1', true], ['t', true], ['T', true], ['TRUE', true], ['true', true], ['True', true],
  ['0', false], ['f', false], ['F', false], ['FALSE', false], ['false', false], ['False', false],
]);

/** strconv.ParseBool: 1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False. */
export function parseGoBool(text: string): ParseResult<boolean> {
  const value = BOOL_VALUES.get(text);
  return value === undefined ? { ok: false, reason: 'parse error' } : { ok: true, value };
}

const PREFIXES: readonly { prefix: RegExp; base: number; digits: RegExp }[] = [
  { prefix: /^0[xX]/, base: 16, digits: /^[0-9a-fA-F]$/ },
  { prefix: /^0[oO]/, base: 8, digits: /^[0-7]$/ },
  { prefix: /^0[bB]/, base: 2, digits: /^[01]$/ },
  { prefix: /^0(?=[0-9_])/, base: 8, digits: /^[0-7]$/ },
  { prefix: /^/, base: 10, digits: /^[0-9]$/ },
];

/**
 * strconv.ParseInt(s, 0, 64): optional sign, base prefixes 0x/0o/0b or a leading 0 for octal,
 * underscores between digits. Values beyond JS safe integers (2^53-1) are out of range here.
 */
export function parseGoInt(text: string): ParseResult<number> {
  let body = text;
  let sign = 1;
  if (body.startsWith('+') || body.startsWith('-')) {
    sign = body[0] === '-' ? -1 : 1;
    body = body.slice(1);
  }
  const form = PREFIXES.find((p) => p.prefix.test(body));
  if (form === undefined || body === '') return { ok: false, reason: 'parse error' };
  const prefixLength = body.length - body.replace(form.prefix, '').length;
  const digits = body.slice(prefixLength);
  // Underscores only between digits, or right after a base prefix (Go literal syntax).
  const underscores = prefixLength > 0 ? /^_?[^_]+(_[^_]+)*$/ : /^[^_]+(_[^_]+)*$/;
  const plain = digits.replaceAll('_', '');
  if (!underscores.test(digits) || ![...plain].every((d) => form.digits.test(d))) {
    return { ok: false, reason: 'parse error' };
  }
  const value = parseInt(plain, form.base) * sign;
  if (!Number.isSafeInteger(value)) return { ok: false, reason: 'value out of range' };
  return { ok: true, value: value === 0 ? 0 : value };
}

/** strconv.ParseFloat(s, 64) for decimal forms (no hex floats). */
export function parseGoFloat(text: string): ParseResult<number> {
  const special = /^[+-]?(inf|infinity)$/i.test(text) ? (text.startsWith('-') ? -Infinity : Infinity) : undefined;
  if (special !== undefined) return { ok: true, value: special };
  if (/^[+-]?nan$/i.test(text)) return { ok: true, value: NaN };
  if (!/^[+-]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][+-]?\d+)?$/.test(text)) return { ok: false, reason: 'parse error' };
  const value = Number(text.replaceAll('_', ''));
  if (!Number.isFinite(value)) return { ok: false, reason: 'value out of range' };
  return { ok: true, value };
}
