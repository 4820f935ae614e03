/**
 * `-expandEnv`: replaces $VAR and ${VAR} in config text before parsing, with Go os.Expand
 * semantics (unset -> empty string) and SPIRE's one twist: `$$` -> `$`.
 */

/** Environment lookup table (e.g. process.env). */
export type Env = Readonly<Record<string, string | undefined>>;

const SPECIAL = new Set(['*', '#', '$', '@', '!', '?', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);

function isNameChar(ch: string): boolean {
  return /^[A-Za-z0-9_]$/.test(ch);
}

/**
 * Reads the variable name after a `$` at s[start]. Returns the name and how many characters
 * it spans; an empty name with width > 0 is bad syntax that Go silently drops (`${}`, `${x`).
 */
function readName(s: string, start: number): { name: string; width: number } {
  const first = s[start] ?? '';
  if (first === '{') {
    const special = s[start + 1] ?? '';
    if (SPECIAL.has(special) && s[start + 2] === '}') return { name: special, width: 3 };
    const close = s.indexOf('}', start + 1);
    if (close === -1) return { name: '', width: 1 };
    if (close === start + 1) return { name: '', width: 2 };
    return { name: s.slice(start + 1, close), width: close - start + 1 };
  }
  if (SPECIAL.has(first)) return { name: first, width: 1 };
  let end = start;
  while (end < s.length && isNameChar(s[end] ?? '')) end++;
  return { name: s.slice(start, end), width: end - start };
}

/**
 * @example expandEnv('port = ${PORT}, cost = $$5', { PORT: '8081' }) === 'port = 8081, cost = $5'
 */
export function expandEnv(text: string, env: Env): string {
  let out = '';
  let copiedUpTo = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '$' || i + 1 >= text.length) continue;
    out += text.slice(copiedUpTo, i);
    const { name, width } = readName(text, i + 1);
    if (name === '' && width === 0) out += '$'; // `$` not followed by a name stays as is
    else if (name === '$') out += '$';
    else if (name !== '') out += env[name] ?? '';
    i += width;
    copiedUpTo = i + 1;
  }
  return out + text.slice(copiedUpTo);
}
