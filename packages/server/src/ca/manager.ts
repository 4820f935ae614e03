/**
 * The CA manager: X.509 CA and JWT signing key, each in two slots (A/B) that take turns being
 * active and prepared, as SPIRE. State survives restarts through the journal store, keyed by
 * the active CA's key (`caJournalKey`), so servers sharing a database keep separate journals; a
 * restarted server finds its journal through the CA keys its key manager still holds. The caller runs `tick()`
 * on a timer (SPIRE: every 10s); time comes from the injected `now()`.
 */
import type { KeyObject } from 'node:crypto';
import { KEY_IDS } from '../keymanager/index.js';
import {
  loadJwtAuthority, loadX509Authority, mintJwtAuthority, mintX509Authority,
  type JwtAuthority, type MintContext, type X509Authority,
} from './authorities.js';
import type { CaBundle } from './bundle-store.js';
import { pooledRandomBytes, type RandomBytes } from './certificate-builder.js';
import { CaError } from './errors.js';
import { caJournalKey, decodeJournal, encodeJournal, type CaJournal, type SlotName } from './journal.js';
import { journalKeysFromBundle, pruneOrphanedJournals, type OrphanedJournalPruneResult } from './orphaned-journals.js';
import { activationThreshold, preparationThreshold } from './rotation.js';
import { resolveSettings, type CaManagerOptions, type CaSettings } from './settings.js';
import type { JwtSvidRequest, JwtSvidResult, ServerSvid, X509SvidRequest, X509SvidResult } from './svid-types.js';
import { svidPublicKeyDer } from './svid-public-key.js';

export type { CaManagerOptions, CaSettings } from './settings.js';
export type { JwtSvidRequest, JwtSvidResult, ServerSvid, X509SvidRequest, X509SvidResult } from './svid-types.js';

/** LocalAuthority state of one authority (spire-compat 1.8). */
export interface AuthorityState {
  authorityId: string;
  /** Unix seconds. */
  expiresAt: number;
  upstreamAuthoritySubjectKeyId: string;
}

export interface AuthorityStates {
  active?: AuthorityState;
  prepared?: AuthorityState;
  old?: AuthorityState;
}

const other = (slot: SlotName): SlotName => (slot === 'A' ? 'B' : 'A');

/**
 * Loads or creates the CA and returns the running manager.
 * @example
 * const ca = await createCaManager({ trustDomain: 'example.org', keyManager, journalStore, bundleStore });
 * setInterval(() => void ca.tick(), 10_000);
 * const { chain } = ca.signX509Svid({ spiffeId: 'spiffe://example.org/web', publicKey: csr.spkiDer });
 */
export async function createCaManager(options: CaManagerOptions): Promise<CaManager> {
  const manager = new CaManager(options);
  await manager.start();
  return manager;
}

