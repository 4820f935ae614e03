export type { X509BundleSource, JwtBundleSource, SpiffeBundleSource } from './source.js';
export { X509Bundle } from './x509-bundle.js';
export { JwtBundle, type MarshalOptions } from './jwt-bundle.js';
export { SpiffeBundle, type SpiffeBundleInit } from './spiffe-bundle.js';
export { BundleSet, X509BundleSet, JwtBundleSet, SpiffeBundleSet, type TrustDomainBundle } from './bundle-set.js';
export type { PublicJwk } from './jwk.js';
