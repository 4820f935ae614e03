/**
 * Composes Workload API responses from a WorkloadUpdate (spire-compat 1.10, spiffe-standards 5):
 * - identities in ascending entry ID order (the first is the default identity);
 * - X.509 material as concatenated DER, keys as PKCS#8 DER;
 * - bundle maps keyed by trust domain ID (`spiffe://td`), always holding the own trust domain;
 * - federated bundles only of trust domains some matching identity federates with, never the
 *   own one, and left out when they hold no authority of the kind the message carries (py and
 *   java clients reject empty bundles);
 * - JWT bundles as plain JWKS JSON (no `use`, no spiffe_* members), 4-space indented as SPIRE.
 */
import { create } from '@bufbuild/protobuf';
import { workload } from '@tspire/proto';
import type { SpiffeBundle, X509Svid } from '@tspire/spiffe';
import type { WorkloadIdentity, WorkloadUpdate } from './identity-source.js';

/** The identities sorted by entry ID (code unit order; entry IDs are ASCII, so Go's byte order too). */
export function sortedIdentities(identities: readonly WorkloadIdentity[]): WorkloadIdentity[] {
  return [...identities].sort((a, b) => (a.entryId < b.entryId ? -1 : a.entryId > b.entryId ? 1 : 0));
}

/**
 * The federated bundles `identities` may receive: trust domains some identity federates with,
 * other than the own one, that the agent has a bundle for; sorted by trust domain name.
 */
export function federatedBundlesFor(update: WorkloadUpdate, identities: readonly WorkloadIdentity[] = update.identities): SpiffeBundle[] {
  const wanted = new Set<string>();
  for (const identity of identities) for (const td of identity.federatesWith) wanted.add(td.name);
  wanted.delete(update.bundle.trustDomain.name);
  return update.federatedBundles
    .filter((bundle) => wanted.has(bundle.trustDomain.name))
    .sort((a, b) => a.trustDomain.compare(b.trustDomain));
}

/**
 * The X509SVIDResponse for `update`, from the identities that have a current SVID (one whose
 * SPIFFE ID is the one their entry names; a new entry's SVID, or a renamed entry's new one, may
 * still be on its way). Undefined when there is nothing to send yet:
 * - `waitForAll` (a stream's first message, as SPIRE): until every identity has its SVID, so the
 *   workload does not start on a partial set whose default identity then changes;
 * - later messages: until at least one has, so a rotation is never held back by an SVID the
 *   agent cannot get (the pending identity joins when its SVID arrives).
 * Callers check first that there is at least one identity.
 */
export function composeX509SvidResponse(update: WorkloadUpdate, options: { waitForAll: boolean }): workload.X509SVIDResponse | undefined {
  const identities = sortedIdentities(update.identities);
  const ready = identities.filter(hasCurrentSvid);
  if (ready.length === 0 || (options.waitForAll && ready.length < identities.length)) return undefined;
  const bundle = x509BundleDer(update.bundle);
  return create(workload.X509SVIDResponseSchema, {
    svids: ready.map((identity) => {
      const svid = identity.svid!;
      const { chain, key } = svidDer(svid);
      return { spiffeId: svid.id.toString(), x509Svid: chain, x509SvidKey: key, bundle, hint: identity.hint };
    }),
    federatedBundles: x509BundleMap(federatedBundlesFor(update, ready)),
  });
}

/**
 * The X509BundlesResponse: the own bundle, plus the federated bundles of the matching identities
 * (none for a caller without identity, served only with allow_unauthenticated_verifiers).
 */
export function composeX509BundlesResponse(update: WorkloadUpdate): workload.X509BundlesResponse {
  const bundles = x509BundleMap(federatedBundlesFor(update));
  bundles[update.bundle.trustDomain.idString()] = x509BundleDer(update.bundle);
  return create(workload.X509BundlesResponseSchema, { bundles });
}

/** The JWTBundlesResponse: JWKS of the own trust domain and of the matching identities' federated ones. */
export function composeJwtBundlesResponse(update: WorkloadUpdate): workload.JWTBundlesResponse {
  const bundles: Record<string, Uint8Array> = {};
  for (const bundle of federatedBundlesFor(update)) {
    if (bundle.jwtAuthorities().size > 0) bundles[bundle.trustDomain.idString()] = jwksBytes(bundle);
  }
  bundles[update.bundle.trustDomain.idString()] = jwksBytes(update.bundle);
  return create(workload.JWTBundlesResponseSchema, { bundles });
}

/** The JWKS JSON of a bundle's JWT authorities, as the Workload API sends it. */
export function jwksBytes(bundle: SpiffeBundle): Uint8Array {
  return new TextEncoder().encode(bundle.jwtBundle().marshal({ indent: 4 }));
}

function hasCurrentSvid(identity: WorkloadIdentity): boolean {
  return identity.svid !== undefined && identity.svid.id.equals(identity.spiffeId);
}

function x509BundleMap(bundles: readonly SpiffeBundle[]): Record<string, Uint8Array> {
  const map: Record<string, Uint8Array> = {};
  for (const bundle of bundles) {
    if (bundle.x509Authorities().length > 0) map[bundle.trustDomain.idString()] = x509BundleDer(bundle);
  }
  return map;
}

// Bundles are immutable too: their concatenated DER is built once per bundle, not per message.
const bundleDerCache = new WeakMap<SpiffeBundle, Uint8Array>();

function x509BundleDer(bundle: SpiffeBundle): Uint8Array {
  let der = bundleDerCache.get(bundle);
  if (der === undefined) {
    der = new Uint8Array(Buffer.concat(bundle.x509Authorities().map((cert) => cert.raw)));
    bundleDerCache.set(bundle, der);
  }
  return der;
}

// X509Svid is immutable, so its DER forms are computed once per SVID, not once per message and
// subscriber (exporting a key is the costly part of a response).
const svidDerCache = new WeakMap<X509Svid, { chain: Uint8Array; key: Uint8Array }>();

function svidDer(svid: X509Svid): { chain: Uint8Array; key: Uint8Array } {
  let der = svidDerCache.get(svid);
  if (der === undefined) {
    const { certificates, privateKey } = svid.marshalDer();
    der = { chain: new Uint8Array(certificates), key: new Uint8Array(privateKey) };
    svidDerCache.set(svid, der);
  }
  return der;
}
