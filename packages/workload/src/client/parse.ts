/**
 * Turns Workload API messages into @tspire/spiffe values, checking what the standard requires:
 * at least one SVID, each a valid X509-SVID whose `spiffe_id` (when set) is the leaf's ID, DER
 * bundles, JWKS JWT bundles, trust-domain map keys (`spiffe://td` or the bare name). Anything
 * else is ERR_WORKLOAD_BAD_RESPONSE (or ERR_WORKLOAD_NO_SVIDS) naming the field.
 */
import {
  JwtBundle,
  JwtBundleSet,
  JwtSvid,
  TrustDomain,
  X509Bundle,
  X509BundleSet,
  X509Svid,
} from '@tspire/spiffe';
import type { workload } from '@tspire/proto';
import { WorkloadError } from '../errors.js';
import type { X509Context } from './types.js';

/** Runs `parse`, re-throwing any failure as ERR_WORKLOAD_BAD_RESPONSE that names `where`. */
function field<T>(where: string, parse: () => T): T {
  try {
    return parse();
  } catch (cause) {
    if (cause instanceof WorkloadError) throw cause;
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new WorkloadError('ERR_WORKLOAD_BAD_RESPONSE', `Workload API response ${where} is invalid: ${reason}`, { cause });
  }
}

function trustDomainKey(message: string, key: string): TrustDomain {
  return field(`${message} key ${JSON.stringify(key.slice(0, 256))}`, () => TrustDomain.parse(key));
}

/** An X509SVIDResponse as an X509Context (svids in order, later duplicates of a hint dropped). */
export function parseX509SvidResponse(response: workload.X509SVIDResponse): X509Context {
  if (response.svids.length === 0) {
    throw new WorkloadError('ERR_WORKLOAD_NO_SVIDS', 'Workload API X509SVIDResponse has no SVIDs (the standard requires at least one)');
  }
  const svids: X509Svid[] = [];
  const hints = new Set<string>();
  const bundles = new X509BundleSet();
  response.svids.forEach((entry, i) => {
    const where = `X509SVIDResponse svids[${i}]`;
    const options = entry.hint === '' ? {} : { hint: entry.hint };
    const svid = field(where, () => X509Svid.parseDer(entry.x509Svid, entry.x509SvidKey, options));
    if (entry.spiffeId !== '' && entry.spiffeId !== svid.id.toString()) {
      throw new WorkloadError(
        'ERR_WORKLOAD_BAD_RESPONSE',
        `Workload API response ${where} spiffe_id ${JSON.stringify(entry.spiffeId.slice(0, 256))} is not the certificate's ID "${svid.id}"`,
      );
    }
    const td = svid.id.trustDomain;
    if (!bundles.has(td)) bundles.add(field(`${where}.bundle`, () => X509Bundle.parseDer(td, entry.bundle)));
    if (entry.hint !== '' && hints.has(entry.hint)) return; // the standard: keep the first of a hint
    hints.add(entry.hint);
    svids.push(svid);
  });
  for (const [key, der] of Object.entries(response.federatedBundles)) {
    const td = trustDomainKey('X509SVIDResponse federated_bundles', key);
    // The SVID's own bundle travels in X509SVID.bundle; a federated entry must not replace it.
    if (bundles.has(td)) continue;
    bundles.add(field(`X509SVIDResponse federated_bundles[${td.name}]`, () => X509Bundle.parseDer(td, der)));
  }
  return { svids, bundles };
}

/** An X509BundlesResponse as a set (an empty map is an empty set, as go-spiffe accepts). */
export function parseX509BundlesResponse(response: workload.X509BundlesResponse): X509BundleSet {
  const set = new X509BundleSet();
  for (const [key, der] of Object.entries(response.bundles)) {
    const td = trustDomainKey('X509BundlesResponse bundles', key);
    set.add(field(`X509BundlesResponse bundles[${td.name}]`, () => X509Bundle.parseDer(td, der)));
  }
  return set;
}

/** A JWTBundlesResponse as a set of JWKS-parsed bundles. */
export function parseJwtBundlesResponse(response: workload.JWTBundlesResponse): JwtBundleSet {
  const set = new JwtBundleSet();
  for (const [key, json] of Object.entries(response.bundles)) {
    const td = trustDomainKey('JWTBundlesResponse bundles', key);
    set.add(field(`JWTBundlesResponse bundles[${td.name}]`, () => JwtBundle.parseJwks(td, json)));
  }
  return set;
}

/**
 * A JWTSVIDResponse's tokens, parsed without signature checks (the agent issued them, as
 * go-spiffe's ParseInsecure): sub, exp and an aud meeting `audience` are still checked.
 */
export function parseJwtSvidResponse(response: workload.JWTSVIDResponse, audience: readonly string[], now: Date): JwtSvid[] {
  if (response.svids.length === 0) {
    throw new WorkloadError('ERR_WORKLOAD_NO_SVIDS', 'Workload API JWTSVIDResponse has no SVIDs (the standard requires at least one)');
  }
  return response.svids.map((entry, i) => {
    const where = `JWTSVIDResponse svids[${i}]`;
    const parsed = field(where, () => JwtSvid.parseInsecure(entry.svid, audience, { now }));
    if (entry.spiffeId !== '' && entry.spiffeId !== parsed.id.toString()) {
      throw new WorkloadError('ERR_WORKLOAD_BAD_RESPONSE', `Workload API response ${where} spiffe_id ${JSON.stringify(entry.spiffeId.slice(0, 256))} is not the token's sub "${parsed.id}"`);
    }
    if (entry.hint === '') return parsed;
    return new JwtSvid({ id: parsed.id, audience: parsed.audience, expiry: parsed.expiry, claims: parsed.claims, token: parsed.token, hint: entry.hint });
  });
}

/**
 * The token the agent accepted, parsed locally (go and py re-parse rather than trust the body);
 * the answer must name a SPIFFE ID and it must be the token's sub (java's check).
 */
export function parseValidateResponse(response: workload.ValidateJWTSVIDResponse, token: string, audience: string, now: Date): JwtSvid {
  if (response.spiffeId === '') throw new WorkloadError('ERR_WORKLOAD_BAD_RESPONSE', 'Workload API ValidateJWTSVIDResponse has no spiffe_id');
  const svid = field('ValidateJWTSVIDResponse token', () => JwtSvid.parseInsecure(token, [audience], { now }));
  if (svid.id.toString() !== response.spiffeId) {
    throw new WorkloadError('ERR_WORKLOAD_BAD_RESPONSE', `Workload API ValidateJWTSVIDResponse spiffe_id ${JSON.stringify(response.spiffeId.slice(0, 256))} is not the token's sub "${svid.id}"`);
  }
  return svid;
}
