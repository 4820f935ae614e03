/**
 * When to renew an SVID (agent or workload), as SPIRE's rotator: once the remaining lifetime is
 * at most half the lifetime, give or take 10% of it so a fleet's renewals do not line up.
 */

/**
 * The time (ms) at which an SVID valid from `notBeforeMs` to `notAfterMs` is renewed;
 * `random` in [0, 1) picks the jitter (0.5 = exactly half life).
 * @example renewAtMs(cert.notBefore, cert.notAfter, Math.random)
 */
export function renewAtMs(notBeforeMs: number, notAfterMs: number, random: () => number): number {
  const lifetime = Math.max(0, notAfterMs - notBeforeMs);
  const jitter = (random() * 2 - 1) * 0.1 * lifetime;
  return notBeforeMs + lifetime / 2 + jitter;
}

/** The validity of a DER certificate in ms since the epoch. */
export function validityMs(cert: { validFrom: string; validTo: string }): { notBeforeMs: number; notAfterMs: number } {
  return { notBeforeMs: Date.parse(cert.validFrom), notAfterMs: Date.parse(cert.validTo) };
}
