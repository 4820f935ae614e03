/**
 * Fixture for the rotation and pruning tests (not a test file itself): a CA manager on a disk
 * key manager and a SQLite datastore in a temp dir, driven by a FakeClock the way the server's
 * ticker drives it (advance 10 s, then tick), and restartable on the same keys and database.
 */
import assert from 'node:assert/strict';
import { X509Certificate, createPublicKey } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock, type LogFields, type Logger } from '@tspire/common';
import { JwtBundle, TrustDomain, X509Bundle } from '@tspire/spiffe';
import { openDatastore } from '../datastore/open.js';
import type { SqlDatastore } from '../datastore/sql/sql-datastore.js';
import { createDiskKeyManager } from '../keymanager/disk-key-manager.js';
import type { CaBundle } from './bundle-store.js';
import { parseCertificate } from './certificate-info.js';
import { createCaManager, type CaManager, type CaManagerOptions } from './manager.js';

export const TD = TrustDomain.parse('example.org');
export const TD_ID = 'spiffe://example.org';
/** The CA rotator's period (spire-compat 7). */
export const TICK_MS = 10_000;
export const T0_MS = Date.UTC(2031, 0, 1);

export interface RotationHarness {
  clock: FakeClock;
  ca: CaManager;
  datastore: SqlDatastore;
  dir: string;
  /** Advances the clock by one CA rotator period and runs tick(), as the server's ticker does. */
  step(): Promise<void>;
  /** Closes the manager's datastore and starts a new manager on the same key file and database. */
  restart(extra?: Partial<CaManagerOptions>): Promise<void>;
  /** Our trust domain's bundle as stored in the datastore. */
  storedBundle(): Promise<CaBundle>;
  close(): Promise<void>;
}

export async function rotationHarness(
  t: { after: (fn: () => Promise<void>) => void },
  options: Partial<CaManagerOptions> & { name?: string; dir?: string; clock?: FakeClock } = {},
): Promise<RotationHarness> {
  const { name = 'server', dir: sharedDir, clock: sharedClock, ...overrides } = options;
  const dir = sharedDir ?? (await mkdtemp(join(tmpdir(), 'tspire-ca-rotation-')));
  if (sharedDir === undefined) t.after(() => rm(dir, { recursive: true, force: true }));
  const clock = sharedClock ?? new FakeClock(T0_MS);
  const open = async (extra: Partial<CaManagerOptions>): Promise<{ ca: CaManager; datastore: SqlDatastore }> => {
    const datastore = await openDatastore({ databaseType: 'sqlite3', connectionString: join(dir, 'datastore.sqlite3'), now: () => Math.floor(clock.nowMs() / 1000) });
    const ca = await createCaManager({
      trustDomain: TD.name,
      keyManager: await createDiskKeyManager({ keysPath: join(dir, `keys-${name}.json`) }),
      journalStore: datastore,
      bundleStore: datastore,
      legacyJournalKey: TD_ID,
      caTtlSeconds: 3600,
      defaultX509SvidTtlSeconds: 600,
      defaultJwtSvidTtlSeconds: 300,
      now: () => clock.nowMs(),
      ...overrides,
      ...extra,
    });
    return { ca, datastore };
  };
  let current = await open({});
  let closed = false;
  const harness: RotationHarness = {
    clock,
    dir,
    get ca() { return current.ca; },
    get datastore() { return current.datastore; },
    async step() {
      clock.advance(TICK_MS);
      await current.ca.tick();
    },
    async restart(extra = {}) {
      await current.datastore.close();
      current = await open(extra);
    },
    async storedBundle() {
      const bundle = await current.datastore.fetchBundle(TD_ID);
      assert.ok(bundle, 'the trust domain bundle is stored');
      return bundle;
    },
    async close() {
      if (closed) return;
      closed = true;
      await current.datastore.close();
    },
  };
  t.after(() => harness.close());
  return harness;
}

/** The stored bundle as the SDK sees it (what agents and workloads verify with). */
export function sdkBundles(bundle: CaBundle): { x509: X509Bundle; jwt: JwtBundle } {
  const x509 = new X509Bundle(TD, bundle.x509Authorities.map((a) => new X509Certificate(a.der)));
  const jwt = new JwtBundle(TD, bundle.jwtAuthorities.map((a) => [a.keyId, createPublicKey({ key: Buffer.from(a.publicKeyDer), format: 'der', type: 'spki' })]));
  return { x509, jwt };
}

/** X.509 authority ID (hex SKID) -> notAfter of each CA certificate in the bundle. */
export function x509AuthorityIds(bundle: CaBundle): Map<string, number> {
  const ids = new Map<string, number>();
  for (const { der } of bundle.x509Authorities) {
    const info = parseCertificate(der);
    ids.set(Buffer.from(info.subjectKeyId!).toString('hex'), info.notAfter);
  }
  return ids;
}

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields: LogFields;
}

/** A Logger that records every line. */
export function recordingLogger(lines: LogLine[] = [], bound: LogFields = {}): Logger & { lines: LogLine[] } {
  const write = (level: LogLine['level']) => (msg: string, fields: LogFields = {}): void => void lines.push({ level, msg, fields: { ...bound, ...fields } });
  return {
    lines,
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (fields) => recordingLogger(lines, { ...bound, ...fields }),
  };
}