export class CaManager {
  readonly settings: CaSettings;
  readonly #options: CaManagerOptions;
  readonly #now: () => number;
  readonly #randomBytes: RandomBytes;
  readonly #x509 = new Map<SlotName, X509Authority>();
  readonly #jwt = new Map<SlotName, JwtAuthority>();
  #serverSvid: ServerSvid | undefined;
  /** Key the journal was last written (or found) under; journals found under other keys of ours are retired on save. */
  #journalKey: string | undefined;
  readonly #retiredJournalKeys = new Set<string>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: CaManagerOptions) {
    this.#options = options;
    this.settings = resolveSettings(options);
    this.#now = options.now ?? Date.now;
    this.#randomBytes = options.randomBytes ?? pooledRandomBytes();
  }

  /** Unix seconds (whole). */
  nowSeconds(): number {
    return Math.floor(this.#now() / 1000);
  }

  /**
   * Finds our journal (the one keyed by a CA key we hold), reuses or (re)creates the active
   * authorities and saves the journal under the active CA's key. Called by createCaManager.
   */
  start(): Promise<void> {
    return this.#exclusive(async () => {
      const { keyManager } = this.#options;
      const { trustDomain, jwtIssuer } = this.settings;
      const journal: CaJournal = (await this.#findJournal()) ?? { trustDomain, x509: [], jwt: [] };
      for (const entry of journal.x509) this.#x509.set(entry.slot, loadX509Authority(entry, keyManager, trustDomain));
      for (const entry of journal.jwt) this.#jwt.set(entry.slot, loadJwtAuthority(entry, keyManager, trustDomain, jwtIssuer));
      await this.#ensureActiveX509();
      await this.#ensureActiveJwt();
      await this.#saveJournal();
      // A server down across a threshold prepares/activates now, not a rotator period later.
      await this.#rotate();
    });
  }

  /**
   * Looks up the journals keyed by the x509-CA-A/B keys the key manager holds (then the legacy
   * key). Usable: same trust domain and an active or prepared CA whose key we hold. Of several
   * (a crash between writing the new key and deleting the old), the newest active CA wins.
   */
  async #findJournal(): Promise<CaJournal | undefined> {
    const { keyManager, journalStore, legacyJournalKey } = this.#options;
    const keys = new Set<string>();
    for (const slot of ['A', 'B'] as const) {
      const key = keyManager.getKey(KEY_IDS.x509Ca(slot));
      if (key !== undefined) keys.add(caJournalKey(key.publicKeyDer));
    }
    let best: { key: string; journal: CaJournal; issuedAt: number } | undefined;
    const ours: string[] = [];
    const consider = (key: string, journal: CaJournal): void => {
      const issuedAt = this.#usableIssuedAt(journal);
      if (issuedAt === undefined) return;
      ours.push(key);
      if (best === undefined || issuedAt > best.issuedAt) best = { key, journal, issuedAt };
    };
    for (const key of keys) {
      const stored = await journalStore.fetchCaJournal(key);
      if (stored !== null) consider(key, decodeJournal(stored));
    }
    if (best === undefined && legacyJournalKey !== undefined) {
      const stored = await journalStore.fetchCaJournal(legacyJournalKey);
      if (stored !== null) consider(legacyJournalKey, decodeJournal(stored));
    }
    if (best === undefined) return undefined;
    for (const key of ours) this.#retiredJournalKeys.add(key);
    return best.journal;
  }

  /** issuedAt of the newest active/prepared X.509 CA in `journal` whose key we hold, if any. */
  #usableIssuedAt(journal: CaJournal): number | undefined {
    if (journal.trustDomain !== this.settings.trustDomain) return undefined; // trust_domain was changed
    let newest: number | undefined;
    for (const entry of journal.x509) {
      if (entry.status === 'old') continue;
      if (loadX509Authority(entry, this.#options.keyManager, this.settings.trustDomain).signer === undefined) continue;
      newest = Math.max(newest ?? 0, entry.issuedAt);
    }
    return newest;
  }

  /**
   * Prepares successors when the active authority passes min(lifetime/2, 30d) of remaining life
   * and activates them at min(lifetime/6, 7d), for the X.509 CA and the JWT key independently.
   */
  tick(): Promise<void> {
    return this.#exclusive(() => this.#rotate());
  }

  async #rotate(): Promise<void> {
    const now = this.nowSeconds();
    const x509 = this.#slotWith(this.#x509, 'active');
    if (x509 !== undefined) {
      const { issuedAt, notAfter } = x509.entry;
      const prepared = this.#usablePrepared(this.#x509);
      if (prepared === undefined && now >= preparationThreshold(issuedAt, notAfter)) await this.#prepareX509();
      if (now >= activationThreshold(issuedAt, notAfter)) {
        if (this.#usablePrepared(this.#x509) === undefined) await this.#prepareX509();
        this.#activate(this.#x509);
        await this.#saveJournal();
      }
    }
    const jwt = this.#slotWith(this.#jwt, 'active');
    if (jwt !== undefined) {
      const { issuedAt, notAfter } = jwt.entry;
      if (this.#usablePrepared(this.#jwt) === undefined && now >= preparationThreshold(issuedAt, notAfter)) await this.#prepareJwt();
      if (now >= activationThreshold(issuedAt, notAfter)) {
        if (this.#usablePrepared(this.#jwt) === undefined) await this.#prepareJwt();
        this.#activate(this.#jwt);
        await this.#saveJournal();
      }
    }
  }

  /**
   * Deletes the CA journals of other servers (whose CA keys are gone) once every authority in
   * them has expired; never our own. Candidates: the keys the journal store lists (when it can),
   * the keys derived from our bundle's CA certificates and the legacy key. Run it before bundle
   * pruning (the bundle is how journals are found without a listing); see orphaned-journals.ts.
   */
  pruneOrphanedJournals(): Promise<OrphanedJournalPruneResult> {
    return this.#exclusive(async () => {
      const { journalStore, bundleStore, legacyJournalKey } = this.#options;
      const candidates = new Set<string>(journalStore.listCaJournalKeys === undefined ? [] : await journalStore.listCaJournalKeys());
      const bundle = await bundleStore.fetchBundle(`spiffe://${this.settings.trustDomain}`);
      if (bundle !== null) for (const key of journalKeysFromBundle(bundle)) candidates.add(key);
      if (legacyJournalKey !== undefined) candidates.add(legacyJournalKey);
      const keep = new Set(this.#journalKey === undefined ? [] : [this.#journalKey]);
      return pruneOrphanedJournals(journalStore, candidates, { now: this.nowSeconds(), keep });
    });
  }

  /** The active X.509 CA: certificate, chain after leaves, key and expiry. */
  x509Ca(): { certificate: Uint8Array; chain: Uint8Array[]; privateKey: KeyObject; publicKey: KeyObject; notAfter: number; authorityId: string; upstreamAuthorityId?: string } {
    const active = this.activeX509();
    const { entry, key } = active;
    return {
      certificate: entry.certificate,
      chain: entry.chain,
      privateKey: key!.privateKey,
      publicKey: key!.publicKey,
      notAfter: entry.notAfter,
      authorityId: entry.authorityId,
      ...(entry.upstreamAuthorityId === undefined ? {} : { upstreamAuthorityId: entry.upstreamAuthorityId }),
    };
  }

  /** The active, usable X.509 authority (for the signing helpers). */
  activeX509(): Required<X509Authority> {
    const active = this.#slotWith(this.#x509, 'active');
    if (active?.signer === undefined || active.key === undefined) throw new CaError('ERR_CA_NOT_INITIALIZED', 'server is initializing: no active X.509 CA');
    return active as Required<X509Authority>;
  }

  /** The active, usable JWT key. */
  activeJwt(): Required<JwtAuthority> {
    const active = this.#slotWith(this.#jwt, 'active');
    if (active?.signer === undefined || active.key === undefined) throw new CaError('ERR_CA_NOT_INITIALIZED', 'server is initializing: no active JWT key');
    return active as Required<JwtAuthority>;
  }

  /** The stored bundle of our trust domain (every published authority, including other servers'). */
  async bundle(): Promise<CaBundle> {
    const td = `spiffe://${this.settings.trustDomain}`;
    const bundle = await this.#options.bundleStore.fetchBundle(td);
    if (bundle === null) throw new CaError('ERR_CA_NOT_INITIALIZED', `no bundle stored for ${td}`);
    return bundle;
  }

  x509AuthorityState(): AuthorityStates {
    return states(this.#x509, (a) => ({ authorityId: a.entry.authorityId, expiresAt: a.entry.notAfter, upstreamAuthoritySubjectKeyId: a.entry.upstreamAuthorityId ?? '' }));
  }

  jwtAuthorityState(): AuthorityStates {
    return states(this.#jwt, (a) => ({ authorityId: a.entry.keyId, expiresAt: a.entry.notAfter, upstreamAuthoritySubjectKeyId: '' }));
  }

  /**
   * Signs an X509-SVID with the active CA. TTL defaults to default_x509_svid_ttl; notAfter is
   * capped at the CA's. `chain` is what to serve: leaf, then the CA chain (empty when self-signed).
   */
  signX509Svid(request: X509SvidRequest): X509SvidResult {
    const { entry, signer } = this.activeX509();
    const signed = signer.sign({
      spiffeId: request.spiffeId,
      spkiDer: svidPublicKeyDer(request.publicKey),
      dnsNames: request.dnsNames ?? [],
      ttlSeconds: request.ttlSeconds ?? this.settings.defaultX509SvidTtlSeconds,
      now: this.#now() / 1000,
      ...(request.subject === undefined ? {} : { subject: request.subject }),
    });
    return {
      certificate: signed.certificate,
      chain: [signed.certificate, ...entry.chain],
      serial: Buffer.from(signed.serial).toString('hex'),
      issuedAt: signed.notBefore,
      expiresAt: signed.notAfter,
      authorityId: entry.authorityId,
    };
  }

  /** Signs a JWT-SVID with the active JWT key. TTL defaults to default_jwt_svid_ttl; exp is capped at the key's expiry. */
  signJwtSvid(request: JwtSvidRequest): JwtSvidResult {
    const { signer } = this.activeJwt();
    const signed = signer.sign({
      spiffeId: request.spiffeId,
      audience: request.audience,
      ttlSeconds: request.ttlSeconds ?? this.settings.defaultJwtSvidTtlSeconds,
      now: this.#now() / 1000,
      ...(request.includeJti === undefined ? {} : { includeJti: request.includeJti }),
    });
    return { ...signed, keyId: signer.keyId };
  }

  /** The current server SVID, if one was issued. */
  serverSvid(): ServerSvid | undefined {
    return this.#serverSvid;
  }

  /** True when there is no server SVID or it is past half its lifetime (SPIRE's server rotator rule). */
  serverSvidNeedsRotation(): boolean {
    const svid = this.#serverSvid;
    if (svid === undefined) return true;
    return this.nowSeconds() >= svid.issuedAt + (svid.expiresAt - svid.issuedAt) / 2;
  }

  /** Issues a fresh `spiffe://<td>/spire/server` SVID with a new key (TTL default_x509_svid_ttl). */
  async rotateServerSvid(): Promise<ServerSvid> {
    const key = await this.#options.keyManager.generateKey(KEY_IDS.serverSvid, this.settings.caKeyType);
    const signed = this.signX509Svid({ spiffeId: `spiffe://${this.settings.trustDomain}/spire/server`, publicKey: key.publicKeyDer });
    this.#serverSvid = { ...signed, spiffeId: `spiffe://${this.settings.trustDomain}/spire/server`, privateKey: key.privateKey };
    return this.#serverSvid;
  }

  // --- slots ---

  #slotWith<A extends { entry: { status: string } }>(slots: Map<SlotName, A>, status: string): A | undefined {
    for (const authority of slots.values()) if (authority.entry.status === status) return authority;
    return undefined;
  }

  #usablePrepared<A extends { entry: { status: string; notAfter: number }; signer?: unknown }>(slots: Map<SlotName, A>): A | undefined {
    const prepared = this.#slotWith(slots, 'prepared');
    return prepared?.signer !== undefined && prepared.entry.notAfter > this.nowSeconds() ? prepared : undefined;
  }

  /** Makes the prepared slot active and the active one old. */
  #activate<A extends { entry: { status: string } }>(slots: Map<SlotName, A>): void {
    const active = this.#slotWith(slots, 'active');
    const prepared = this.#slotWith(slots, 'prepared');
    if (prepared === undefined) return;
    if (active !== undefined) active.entry.status = 'old';
    prepared.entry.status = 'active';
  }

  async #ensureActiveX509(): Promise<void> {
    const active = this.#slotWith(this.#x509, 'active');
    if (active?.signer !== undefined && active.entry.notAfter > this.nowSeconds()) return this.#dropUnusablePrepared(this.#x509);
    if (this.#usablePrepared(this.#x509) !== undefined) return this.#activate(this.#x509);
    const slot = active === undefined ? 'A' : other(active.entry.slot);
    if (active !== undefined) active.entry.status = 'old';
    await this.#mintX509(slot, 'active');
  }

  async #ensureActiveJwt(): Promise<void> {
    const active = this.#slotWith(this.#jwt, 'active');
    if (active?.signer !== undefined && active.entry.notAfter > this.nowSeconds()) return this.#dropUnusablePrepared(this.#jwt);
    if (this.#usablePrepared(this.#jwt) !== undefined) return this.#activate(this.#jwt);
    const slot = active === undefined ? 'A' : other(active.entry.slot);
    if (active !== undefined) active.entry.status = 'old';
    await this.#mintJwt(slot, 'active');
  }

  /** A prepared slot whose key is gone cannot be activated: forget it so tick prepares anew. */
  #dropUnusablePrepared<A extends { entry: { status: string; notAfter: number }; signer?: unknown }>(slots: Map<SlotName, A>): void {
    const prepared = this.#slotWith(slots, 'prepared');
    if (prepared !== undefined && this.#usablePrepared(slots) === undefined) prepared.entry.status = 'old';
  }

  async #prepareX509(): Promise<void> {
    const active = this.#slotWith(this.#x509, 'active');
    await this.#mintX509(active === undefined ? 'A' : other(active.entry.slot), 'prepared');
    await this.#saveJournal();
  }

  async #prepareJwt(): Promise<void> {
    const active = this.#slotWith(this.#jwt, 'active');
    await this.#mintJwt(active === undefined ? 'A' : other(active.entry.slot), 'prepared');
    await this.#saveJournal();
  }

  /** Mints into `slot` and publishes before the slot is recorded, so nothing signs with an unpublished CA. */
  async #mintX509(slot: SlotName, status: 'active' | 'prepared'): Promise<void> {
    const minted = await mintX509Authority(
      { ...this.#mintContext(), keyType: this.settings.caKeyType, subject: this.settings.caSubject, upstream: this.#options.upstreamAuthority },
      slot,
      status,
    );
    await this.#publish({ x509Authorities: minted.bundleCertificates.map((der) => ({ der, tainted: false })), jwtAuthorities: [] });
    this.#x509.set(slot, minted.authority);
  }

  async #mintJwt(slot: SlotName, status: 'active' | 'prepared'): Promise<void> {
    const minted = await mintJwtAuthority({ ...this.#mintContext(), keyType: this.settings.jwtKeyType, issuer: this.settings.jwtIssuer }, slot, status);
    const { keyId, publicKeyDer, notAfter } = minted.entry;
    await this.#publish({ x509Authorities: [], jwtAuthorities: [{ keyId, publicKeyDer, expiresAt: notAfter, tainted: false }] });
    this.#jwt.set(slot, minted);
  }

  #mintContext(): MintContext {
    return { keyManager: this.#options.keyManager, trustDomain: this.settings.trustDomain, now: this.nowSeconds(), ttlSeconds: this.settings.caTtlSeconds, randomBytes: this.#randomBytes };
  }

  async #publish(authorities: Pick<CaBundle, 'x509Authorities' | 'jwtAuthorities'>): Promise<void> {
    await this.#options.bundleStore.appendBundle({ trustDomain: `spiffe://${this.settings.trustDomain}`, ...authorities, refreshHint: 0, sequenceNumber: 0n });
  }

  /** Writes the journal under the active CA's key, then deletes the ones it supersedes. */
  async #saveJournal(): Promise<void> {
    const active = this.#slotWith(this.#x509, 'active');
    if (active?.key === undefined) throw new CaError('ERR_CA_NOT_INITIALIZED', 'no active X.509 CA key to key the CA journal by');
    const key = caJournalKey(active.key.publicKeyDer);
    const journal: CaJournal = { trustDomain: this.settings.trustDomain, x509: [...this.#x509.values()].map((a) => a.entry), jwt: [...this.#jwt.values()].map((a) => a.entry) };
    await this.#options.journalStore.setCaJournal(encodeJournal(journal), key);
    if (this.#journalKey !== undefined) this.#retiredJournalKeys.add(this.#journalKey);
    this.#journalKey = key;
    this.#retiredJournalKeys.delete(key);
    for (const retired of [...this.#retiredJournalKeys]) {
      await this.#options.journalStore.deleteCaJournal(retired);
      this.#retiredJournalKeys.delete(retired);
    }
  }

  /** Serializes start/tick so two rotations never interleave. */
  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

function states<A extends { entry: { status: string } }>(slots: Map<SlotName, A>, describe: (a: A) => AuthorityState): AuthorityStates {
  const out: AuthorityStates = {};
  for (const authority of slots.values()) out[authority.entry.status as keyof AuthorityStates] = describe(authority);
  return out;
}
