import type { KeyObject, X509Certificate } from 'node:crypto';
import { SpiffeError } from '../errors.js';
import type { TrustDomain } from '../id/trust-domain.js';
import { JwtBundle, type MarshalOptions } from './jwt-bundle.js';
import type { JwtBundleSource, SpiffeBundleSource, X509BundleSource } from './source.js';
import { MAX_SEQUENCE_NUMBER, marshalSpiffeBundleJson, parseSpiffeBundleJson } from './spiffe-bundle-json.js';
import { X509Bundle } from './x509-bundle.js';

/** Initial contents of a SpiffeBundle. */
export interface SpiffeBundleInit {
  readonly x509Authorities?: Iterable<X509Certificate>;
  readonly jwtAuthorities?: Iterable<[string, KeyObject]>;
  /** Seconds between polls of the bundle endpoint (`spiffe_refresh_hint`). */
  readonly refreshHint?: number;
  /** `spiffe_sequence`, a uint64. */
  readonly sequenceNumber?: bigint;
}

/**
 * A SPIFFE bundle: the X.509 and JWT authorities of one trust domain, with the optional refresh
 * hint and sequence number of the federation format. Serves as X.509, JWT and SPIFFE bundle
 * source for its own trust domain; `x509Bundle()`/`jwtBundle()` give independent copies.
 * @example
 * const bundle = SpiffeBundle.parse(td, await response.text());
 * bundle.refreshHint;            // 300 (seconds) or undefined
 * bundle.marshal({ indent: 4 }); // as `spire-server bundle show -format spiffe`
 */
export class SpiffeBundle implements X509BundleSource, JwtBundleSource, SpiffeBundleSource {
  readonly trustDomain: TrustDomain;
  readonly #x509: X509Bundle;
  readonly #jwt: JwtBundle;
  #refreshHint: number | undefined;
  #sequenceNumber: bigint | undefined;

  constructor(trustDomain: TrustDomain, init: SpiffeBundleInit = {}) {
    this.trustDomain = trustDomain;
    this.#x509 = new X509Bundle(trustDomain, init.x509Authorities);
    this.#jwt = new JwtBundle(trustDomain, init.jwtAuthorities);
    this.refreshHint = init.refreshHint;
    this.sequenceNumber = init.sequenceNumber;
  }

  /**
   * Parses SPIFFE bundle JSON (text or UTF-8 bytes); see spiffe-bundle-json.ts for the rules.
   * @throws SpiffeError with an ERR_BUNDLE_* code naming the entry and the broken rule.
   */
  static parse(trustDomain: TrustDomain, json: string | Uint8Array): SpiffeBundle {
    const contents = parseSpiffeBundleJson(json);
    const bundle = new SpiffeBundle(trustDomain, { x509Authorities: contents.x509Authorities, jwtAuthorities: contents.jwtAuthorities });
    bundle.refreshHint = contents.refreshHint;
    bundle.sequenceNumber = contents.sequenceNumber;
    return bundle;
  }

  /** A SPIFFE bundle holding the X.509 authorities of `bundle`. */
  static fromX509Bundle(bundle: X509Bundle): SpiffeBundle {
    return new SpiffeBundle(bundle.trustDomain, { x509Authorities: bundle.x509Authorities() });
  }

  /** A SPIFFE bundle holding the JWT authorities of `bundle`. */
  static fromJwtBundle(bundle: JwtBundle): SpiffeBundle {
    return new SpiffeBundle(bundle.trustDomain, { jwtAuthorities: bundle.jwtAuthorities() });
  }

  x509Authorities(): readonly X509Certificate[] {
    return this.#x509.x509Authorities();
  }
  addX509Authority(cert: X509Certificate): void {
    this.#x509.addX509Authority(cert);
  }
  hasX509Authority(cert: X509Certificate): boolean {
    return this.#x509.hasX509Authority(cert);
  }
  removeX509Authority(cert: X509Certificate): void {
    this.#x509.removeX509Authority(cert);
  }
  setX509Authorities(authorities: Iterable<X509Certificate>): void {
    this.#x509.setX509Authorities(authorities);
  }

