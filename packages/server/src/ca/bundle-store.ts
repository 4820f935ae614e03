/** The slice of the datastore the CA manager publishes its authorities through. */

/** Mirrors the datastore's Bundle so its implementation fits without adapters. */
export interface CaBundle {
  /** `spiffe://<td>` */
  trustDomain: string;
  x509Authorities: { der: Uint8Array; tainted: boolean }[];
  jwtAuthorities: { keyId: string; publicKeyDer: Uint8Array; expiresAt: number; tainted: boolean }[];
  refreshHint: number;
  sequenceNumber: bigint;
}

export interface CaBundleStore {
  /**
   * Merges the authorities of `bundle` into the stored bundle of its trust domain (creating it
   * when missing) and returns the result. The CA passes refreshHint 0 and sequenceNumber 0n;
   * the store keeps its own values.
   */
  appendBundle(bundle: CaBundle): Promise<CaBundle>;
  /** The stored bundle of `trustDomain` (`spiffe://<td>`), or null. */
  fetchBundle(trustDomain: string): Promise<CaBundle | null>;
}
