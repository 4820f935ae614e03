/**
 * Splits spiffe-helper's `cmd_args` string the way the original does: one CSV record with a
 * space as the separator (Go encoding/csv). Every single space separates two arguments (so two
 * spaces give an empty argument), a field that starts with `"` is quoted and may contain spaces,
 * `""` inside quotes is a literal quote, and nothing runs through a shell.
 * @example splitCmdArgs('-c "ssl=on" "a ""b"""') // ['-c', 'ssl=on', 'a "b"']
 */

/** A `cmd_args` value that cannot be split; the message names the column. */
export class CmdArgsError extends Error {
  override name = 'CmdArgsError';
}

export function splitCmdArgs(text: string): string[] {
  // Only the first record counts; a trailing newline (or CRLF) ends it.
  const record = text.replace(/\r\n/g, '\n').split('\n').find((line) => line !== '') ?? '';
  if (record === '') return [];
  const args: string[] = [];
  let i = 0;
  for (;;) {
    const { value, next } = record[i] === '"' ? quotedField(record, i) : bareField(record, i);
    args.push(value);
    if (next >= record.length) return args;
    i = next + 1; // skip the separating space
    if (i === record.length) {
      args.push(''); // a trailing space ends with an empty field, as Go's reader does
      return args;
    }
  }
}

/** A field without quotes: up to the next space; a `"` inside is an error (Go's ErrBareQuote). */
function bareField(record: string, start: number): { value: string; next: number } {
  let end = record.indexOf(' ', start);
  if (end === -1) end = record.length;
  const value = record.slice(start, end);
  const quote = value.indexOf('"');
  if (quote !== -1) throw new CmdArgsError(`bare " in non-quoted field at column ${start + quote + 1}`);
  return { value, next: end };
}

/** A quoted field starting at `start`; it must end with `"` followed by a space or the end. */
function quotedField(record: string, start: number): { value: string; next: number } {
  let value = '';
  let i = start + 1;
  for (;;) {
    const close = record.indexOf('"', i);
    if (close === -1) throw new CmdArgsError(`missing closing " for the field at column ${start + 1}`);
    value += record.slice(i, close);
    if (record[close + 1] === '"') {
      value += '"';
      i = close + 2;
      continue;
    }
    const after = close + 1;
    if (after < record.length && record[after] !== ' ') {
      throw new CmdArgsError(`extraneous or missing " in quoted field at column ${after + 1}`);
    }
    return { value, next: after };
  }
}
