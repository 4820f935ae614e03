/**
 * The character and shape rules of the SPIFFE ID standard, applied byte by byte as go-spiffe
 * does (strict: lowercase trust domain, exact "spiffe://" scheme), with a specific error code
 * for each rule so callers learn exactly what is wrong.
 */
import { SpiffeError, quote } from '../errors.js';

export const SCHEME_PREFIX = 'spiffe://';
export const MAX_ID_BYTES = 2048;
export const MAX_TRUST_DOMAIN_BYTES = 255;

function isTrustDomainChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || // a-z
    (c >= 0x30 && c <= 0x39) || // 0-9
    c === 0x2e || c === 0x2d || c === 0x5f // . - _
  );
}

function isPathChar(c: number): boolean {
  return isTrustDomainChar(c) || (c >= 0x41 && c <= 0x5a); // plus A-Z
}

/**
 * Throws the error for a byte that may not appear in a trust domain. Userinfo is judged on the
 * whole authority (the part before any "?" or "#"), so `user:pass@host` reads as userinfo, not a port.
 */
function badTrustDomainChar(input: string, name: string, index: number): never {
  const authority = name.split(/[?#]/, 1)[0] ?? '';
  if (authority.includes('@')) {
    throw new SpiffeError('ERR_ID_HAS_USERINFO', `SPIFFE ID ${quote(input)} must not contain userinfo`);
  }
  const ch = name[index];
  if (ch === ':') throw new SpiffeError('ERR_ID_HAS_PORT', `SPIFFE ID ${quote(input)} must not contain a port`);
  if (ch === '%') throw new SpiffeError('ERR_ID_PERCENT_ENCODED', `SPIFFE ID ${quote(input)} must not contain percent-encoding`);
  if (ch === '?') throw new SpiffeError('ERR_ID_HAS_QUERY', `SPIFFE ID ${quote(input)} must not contain a query`);
  if (ch === '#') throw new SpiffeError('ERR_ID_HAS_FRAGMENT', `SPIFFE ID ${quote(input)} must not contain a fragment`);
  throw new SpiffeError(
    'ERR_ID_BAD_TRUST_DOMAIN_CHAR',
    `trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores: ${quote(input)}`,
  );
}

/** Validates a trust domain name (no scheme). `input` is what the caller gave, for messages. */
export function validateTrustDomainName(name: string, input: string = name, checkLength = true): void {
  if (name.length === 0) throw new SpiffeError('ERR_ID_MISSING_TRUST_DOMAIN', `trust domain is missing: ${quote(input)}`);
  for (let i = 0; i < name.length; i++) {
    if (!isTrustDomainChar(name.charCodeAt(i))) badTrustDomainChar(input, name, i);
  }
  // All characters are ASCII here, so length in UTF-16 units equals length in bytes.
  if (checkLength && name.length > MAX_TRUST_DOMAIN_BYTES) {
    throw new SpiffeError(
      'ERR_ID_TRUST_DOMAIN_TOO_LONG',
      `trust domain is longer than ${MAX_TRUST_DOMAIN_BYTES} bytes (${name.length}): ${quote(input)}`,
    );
  }
}

/** Validates a SPIFFE ID path: empty, or "/"-separated non-empty, non-dot segments. */
export function validatePath(path: string, input: string = path): void {
  if (path.length === 0) return;
  if (path.charCodeAt(0) !== 0x2f) {
    throw new SpiffeError('ERR_ID_NO_LEADING_SLASH', `path must have a leading slash: ${quote(input)}`);
  }
  let segmentStart = 1;
  for (let i = 1; i <= path.length; i++) {
    const c = i < path.length ? path.charCodeAt(i) : 0x2f;
    if (c === 0x2f) {
      const segment = path.slice(segmentStart, i);
      if (segment.length === 0) {
        if (i === path.length) {
          throw new SpiffeError('ERR_ID_TRAILING_SLASH', `path cannot have a trailing slash: ${quote(input)}`);
        }
        throw new SpiffeError('ERR_ID_EMPTY_SEGMENT', `path cannot contain empty segments: ${quote(input)}`);
      }
      if (segment === '.' || segment === '..') {
        throw new SpiffeError('ERR_ID_DOT_SEGMENT', `path cannot contain dot segments: ${quote(input)}`);
      }
      segmentStart = i + 1;
      continue;
    }
    if (!isPathChar(c)) {
      if (c === 0x3f) throw new SpiffeError('ERR_ID_HAS_QUERY', `SPIFFE ID ${quote(input)} must not contain a query`);
      if (c === 0x23) throw new SpiffeError('ERR_ID_HAS_FRAGMENT', `SPIFFE ID ${quote(input)} must not contain a fragment`);
      if (c === 0x25) {
        throw new SpiffeError('ERR_ID_PERCENT_ENCODED', `SPIFFE ID ${quote(input)} must not contain percent-encoding`);
      }
      throw new SpiffeError(
        'ERR_ID_BAD_PATH_CHAR',
        `path segment characters are limited to letters, numbers, dots, dashes, and underscores: ${quote(input)}`,
      );
    }
  }
}

/** Splits and validates a full SPIFFE ID string; returns its trust domain name and path. */
export function splitId(input: string, checkLength = true): { trustDomain: string; path: string } {
  if (input.length === 0) throw new SpiffeError('ERR_ID_EMPTY', `SPIFFE ID cannot be empty: ${quote(input)}`);
  if (!input.startsWith(SCHEME_PREFIX)) {
    throw new SpiffeError('ERR_ID_BAD_SCHEME', `scheme is missing or invalid: ${quote(input)}`);
  }
  const rest = input.slice(SCHEME_PREFIX.length);
  const slash = rest.indexOf('/');
  const trustDomain = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash);
  validateTrustDomainName(trustDomain, input, checkLength);
  validatePath(path, input);
  if (checkLength && Buffer.byteLength(input, 'utf8') > MAX_ID_BYTES) {
    throw new SpiffeError('ERR_ID_TOO_LONG', `SPIFFE ID is longer than ${MAX_ID_BYTES} bytes (${input.length}): ${quote(input, 64)}`);
  }
  return { trustDomain, path };
}
