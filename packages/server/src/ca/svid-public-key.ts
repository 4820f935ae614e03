import type { KeyObject } from 'node:crypto';
import { CaError } from './errors.js';

const MIN_RSA_BITS = 2048;
const MAX_RSA_BITS = 8192;

/**
 * SubjectPublicKeyInfo DER for an SVID key. Bytes are taken as given: pass `parseCsr(...).spkiDer`,
 * which was validated there. A KeyObject is checked (EC P-256/P-384, RSA 2048-8192) and
 * exported, which costs ~0.15 ms, so prefer the CSR bytes in hot paths.
 */
export function svidPublicKeyDer(publicKey: KeyObject | Uint8Array): Uint8Array {
  if (publicKey instanceof Uint8Array) return publicKey;
  const details = publicKey.asymmetricKeyDetails;
  const ok =
    (publicKey.asymmetricKeyType === 'ec' && (details?.namedCurve === 'prime256v1' || details?.namedCurve === 'secp384r1')) ||
    (publicKey.asymmetricKeyType === 'rsa' && (details?.modulusLength ?? 0) >= MIN_RSA_BITS && (details?.modulusLength ?? 0) <= MAX_RSA_BITS);
  if (!ok) throw new CaError('ERR_CA_UNSUPPORTED_KEY_TYPE', 'SVID keys must be EC P-256, EC P-384 or RSA 2048-8192 bits');
  return publicKey.export({ type: 'spki', format: 'der' });
}
