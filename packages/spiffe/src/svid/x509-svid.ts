import { X509Certificate, type KeyObject } from 'node:crypto';
import { SpiffeError, isSpiffeError } from '../errors.js';
import type { SpiffeId } from '../id/spiffe-id.js';
import { splitConcatenatedDer } from '../der/split.js';
import { describeCertificate, getX509CertInfo } from './x509-cert-info.js';
import { checkLeafUsage, leafSpiffeId } from './x509-leaf.js';
import { checkKeyType, importDerPrivateKey, importPemPrivateKey, privateKeyMatches } from './x509-key.js';
import { decodePem, encodePem } from '../pem/pem.js';

export interface X509SvidOptions {
  /** The Workload API hint (an operator-chosen label for this identity). */
  readonly hint?: string;
}

/**
 * An X509-SVID with its private key: our own identity, checked as go-spiffe `x509svid.Parse`
 * does (leaf and signing-certificate rules, key matches leaf).
 * @example
 * const svid = X509Svid.parsePem(readFileSync('svid.pem'), readFileSync('svid_key.pem'));
 * svid.id.toString();   // 'spiffe://example.org/api'
 * svid.expiresAt;       // leaf notAfter
 * const { certificates, privateKey } = svid.marshalPem();
 */
export class X509Svid {
  readonly id: SpiffeId;
  /** Leaf first, then intermediates. */
  readonly certificates: readonly X509Certificate[];
  readonly privateKey: KeyObject;
  /** Set only when given (no own property otherwise). */
  declare readonly hint?: string;
  /** The leaf's notAfter. */
  readonly expiresAt: Date;

  private constructor(id: SpiffeId, certificates: readonly X509Certificate[], privateKey: KeyObject, expiresAt: Date, hint?: string) {
    this.id = id;
    this.certificates = Object.freeze([...certificates]);
    this.privateKey = privateKey;
    this.expiresAt = expiresAt;
    if (hint !== undefined) this.hint = hint;
  }

  /**
   * Builds an SVID from parsed certificates (leaf first) and a private key, checking:
   * the leaf has one URI SAN holding a SPIFFE ID with a path, is not a CA, has keyUsage
   * digitalSignature and neither keyCertSign nor cRLSign; every later certificate is a CA with
   * keyUsage keyCertSign; the key is RSA, EC or Ed25519 and matches the leaf.
   * @throws SpiffeError with an ERR_X509_* code naming the rule and the certificate.
   */
  static fromParts(certificates: readonly X509Certificate[], privateKey: KeyObject, options: X509SvidOptions = {}): X509Svid {
    const [leaf, ...signers] = certificates;
    if (leaf === undefined) throw new SpiffeError('ERR_X509_EMPTY_CHAIN', 'X509-SVID has no certificates');
    const leafInfo = getX509CertInfo(leaf);
    const id = leafSpiffeId(leaf, leafInfo);
    if (id.isTrustDomainId()) {
      throw new SpiffeError('ERR_X509_LEAF_ROOT_PATH', `leaf certificate ${describeCertificate(leaf)} SPIFFE ID "${id}" must have a non-root path`);
    }
    checkLeafUsage(leaf, leafInfo, { requireDigitalSignature: true });
    signers.forEach(checkSigningCertificate);
    checkKeyType(privateKey);
    if (!privateKeyMatches(privateKey, leafInfo.subjectPublicKeyInfoRaw)) {
      throw new SpiffeError('ERR_X509_KEY_MISMATCH', `private key does not match the public key of leaf certificate ${describeCertificate(leaf)}`);
    }
    return new X509Svid(id, certificates, privateKey, leafInfo.notAfter, options.hint);
  }

  /**
   * Parses PEM: `CERTIFICATE` blocks (leaf first; other block types skipped) and one private
   * key block: `PRIVATE KEY` (PKCS#8), `EC PRIVATE KEY` (SEC1) or `RSA PRIVATE KEY` (PKCS#1).
   * Both may be the same text.
   */
  static parsePem(certificatesPem: string | Uint8Array, privateKeyPem: string | Uint8Array, options: X509SvidOptions = {}): X509Svid {
    const certificates = certificatesFromPem(certificatesPem);
    return X509Svid.fromParts(certificates, importPemPrivateKey(decodePem(privateKeyPem, PRIVATE_KEY_PEM)), options);
  }

