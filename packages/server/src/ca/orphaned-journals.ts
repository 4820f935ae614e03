/**
 * Pruning of orphaned CA journals: journals of servers whose CA keys are gone (a server restarted
 * with the memory key manager or a lost keys file, a decommissioned server sharing the database).
 * Nobody will ever load them again, so once every authority they list has expired they are
 * deleted. A live server always holds an unexpired active CA, so its journal is never prunable;
 * a stopped one whose authorities all expired would mint fresh ones on restart anyway.
 *
 * Finding them: the datastore lists every journal key (CaJournalStore.listCaJournalKeys); for
 * stores that cannot, candidates are also derived from our bundle. A journal is keyed by its server's active CA
 * key, and a self-signed CA is published in the bundle, where it stays until 24 h after expiry;
 * pruning journals before the bundle, every 6 h, therefore meets each such journal at least once
 * after its authorities expired, as long as they expire within 24 h of its active CA (always
 * true up to ca_ttl 48h). Journals of CAs signed by an UpstreamAuthority (whose bundle holds the
 * upstream roots, not our CAs) are found only through listCaJournalKeys.
 */
import type { CaBundle } from './bundle-store.js';
import { parseCertificate } from './certificate-info.js';
import { caJournalKey, decodeJournal, type CaJournal, type CaJournalStore } from './journal.js';

export interface PrunedJournal {
  key: string;
  trustDomain: string;
  /** X.509 authority IDs (SKIDs) and JWT key IDs the journal listed. */
  x509AuthorityIds: string[];
  jwtKeyIds: string[];
  /** Unix seconds when its last authority expired. */
  expiredAt: number;
}

export interface OrphanedJournalPruneResult {
  pruned: PrunedJournal[];
  /** Journals that could not be decoded: kept (never delete what we cannot read), reported. */
  unreadable: { key: string; reason: string }[];
}

/** The journal keys the X.509 authorities of `bundle` would have as active CAs. Unparseable certificates are skipped. */
export function journalKeysFromBundle(bundle: Pick<CaBundle, 'x509Authorities'>): string[] {
  const keys: string[] = [];
  for (const { der } of bundle.x509Authorities) {
    try {
      keys.push(caJournalKey(parseCertificate(der).spkiDer));
    } catch {
      // Not ours to judge here; the bundle pruner keeps unparseable certificates too.
    }
  }
  return keys;
}

/** Unix seconds when the last authority of `journal` expires (0 for an empty journal). */
export function journalExpiry(journal: CaJournal): number {
  return Math.max(0, ...journal.x509.map((e) => e.notAfter), ...journal.jwt.map((e) => e.notAfter));
}

/**
 * Deletes each candidate journal (except `keep`) whose every authority expired before `now`.
 * Missing candidates are skipped; undecodable ones are kept and reported.
 */
export async function pruneOrphanedJournals(
  store: CaJournalStore,
  candidates: Iterable<string>,
  options: { now: number; keep: ReadonlySet<string> },
): Promise<OrphanedJournalPruneResult> {
  const result: OrphanedJournalPruneResult = { pruned: [], unreadable: [] };
  for (const key of new Set(candidates)) {
    if (options.keep.has(key)) continue;
    const stored = await store.fetchCaJournal(key);
    if (stored === null) continue;
    let journal: CaJournal;
    try {
      journal = decodeJournal(stored);
    } catch (err) {
      result.unreadable.push({ key, reason: (err as Error).message });
      continue;
    }
    const expiredAt = journalExpiry(journal);
    if (expiredAt >= options.now) continue;
    await store.deleteCaJournal(key);
    result.pruned.push({
      key,
      trustDomain: journal.trustDomain,
      x509AuthorityIds: journal.x509.map((e) => e.authorityId),
      jwtKeyIds: journal.jwt.map((e) => e.keyId),
      expiredAt,
    });
  }
  return result;
}
