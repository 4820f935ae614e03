import type { KeyObject } from 'node:crypto';
import { SpiffeError, quote } from '../errors.js';
import type { TrustDomain } from '../id/trust-domain.js';
import { isJsonObject, parseJsonObject } from './json-input.js';
import { assertSupportedPublicKey, jwkFromPublicKey, KNOWN_KEY_TYPES, publicKeyFromJwk, type PublicJwk } from './jwk.js';
import type { JwtBundleSource } from './source.js';

/** Options for writing JSON. */
export interface MarshalOptions {
  /** Pretty-print with this many spaces (SPIRE and the CLI use 4). Default: compact. */
  readonly indent?: number;
}

/**
 * The JWT authorities (public keys by key ID) of one trust domain.
 * @example
 * const bundle = JwtBundle.parseJwks(td, response.bundles['spiffe://example.org']);
 * bundle.findJwtAuthority('kid1'); // KeyObject | undefined
 * bundle.marshal();                // '{"keys":[...]}'
 */
export class JwtBundle implements JwtBundleSource {
  readonly trustDomain: TrustDomain;
  readonly #authorities = new Map<string, KeyObject>();

  constructor(trustDomain: TrustDomain, authorities: Iterable<[string, KeyObject]> = []) {
    this.trustDomain = trustDomain;
    for (const [kid, key] of authorities) this.addJwtAuthority(kid, key);
  }

  /**
   * Parses a standard JWKS (the Workload API's JWT bundle form), as go's jwtbundle.Parse:
   * `use` is ignored, a missing or null `keys` gives an empty bundle, every key needs a kid.
   * Keys of a `kty` we do not know are skipped (RFC 7517 §5); known but unusable keys are errors.
   * @throws SpiffeError ERR_BUNDLE_BAD_JSON, ERR_BUNDLE_BAD_KEYS, ERR_BUNDLE_BAD_JWK,
   *   ERR_BUNDLE_EMPTY_KEY_ID, ERR_BUNDLE_UNSUPPORTED_KEY or ERR_BUNDLE_DUPLICATE_KEY_ID.
   */
  static parseJwks(trustDomain: TrustDomain, json: string | Uint8Array): JwtBundle {
    const { value } = parseJsonObject(json, 'JWKS');
    const keys = value['keys'];
    if (keys === undefined || keys === null) return new JwtBundle(trustDomain);
    if (!Array.isArray(keys)) throw new SpiffeError('ERR_BUNDLE_BAD_KEYS', 'JWKS member "keys" must be an array');
    const bundle = new JwtBundle(trustDomain);
    keys.forEach((jwk: unknown, i) => {
      const parsed = parseJwtAuthorityJwk(jwk, `JWK keys[${i}]`);
      if (parsed !== undefined) bundle.#addParsed(parsed.kid, parsed.key);
    });
    return bundle;
  }

  /** The public keys by key ID, in insertion order. */
  jwtAuthorities(): ReadonlyMap<string, KeyObject> {
    return this.#authorities;
  }

  findJwtAuthority(keyId: string): KeyObject | undefined {
    return this.#authorities.get(keyId);
  }

  hasJwtAuthority(keyId: string): boolean {
    return this.#authorities.has(keyId);
  }

  /**
   * Adds or replaces a key. The key ID must not be empty; the key must be a public RSA, EC
   * (P-256/384/521) or EdDSA key, so a bundle never holds a secret and can always be written.
   */
  addJwtAuthority(keyId: string, key: KeyObject): void {
    if (keyId === '') throw new SpiffeError('ERR_BUNDLE_EMPTY_KEY_ID', 'JWT authority key ID cannot be empty');
    assertSupportedPublicKey(key, `JWT authority ${quote(keyId, 64)}`);
    this.#authorities.set(keyId, key);
  }

  removeJwtAuthority(keyId: string): void {
    this.#authorities.delete(keyId);
  }

  /** Replaces every authority. */
  setJwtAuthorities(authorities: Iterable<[string, KeyObject]>): void {
    this.#authorities.clear();
    for (const [kid, key] of authorities) this.addJwtAuthority(kid, key);
  }

  get empty(): boolean {
    return this.#authorities.size === 0;
  }

  /** The standard JWKS object: `{keys: [...]}` sorted by kid, each with kty, kid and key parameters (no `use`). */
  toJwks(): { keys: PublicJwk[] } {
    return { keys: jwtAuthorityJwks(this.#authorities) };
  }

  /** The JWKS as JSON text (what the Workload API sends as UTF-8 bytes). */
  marshal(options: MarshalOptions = {}): string {
    return JSON.stringify(this.toJwks(), null, options.indent);
  }

  /** A copy that can be changed without affecting this bundle. */
  clone(): JwtBundle {
    return new JwtBundle(this.trustDomain, this.#authorities);
  }

  /** True when `other` has the same trust domain and the same key IDs mapping to equal keys. */
  equals(other: JwtBundle | undefined | null): boolean {
    return other != null && this.trustDomain.equals(other.trustDomain) && sameAuthorities(this.#authorities, other.jwtAuthorities());
  }

  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle {
    if (!this.trustDomain.equals(trustDomain)) {
      throw new SpiffeError('ERR_BUNDLE_NOT_FOUND', `no JWT bundle for trust domain "${trustDomain.name}"`);
    }
    return this;
  }

  /** Adds a parsed key; a second, different key under the same kid is refused (ambiguous input). */
  #addParsed(kid: string, key: KeyObject): void {
    const existing = this.#authorities.get(kid);
    if (existing !== undefined && !existing.equals(key)) {
      throw new SpiffeError('ERR_BUNDLE_DUPLICATE_KEY_ID', `two different JWT authorities have kid ${quote(kid, 64)}`);
    }
    this.addJwtAuthority(kid, key);
  }
}

/**
 * Reads one JWT authority JWK: undefined for a `kty` we do not know (skipped), else kid and key.
 * Shared with the SPIFFE bundle parser.
 */
export function parseJwtAuthorityJwk(jwk: unknown, where: string): { kid: string; key: KeyObject } | undefined {
  if (!isJsonObject(jwk)) throw new SpiffeError('ERR_BUNDLE_BAD_JWK', `${where}: must be a JSON object`);
  const kty = jwk['kty'];
  if (typeof kty !== 'string' || kty === '') throw new SpiffeError('ERR_BUNDLE_BAD_JWK', `${where}: "kty" is missing`);
  if (!KNOWN_KEY_TYPES.has(kty)) return undefined;
  const kid = jwk['kid'];
  if (typeof kid !== 'string' || kid === '') {
    throw new SpiffeError('ERR_BUNDLE_EMPTY_KEY_ID', `${where}: "kid" is missing or empty`);
  }
  return { kid, key: publicKeyFromJwk(jwk, `${where} (kid ${quote(kid, 64)})`) };
}

/** JWKs for the authorities, sorted by kid so output is stable. */
export function jwtAuthorityJwks(authorities: ReadonlyMap<string, KeyObject>, use?: string): PublicJwk[] {
  return [...authorities.keys()].sort(compareStrings).map((kid) => {
    const { kty, ...params } = jwkFromPublicKey(authorities.get(kid)!, `JWT authority ${quote(kid, 64)}`);
    return use === undefined ? { kty, kid, ...params } : { use, kty, kid, ...params };
  });
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sameAuthorities(a: ReadonlyMap<string, KeyObject>, b: ReadonlyMap<string, KeyObject>): boolean {
  if (a.size !== b.size) return false;
  for (const [kid, key] of a) {
    const theirs = b.get(kid);
    if (theirs === undefined || !theirs.equals(key)) return false;
  }
  return true;
}
