/**
 * Authorization as a value, as go-spiffe's tlsconfig.Authorizer: a function that accepts a
 * peer's SPIFFE ID or throws. Every refusal is SpiffeError('ERR_ID_NOT_AUTHORIZED') whose
 * message names the peer ID and what was expected, so one `code` covers every reason.
 */
import { SpiffeError, quote } from '../errors.js';
import { SpiffeId } from './spiffe-id.js';
import { TrustDomain } from './trust-domain.js';

/**
 * Accepts the peer's SPIFFE ID by returning, or refuses it by throwing
 * SpiffeError('ERR_ID_NOT_AUTHORIZED').
 * @example
 * const authorizer: Authorizer = authorizeMemberOf('example.org');
 * authorizer(SpiffeId.parse('spiffe://example.org/web')); // returns
 */
export type Authorizer = (id: SpiffeId) => void;

/** How many expected IDs a refusal message lists before summarising the rest. */
const LISTED_IDS = 5;

function refuse(id: SpiffeId, expected: string, cause?: unknown): never {
  const message = `peer SPIFFE ID ${quote(id.toString())} is not authorized: expected ${expected}`;
  throw new SpiffeError('ERR_ID_NOT_AUTHORIZED', message, cause === undefined ? undefined : { cause });
}

/** Fails closed when a caller hands over something that is not a SpiffeId (e.g. no peer ID). */
function requirePeerId(id: unknown): asserts id is SpiffeId {
  if (!(id instanceof SpiffeId)) {
    const got = id === null ? 'null' : typeof id;
    throw new SpiffeError('ERR_ID_NOT_AUTHORIZED', `peer has no valid SPIFFE ID to authorize (got ${got})`);
  }
}

function toSpiffeId(id: SpiffeId | string): SpiffeId {
  return typeof id === 'string' ? SpiffeId.parse(id) : id;
}

/**
 * Accepts any valid SPIFFE ID. Use only when any peer the bundle trusts may connect.
 * @example
 * const authorizer = authorizeAny();
 * authorizer(SpiffeId.parse('spiffe://example.org/anything')); // returns
 */
export function authorizeAny(): Authorizer {
  return (id) => {
    requirePeerId(id);
  };
}

/**
 * Accepts exactly one SPIFFE ID (exact string comparison; the path is case-sensitive).
 * A string is parsed strictly, so a malformed expectation throws here, not at handshake time.
 * @example
 * const authorizer = authorizeId('spiffe://example.org/billing/api');
 * authorizer(SpiffeId.parse('spiffe://example.org/billing/api')); // returns
 * authorizer(SpiffeId.parse('spiffe://example.org/web'));         // throws ERR_ID_NOT_AUTHORIZED
 */
export function authorizeId(expected: SpiffeId | string): Authorizer {
  const expectedId = toSpiffeId(expected);
  return (id) => {
    requirePeerId(id);
    if (!id.equals(expectedId)) refuse(id, quote(expectedId.toString()));
  };
}

/**
 * Accepts any of the given SPIFFE IDs. With no IDs it refuses every peer (fails closed).
 * @example
 * const authorizer = authorizeOneOf('spiffe://example.org/web', SpiffeId.parse('spiffe://example.org/cron'));
 * authorizer(SpiffeId.parse('spiffe://example.org/cron')); // returns
 */
export function authorizeOneOf(...expected: Array<SpiffeId | string>): Authorizer {
  const expectedIds = expected.map(toSpiffeId);
  const allowed = new Set(expectedIds.map((id) => id.toString()));
  const description = describeOneOf(expectedIds);
  return (id) => {
    requirePeerId(id);
    if (!allowed.has(id.toString())) refuse(id, description);
  };
}

function describeOneOf(ids: SpiffeId[]): string {
  if (ids.length === 0) return 'one of an empty list (no ID is allowed)';
  const listed = ids.slice(0, LISTED_IDS).map((id) => quote(id.toString()));
  const more = ids.length > LISTED_IDS ? ` and ${ids.length - LISTED_IDS} more` : '';
  return `one of ${listed.join(', ')}${more}`;
}

/**
 * Accepts any SPIFFE ID in the trust domain. A string may be a name (`example.org`) or a
 * SPIFFE ID (`spiffe://example.org`), parsed strictly by TrustDomain.parse.
 * @example
 * const authorizer = authorizeMemberOf('example.org');
 * authorizer(SpiffeId.parse('spiffe://example.org/web'));  // returns
 * authorizer(SpiffeId.parse('spiffe://other.org/web'));    // throws ERR_ID_NOT_AUTHORIZED
 */
export function authorizeMemberOf(trustDomain: TrustDomain | string): Authorizer {
  const td = typeof trustDomain === 'string' ? TrustDomain.parse(trustDomain) : trustDomain;
  const description = `a member of trust domain ${quote(td.name)}`;
  return (id) => {
    requirePeerId(id);
    if (!id.memberOf(td)) refuse(id, description);
  };
}

/**
 * Accepts the IDs for which `predicate` returns exactly `true`. The `description` completes
 * "expected ..." in the refusal message. A predicate that throws refuses the peer, with the
 * thrown value as the error's `cause`.
 * @example
 * const authorizer = authorize(
 *   (id) => id.memberOf(td) && id.path.startsWith('/ns/prod/'),
 *   'an ID under spiffe://example.org/ns/prod/',
 * );
 */
export function authorize(predicate: (id: SpiffeId) => boolean, description = 'an ID the custom rule accepts'): Authorizer {
  return (id) => {
    requirePeerId(id);
    let accepted: unknown;
    try {
      accepted = predicate(id);
    } catch (err) {
      if (err instanceof SpiffeError && err.code === 'ERR_ID_NOT_AUTHORIZED') throw err;
      refuse(id, `${description} (the rule threw)`, err);
    }
    if (accepted !== true) refuse(id, description);
  };
}
