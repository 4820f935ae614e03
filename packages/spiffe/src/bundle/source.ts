/**
 * One-method source interfaces, as go-spiffe: static values (a bundle, a set) and live sources
 * (the Workload API X509Source/JwtSource) implement the same interface, so either can be passed.
 */
import type { TrustDomain } from '../id/trust-domain.js';
import type { X509Bundle } from './x509-bundle.js';
import type { JwtBundle } from './jwt-bundle.js';
import type { SpiffeBundle } from './spiffe-bundle.js';

/** Gives the X.509 bundle of a trust domain; throws SpiffeError ERR_BUNDLE_NOT_FOUND if none. */
export interface X509BundleSource {
  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle;
}

/** Gives the JWT bundle of a trust domain; throws SpiffeError ERR_BUNDLE_NOT_FOUND if none. */
export interface JwtBundleSource {
  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle;
}

/** Gives the SPIFFE bundle of a trust domain; throws SpiffeError ERR_BUNDLE_NOT_FOUND if none. */
export interface SpiffeBundleSource {
  getSpiffeBundleForTrustDomain(trustDomain: TrustDomain): SpiffeBundle;
}
