import { X509Certificate } from 'node:crypto';
import { SpiffeError, isSpiffeError } from '../errors.js';
import type { SpiffeId } from '../id/spiffe-id.js';
import type { TrustDomain } from '../id/trust-domain.js';
import type { X509BundleSource } from '../bundle/source.js';
import type { X509Bundle } from '../bundle/x509-bundle.js';
import { getX509CertInfo } from './x509-cert-info.js';
import { checkLeafUsage, leafSpiffeId } from './x509-leaf.js';
import { buildVerifiedPath } from './x509-path.js';

export interface VerifyX509SvidOptions {
  /** The time to check validity at. Default: the current time, read once per call. */
  readonly now?: Date;
}

export interface VerifiedX509Svid {
  readonly id: SpiffeId;
  /** Leaf first, then the intermediates used, then the trust anchor from the bundle. */
  readonly verifiedChain: X509Certificate[];
}

/**
 * Verifies a peer X509-SVID as go-spiffe `x509svid.Verify` does, in the same order:
 * chain not empty; exactly one URI SAN holding a valid SPIFFE ID; leaf not a CA; leaf without
 * keyCertSign and cRLSign; then path validation against ONLY the bundle of the leaf's trust
 * domain (never system roots), with `chain[1..]` as intermediates in any order.
 *
 * Like go, verification does not require keyUsage digitalSignature nor a non-root leaf path
 * (X509Svid.parse does, for our own SVIDs); it is stricter than go in requiring every issuer,
 * trust anchors included, to be a CA with keyCertSign (when keyUsage is present) and in
 * refusing unhandled critical extensions on every certificate of the path.
 * @example
 * const { id, verifiedChain } = verifyX509Svid([leaf, ...intermediates], bundleSet, { now: clock.now() });
 * authorizer(id);
 * @throws SpiffeError with an ERR_X509_* code naming the reason and the certificate.
 */
export function verifyX509Svid(
  chain: readonly (X509Certificate | Uint8Array)[],
  bundleSource: X509BundleSource,
  options: VerifyX509SvidOptions = {},
): VerifiedX509Svid {
  if (chain.length === 0) throw new SpiffeError('ERR_X509_EMPTY_CHAIN', 'cannot verify an empty certificate chain');
  const certificates = chain.map(toCertificate);
  const leaf = certificates[0]!;
  const leafInfo = getX509CertInfo(leaf);
  const id = leafSpiffeId(leaf, leafInfo);
  checkLeafUsage(leaf, leafInfo, { requireDigitalSignature: false });
  const bundle = bundleFor(bundleSource, id.trustDomain);
  const now = options.now ?? new Date();
  const verifiedChain = buildVerifiedPath(
    leaf,
    certificates.slice(1),
    bundle.x509Authorities(),
    now,
    `trust domain "${id.trustDomain.name}"`,
  );
  return { id, verifiedChain };
}

/** The bundle of exactly `trustDomain`; any failure to get it is ERR_X509_NO_BUNDLE. */
function bundleFor(bundleSource: X509BundleSource, trustDomain: TrustDomain): X509Bundle {
  if (bundleSource == null) throw new SpiffeError('ERR_X509_NO_BUNDLE', 'an X.509 bundle source is required');
  let bundle: X509Bundle;
  try {
    bundle = bundleSource.getX509BundleForTrustDomain(trustDomain);
  } catch (err) {
    const reason = isSpiffeError(err) || err instanceof Error ? `: ${err.message}` : '';
    throw new SpiffeError('ERR_X509_NO_BUNDLE', `no X.509 bundle for trust domain "${trustDomain.name}"${reason}`, { cause: err });
  }
  if (bundle == null || !bundle.trustDomain.equals(trustDomain)) {
    throw new SpiffeError('ERR_X509_NO_BUNDLE', `the bundle source gave no X.509 bundle for trust domain "${trustDomain.name}"`);
  }
  return bundle;
}

function toCertificate(cert: X509Certificate | Uint8Array, index: number): X509Certificate {
  if (cert instanceof X509Certificate) return cert;
  try {
    return new X509Certificate(cert);
  } catch (err) {
    throw new SpiffeError('ERR_X509_BAD_CERT', `certificate ${index} of the chain cannot be parsed`, { cause: err });
  }
}
