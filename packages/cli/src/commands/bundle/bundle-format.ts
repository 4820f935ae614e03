/**
 * The `-format` flag of the bundle commands (`pem` or `spiffe`, any case) and turning bundle
 * text into the API's Bundle message for `bundle set`.
 */
import { create } from '@bufbuild/protobuf';
import { types } from '@tspire/proto';
import { SpiffeBundle, TrustDomain, X509Bundle } from '@tspire/spiffe';
import type { BundleFormat } from '../../output/bundle-pretty.js';
import { CliError } from '../../output/rpc-error.js';

export const formatFlag = { kind: 'string', default: 'pem', usage: 'The format to show the bundle (only pretty output format supports this flag). Either "pem" or "spiffe".' } as const;

/** Checks -format; `''` means pem. */
export function parseBundleFormat(value: string): BundleFormat {
  const format = value === '' ? 'pem' : value.toLowerCase();
  if (format !== 'pem' && format !== 'spiffe') throw new CliError(`invalid format: ${JSON.stringify(format)}`);
  return format;
}

function trustDomainOf(id: string): TrustDomain {
  try {
    return TrustDomain.parse(id);
  } catch (err) {
    throw new CliError(`unable to parse bundle data: ${(err as Error).message}`);
  }
}

/** Parses PEM certificates or SPIFFE bundle JSON for trust domain `id` (`spiffe://td` or `td`). */
export function parseBundleData(bytes: Uint8Array, format: BundleFormat, id: string): types.Bundle {
  const trustDomain = trustDomainOf(id);
  try {
    if (format === 'pem') {
      const x509 = X509Bundle.parsePem(trustDomain, bytes);
      if (x509.empty) throw new Error('no certificates found');
      return create(types.BundleSchema, {
        trustDomain: trustDomain.name,
        x509Authorities: x509.x509Authorities().map((c) => create(types.X509CertificateSchema, { asn1: new Uint8Array(c.raw) })),
      });
    }
    const spiffe = SpiffeBundle.parse(trustDomain, bytes);
    return create(types.BundleSchema, {
      trustDomain: trustDomain.name,
      x509Authorities: spiffe.x509Authorities().map((c) => create(types.X509CertificateSchema, { asn1: new Uint8Array(c.raw) })),
      jwtAuthorities: [...spiffe.jwtAuthorities()].map(([keyId, key]) =>
        create(types.JWTKeySchema, { keyId, publicKey: new Uint8Array(key.export({ format: 'der', type: 'spki' })) }),
      ),
      refreshHint: BigInt(spiffe.refreshHint ?? 0),
      sequenceNumber: spiffe.sequenceNumber ?? 0n,
    });
  } catch (err) {
    throw new CliError(`unable to parse bundle data: ${(err as Error).message}`);
  }
}
