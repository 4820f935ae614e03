/** Maps signing keys to X.509 signature algorithms and signs TBS structures with node:crypto. */
import { sign, type KeyObject } from 'node:crypto';
import { der } from '@tspire/spiffe';
import { oid } from './der-x509.js';
import { OID } from './oids.js';
import { CaError } from './errors.js';

export type Digest = 'sha256' | 'sha384' | 'sha512';

/** Signs DER structures for certificates: the AlgorithmIdentifier and a `sign(tbs)`. */
export interface CertificateSigner {
  readonly digest: Digest;
  /** AlgorithmIdentifier DER (signature field of the TBS and of the Certificate). */
  readonly algorithmIdentifier: Uint8Array;
  sign(tbs: Uint8Array): Buffer;
}

/** ECDSA with the digest matching the curve (P-256/SHA-256, P-384/SHA-384, P-521/SHA-512); RSA PKCS#1 v1.5 SHA-256. */
export function digestFor(key: KeyObject): { digest: Digest; algorithmOid: string } {
  if (key.asymmetricKeyType === 'ec') {
    switch (key.asymmetricKeyDetails?.namedCurve) {
      case 'prime256v1':
        return { digest: 'sha256', algorithmOid: OID.ecdsaWithSha256 };
      case 'secp384r1':
        return { digest: 'sha384', algorithmOid: OID.ecdsaWithSha384 };
      case 'secp521r1':
        return { digest: 'sha512', algorithmOid: OID.ecdsaWithSha512 };
    }
  } else if (key.asymmetricKeyType === 'rsa') {
    return { digest: 'sha256', algorithmOid: OID.sha256WithRsa };
  }
  throw new CaError('ERR_CA_UNSUPPORTED_KEY_TYPE', `cannot sign certificates with a ${key.asymmetricKeyType ?? 'unknown'} key ${key.asymmetricKeyDetails?.namedCurve ?? ''}`.trim());
}

/** A CertificateSigner over a cached private KeyObject. */
export function certificateSigner(privateKey: KeyObject): CertificateSigner {
  const { digest, algorithmOid } = digestFor(privateKey);
  // RSA AlgorithmIdentifiers carry explicit NULL parameters; ECDSA ones have none (RFC 5758).
  const algorithmIdentifier = privateKey.asymmetricKeyType === 'rsa' ? der.encodeSequence(oid(algorithmOid), der.encodeNull()) : der.encodeSequence(oid(algorithmOid));
  return {
    digest,
    algorithmIdentifier,
    sign: (tbs) => sign(digest, tbs, privateKey),
  };
}