  /**
   * Parses the Workload API form: DER certificates concatenated (leaf first) and a DER key
   * (PKCS#8; SEC1 and PKCS#1 are tried too).
   */
  static parseDer(certificatesDer: Uint8Array, privateKeyDer: Uint8Array, options: X509SvidOptions = {}): X509Svid {
    const certificates = certificatesFromDer(certificatesDer);
    return X509Svid.fromParts(certificates, importDerPrivateKey(privateKeyDer), options);
  }

  /**
   * Parses each input as DER when it is bytes starting with a SEQUENCE tag (0x30), else as PEM.
   * @example X509Svid.parse(svidResponse.x509Svid, svidResponse.x509SvidKey)
   */
  static parse(certificates: string | Uint8Array, privateKey: string | Uint8Array, options: X509SvidOptions = {}): X509Svid {
    const chain = isDer(certificates) ? certificatesFromDer(certificates) : certificatesFromPem(certificates);
    const key = isDer(privateKey) ? importDerPrivateKey(privateKey) : importPemPrivateKey(decodePem(privateKey, PRIVATE_KEY_PEM));
    return X509Svid.fromParts(chain, key, options);
  }

  /** The leaf certificate. */
  get leaf(): X509Certificate {
    return this.certificates[0]!;
  }

  /** The chain to present in TLS: leaf first, then intermediates. */
  get defaultChain(): readonly X509Certificate[] {
    return this.certificates;
  }

  /** PEM `CERTIFICATE` blocks (leaf first) and a PKCS#8 `PRIVATE KEY` block. */
  marshalPem(): { certificates: string; privateKey: string } {
    return {
      certificates: this.certificates.map((cert) => encodePem('CERTIFICATE', cert.raw)).join(''),
      privateKey: this.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    };
  }

  /** The Workload API form: concatenated DER certificates and a PKCS#8 DER key. */
  marshalDer(): { certificates: Buffer; privateKey: Buffer } {
    return {
      certificates: Buffer.concat(this.certificates.map((cert) => cert.raw)),
      privateKey: this.privateKey.export({ type: 'pkcs8', format: 'der' }),
    };
  }
}

/** go: every certificate after the leaf must be a CA with keyUsage keyCertSign. */
function checkSigningCertificate(cert: X509Certificate): void {
  const info = getX509CertInfo(cert);
  if (info.basicConstraints?.ca !== true) {
    throw new SpiffeError('ERR_X509_ISSUER_NOT_CA', `signing certificate ${describeCertificate(cert)} must have the CA flag set`);
  }
  if (info.keyUsage?.keyCertSign !== true) {
    throw new SpiffeError('ERR_X509_ISSUER_NO_KEY_CERT_SIGN', `signing certificate ${describeCertificate(cert)} must have keyUsage keyCertSign`);
  }
}

function toCertificate(der: Uint8Array, index: number): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch (err) {
    throw new SpiffeError('ERR_X509_BAD_CERT', `certificate ${index} cannot be parsed`, { cause: err });
  }
}

/** Key PEM must hold at least one block, as certificate PEM must. */
const PRIVATE_KEY_PEM = { code: 'ERR_X509_BAD_PEM', what: 'private key', requireBlock: true } as const;

function certificatesFromPem(pem: string | Uint8Array): X509Certificate[] {
  const certificates: X509Certificate[] = [];
  for (const block of decodePem(pem, { code: 'ERR_X509_BAD_PEM', what: 'certificates', requireBlock: true })) {
    if (block.type !== 'CERTIFICATE') continue;
    if (block.hasHeaders) throw new SpiffeError('ERR_X509_BAD_PEM', `certificates: CERTIFICATE block ${certificates.length + 1} has headers`);
    certificates.push(toCertificate(block.bytes, certificates.length));
  }
  if (certificates.length === 0) throw new SpiffeError('ERR_X509_EMPTY_CHAIN', 'no CERTIFICATE PEM block found');
  return certificates;
}

function certificatesFromDer(der: Uint8Array): X509Certificate[] {
  let parts: Buffer[];
  try {
    parts = splitConcatenatedDer(der);
  } catch (err) {
    if (!isSpiffeError(err)) throw err;
    throw new SpiffeError('ERR_X509_BAD_CERT', `certificate chain DER cannot be split: ${err.message}`, { cause: err });
  }
  if (parts.length === 0) throw new SpiffeError('ERR_X509_EMPTY_CHAIN', 'certificate chain DER is empty');
  return parts.map(toCertificate);
}

/** DER starts with a SEQUENCE tag; PEM text (string or bytes) does not. */
function isDer(input: string | Uint8Array): input is Uint8Array {
  return typeof input !== 'string' && input[0] === 0x30;
}
