// Count/ListEntries filters -> datastore EntryFilter (SPIRE semantics: by_downstream only when
// true; an empty selector / trust domain set in a present match filter is an error).
import type { entryv1 } from '@tspire/proto';
import type { EntryFilter } from '../../datastore/types.js';
import { invalidArgument } from '../errors.js';
import { matchFromProto, selectorMatchFromProto } from './selector.js';
import { idFromProto, trustDomainFromString } from './spiffe-id.js';

type ProtoEntryFilter = entryv1.CountEntriesRequest_Filter | entryv1.ListEntriesRequest_Filter;

export function entryFilterFromProto(f: ProtoEntryFilter | undefined): EntryFilter {
  const filter: EntryFilter = {};
  if (f === undefined) return filter;
  if (f.bySpiffeId !== undefined) filter.bySpiffeId = idFromProto(f.bySpiffeId, 'malformed by_spiffe_id filter').toString();
  if (f.byParentId !== undefined) filter.byParentId = idFromProto(f.byParentId, 'malformed by_parent_id filter').toString();
  if (f.bySelectors !== undefined) filter.bySelectors = selectorMatchFromProto(f.bySelectors);
  if (f.byFederatesWith !== undefined) {
    const field = 'malformed federates with filter';
    if (f.byFederatesWith.trustDomains.length === 0) throw invalidArgument(`${field}: empty trust domain set`);
    filter.byFederatesWith = {
      trustDomains: f.byFederatesWith.trustDomains.map((td) => trustDomainFromString(td, field).name),
      match: matchFromProto(f.byFederatesWith.match, field),
    };
  }
  if (f.byHint !== undefined) filter.byHint = f.byHint;
  if (f.byDownstream === true) filter.byDownstream = true;
  return filter;
}
