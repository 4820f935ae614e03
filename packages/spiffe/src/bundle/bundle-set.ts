/**
 * Bundle sets: one bundle per trust domain, as go's x509bundle.Set, jwtbundle.Set and
 * spiffebundle.Set. One generic class holds the map; three small subclasses add the source
 * interface that fits their bundle kind. The Workload API client keeps an X509BundleSet and a
 * JwtBundleSet; federation keeps a SpiffeBundleSet.
 */
import { SpiffeError } from '../errors.js';
import type { TrustDomain } from '../id/trust-domain.js';
import type { JwtBundle } from './jwt-bundle.js';
import type { JwtBundleSource, SpiffeBundleSource, X509BundleSource } from './source.js';
import type { SpiffeBundle } from './spiffe-bundle.js';
import type { X509Bundle } from './x509-bundle.js';

/** Anything that belongs to one trust domain. */
export interface TrustDomainBundle {
  readonly trustDomain: TrustDomain;
}

/**
 * Bundles keyed by trust domain name. Adding a bundle for a trust domain already present replaces it.
 * @example
 * const set = new X509BundleSet([bundleA, bundleB]);
 * set.get(td);        // bundle or undefined
 * set.bundles();      // sorted by trust domain name
 */
export class BundleSet<B extends TrustDomainBundle> {
  readonly #bundles = new Map<string, B>();

  constructor(bundles: Iterable<B> = []) {
    for (const bundle of bundles) this.add(bundle);
  }

  /** Adds `bundle`, replacing any bundle of the same trust domain. */
  add(bundle: B): void {
    this.#bundles.set(bundle.trustDomain.name, bundle);
  }

  get(trustDomain: TrustDomain): B | undefined {
    return this.#bundles.get(trustDomain.name);
  }

  has(trustDomain: TrustDomain): boolean {
    return this.#bundles.has(trustDomain.name);
  }

  /** Removes the bundle of `trustDomain`; true if there was one. */
  remove(trustDomain: TrustDomain): boolean {
    return this.#bundles.delete(trustDomain.name);
  }

  /** Every bundle, sorted by trust domain name. */
  bundles(): B[] {
    return [...this.#bundles.values()].sort((a, b) => a.trustDomain.compare(b.trustDomain));
  }

  get size(): number {
    return this.#bundles.size;
  }

  /** The bundle of `trustDomain`, or SpiffeError ERR_BUNDLE_NOT_FOUND naming `kind`. */
  protected require(trustDomain: TrustDomain, kind: string): B {
    const bundle = this.#bundles.get(trustDomain.name);
    if (bundle === undefined) {
      throw new SpiffeError('ERR_BUNDLE_NOT_FOUND', `no ${kind} bundle for trust domain "${trustDomain.name}"`);
    }
    return bundle;
  }
}

/** X.509 bundles by trust domain; an X509BundleSource for all of them. */
export class X509BundleSet extends BundleSet<X509Bundle> implements X509BundleSource {
  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle {
    return this.require(trustDomain, 'X.509');
  }
}

/** JWT bundles by trust domain; a JwtBundleSource for all of them. */
export class JwtBundleSet extends BundleSet<JwtBundle> implements JwtBundleSource {
  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle {
    return this.require(trustDomain, 'JWT');
  }
}

/** SPIFFE bundles by trust domain; X.509, JWT and SPIFFE bundle source for all of them. */
export class SpiffeBundleSet
  extends BundleSet<SpiffeBundle>
  implements X509BundleSource, JwtBundleSource, SpiffeBundleSource
{
  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle {
    return this.require(trustDomain, 'X.509').x509Bundle();
  }

  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle {
    return this.require(trustDomain, 'JWT').jwtBundle();
  }

  getSpiffeBundleForTrustDomain(trustDomain: TrustDomain): SpiffeBundle {
    return this.require(trustDomain, 'SPIFFE');
  }
}
