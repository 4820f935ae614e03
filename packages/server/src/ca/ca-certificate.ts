/**
 * CA certificates for the server's X.509 authority: self-signed roots (no UpstreamAuthority)
 * and intermediates signed by an upstream key. Built with our DER writer (not a hot path, but
 * it keeps one encoder for every certificate we issue).
 */
import type { KeyObject } from 'node:crypto';
import { buildCertificate, randomSerial, serialToDecimal, type RandomBytes } from './certificate-builder.js';
import type { CertificateInfo } from './certificate-info.js';
import { CaError } from './errors.js';
import { authorityKeyIdentifier, basicConstraints, keyUsage, subjectAltName, subjectKeyIdFromSpki, subjectKeyIdentifier } from './extensions.js';
import { certificateSigner } from './signature-algorithm.js';
import { encodeName, type DistinguishedName } from './x509-name.js';

/** Backdating of notBefore, as SPIRE, to absorb clock skew. */
export const BACKDATE_SECONDS = 10;

export interface CaCertificateRequest {
  /** Trust domain name (`example.org`); the CA carries URI SAN `spiffe://example.org`. */
  trustDomain: string;
  /** SubjectPublicKeyInfo DER of the new CA key. */
  spkiDer: Uint8Array;
  /** `ca_subject`; its serialNumber is replaced by the certificate serial, as SPIRE. */
  subject: DistinguishedName;
  ttlSeconds: number;
  /** Unix seconds. */
  now: number;
  randomBytes?: RandomBytes;
}

/**
 * Builds a CA certificate: keyUsage keyCertSign+cRLSign (critical), CA:true (critical), SKID,
 * AKID, URI SAN of the trust domain, notBefore = now-10s, notAfter = now+ttl.
 * Self-signed by `signingKey` (the CA's own key) when `issuer` is absent; otherwise an
 * intermediate signed by `signingKey` (the issuer's key) with issuer = the issuer's subject,
 * AKID = the issuer's SKID and notAfter capped at the issuer's notAfter.
 */
export function createCaCertificate(request: CaCertificateRequest, signingKey: KeyObject, issuer?: CertificateInfo): Buffer {
  if (!Number.isInteger(request.ttlSeconds) || request.ttlSeconds <= 0) {
    throw new CaError('ERR_CA_INVALID_SVID_REQUEST', `CA TTL must be a positive whole number of seconds, got ${request.ttlSeconds}`);
  }
  const now = Math.floor(request.now);
  const serial = randomSerial(request.randomBytes);
  const subjectDer = encodeName({ ...request.subject, serialNumber: serialToDecimal(serial) });
  const subjectKeyId = subjectKeyIdFromSpki(request.spkiDer);
  let notAfter = now + request.ttlSeconds;
  if (issuer !== undefined) {
    if (issuer.notAfter <= now) {
      throw new CaError('ERR_CA_EXPIRED', `upstream CA expired at ${new Date(issuer.notAfter * 1000).toISOString()}`);
    }
    notAfter = Math.min(notAfter, issuer.notAfter);
  }
  // As Go's x509.CreateCertificate (so SPIRE): a self-signed CA carries no authorityKeyIdentifier.
  const authorityKeyId = issuer?.subjectKeyId;
  const extensions = [
    keyUsage(['keyCertSign', 'cRLSign']),
    basicConstraints(true),
    subjectKeyIdentifier(subjectKeyId),
    ...(authorityKeyId === undefined ? [] : [authorityKeyIdentifier(authorityKeyId)]),
    subjectAltName([`spiffe://${request.trustDomain}`], []),
  ];
  const signer = certificateSigner(signingKey);
  return buildCertificate(
    {
      serial,
      issuerDer: issuer === undefined ? subjectDer : issuer.subjectDer,
      subjectDer,
      spkiDer: request.spkiDer,
      notBefore: now - BACKDATE_SECONDS,
      notAfter,
      extensions,
    },
    signer,
  );
}
