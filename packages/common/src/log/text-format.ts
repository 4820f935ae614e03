/**
 * logrus TextFormatter lines: `time="..." level=info msg="..." key=value`, fields after msg in
 * key order, values quoted only when they hold characters other than [A-Za-z0-9-._/@^+].
 */

const BARE = /^[A-Za-z0-9\-._/@^+]+$/;

/** Renders one value the way logrus does (strings quoted when needed, others as JSON). */
export function formatTextValue(value: unknown): string {
  const text = typeof value === 'string' ? value : value === null ? '<nil>' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text === '' || BARE.test(text) ? text : JSON.stringify(text);
}

/** Formats a log record (time, level, msg + fields) as one text line, newline included. */
export function formatTextLine(record: Readonly<Record<string, unknown>>): string {
  const { time, level, msg, ...fields } = record;
  const parts = [`time=${formatTextValue(time)}`, `level=${formatTextValue(level)}`, `msg=${formatTextValue(msg ?? '')}`];
  for (const key of Object.keys(fields).sort()) parts.push(`${key}=${formatTextValue(fields[key])}`);
  return `${parts.join(' ')}\n`;
}
