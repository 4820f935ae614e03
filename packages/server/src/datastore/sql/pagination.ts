// Keyset pagination over internal row ids. The token is the decimal row id of the last row
// returned (as SPIRE); clients treat it as opaque. A token is only returned when more rows
// exist (one row is over-fetched to know), so clients stop without an extra empty round trip.
import { invalidArgument } from '../errors.js';
import type { Page } from '../types.js';

export interface PageWindow {
  /** rows to fetch (pageSize + 1), or undefined for everything */
  limit: number | undefined;
  /** only rows with id > afterId */
  afterId: number;
  pageSize: number;
}

export function pageWindow(page: Page | undefined): PageWindow {
  const pageSize = page?.pageSize ?? 0;
  if (!Number.isSafeInteger(pageSize) || pageSize < 0) {
    throw invalidArgument(`invalid page size ${String(pageSize)}: must be a non-negative integer`);
  }
  const token = page?.pageToken ?? '';
  let afterId = 0;
  if (token !== '') {
    if (!/^\d{1,15}$/.test(token)) throw invalidArgument('could not parse page token');
    afterId = Number(token);
  }
  return { limit: pageSize > 0 ? pageSize + 1 : undefined, afterId, pageSize };
}

/** Trims the over-fetched row and computes the next token. */
export function pageOf<T extends { id: number }>(rows: T[], window: PageWindow): { rows: T[]; nextPageToken: string } {
  if (window.pageSize === 0 || rows.length <= window.pageSize) return { rows, nextPageToken: '' };
  const kept = rows.slice(0, window.pageSize);
  const last = kept[kept.length - 1];
  return { rows: kept, nextPageToken: last === undefined ? '' : String(last.id) };
}
