/**
 * Bundle pruning (spire-compat 3.6, 7): every 6 h, authorities of our trust domain's bundle that
 * expired more than 24 h ago are removed, never the last X.509 or JWT ones (the datastore refuses
 * and we log it). Orphaned CA journals are pruned first, while the expired CA certificates that
 * lead to them are still in the bundle (see orphaned-journals.ts).
 *
 * The server's ticker calls `tick()` on every CA rotator tick; it prunes when due (at the first
 * tick, then every interval), so no second timer is needed.
 */
import { nullLogger, type Logger } from '@tspire/common';
import type { CaBundle } from './bundle-store.js';
import { parseCertificate } from './certificate-info.js';
import { subjectKeyIdFromSpki } from './extensions.js';
import type { CaManager } from './manager.js';
import type { OrphanedJournalPruneResult, PrunedJournal } from './orphaned-journals.js';

export const BUNDLE_PRUNE_INTERVAL_SECONDS = 6 * 3600;
/** Authorities are kept this long after they expire. */
export const BUNDLE_PRUNE_GRACE_SECONDS = 24 * 3600;

/** The slice of the datastore the pruner uses (DataStore implements it). */
export interface BundlePruneStore {
  fetchBundle(trustDomain: string): Promise<CaBundle | null>;
  /**
   * Drops authorities that expired before `expiresBefore` (unix seconds); true when something
   * changed. Refuses (ERR_DATASTORE_FAILED_PRECONDITION) to drop every X.509 or every JWT authority.
   */
  pruneBundle(trustDomain: string, expiresBefore: number): Promise<boolean>;
}

export interface BundlePrunerOptions {
  ca: Pick<CaManager, 'nowSeconds' | 'settings' | 'pruneOrphanedJournals'>;
  store: BundlePruneStore;
  logger?: Logger;
  intervalSeconds?: number;
  graceSeconds?: number;
}

export interface BundlePruneReport {
  /** Unix seconds of the run. */
  at: number;
  expiresBefore: number;
  x509: { authorityId: string; expiresAt: number }[];
  jwt: { keyId: string; expiresAt: number }[];
  /** Why the datastore refused to prune (it would have removed every authority of a kind). */
  refused?: string;
  journals: PrunedJournal[];
}

/**
 * @example
 * const pruner = createBundlePruner({ ca, store: datastore, logger });
 * // in the server's 10 s ticker, after ca.tick():
 * await pruner.tick();
 */
export function createBundlePruner(options: BundlePrunerOptions): BundlePruner {
  return new BundlePruner(options);
}

export class BundlePruner {
  readonly #ca: BundlePrunerOptions['ca'];
  readonly #store: BundlePruneStore;
  readonly #logger: Logger;
  readonly #interval: number;
  readonly #grace: number;
  readonly #trustDomainId: string;
  #lastRun: number | undefined;
  #running: Promise<BundlePruneReport> | undefined;

  constructor(options: BundlePrunerOptions) {
    this.#ca = options.ca;
    this.#store = options.store;
    this.#logger = (options.logger ?? nullLogger).child({ subsystem_name: 'bundle_pruner' });
    this.#interval = options.intervalSeconds ?? BUNDLE_PRUNE_INTERVAL_SECONDS;
    this.#grace = options.graceSeconds ?? BUNDLE_PRUNE_GRACE_SECONDS;
    this.#trustDomainId = `spiffe://${options.ca.settings.trustDomain}`;
  }

  /** Prunes when a run is due (first call, then every interval); undefined otherwise. */
  async tick(): Promise<BundlePruneReport | undefined> {
    const now = this.#ca.nowSeconds();
    if (this.#running !== undefined || (this.#lastRun !== undefined && now < this.#lastRun + this.#interval)) return undefined;
    return this.prune();
  }

  /** Prunes now: orphaned journals, then the bundle. Errors other than a refusal propagate. */
  prune(): Promise<BundlePruneReport> {
    this.#running ??= this.#run().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #run(): Promise<BundlePruneReport> {
    const at = this.#ca.nowSeconds();
    this.#lastRun = at;
    const report: BundlePruneReport = { at, expiresBefore: at - this.#grace, x509: [], jwt: [], journals: [] };
    report.journals = await this.#pruneJournals();
    const before = await this.#store.fetchBundle(this.#trustDomainId);
    if (before === null) return report;
    try {
      if (!(await this.#store.pruneBundle(this.#trustDomainId, report.expiresBefore))) return report;
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'ERR_DATASTORE_FAILED_PRECONDITION') throw err;
      report.refused = (err as Error).message;
      this.#logger.warn('Bundle pruning halted', { trust_domain_id: this.#trustDomainId, reason: report.refused, expires_before: report.expiresBefore });
      return report;
    }
    const after = await this.#store.fetchBundle(this.#trustDomainId);
    const keptDer = new Set(after?.x509Authorities.map((a) => Buffer.from(a.der).toString('base64')));
    const keptKeyIds = new Set(after?.jwtAuthorities.map((a) => a.keyId));
    for (const { der } of before.x509Authorities) {
      if (!keptDer.has(Buffer.from(der).toString('base64'))) report.x509.push(describeCertificate(der));
    }
    for (const { keyId, expiresAt } of before.jwtAuthorities) {
      if (!keptKeyIds.has(keyId)) report.jwt.push({ keyId, expiresAt });
    }
    this.#logger.info('Pruned expired authorities from the bundle', {
      trust_domain_id: this.#trustDomainId,
      x509_authority_ids: report.x509.map((a) => a.authorityId),
      jwt_authority_ids: report.jwt.map((a) => a.keyId),
      expires_before: report.expiresBefore,
    });
    return report;
  }

  /** A failure here is logged and does not stop bundle pruning. */
  async #pruneJournals(): Promise<PrunedJournal[]> {
    let result: OrphanedJournalPruneResult;
    try {
      result = await this.#ca.pruneOrphanedJournals();
    } catch (err) {
      this.#logger.warn('Orphaned CA journal pruning failed', { error: err instanceof Error ? err.message : String(err) });
      return [];
    }
    for (const journal of result.pruned) {
      this.#logger.info('Pruned orphaned CA journal', {
        journal_key: journal.key,
        x509_authority_ids: journal.x509AuthorityIds,
        jwt_authority_ids: journal.jwtKeyIds,
        expired_at: journal.expiredAt,
      });
    }
    for (const { key, reason } of result.unreadable) this.#logger.warn('Keeping unreadable CA journal', { journal_key: key, reason });
    return result.pruned;
  }
}

function describeCertificate(der: Uint8Array): { authorityId: string; expiresAt: number } {
  try {
    const info = parseCertificate(der);
    return { authorityId: Buffer.from(info.subjectKeyId ?? subjectKeyIdFromSpki(info.spkiDer)).toString('hex'), expiresAt: info.notAfter };
  } catch {
    return { authorityId: '', expiresAt: 0 };
  }
}
