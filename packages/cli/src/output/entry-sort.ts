/**
 * Client-side order of `entry show`: by SPIFFE ID (trust domain, path), parent ID, X509-SVID
 * TTL, JWT-SVID TTL, then the selector lists; each entry's selectors sorted by type, value.
 */
import type { types } from '@tspire/proto';

const cmp = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0);

function compareSelector(a: types.Selector, b: types.Selector): number {
  return cmp(a.type, b.type) || cmp(a.value, b.value);
}

function compareSelectorLists(a: readonly types.Selector[], b: readonly types.Selector[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareSelector(a[i] as types.Selector, b[i] as types.Selector);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function compareId(a: types.SPIFFEID | undefined, b: types.SPIFFEID | undefined): number {
  return cmp(a?.trustDomain ?? '', b?.trustDomain ?? '') || cmp(a?.path ?? '', b?.path ?? '');
}

/** Sorts in place (selectors inside each entry too) and returns the same array. */
export function sortEntries(entries: types.Entry[]): types.Entry[] {
  for (const entry of entries) entry.selectors.sort(compareSelector);
  return entries.sort(
    (a, b) =>
      compareId(a.spiffeId, b.spiffeId) ||
      compareId(a.parentId, b.parentId) ||
      a.x509SvidTtl - b.x509SvidTtl ||
      a.jwtSvidTtl - b.jwtSvidTtl ||
      compareSelectorLists(a.selectors, b.selectors),
  );
}
