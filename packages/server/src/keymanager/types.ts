import type { KeyObject } from 'node:crypto';

/** Key types SPIRE servers use for CA, JWT and SVID keys (`ca_key_type`, `jwt_key_type`). */
export type KeyType = 'ec-p256' | 'ec-p384' | 'rsa-2048' | 'rsa-4096';

export const KEY_TYPES: readonly KeyType[] = ['ec-p256', 'ec-p384', 'rsa-2048', 'rsa-4096'];

/** Signature encoding for ECDSA: DER for X.509/CSRs, raw R||S (`ieee-p1363`) for JWS. */
export type DsaEncoding = 'der' | 'ieee-p1363';

/**
 * A key held by a key manager. The private KeyObject is created once and cached, since
 * `createPrivateKey` costs ~0.45 ms; a KeyObject never prints or serializes its key material.
 */
export interface ManagedKey {
  readonly id: string;
  readonly type: KeyType;
  readonly publicKey: KeyObject;
  /** SubjectPublicKeyInfo DER of `publicKey`, computed once. */
  readonly publicKeyDer: Uint8Array;
  /** Digest the key signs with: sha384 for ec-p384, sha256 otherwise. */
  readonly hash: 'sha256' | 'sha384';
  /** The private key, for node:crypto `sign` and for TLS contexts. Never log or export it. */
  readonly privateKey: KeyObject;
  /** Signs `data` with the key's digest (ECDSA signatures in `dsaEncoding`, default DER). */
  sign(data: Uint8Array, dsaEncoding?: DsaEncoding): Buffer;
}

/**
 * SPIRE's KeyManager plugin shape: keys addressed by id (`x509-CA-A`, `JWT-Signer-B`, ...).
 * `generateKey` replaces any key with the same id.
 */
export interface KeyManager {
  generateKey(id: string, type: KeyType): Promise<ManagedKey>;
  getKey(id: string): ManagedKey | undefined;
  getKeys(): ManagedKey[];
}

/** Key ids used by the CA manager (as SPIRE) and for the server's own SVID. */
export const KEY_IDS = {
  x509Ca: (slot: 'A' | 'B') => `x509-CA-${slot}`,
  jwtSigner: (slot: 'A' | 'B') => `JWT-Signer-${slot}`,
  serverSvid: 'server-svid',
} as const;
