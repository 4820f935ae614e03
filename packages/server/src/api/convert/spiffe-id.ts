// SPIFFEID {trust_domain, path} <-> canonical ID strings, with SPIRE's membership rules.
// Failures throw InvalidArgument ApiErrors whose message is the complete reason.
import { create } from '@bufbuild/protobuf';
import { types } from '@tspire/proto';
import { SpiffeError, SpiffeId, TrustDomain } from '@tspire/spiffe';
import { invalidArgument } from '../errors.js';

/** `spiffe://td/spire/server`: parent of node alias entries. */
export const serverId = (td: TrustDomain): string => `${td.idString()}/spire/server`;

export function joinTokenAgentId(td: TrustDomain, token: string): string {
  return SpiffeId.fromSegments(td, 'spire', 'agent', 'join_token', token).toString();
}

/** Parses a proto SPIFFEID; `field` prefixes the reason (e.g. "invalid spiffe ID"). */
export function idFromProto(id: types.SPIFFEID | undefined, field: string): SpiffeId {
  if (id === undefined) throw invalidArgument(`${field}: request must specify SPIFFE ID`);
  try {
    return SpiffeId.fromPath(TrustDomain.parse(id.trustDomain), id.path);
  } catch (err) {
    if (err instanceof SpiffeError) throw invalidArgument(`${field}: ${err.message}`);
    throw err;
  }
}

export function idToProto(id: string | SpiffeId): types.SPIFFEID {
  const parsed = typeof id === 'string' ? SpiffeId.parse(id) : id;
  return create(types.SPIFFEIDSchema, { trustDomain: parsed.trustDomain.name, path: parsed.path });
}

/** A member of `td` with a non-empty path (SPIRE's trust-domain member ID). */
export function memberIdFromProto(id: types.SPIFFEID | undefined, td: TrustDomain, field: string): SpiffeId {
  const parsed = idFromProto(id, field);
  if (!parsed.memberOf(td)) {
    throw invalidArgument(`${field}: ${JSON.stringify(parsed.toString())} is not a member of trust domain ${JSON.stringify(td.name)}`);
  }
  if (parsed.path === '') {
    throw invalidArgument(`${field}: ${JSON.stringify(parsed.toString())} is not a member of trust domain ${JSON.stringify(td.name)}; path is empty`);
  }
  return parsed;
}

export function isReservedPath(path: string): boolean {
  return path === '/spire' || path.startsWith('/spire/');
}

/** A workload ID: member of `td`, non-empty path, not under the reserved `/spire` namespace. */
export function workloadIdFromProto(id: types.SPIFFEID | undefined, td: TrustDomain, field: string): SpiffeId {
  const parsed = memberIdFromProto(id, td, field);
  if (isReservedPath(parsed.path)) {
    throw invalidArgument(
      `${field}: ${JSON.stringify(parsed.toString())} is not a valid workload SPIFFE ID: invalid path: "/spire/*" namespace is reserved`,
    );
  }
  return parsed;
}

/** An agent ID: member of `td` under `/spire/agent/`. */
export function agentIdFromProto(id: types.SPIFFEID | undefined, td: TrustDomain, field = 'invalid agent ID'): SpiffeId {
  const parsed = idFromProto(id, field);
  if (!parsed.memberOf(td) || !parsed.path.startsWith('/spire/agent/')) {
    throw invalidArgument(
      `${field}: ${JSON.stringify(parsed.toString())} is not an agent in trust domain ${JSON.stringify(td.name)}; path is not in the agent namespace`,
    );
  }
  return parsed;
}

/** Accepts `example.org` or `spiffe://example.org`; returns the trust domain. */
export function trustDomainFromString(text: string, field: string): TrustDomain {
  try {
    return TrustDomain.parse(text);
  } catch (err) {
    if (err instanceof SpiffeError) throw invalidArgument(`${field}: ${err.message}`);
    throw err;
  }
}
