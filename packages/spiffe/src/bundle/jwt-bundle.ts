import type { KeyObject } from 'node:crypto';
import { SpiffeError } from '../errors.js';
import type { TrustDomain } from '../id/trust-domain.js';
import type { JwtBundleSource } from './source.js';

/**
 * The JWT authorities (public keys by key ID) of one trust domain.
 * @example
 * const bundle = new JwtBundle(td, new Map([['kid1', publicKey]]));
 * bundle.findJwtAuthority('kid1'); // publicKey
 */
export class JwtBundle implements JwtBundleSource {
  readonly trustDomain: TrustDomain;
  readonly #authorities = new Map<string, KeyObject>();

  constructor(trustDomain: TrustDomain, authorities: Iterable<[string, KeyObject]> = []) {
    this.trustDomain = trustDomain;
    for (const [kid, key] of authorities) this.addJwtAuthority(kid, key);
  }

  /** The public keys by key ID. */
  jwtAuthorities(): ReadonlyMap<string, KeyObject> {
    return this.#authorities;
  }

  findJwtAuthority(keyId: string): KeyObject | undefined {
    return this.#authorities.get(keyId);
  }

  hasJwtAuthority(keyId: string): boolean {
    return this.#authorities.has(keyId);
  }

  /** Adds or replaces a key. The key ID must not be empty. */
  addJwtAuthority(keyId: string, key: KeyObject): void {
    if (keyId === '') throw new SpiffeError('ERR_BUNDLE_EMPTY_KEY_ID', 'JWT authority key ID cannot be empty');
    this.#authorities.set(keyId, key);
  }

  removeJwtAuthority(keyId: string): void {
    this.#authorities.delete(keyId);
  }

  get empty(): boolean {
    return this.#authorities.size === 0;
  }

  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle {
    if (!this.trustDomain.equals(trustDomain)) {
      throw new SpiffeError('ERR_BUNDLE_NOT_FOUND', `no JWT bundle for trust domain "${trustDomain.name}"`);
    }
    return this;
  }
}
