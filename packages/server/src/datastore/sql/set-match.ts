// SQL for the four set-match modes (verified SPIRE semantics), over any "owner has members"
// relation: entry selectors, node selectors, entry federates-with trust domains.
//   exact    record set == given set
//   subset   record set ⊆ given set
//   superset record set ⊇ given set
//   any      record set ∩ given set ≠ ∅
// Records with an empty set never match (entries always have selectors; an entry that
// federates with nothing is not returned by a federates-with filter), as in SPIRE's SQL store.
// Relies on members being unique per owner (unique indexes), so COUNT(*) counts distinct hits.
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { invalidArgument } from '../errors.js';
import type { MatchBehavior, Selector } from '../types.js';

export interface SetRelation {
  /** FROM clause of the member rows, e.g. `selectors s` */
  from: RawBuilder<unknown>;
  /** member column naming its owner, e.g. `s.registered_entry_id` */
  owner: RawBuilder<unknown>;
  /** the outer query's owner key, e.g. `registered_entries.id` */
  outer: RawBuilder<unknown>;
  /** predicate: this member row is in the given set */
  member: RawBuilder<SqlBool>;
  /** size of the (deduplicated) given set */
  size: number;
}

const MODES: readonly MatchBehavior[] = ['exact', 'subset', 'superset', 'any'];

export function checkMatchMode(match: unknown, what: string): MatchBehavior {
  if (!MODES.includes(match as MatchBehavior)) {
    throw invalidArgument(`unknown ${what} match behavior ${JSON.stringify(match)}`);
  }
  return match as MatchBehavior;
}

export function setMatchCondition(rel: SetRelation, mode: MatchBehavior): RawBuilder<SqlBool> {
  const hasAny = sql<SqlBool>`${rel.outer} in (select ${rel.owner} from ${rel.from} where ${rel.member})`;
  const hasAll = sql<SqlBool>`${rel.outer} in (select ${rel.owner} from ${rel.from} where ${rel.member}
    group by ${rel.owner} having count(*) = ${rel.size})`;
  const noneOutside = sql<SqlBool>`not exists (select 1 from ${rel.from}
    where ${rel.owner} = ${rel.outer} and not (${rel.member}))`;
  switch (mode) {
    case 'any':
      return hasAny;
    case 'superset':
      return hasAll;
    case 'subset':
      return sql<SqlBool>`(${hasAny} and ${noneOutside})`;
    case 'exact':
      return sql<SqlBool>`(${hasAll} and ${noneOutside})`;
  }
}

/** `(alias.type = ? and alias.value = ?) or ...` for a non-empty selector list. */
export function selectorMember(alias: string, selectors: readonly Selector[]): RawBuilder<SqlBool> {
  const type = sql.ref(`${alias}.type`);
  const value = sql.ref(`${alias}.value`);
  const parts = selectors.map((s) => sql`(${type} = ${s.type} and ${value} = ${s.value})`);
  return sql<SqlBool>`(${sql.join(parts, sql` or `)})`;
}

/** Removes duplicate selectors, keeping first occurrences in order. */
export function dedupeSelectors(selectors: readonly Selector[]): Selector[] {
  const seen = new Set<string>();
  const out: Selector[] = [];
  for (const s of selectors) {
    const key = `${s.type}\u0000${s.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ type: s.type, value: s.value });
  }
  return out;
}

export function checkSelectors(selectors: readonly Selector[] | undefined, what: string): Selector[] {
  if (!Array.isArray(selectors)) throw invalidArgument(`${what}: selectors must be a list`);
  for (const s of selectors) {
    if (typeof s?.type !== 'string' || typeof s.value !== 'string') {
      throw invalidArgument(`${what}: selector type and value must be strings`);
    }
  }
  return dedupeSelectors(selectors);
}
