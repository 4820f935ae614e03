/**
 * Pretty output of the `bundle` commands: X.509 authorities as PEM, or the SPIFFE bundle JSON
 * indented by 4 spaces; `bundle list` puts a 40-star header with the trust domain before each.
 */
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { types } from '@tspire/proto';
import { SpiffeBundle, TrustDomain } from '@tspire/spiffe';

export type BundleFormat = 'pem' | 'spiffe';

/** One PEM block with 64-character lines, as Go's pem.Encode writes it. */
export function encodePemBlock(type: string, der: Uint8Array): string {
  const base64 = Buffer.from(der).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.map((l) => `${l}\n`).join('')}-----END ${type}-----\n`;
}

/** The X.509 authorities of a bundle as CERTIFICATE blocks. */
export function formatBundlePem(bundle: types.Bundle): string {
  return bundle.x509Authorities.map((a) => encodePemBlock('CERTIFICATE', a.asn1)).join('');
}

/** The bundle as SPIFFE bundle JSON (x509-svid and jwt-svid keys, sequence, refresh hint). */
export function formatBundleSpiffe(bundle: types.Bundle): string {
  const jwtAuthorities: [string, KeyObject][] = bundle.jwtAuthorities.map((k) => [
    k.keyId,
    createPublicKey({ key: Buffer.from(k.publicKey), format: 'der', type: 'spki' }),
  ]);
  const spiffe = new SpiffeBundle(TrustDomain.parse(bundle.trustDomain), {
    x509Authorities: bundle.x509Authorities.map((a) => new X509Certificate(a.asn1)),
    jwtAuthorities,
    ...(bundle.refreshHint !== 0n ? { refreshHint: Number(bundle.refreshHint) } : {}),
    ...(bundle.sequenceNumber !== 0n ? { sequenceNumber: bundle.sequenceNumber } : {}),
  });
  return `${spiffe.marshal({ indent: 4 })}\n`;
}

/** A bundle in the chosen format, optionally under the `bundle list` header. */
export function formatBundle(bundle: types.Bundle, format: BundleFormat, header: boolean): string {
  const stars = '*'.repeat(40);
  const head = header ? `${stars}\n* ${bundle.trustDomain}\n${stars}\n` : '';
  return head + (format === 'pem' ? formatBundlePem(bundle) : formatBundleSpiffe(bundle));
}

/** `bundle list`: each bundle with its header, a blank line between bundles. */
export function formatBundleList(bundles: readonly types.Bundle[], format: BundleFormat): string {
  return bundles.map((b) => formatBundle(b, format, true)).join('\n');
}
