/** The UpstreamAuthority seam: something that signs our X.509 CA instead of self-signing it. */
import type { CaCertificateRequest } from './ca-certificate.js';

/**
 * What our new CA certificate should hold: the same request as a self-signed CA
 * (`createCaCertificate`), except that `ttlSeconds` (`ca_ttl`) is a preference the upstream may shorten.
 */
export type UpstreamMintRequest = CaCertificateRequest;

export interface UpstreamMintResult {
  /** Our CA certificate (DER), signed upstream. */
  certificate: Uint8Array;
  /** Certificates between our CA and the roots, nearest first (sent after our CA in SVID chains). */
  upstreamIntermediates: Uint8Array[];
  /** The upstream trust anchors: they form our X.509 trust bundle. */
  upstreamRoots: Uint8Array[];
  /** Lowercase hex SKID of the upstream certificate that signed our CA. */
  upstreamAuthorityId: string;
}

export interface UpstreamAuthority {
  /** Plugin name as configured (`disk`). */
  readonly name: string;
  mintX509Ca(request: UpstreamMintRequest): Promise<UpstreamMintResult>;
}
