/** SPIRE's CA rotation thresholds (spire-compat 3.6), in unix seconds. */

export const DAY_SECONDS = 86_400;

/** When a successor should be prepared (and published): remaining <= min(lifetime/2, 30d). */
export function preparationThreshold(issuedAt: number, notAfter: number): number {
  return notAfter - Math.min((notAfter - issuedAt) / 2, 30 * DAY_SECONDS);
}

/** When the successor should become active: remaining <= min(lifetime/6, 7d). */
export function activationThreshold(issuedAt: number, notAfter: number): number {
  return notAfter - Math.min((notAfter - issuedAt) / 6, 7 * DAY_SECONDS);
}

/** Longest SVID TTL that rotation never cuts short: min(ca_ttl/6, 7d) (4h for the 24h default). */
export function maxUncutSvidTtl(caTtlSeconds: number): number {
  return Math.min(Math.floor(caTtlSeconds / 6), 7 * DAY_SECONDS);
}
