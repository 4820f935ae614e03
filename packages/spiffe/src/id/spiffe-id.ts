import { SpiffeError, quote } from '../errors.js';
import { SCHEME_PREFIX, splitId, validatePath, MAX_ID_BYTES } from './validate.js';
import { TrustDomain, type ParseOptions } from './trust-domain.js';

/**
 * A SPIFFE ID: `spiffe://<trust domain><path>`. Immutable; compare with `equals`.
 * @example
 * const id = SpiffeId.parse('spiffe://example.org/workload/api');
 * id.trustDomain.name; // 'example.org'
 * id.path;             // '/workload/api'
 * id.memberOf(TrustDomain.parse('example.org')); // true
 */
export class SpiffeId {
  readonly trustDomain: TrustDomain;
  readonly path: string;
  readonly #text: string;

  private constructor(trustDomain: TrustDomain, path: string) {
    this.trustDomain = trustDomain;
    this.path = path;
    this.#text = SCHEME_PREFIX + trustDomain.name + path;
  }

  /**
   * Parses a SPIFFE ID with every rule of the standard (strict, as go-spiffe).
   * @throws SpiffeError whose `code` names the broken rule and whose message quotes the input.
   */
  static parse(text: string, options: ParseOptions = {}): SpiffeId {
    const { trustDomain, path } = splitId(text, options.lengthLimits !== false);
    return new SpiffeId(TrustDomain.fromValidated(trustDomain), path);
  }

  /** True when `text` is a valid SPIFFE ID. */
  static isValid(text: string): boolean {
    try {
      SpiffeId.parse(text);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Builds an ID from a trust domain and a path (`''` or `/a/b`).
   * @example SpiffeId.fromPath(td, '/spire/server')
   */
  static fromPath(trustDomain: TrustDomain, path: string): SpiffeId {
    validatePath(path, path);
    const id = new SpiffeId(trustDomain, path);
    if (Buffer.byteLength(id.#text, 'utf8') > MAX_ID_BYTES) {
      throw new SpiffeError('ERR_ID_TOO_LONG', `SPIFFE ID is longer than ${MAX_ID_BYTES} bytes: ${quote(id.#text, 64)}`);
    }
    return id;
  }

  /**
   * Builds an ID from path segments, each validated as one segment.
   * @example SpiffeId.fromSegments(td, 'spire', 'agent', 'join_token', token)
   */
  static fromSegments(trustDomain: TrustDomain, ...segments: string[]): SpiffeId {
    for (const segment of segments) {
      if (segment.includes('/')) {
        throw new SpiffeError('ERR_ID_BAD_PATH_CHAR', `path segment ${quote(segment)} must not contain "/"`);
      }
      // Checked here: a trailing empty segment would otherwise read as a trailing slash.
      if (segment === '') {
        throw new SpiffeError('ERR_ID_EMPTY_SEGMENT', `path segments cannot be empty: ${quote(segments.join('/'))}`);
      }
    }
    return SpiffeId.fromPath(trustDomain, segments.map((s) => '/' + s).join(''));
  }

  /** The path split into segments (empty for the trust domain ID). */
  segments(): string[] {
    return this.path === '' ? [] : this.path.slice(1).split('/');
  }

  /** True when this ID is in trust domain `td`. */
  memberOf(td: TrustDomain): boolean {
    return this.trustDomain.equals(td);
  }

  /** True when this is a trust domain's own ID (no path). */
  isTrustDomainId(): boolean {
    return this.path === '';
  }

  /** True when `other` is the same ID (exact string comparison, as go-spiffe). */
  equals(other: SpiffeId | undefined | null): boolean {
    // `#text in` keeps a non-SpiffeId argument from throwing a TypeError.
    return other != null && typeof other === 'object' && #text in other && other.#text === this.#text;
  }

  toString(): string {
    return this.#text;
  }

  toJSON(): string {
    return this.#text;
  }
}
