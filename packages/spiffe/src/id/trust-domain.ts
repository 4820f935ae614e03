import { SpiffeError, quote } from '../errors.js';
import { SCHEME_PREFIX, splitId, validateTrustDomainName } from './validate.js';
import { SpiffeId } from './spiffe-id.js';

/** Options for parsing. */
export interface ParseOptions {
  /** Enforce the standard's length limits (2048-byte ID, 255-byte trust domain). Default true. */
  readonly lengthLimits?: boolean;
}

/**
 * A SPIFFE trust domain, e.g. `example.org`. Immutable; compare with `equals`.
 * @example
 * const td = TrustDomain.parse('example.org');
 * td.name;        // 'example.org'
 * td.idString();  // 'spiffe://example.org'
 */
export class TrustDomain {
  readonly name: string;

  private constructor(name: string) {
    this.name = name;
  }

  /**
   * Parses a trust domain name (`example.org`) or a SPIFFE ID (`spiffe://example.org/x`,
   * whose path is validated and dropped), as go-spiffe's TrustDomainFromString does.
   * @throws SpiffeError naming the broken rule.
   */
  static parse(text: string, options: ParseOptions = {}): TrustDomain {
    const checkLength = options.lengthLimits !== false;
    if (text.includes(':/')) {
      return new TrustDomain(splitId(text, checkLength).trustDomain);
    }
    if (text.length === 0) throw new SpiffeError('ERR_ID_MISSING_TRUST_DOMAIN', `trust domain is missing: ${quote(text)}`);
    validateTrustDomainName(text, text, checkLength);
    return new TrustDomain(text);
  }

  /** Internal: builds from a name that was already validated. */
  static fromValidated(name: string): TrustDomain {
    return new TrustDomain(name);
  }

  /** The trust domain's own SPIFFE ID, `spiffe://<name>`. */
  id(): SpiffeId {
    return SpiffeId.fromPath(this, '');
  }

  /** `spiffe://<name>`, the form used as a map key in the Workload API. */
  idString(): string {
    return SCHEME_PREFIX + this.name;
  }

  equals(other: TrustDomain | undefined | null): boolean {
    return other != null && other.name === this.name;
  }

  /** Compares by name, for sorting. */
  compare(other: TrustDomain): number {
    return this.name < other.name ? -1 : this.name > other.name ? 1 : 0;
  }

  toString(): string {
    return this.name;
  }

  toJSON(): string {
    return this.name;
  }
}
