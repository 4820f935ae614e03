// Test CAs for the signing pool: a self-signed CA, or an intermediate under a root (so served
// chains are longer than the leaf), plus the bundle that verifies what they sign.
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { TrustDomain, X509Bundle } from '@tspire/spiffe';
import { createCaCertificate } from './ca-certificate.js';
import { parseCertificate } from './certificate-info.js';
import type { SigningAuthority } from './signing-pool.js';

export interface TestSigningAuthority {
  authority: SigningAuthority;
  /** The X.509 bundle of the trust domain: the self-signed CA, or the root above the intermediate. */
  bundle: X509Bundle;
  /** CA notAfter, unix seconds. */
  notAfter: number;
}

export interface TestAuthorityOptions {
  trustDomain?: string;
  /** Unix seconds the CA is issued at. */
  now: number;
  ttlSeconds?: number;
  defaultTtlSeconds?: number;
  /** Sign the CA with a separate root (chain = [CA]); default self-signed (chain = []). */
  intermediate?: boolean;
}

const SUBJECT = { country: ['US'], organization: ['SPIFFE'] };

function ecKey() {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...pair, spki: pair.publicKey.export({ type: 'spki', format: 'der' }) };
}

export function createTestSigningAuthority(options: TestAuthorityOptions): TestSigningAuthority {
  const trustDomain = options.trustDomain ?? 'example.org';
  const ttlSeconds = options.ttlSeconds ?? 86_400;
  const key = ecKey();
  let certificate: Uint8Array;
  let anchor: Uint8Array;
  if (options.intermediate === true) {
    const root = ecKey();
    anchor = createCaCertificate({ trustDomain, spkiDer: root.spki, subject: SUBJECT, ttlSeconds: ttlSeconds * 2, now: options.now }, root.privateKey);
    certificate = createCaCertificate({ trustDomain, spkiDer: key.spki, subject: SUBJECT, ttlSeconds, now: options.now }, root.privateKey, parseCertificate(anchor));
  } else {
    certificate = createCaCertificate({ trustDomain, spkiDer: key.spki, subject: SUBJECT, ttlSeconds, now: options.now }, key.privateKey);
    anchor = certificate;
  }
  const info = parseCertificate(certificate);
  return {
    authority: {
      authorityId: Buffer.from(info.subjectKeyId ?? []).toString('hex'),
      certificate,
      chain: options.intermediate === true ? [certificate] : [],
      privateKey: key.privateKey,
      trustDomain,
      defaultTtlSeconds: options.defaultTtlSeconds ?? 3600,
    },
    bundle: new X509Bundle(TrustDomain.parse(trustDomain), [new X509Certificate(anchor)]),
    notAfter: info.notAfter,
  };
}
