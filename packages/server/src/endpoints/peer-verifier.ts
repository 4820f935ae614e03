// Verification of the client certificate chain on the TCP endpoint, as SPIRE's server does it:
// the leaf must be an X509-SVID chaining (with the intermediates the client sent) to the X.509
// roots of the leaf's OWN trust domain (ours or a federated one), and its ID must be a member of
// our trust domain or be listed in admin_ids. Pure: the listener gives it the DER chain.
import { X509Certificate } from 'node:crypto';
import { SpiffeError, TrustDomain, getX509CertInfo, verifyX509Svid, type X509Bundle, type X509BundleSource } from '@tspire/spiffe';
import type { TlsPeer } from '../api/caller.js';

export interface PeerVerifierOptions {
  /** the server's trust domain */
  trustDomain: TrustDomain;
  /** admin_ids: IDs of other trust domains allowed to connect (as admins) */
  adminIds: readonly string[];
  /** the X.509 bundle of a trust domain by name (ours and federated); undefined = unknown */
  trustBundles: (trustDomainName: string) => X509Bundle | undefined;
  /** verification time */
  clock: { nowMs(): number };
}

export type PeerVerification =
  | { ok: true; peer: TlsPeer }
  /** `reason` names what is wrong, for the server's debug log (never sent to the client) */
  | { ok: false; reason: string };

/**
 * @example
 * const verify = createPeerVerifier({ trustDomain, adminIds, trustBundles, clock });
 * const result = verify([leafDer, ...intermediatesDer]);
 * if (!result.ok) socket.destroy();
 */
export function createPeerVerifier(options: PeerVerifierOptions): (chain: readonly Uint8Array[]) => PeerVerification {
  const adminIds = new Set(options.adminIds);
  const bundles: X509BundleSource = {
    getX509BundleForTrustDomain(trustDomain) {
      const bundle = options.trustBundles(trustDomain.name);
      if (bundle === undefined) throw new SpiffeError('ERR_BUNDLE_NOT_FOUND', `no bundle for trust domain "${trustDomain.name}"`);
      return bundle;
    },
  };
  return (chain) => {
    let certificates: X509Certificate[];
    try {
      certificates = chain.map((der) => new X509Certificate(der));
    } catch (err) {
      return { ok: false, reason: `unparseable client certificate: ${(err as Error).message}` };
    }
    try {
      const { id } = verifyX509Svid(certificates, bundles, { now: new Date(options.clock.nowMs()) });
      const spiffeId = id.toString();
      if (!id.memberOf(options.trustDomain) && !adminIds.has(spiffeId)) {
        return { ok: false, reason: `client ID "${spiffeId}" is not a member of trust domain "${options.trustDomain.name}" nor an admin ID` };
      }
      const leaf = certificates[0]!;
      return { ok: true, peer: { spiffeId, serialNumber: decimalSerial(leaf), notAfter: Math.floor(getX509CertInfo(leaf).notAfter.getTime() / 1000) } };
    } catch (err) {
      return { ok: false, reason: err instanceof Error ? err.message : String(err) };
    }
  };
}

/** node:crypto gives the serial in hex; attested-node records store it in decimal. */
export function decimalSerial(cert: X509Certificate): string {
  return BigInt(`0x${cert.serialNumber}`).toString(10);
}
