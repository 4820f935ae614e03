/** Requests and results of the CA manager's signing entry points. */
import type { KeyObject } from 'node:crypto';
import type { DistinguishedName } from './x509-name.js';

export interface X509SvidRequest {
  spiffeId: string;
  /** SPKI DER (from parseCsr, preferred) or a public KeyObject. */
  publicKey: Uint8Array | KeyObject;
  dnsNames?: readonly string[];
  ttlSeconds?: number;
  subject?: DistinguishedName;
}

export interface X509SvidResult {
  certificate: Uint8Array;
  /** Leaf first, then intermediates up to (not including) the bundle roots. */
  chain: Uint8Array[];
  /** Lowercase hex serial. */
  serial: string;
  /** Unix seconds (notBefore, notAfter). */
  issuedAt: number;
  expiresAt: number;
  /** The signing CA's authority ID. */
  authorityId: string;
}

export interface JwtSvidRequest {
  spiffeId: string;
  audience: readonly string[];
  ttlSeconds?: number;
  /** Adds a random `jti` claim (entries with jwt_svid_include_jti). */
  includeJti?: boolean;
}

export interface JwtSvidResult {
  token: string;
  keyId: string;
  /** Unix seconds. */
  issuedAt: number;
  expiresAt: number;
}

export interface ServerSvid extends X509SvidResult {
  spiffeId: string;
  privateKey: KeyObject;
}
