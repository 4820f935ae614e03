import { X509Certificate } from 'node:crypto';
import { SpiffeError } from '../errors.js';
import type { TrustDomain } from '../id/trust-domain.js';
import type { X509BundleSource } from './source.js';

/**
 * The X.509 authorities (CA certificates) of one trust domain.
 * @example
 * const bundle = new X509Bundle(td, [caCert]);
 * bundle.x509Authorities(); // [caCert]
 */
export class X509Bundle implements X509BundleSource {
  readonly trustDomain: TrustDomain;
  readonly #authorities: X509Certificate[] = [];

  constructor(trustDomain: TrustDomain, authorities: Iterable<X509Certificate> = []) {
    this.trustDomain = trustDomain;
    for (const cert of authorities) this.addX509Authority(cert);
  }

  /** The CA certificates, in insertion order (duplicates removed). */
  x509Authorities(): readonly X509Certificate[] {
    return this.#authorities;
  }

  /** Adds a CA certificate unless an identical one is present. */
  addX509Authority(cert: X509Certificate): void {
    if (!this.hasX509Authority(cert)) this.#authorities.push(cert);
  }

  hasX509Authority(cert: X509Certificate): boolean {
    return this.#authorities.some((a) => a.raw.equals(cert.raw));
  }

  removeX509Authority(cert: X509Certificate): void {
    const i = this.#authorities.findIndex((a) => a.raw.equals(cert.raw));
    if (i >= 0) this.#authorities.splice(i, 1);
  }

  get empty(): boolean {
    return this.#authorities.length === 0;
  }

  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle {
    if (!this.trustDomain.equals(trustDomain)) {
      throw new SpiffeError('ERR_BUNDLE_NOT_FOUND', `no X.509 bundle for trust domain "${trustDomain.name}"`);
    }
    return this;
  }
}
