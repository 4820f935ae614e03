/**
 * The flags `entry create` and `entry update` share, and the Entry they describe. Validation
 * follows SPIRE's order and messages exactly, since scripts match on them.
 */
import { create } from '@bufbuild/protobuf';
import { types } from '@tspire/proto';
import type { FlagValues } from '@tspire/common';
import { CliError } from '../../output/rpc-error.js';
import { parseSelector, parseSpiffeIdProto, toInt32 } from '../parse-helpers.js';

export const entryFieldFlags = {
  entryID: { kind: 'string', usage: 'A custom ID for this registration entry (optional). If not set, a new entry ID will be generated' },
  parentID: { kind: 'string', usage: "The SPIFFE ID of this record's parent" },
  spiffeID: { kind: 'string', usage: 'The SPIFFE ID that this record represents' },
  selector: { kind: 'stringList', usage: 'A colon-delimited type:value selector. Can be used more than once' },
  x509SVIDTTL: { kind: 'int', usage: 'The lifetime, in seconds, for x509-SVIDs issued based on this registration entry.' },
  jwtSVIDTTL: { kind: 'int', usage: 'The lifetime, in seconds, for JWT-SVIDs issued based on this registration entry.' },
  federatesWith: { kind: 'stringList', usage: 'SPIFFE ID of a trust domain to federate with. Can be used more than once' },
  dns: { kind: 'stringList', usage: 'A DNS name that will be included in SVIDs issued based on this entry, where appropriate. Can be used more than once' },
  admin: { kind: 'bool', usage: 'If set, the SPIFFE ID in this entry will be granted access to the SPIRE Server APIs' },
  downstream: { kind: 'bool', usage: 'A boolean value that, when set, indicates that the entry describes a downstream SPIRE server' },
  storeSVID: { kind: 'bool', usage: 'A boolean value that, when set, indicates that the resulting issued SVID from this entry must be stored through an SVIDStore plugin' },
  entryExpiry: { kind: 'int', usage: 'An expiry, from epoch in seconds, for the resulting registration entry to be pruned' },
  hint: { kind: 'string', usage: 'The entry hint, used to disambiguate entries with the same SPIFFE ID' },
  disableX509SVIDPrefetch: { kind: 'bool', usage: 'If set, the agent does not pre-fetch X509-SVIDs for this entry' },
  jwtSVIDIncludeJTI: { kind: 'bool', usage: 'If set, JWT-SVIDs issued for this entry include a jti claim' },
  data: { kind: 'string', usage: "Path to a file containing registration JSON (optional). If set to '-', read the JSON from stdin." },
} as const;

export type EntryFieldValues = FlagValues<typeof entryFieldFlags>;

/** TTL checks common to create and update (after their own required-field checks). */
export function validateTtls(flags: EntryFieldValues): void {
  if (flags.x509SVIDTTL < 0) throw new CliError('a positive x509-SVID TTL is required');
  if (flags.jwtSVIDTTL < 0) throw new CliError('a positive JWT-SVID TTL is required');
}

/** The Entry the flags describe, with `parentId` supplied by the caller (node or -parentID). */
export function entryFromFlags(flags: EntryFieldValues, spiffeId: types.SPIFFEID, parentId: types.SPIFFEID): types.Entry {
  const entry = create(types.EntrySchema, {
    id: flags.entryID,
    spiffeId,
    parentId,
    selectors: flags.selector.map(parseSelector),
    x509SvidTtl: toInt32(flags.x509SVIDTTL, 'X509 SVID TTL'),
    jwtSvidTtl: toInt32(flags.jwtSVIDTTL, 'JWT SVID TTL'),
    federatesWith: [...flags.federatesWith],
    admin: flags.admin,
    downstream: flags.downstream,
    expiresAt: BigInt(flags.entryExpiry),
    dnsNames: [...flags.dns],
    storeSvid: flags.storeSVID,
    hint: flags.hint,
  });
  if (flags.disableX509SVIDPrefetch || flags.jwtSVIDIncludeJTI) {
    entry.additionalAttributes = create(types.Entry_AdditionalAttributesSchema, {
      disableX509SvidPrefetch: flags.disableX509SVIDPrefetch,
      jwtSvidIncludeJti: flags.jwtSVIDIncludeJTI,
    });
  }
  return entry;
}

export { parseSpiffeIdProto };
