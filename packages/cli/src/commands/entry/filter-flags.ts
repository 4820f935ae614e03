/** The filter flags of `entry show` and `entry count`, and the API filter they build. */
import { create } from '@bufbuild/protobuf';
import { types } from '@tspire/proto';
import type { FlagValues } from '@tspire/common';
import { CliError } from '../../output/rpc-error.js';
import { parseMatchBehavior, parseSelector, parseSpiffeIdProto } from '../parse-helpers.js';

export const entryFilterFlags = {
  parentID: { kind: 'string', usage: 'The Parent ID of the records to show' },
  spiffeID: { kind: 'string', usage: 'The SPIFFE ID of the records to show' },
  selector: { kind: 'stringList', usage: 'A colon-delimited type:value selector. Can be used more than once' },
  federatesWith: { kind: 'stringList', usage: 'SPIFFE ID of a trust domain an entry is federate with. Can be used more than once' },
  matchSelectorsOn: { kind: 'string', default: 'superset', usage: 'The match mode used when filtering by selectors. Options: exact, any, superset and subset' },
  matchFederatesWithOn: { kind: 'string', default: 'superset', usage: 'The match mode used when filtering by federates with. Options: exact, any, superset and subset' },
  hint: { kind: 'string', usage: 'The Hint of the records to show (optional)' },
  downstream: { kind: 'bool', usage: 'A boolean value that, when set, indicates that the entry describes a downstream SPIRE server' },
} as const;

export type EntryFilterValues = FlagValues<typeof entryFilterFlags>;

/** The filter fields (shape shared by ListEntriesRequest.Filter and CountEntriesRequest.Filter). */
export interface EntryFilterFields {
  bySpiffeId?: types.SPIFFEID;
  byParentId?: types.SPIFFEID;
  bySelectors?: types.SelectorMatch;
  byFederatesWith?: types.FederatesWithMatch;
  byHint?: string;
  byDownstream?: boolean;
}

const unknownMatch = (word: string): string => `match behavior "${word}" unknown`;

function withContext<T>(context: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new CliError(`${context}: ${(err as Error).message}`);
  }
}

/** Builds the filter; SPIFFE IDs and selectors are checked here. */
export function buildEntryFilter(f: EntryFilterValues): EntryFilterFields {
  const filter: EntryFilterFields = {};
  if (f.selector.length > 0) {
    const match = parseMatchBehavior(f.matchSelectorsOn, unknownMatch);
    const selectors = withContext('error parsing selectors', () => f.selector.map(parseSelector));
    filter.bySelectors = create(types.SelectorMatchSchema, { selectors, match });
  }
  if (f.parentID !== '') filter.byParentId = withContext(`error parsing parent ID "${f.parentID}"`, () => parseSpiffeIdProto(f.parentID));
  if (f.spiffeID !== '') filter.bySpiffeId = withContext(`error parsing SPIFFE ID "${f.spiffeID}"`, () => parseSpiffeIdProto(f.spiffeID));
  if (f.federatesWith.length > 0) {
    const match = parseMatchBehavior(f.matchFederatesWithOn, unknownMatch) as number as types.FederatesWithMatch_MatchBehavior;
    filter.byFederatesWith = create(types.FederatesWithMatchSchema, { trustDomains: [...f.federatesWith], match });
  }
  if (f.hint !== '') filter.byHint = f.hint;
  // SPIRE only ever filters for downstream entries; `false` means "no filter".
  if (f.downstream) filter.byDownstream = true;
  return filter;
}
