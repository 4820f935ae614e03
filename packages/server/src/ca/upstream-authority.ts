/** The UpstreamAuthority seam: something that signs our X.509 CA instead of self-signing it. */
import type { RandomBytes } from './certificate-builder.js';
import type { DistinguishedName } from './x509-name.js';

export interface UpstreamMintRequest {
  /** Trust domain name; the CA gets URI SAN `spiffe://<td>`. */
  trustDomain: string;
  /** SubjectPublicKeyInfo DER of our new CA key. */
  spkiDer: Uint8Array;
  subject: DistinguishedName;
  /** Preferred lifetime (`ca_ttl`); the upstream may shorten it. */
  ttlSeconds: number;
  /** Unix seconds. */
  now: number;
  randomBytes?: RandomBytes;
}

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
