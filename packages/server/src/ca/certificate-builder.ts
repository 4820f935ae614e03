/** Assembles and signs X.509 v3 certificates from DER parts (used for CA certificates). */
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { der } from '@tspire/spiffe';
import { encodeUnixTime } from './der-x509.js';
import { extensionsField } from './extensions.js';
import type { CertificateSigner } from './signature-algorithm.js';

export type RandomBytes = (size: number) => Uint8Array;

/** `[0] EXPLICIT INTEGER 2`: X.509 v3. */
export const VERSION_3 = der.encodeContext(0, true, der.encodeInteger(2));

/**
 * Random bytes drawn from a CSPRNG buffer refilled every `poolSize` bytes: one `randomBytes`
 * call per 256 serials instead of one per serial (~7 us each here).
 */
export function pooledRandomBytes(poolSize = 4096): RandomBytes {
  let pool: Buffer = Buffer.alloc(0);
  let offset = 0;
  return (size) => {
    if (offset + size > pool.length) {
      pool = nodeRandomBytes(Math.max(poolSize, size));
      offset = 0;
    }
    const out = pool.subarray(offset, offset + size);
    offset += size;
    return out;
  };
}

/**
 * A random serial in [1, 2^128-1] as unsigned big-endian bytes (SPIRE's range); zero is redrawn.
 */
export function randomSerial(randomBytes: RandomBytes = nodeRandomBytes): Uint8Array {
  for (;;) {
    const bytes = randomBytes(16);
    if (bytes.length !== 16) throw new RangeError('randomBytes returned the wrong length');
    if (bytes.some((b) => b !== 0)) return bytes;
  }
}

/** Unsigned big-endian bytes as a decimal string (the CA subject serialNumber attribute). */
export function serialToDecimal(serial: Uint8Array): string {
  return BigInt('0x' + (Buffer.from(serial).toString('hex') || '0')).toString(10);
}

export interface CertificateParts {
  serial: Uint8Array;
  issuerDer: Uint8Array;
  subjectDer: Uint8Array;
  spkiDer: Uint8Array;
  /** Unix seconds. */
  notBefore: number;
  notAfter: number;
  extensions: readonly Uint8Array[];
}

/** The TBSCertificate DER for `parts` signed by `signer`'s algorithm. */
export function encodeTbs(parts: CertificateParts, signer: CertificateSigner): Buffer {
  return der.encodeSequence(
    VERSION_3,
    der.encodeInteger(parts.serial),
    signer.algorithmIdentifier,
    parts.issuerDer,
    der.encodeSequence(encodeUnixTime(parts.notBefore), encodeUnixTime(parts.notAfter)),
    parts.subjectDer,
    parts.spkiDer,
    extensionsField(parts.extensions),
  );
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }. */
export function signTbs(tbs: Uint8Array, signer: CertificateSigner): Buffer {
  return der.encodeSequence(tbs, signer.algorithmIdentifier, der.encodeBitString(signer.sign(tbs)));
}

/** Builds and signs a certificate. */
export function buildCertificate(parts: CertificateParts, signer: CertificateSigner): Buffer {
  return signTbs(encodeTbs(parts, signer), signer);
}
