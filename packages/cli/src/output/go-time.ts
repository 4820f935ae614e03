/**
 * Go's default `time.Time` rendering (`%v`/`String()`): `2006-01-02 15:04:05 -0700 MST`.
 * SPIRE prints entry expiry in UTC and agent expiry in the local zone; both go through here.
 */

/** `UTC` prints `+0000 UTC`; `local` uses the process's zone (offset and abbreviation). */
export type TimeZoneMode = 'UTC' | 'local';

const pad = (n: number, width = 2): string => String(Math.abs(n)).padStart(width, '0');

/**
 * Formats Unix seconds as Go does. @example formatGoTime(0, 'UTC') === '1970-01-01 00:00:00 +0000 UTC'
 */
export function formatGoTime(unixSeconds: number | bigint, zone: TimeZoneMode): string {
  const date = new Date(Number(unixSeconds) * 1000);
  if (zone === 'UTC') {
    return `${ymdhms(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds())} +0000 UTC`;
  }
  const offsetMinutes = -date.getTimezoneOffset();
  const sign = offsetMinutes < 0 ? '-' : '+';
  const offset = `${sign}${pad(Math.trunc(offsetMinutes / 60))}${pad(offsetMinutes % 60)}`;
  const stamp = ymdhms(date.getFullYear(), date.getMonth() + 1, date.getDate(), date.getHours(), date.getMinutes(), date.getSeconds());
  return `${stamp} ${offset} ${zoneAbbreviation(date, offsetMinutes)}`;
}

function ymdhms(y: number, mo: number, d: number, h: number, mi: number, s: number): string {
  const year = y < 0 ? `-${pad(y, 4)}` : pad(y, 4);
  return `${year}-${pad(mo)}-${pad(d)} ${pad(h)}:${pad(mi)}:${pad(s)}`;
}

/** The zone abbreviation; Go prints a numeric `+01`/`+0530` when the zone has none. */
function zoneAbbreviation(date: Date, offsetMinutes: number): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
    .formatToParts(date)
    .find((p) => p.type === 'timeZoneName')?.value;
  if (part !== undefined && !part.startsWith('GMT')) return part;
  if (offsetMinutes === 0) return 'UTC';
  const sign = offsetMinutes < 0 ? '-' : '+';
  const minutes = offsetMinutes % 60;
  return `${sign}${pad(Math.trunc(offsetMinutes / 60))}${minutes === 0 ? '' : pad(minutes)}`;
}
