// Selector and match-behaviour conversions (SPIRE's rules: type non-empty without ':', value non-empty).
import { create } from '@bufbuild/protobuf';
import { types } from '@tspire/proto';
import type { MatchBehavior, Selector } from '../../datastore/types.js';
import { invalidArgument } from '../errors.js';

export function selectorFromProto(s: types.Selector, field = 'invalid selector'): Selector {
  if (s.type === '') throw invalidArgument(`${field}: missing selector type`);
  if (s.type.includes(':')) throw invalidArgument(`${field}: selector type contains ':' (${JSON.stringify(s.type)})`);
  if (s.value === '') throw invalidArgument(`${field}: missing selector value (type ${JSON.stringify(s.type)})`);
  return { type: s.type, value: s.value };
}

/** At least one selector, each valid. */
export function selectorsFromProto(list: readonly types.Selector[], field = 'invalid selectors'): Selector[] {
  if (list.length === 0) throw invalidArgument(`${field}: selector list is empty`);
  return list.map((s, i) => selectorFromProto(s, `${field}: selector ${i + 1}`));
}

export function selectorToProto(s: Selector): types.Selector {
  return create(types.SelectorSchema, { type: s.type, value: s.value });
}

const MATCH: Record<number, MatchBehavior> = {
  [types.SelectorMatch_MatchBehavior.MATCH_EXACT]: 'exact',
  [types.SelectorMatch_MatchBehavior.MATCH_SUBSET]: 'subset',
  [types.SelectorMatch_MatchBehavior.MATCH_SUPERSET]: 'superset',
  [types.SelectorMatch_MatchBehavior.MATCH_ANY]: 'any',
};

/** SelectorMatch and FederatesWithMatch share numbers 0-3. */
export function matchFromProto(match: number, field: string): MatchBehavior {
  const mode = MATCH[match];
  if (mode === undefined) throw invalidArgument(`${field}: unknown match behavior ${match}`);
  return mode;
}

export function selectorMatchFromProto(m: types.SelectorMatch, field = 'malformed selectors filter'): { selectors: Selector[]; match: MatchBehavior } {
  if (m.selectors.length === 0) throw invalidArgument(`${field}: empty selector set`);
  return {
    selectors: m.selectors.map((s, i) => selectorFromProto(s, `${field}: selector ${i + 1}`)),
    match: matchFromProto(m.match, field),
  };
}
