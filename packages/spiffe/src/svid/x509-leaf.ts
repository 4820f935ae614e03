/**
 * The X.509-SVID leaf rules (standard §4 / go-spiffe x509svid), shared by parsing (own SVID,
 * strict) and verification (peer SVID, go's checks). Kept in go's order so the same bad
 * certificate yields the same first error as go.
 */
import type { X509Certificate } from 'node:crypto';
import { SpiffeError, isSpiffeError, quote } from '../errors.js';
import { SpiffeId } from '../id/spiffe-id.js';
import { describeCertificate, type X509CertInfo } from './x509-cert-info.js';

/**
 * The SPIFFE ID in the leaf's only URI SAN.
 * @throws SpiffeError ERR_X509_NO_URI_SAN, ERR_X509_MULTIPLE_URI_SANS or ERR_X509_INVALID_SPIFFE_ID.
 */
export function leafSpiffeId(leaf: X509Certificate, info: X509CertInfo): SpiffeId {
  const [uri, second] = info.uriSans;
  if (uri === undefined) {
    throw new SpiffeError('ERR_X509_NO_URI_SAN', `leaf certificate ${describeCertificate(leaf)} has no URI SAN`);
  }
  if (second !== undefined) {
    throw new SpiffeError(
      'ERR_X509_MULTIPLE_URI_SANS',
      `leaf certificate ${describeCertificate(leaf)} has ${info.uriSans.length} URI SANs; an X509-SVID has exactly one`,
    );
  }
  try {
    return SpiffeId.parse(uri);
  } catch (err) {
    if (!isSpiffeError(err)) throw err;
    throw new SpiffeError(
      'ERR_X509_INVALID_SPIFFE_ID',
      `leaf certificate ${describeCertificate(leaf)} URI SAN ${quote(uri)} is not a valid SPIFFE ID: ${err.message}`,
      { cause: err },
    );
  }
}

export interface LeafUsageOptions {
  /** Require keyUsage with digitalSignature (parse: yes; verify: no, as go). */
  readonly requireDigitalSignature: boolean;
}

/**
 * Checks the leaf is not a CA, has digitalSignature (when asked), and has neither keyCertSign
 * nor cRLSign.
 */
export function checkLeafUsage(leaf: X509Certificate, info: X509CertInfo, options: LeafUsageOptions): void {
  const name = (): string => `leaf certificate ${describeCertificate(leaf)}`;
  if (info.basicConstraints?.ca === true) {
    throw new SpiffeError('ERR_X509_LEAF_IS_CA', `${name()} has the CA flag set (basicConstraints cA is true)`);
  }
  if (options.requireDigitalSignature && info.keyUsage?.digitalSignature !== true) {
    const reason = info.keyUsage === undefined ? 'has no keyUsage extension' : 'lacks keyUsage digitalSignature';
    throw new SpiffeError('ERR_X509_LEAF_NO_DIGITAL_SIGNATURE', `${name()} ${reason}; digitalSignature is required`);
  }
  if (info.keyUsage?.keyCertSign === true) {
    throw new SpiffeError('ERR_X509_LEAF_KEY_CERT_SIGN', `${name()} has keyUsage keyCertSign, which a leaf must not have`);
  }
  if (info.keyUsage?.cRLSign === true) {
    throw new SpiffeError('ERR_X509_LEAF_CRL_SIGN', `${name()} has keyUsage cRLSign, which a leaf must not have`);
  }
}