  jwtAuthorities(): ReadonlyMap<string, KeyObject> {
    return this.#jwt.jwtAuthorities();
  }
  findJwtAuthority(keyId: string): KeyObject | undefined {
    return this.#jwt.findJwtAuthority(keyId);
  }
  hasJwtAuthority(keyId: string): boolean {
    return this.#jwt.hasJwtAuthority(keyId);
  }
  addJwtAuthority(keyId: string, key: KeyObject): void {
    this.#jwt.addJwtAuthority(keyId, key);
  }
  removeJwtAuthority(keyId: string): void {
    this.#jwt.removeJwtAuthority(keyId);
  }
  setJwtAuthorities(authorities: Iterable<[string, KeyObject]>): void {
    this.#jwt.setJwtAuthorities(authorities);
  }

  /** Seconds between polls (`spiffe_refresh_hint`); a non-negative safe integer, or undefined. */
  get refreshHint(): number | undefined {
    return this.#refreshHint;
  }
  set refreshHint(seconds: number | undefined) {
    if (seconds !== undefined && !(Number.isSafeInteger(seconds) && seconds >= 0)) {
      throw new SpiffeError('ERR_BUNDLE_BAD_REFRESH_HINT', `refresh hint must be a non-negative integer of seconds, got ${seconds}`);
    }
    this.#refreshHint = seconds;
  }

  /** `spiffe_sequence`, a uint64, or undefined. */
  get sequenceNumber(): bigint | undefined {
    return this.#sequenceNumber;
  }
  set sequenceNumber(sequence: bigint | undefined) {
    if (sequence !== undefined && (typeof sequence !== 'bigint' || sequence < 0n || sequence > MAX_SEQUENCE_NUMBER)) {
      throw new SpiffeError('ERR_BUNDLE_BAD_SEQUENCE', `sequence number must be a bigint from 0 to 2^64-1, got ${String(sequence)}`);
    }
    this.#sequenceNumber = sequence;
  }

  /** True when the bundle has no X.509 and no JWT authorities (every SVID of the trust domain is then invalid). */
  get empty(): boolean {
    return this.#x509.empty && this.#jwt.empty;
  }

  /** A copy of the X.509 authorities as an X509Bundle. */
  x509Bundle(): X509Bundle {
    return this.#x509.clone();
  }

  /** A copy of the JWT authorities as a JwtBundle. */
  jwtBundle(): JwtBundle {
    return this.#jwt.clone();
  }

  /** The SPIFFE bundle JSON text; `{ indent: 4 }` for the CLI's pretty form. */
  marshal(options: MarshalOptions = {}): string {
    return marshalSpiffeBundleJson(
      {
        x509Authorities: this.#x509.x509Authorities(),
        jwtAuthorities: this.#jwt.jwtAuthorities(),
        refreshHint: this.#refreshHint,
        sequenceNumber: this.#sequenceNumber,
      },
      options.indent,
    );
  }

  clone(): SpiffeBundle {
    const copy = new SpiffeBundle(this.trustDomain, { x509Authorities: this.x509Authorities(), jwtAuthorities: this.jwtAuthorities() });
    copy.refreshHint = this.#refreshHint;
    copy.sequenceNumber = this.#sequenceNumber;
    return copy;
  }

  /** True when trust domain, authorities (X.509 in order), refresh hint and sequence all match. */
  equals(other: SpiffeBundle | undefined | null): boolean {
    return (
      other != null &&
      this.#x509.equals(other.#x509) &&
      this.#jwt.equals(other.#jwt) &&
      this.#refreshHint === other.#refreshHint &&
      this.#sequenceNumber === other.#sequenceNumber
    );
  }

  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle {
    this.#requireOwn(trustDomain, 'X.509');
    return this.x509Bundle();
  }

  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle {
    this.#requireOwn(trustDomain, 'JWT');
    return this.jwtBundle();
  }

  getSpiffeBundleForTrustDomain(trustDomain: TrustDomain): SpiffeBundle {
    this.#requireOwn(trustDomain, 'SPIFFE');
    return this;
  }

  #requireOwn(trustDomain: TrustDomain, kind: string): void {
    if (!this.trustDomain.equals(trustDomain)) {
      throw new SpiffeError('ERR_BUNDLE_NOT_FOUND', `no ${kind} bundle for trust domain "${trustDomain.name}"`);
    }
  }
}
