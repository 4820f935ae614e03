/** Go's `t.UTC().Format(time.RFC3339)` for Unix seconds: `2024-01-02T03:04:05Z`. */
export function formatRfc3339Utc(unixSeconds: number | bigint): string {
  const date = new Date(Number(unixSeconds) * 1000);
  if (Number.isNaN(date.getTime())) return String(unixSeconds);
  const iso = date.toISOString();
  // toISOString always has milliseconds; RFC3339 in Go drops them for whole seconds.
  return iso.replace(/\.\d{3}Z$/, 'Z');
}
