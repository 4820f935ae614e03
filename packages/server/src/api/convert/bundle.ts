// types.Bundle <-> datastore Bundle. X.509 authorities are DER certificates, JWT authorities
// PKIX public keys; both are parsed so garbage never reaches the datastore.
import { X509Certificate, createPublicKey } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { types } from '@tspire/proto';
import type { TrustDomain } from '@tspire/spiffe';
import type { Bundle, BundleField, JwtAuthority, X509Authority } from '../../datastore/types.js';
import { invalidArgument } from '../errors.js';
import { trustDomainFromString } from './spiffe-id.js';

export function x509AuthorityFromProto(c: types.X509Certificate, index: number): X509Authority {
  const field = `invalid X.509 authority ${index + 1}`;
  if (c.asn1.length === 0) throw invalidArgument(`${field}: missing certificate`);
  try {
    new X509Certificate(c.asn1);
  } catch (err) {
    throw invalidArgument(`${field}: unable to parse certificate: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { der: Uint8Array.from(c.asn1), tainted: c.tainted };
}

export function jwtAuthorityFromProto(k: types.JWTKey, index: number): JwtAuthority {
  const field = `invalid JWT authority ${index + 1}`;
  if (k.keyId === '') throw invalidArgument(`${field}: missing key ID`);
  if (k.publicKey.length === 0) throw invalidArgument(`${field}: missing public key`);
  try {
    createPublicKey({ key: Buffer.from(k.publicKey), format: 'der', type: 'spki' });
  } catch (err) {
    throw invalidArgument(`${field}: unable to parse public key: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (k.expiresAt < 0n) throw invalidArgument(`${field}: expires_at must not be negative`);
  return { keyId: k.keyId, publicKeyDer: Uint8Array.from(k.publicKey), expiresAt: Number(k.expiresAt), tainted: k.tainted };
}

/** Converts and validates a bundle; the trust domain accepts `td` or `spiffe://td`. */
export function bundleFromProto(b: types.Bundle): Bundle {
  const td = trustDomainFromString(b.trustDomain, 'invalid trust domain');
  if (b.witAuthorities.length > 0) throw invalidArgument('invalid bundle: WIT authorities are not supported');
  if (b.refreshHint < 0n) throw invalidArgument('invalid refresh_hint: must not be negative');
  return {
    trustDomain: td.idString(),
    x509Authorities: b.x509Authorities.map(x509AuthorityFromProto),
    jwtAuthorities: b.jwtAuthorities.map(jwtAuthorityFromProto),
    refreshHint: Number(b.refreshHint),
    sequenceNumber: b.sequenceNumber,
  };
}

export function bundleTrustDomain(b: Bundle): string {
  return b.trustDomain.replace(/^spiffe:\/\//, '');
}

export function bundleToProto(b: Bundle, mask?: types.BundleMask): types.Bundle {
  const all = mask === undefined;
  const out = create(types.BundleSchema, { trustDomain: bundleTrustDomain(b) });
  if (all || mask.x509Authorities) {
    out.x509Authorities = b.x509Authorities.map((a) => create(types.X509CertificateSchema, { asn1: a.der, tainted: a.tainted }));
  }
  if (all || mask.jwtAuthorities) {
    out.jwtAuthorities = b.jwtAuthorities.map((a) =>
      create(types.JWTKeySchema, { publicKey: a.publicKeyDer, keyId: a.keyId, expiresAt: BigInt(a.expiresAt), tainted: a.tainted }));
  }
  if (all || mask.refreshHint) out.refreshHint = BigInt(b.refreshHint);
  if (all || mask.sequenceNumber) out.sequenceNumber = b.sequenceNumber;
  return out;
}

/** Bundle input mask -> datastore fields; undefined = all. */
export function bundleFieldsFromMask(mask: types.BundleMask | undefined): BundleField[] {
  if (mask === undefined) return ['x509Authorities', 'jwtAuthorities', 'refreshHint', 'sequenceNumber'];
  const fields: BundleField[] = [];
  if (mask.x509Authorities) fields.push('x509Authorities');
  if (mask.jwtAuthorities) fields.push('jwtAuthorities');
  if (mask.refreshHint) fields.push('refreshHint');
  if (mask.sequenceNumber) fields.push('sequenceNumber');
  return fields;
}

export function isOwnTrustDomain(bundleTd: string, td: TrustDomain): boolean {
  return bundleTd === td.idString() || bundleTd === td.name;
}
