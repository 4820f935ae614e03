import { X509Certificate } from 'node:crypto';
import { SpiffeError, isSpiffeError } from '../errors.js';
import type { TrustDomain } from '../id/trust-domain.js';
import { splitConcatenatedDer } from '../der/split.js';
import { decodePem, encodePem } from '../pem/pem.js';
import type { X509BundleSource } from './source.js';

/**
 * The X.509 authorities (CA certificates) of one trust domain.
 * @example
 * const bundle = X509Bundle.parseDer(td, response.bundle); // Workload API form
 * bundle.x509Authorities(); // [caCert, ...]
 * bundle.toPem();           // for files and Envoy
 */
export class X509Bundle implements X509BundleSource {
  readonly trustDomain: TrustDomain;
  readonly #authorities: X509Certificate[] = [];

  constructor(trustDomain: TrustDomain, authorities: Iterable<X509Certificate> = []) {
    this.trustDomain = trustDomain;
    for (const cert of authorities) this.addX509Authority(cert);
  }

  /**
   * Parses PEM text: every `CERTIFICATE` block, other block types skipped (so one file may also
   * hold a key). As go: empty input gives an empty bundle, but non-empty input with no PEM block
   * at all is an error; blocks of other types only give an empty bundle.
   * @throws SpiffeError ERR_BUNDLE_BAD_PEM or ERR_BUNDLE_BAD_CERT.
   */
  static parsePem(trustDomain: TrustDomain, pem: string | Uint8Array): X509Bundle {
    const text = typeof pem === 'string' ? pem : Buffer.from(pem).toString('latin1');
    if (text.length === 0) return new X509Bundle(trustDomain);
    const blocks = decodePem(text, { code: 'ERR_BUNDLE_BAD_PEM', what: 'X.509 bundle', requireBlock: true });
    const certs = blocks
      .filter((block) => block.type === 'CERTIFICATE')
      .map((block, i) => parseCertificate(block.bytes, `CERTIFICATE block ${i}`));
    return new X509Bundle(trustDomain, certs);
  }

  /**
   * Parses concatenated DER certificates (the Workload API form). Empty input gives an empty bundle.
   * @throws SpiffeError ERR_BUNDLE_BAD_DER or ERR_BUNDLE_BAD_CERT.
   */
  static parseDer(trustDomain: TrustDomain, der: Uint8Array): X509Bundle {
    const certs = splitBundleDer(der).map((element, i) => parseCertificate(element, `certificate ${i}`));
    return new X509Bundle(trustDomain, certs);
  }

  /** The CA certificates, in insertion order (duplicates removed). */
  x509Authorities(): readonly X509Certificate[] {
    return this.#authorities;
  }

  /** Adds a CA certificate unless an identical one is present. */
  addX509Authority(cert: X509Certificate): void {
    if (!this.hasX509Authority(cert)) this.#authorities.push(cert);
  }

  hasX509Authority(cert: X509Certificate): boolean {
    return this.#authorities.some((a) => a.raw.equals(cert.raw));
  }

  removeX509Authority(cert: X509Certificate): void {
    const i = this.#authorities.findIndex((a) => a.raw.equals(cert.raw));
    if (i >= 0) this.#authorities.splice(i, 1);
  }

  /** Replaces every authority. */
  setX509Authorities(authorities: Iterable<X509Certificate>): void {
    this.#authorities.length = 0;
    for (const cert of authorities) this.addX509Authority(cert);
  }

  get empty(): boolean {
    return this.#authorities.length === 0;
  }

  /** The certificates as concatenated DER (the Workload API form). */
  toDer(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.#authorities.map((cert) => cert.raw)));
  }

  /** The certificates as `CERTIFICATE` PEM blocks, in order; `''` when empty. */
  toPem(): string {
    return this.#authorities.map((cert) => encodePem('CERTIFICATE', cert.raw)).join('');
  }

  /** A copy that can be changed without affecting this bundle (certificates are immutable and shared). */
  clone(): X509Bundle {
    return new X509Bundle(this.trustDomain, this.#authorities);
  }

  /** True when `other` has the same trust domain and the same certificates in the same order. */
  equals(other: X509Bundle | undefined | null): boolean {
    if (other == null || !this.trustDomain.equals(other.trustDomain)) return false;
    const theirs = other.x509Authorities();
    return theirs.length === this.#authorities.length && this.#authorities.every((cert, i) => cert.raw.equals(theirs[i]!.raw));
  }

  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle {
    if (!this.trustDomain.equals(trustDomain)) {
      throw new SpiffeError('ERR_BUNDLE_NOT_FOUND', `no X.509 bundle for trust domain "${trustDomain.name}"`);
    }
    return this;
  }
}

/** Splits concatenated DER, reporting a DER fault under the bundle's own code. */
function splitBundleDer(der: Uint8Array): Buffer[] {
  try {
    return splitConcatenatedDer(der);
  } catch (cause) {
    if (!isSpiffeError(cause, 'ERR_DER_MALFORMED')) throw cause;
    throw new SpiffeError('ERR_BUNDLE_BAD_DER', `bad bundle DER: ${cause.message}`, { cause });
  }
}

/** Parses exactly one DER certificate (no PEM, no trailing bytes), naming `what` in the error. */
export function parseCertificate(der: Uint8Array, what: string): X509Certificate {
  // node:crypto would also accept PEM text here; a DER certificate always starts with SEQUENCE.
  if (der[0] !== 0x30) throw new SpiffeError('ERR_BUNDLE_BAD_CERT', `${what} is not a DER certificate`);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch (cause) {
    throw new SpiffeError('ERR_BUNDLE_BAD_CERT', `${what} could not be parsed as an X.509 certificate`, { cause });
  }
  if (cert.raw.length !== der.length) {
    throw new SpiffeError('ERR_BUNDLE_BAD_CERT', `${what} has ${der.length - cert.raw.length} bytes after the certificate`);
  }
  return cert;
}
