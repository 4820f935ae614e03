// Bundle pruning and orphaned CA journal pruning, driven by a FakeClock: every 6 h, authorities
// expired more than 24 h ago leave the stored bundle (never the last ones), and journals of
// servers whose CA keys are gone are deleted once all their authorities expired.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createMemoryKeyManager } from '../keymanager/memory-key-manager.js';
import { createBundlePruner, type BundlePruneReport } from './bundle-pruner.js';
import { createCaCertificate } from './ca-certificate.js';
import { caJournalKey, encodeJournal, type CaJournal } from './journal.js';
import { createCaManager } from './manager.js';
import { pruneOrphanedJournals } from './orphaned-journals.js';
import { T0_MS, TD_ID, rotationHarness, recordingLogger, x509AuthorityIds } from './rotation-harness.test-helper.js';
import { memoryBundleStore, memoryJournalStore } from './test-helpers.js';

const T0 = T0_MS / 1000;
const HOUR = 3600;
const DAY = 86_400;

test('every 6 h the bundle loses exactly the authorities expired more than 24 h ago, across rotations', async (t) => {
  const h = await rotationHarness(t); // ca_ttl 1h: a new CA and JWT key every 30 min
  const logger = recordingLogger();
  const pruner = createBundlePruner({ ca: h.ca, store: h.datastore, logger });
  const reports: BundlePruneReport[] = [];
  let pruned = 0;
  while (h.ca.nowSeconds() < T0 + 40 * HOUR) {
    await h.step();
    const now = h.ca.nowSeconds();
    const due = (now - T0 - 10) % (6 * HOUR) === 0; // the first tick, then every 6 h
    const before = due ? await h.storedBundle() : undefined;
    const report = await pruner.tick();
    assert.equal(report !== undefined, due, `a prune run at ${now - T0}s after start: ${due}`);
    if (report === undefined || before === undefined) continue;
    reports.push(report);
    assert.equal(report.expiresBefore, now - DAY);
    const after = await h.storedBundle();
    const beforeX509 = x509AuthorityIds(before);
    const afterX509 = x509AuthorityIds(after);
    const expectedX509 = [...beforeX509].filter(([, notAfter]) => notAfter < now - DAY).map(([id]) => id).sort();
    assert.deepEqual(report.x509.map((a) => a.authorityId).sort(), expectedX509, 'the X.509 authorities expired > 24 h ago');
    assert.deepEqual([...afterX509.keys()].sort(), [...beforeX509.keys()].filter((id) => !expectedX509.includes(id)).sort(), 'and only those');
    const expectedJwt = before.jwtAuthorities.filter((a) => a.expiresAt < now - DAY).map((a) => a.keyId).sort();
    assert.deepEqual(report.jwt.map((a) => a.keyId).sort(), expectedJwt);
    assert.deepEqual(after.jwtAuthorities.map((a) => a.keyId).sort(), before.jwtAuthorities.map((a) => a.keyId).filter((id) => !expectedJwt.includes(id)).sort());
    for (const state of [h.ca.x509AuthorityState(), h.ca.jwtAuthorityState()]) {
      for (const authority of [state.active, state.prepared, state.old]) {
        if (authority !== undefined && authority.expiresAt >= now - DAY) {
          const present = afterX509.has(authority.authorityId) || after.jwtAuthorities.some((a) => a.keyId === authority.authorityId);
          assert.ok(present, `authority ${authority.authorityId} of the CA manager is kept`);
        }
      }
    }
    if (report.x509.length + report.jwt.length > 0) {
      pruned += report.x509.length + report.jwt.length;
      const line = logger.lines.find((l) => l.msg === 'Pruned expired authorities from the bundle' && l.fields['expires_before'] === report.expiresBefore);
      assert.deepEqual(line?.fields['x509_authority_ids'], report.x509.map((a) => a.authorityId), 'the pruned authorities are logged');
      assert.deepEqual(line?.fields['jwt_authority_ids'], report.jwt.map((a) => a.keyId));
      assert.equal(line?.fields['subsystem_name'], 'bundle_pruner');
    }
  }
  assert.deepEqual(reports.map((r) => r.at - T0), [10, 6 * HOUR + 10, 12 * HOUR + 10, 18 * HOUR + 10, 24 * HOUR + 10, 30 * HOUR + 10, 36 * HOUR + 10]);
  assert.deepEqual(reports.slice(0, 5).map((r) => r.x509.length + r.jwt.length), [0, 0, 0, 0, 0], 'nothing before anything expired 24 h ago');
  assert.ok(pruned >= 20, `authorities were pruned (${pruned})`);
  // Steady state with ca_ttl 1h: the CAs that expired within the last 24h+ plus the two live ones.
  const finalBundle = await h.storedBundle();
  assert.ok(finalBundle.x509Authorities.length < 80, `the bundle does not grow without bound (${finalBundle.x509Authorities.length})`);
});

test('pruning never removes the last authorities: it is refused and logged, then proceeds once new ones exist', async (t) => {
  const h = await rotationHarness(t);
  const old = { x509: h.ca.x509AuthorityState().active!.authorityId, jwt: h.ca.jwtAuthorityState().active!.authorityId };
  const logger = recordingLogger();
  const pruner = createBundlePruner({ ca: h.ca, store: h.datastore, logger });
  h.clock.advance(3 * DAY * 1000); // the server was stopped for three days: everything expired
  const before = await h.storedBundle();
  const refused = await pruner.prune();
  assert.match(refused.refused ?? '', /would prune all/);
  assert.deepEqual([refused.x509, refused.jwt], [[], []]);
  assert.equal((await h.storedBundle()).sequenceNumber, before.sequenceNumber, 'the bundle is unchanged');
  const warning = logger.lines.find((l) => l.level === 'warn' && l.msg === 'Bundle pruning halted');
  assert.equal(warning?.fields['reason'], refused.refused);

  await h.ca.tick(); // mints and activates fresh authorities at once
  const report = await pruner.prune();
  assert.equal(report.refused, undefined);
  assert.deepEqual(report.x509.map((a) => a.authorityId), [old.x509]);
  assert.deepEqual(report.jwt.map((a) => a.keyId), [old.jwt]);
  const after = await h.storedBundle();
  assert.deepEqual([...x509AuthorityIds(after).keys()], [h.ca.x509AuthorityState().active!.authorityId]);
  assert.deepEqual(after.jwtAuthorities.map((a) => a.keyId), [h.ca.jwtAuthorityState().active!.authorityId]);
});

test('orphaned journals of a server whose keys are gone are pruned once all their authorities expired; live servers keep theirs', async (t) => {
  // Server "a" runs on the memory key manager: its restart orphans its first journal. Server "b"
  // (disk keys) shares the database and the clock and stays live throughout.
  const a = await rotationHarness(t, { name: 'a', keyManager: createMemoryKeyManager() });
  const orphanId = a.ca.x509AuthorityState().active!.authorityId;
  const orphanKey = `x509-ca/${orphanId}`;
  await a.restart({ keyManager: createMemoryKeyManager() });
  assert.notEqual(a.ca.x509AuthorityState().active!.authorityId, orphanId);
  const b = await rotationHarness(t, { name: 'b', dir: a.dir, clock: a.clock });
  const logger = recordingLogger();
  const pruner = createBundlePruner({ ca: a.ca, store: a.datastore, logger, intervalSeconds: HOUR });
  const journalKeyOf = (h: typeof a): string => `x509-ca/${h.ca.x509AuthorityState().active!.authorityId}`;

  const step = async (): Promise<BundlePruneReport | undefined> => {
    a.clock.advance(10_000);
    await a.ca.tick();
    await b.ca.tick();
    return pruner.tick();
  };
  let report = await step();
  assert.deepEqual(report?.journals, [], 'the orphan\'s authorities have not expired yet');
  assert.ok(await a.datastore.fetchCaJournal(orphanKey));
  while (report === undefined || report.journals.length === 0) {
    report = await step();
    if (report !== undefined && a.ca.nowSeconds() <= T0 + HOUR) assert.deepEqual(report.journals, []);
  }
  // Hourly runs: the first one after the orphan's CA and JWT key (ca_ttl 1h) expired.
  assert.equal(report.at, T0 + HOUR + 10);
  assert.deepEqual(report.journals.map((j) => j.key), [orphanKey]);
  assert.deepEqual(report.journals[0]!.x509AuthorityIds, [orphanId]);
  assert.ok(report.journals[0]!.expiredAt < report.at);
  assert.equal(await a.datastore.fetchCaJournal(orphanKey), null);
  assert.ok(logger.lines.some((l) => l.msg === 'Pruned orphaned CA journal' && l.fields['journal_key'] === orphanKey));

  // Hours of rotations later, both live servers still find their own journal at every run.
  while (a.ca.nowSeconds() < T0 + 8 * HOUR) {
    report = await step();
    if (report === undefined) continue;
    assert.deepEqual(report.journals, []);
    assert.ok(await a.datastore.fetchCaJournal(journalKeyOf(a)), 'a keeps its journal');
    assert.ok(await a.datastore.fetchCaJournal(journalKeyOf(b)), 'b keeps its journal');
  }
});

test('an unreadable journal is kept and reported, never deleted', async (t) => {
  const h = await rotationHarness(t);
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = key.publicKey.export({ type: 'spki', format: 'der' });
  const stranger = createCaCertificate({ trustDomain: 'example.org', spkiDer: spki, subject: { organization: ['Other'] }, ttlSeconds: 60, now: T0 - DAY }, key.privateKey);
  await h.datastore.appendBundle({ trustDomain: TD_ID, x509Authorities: [{ der: stranger, tainted: false }], jwtAuthorities: [], refreshHint: 0, sequenceNumber: 0n });
  await h.datastore.setCaJournal(Buffer.from('{"version":1,"trustDomain":"example.org","x509":"nope"}'), caJournalKey(spki));
  const logger = recordingLogger();
  const report = await createBundlePruner({ ca: h.ca, store: h.datastore, logger }).prune();
  assert.deepEqual(report.journals, []);
  assert.ok(await h.datastore.fetchCaJournal(caJournalKey(spki)), 'kept');
  const warning = logger.lines.find((l) => l.msg === 'Keeping unreadable CA journal');
  assert.equal(warning?.fields['journal_key'], caJournalKey(spki));
  assert.match(String(warning?.fields['reason']), /x509 must be an array/);
});

test('a journal store that lists its keys lets journals the bundle cannot reveal be pruned', async () => {
  const clock = { seconds: T0 };
  const journals = memoryJournalStore();
  const journalStore = { ...journals, listCaJournalKeys: async () => [...journals.map.keys()] };
  const ca = await createCaManager({ trustDomain: 'example.org', keyManager: createMemoryKeyManager(), journalStore, bundleStore: memoryBundleStore(), now: () => clock.seconds * 1000 });
  const journal = (notAfter: number): Uint8Array => {
    const entry = { slot: 'A' as const, status: 'active' as const, issuedAt: notAfter - HOUR, notAfter };
    const value: CaJournal = { trustDomain: 'example.org', x509: [{ ...entry, certificate: Uint8Array.of(1), chain: [Uint8Array.of(1)], authorityId: 'aa' }], jwt: [{ ...entry, keyId: 'k1', publicKeyDer: Uint8Array.of(2) }] };
    return encodeJournal(value);
  };
  journals.map.set('x509-ca/0001', journal(T0 - 1)); // e.g. an upstream-signed CA, not in our bundle
  journals.map.set('x509-ca/0002', journal(T0 + HOUR));
  const own = [...journals.map.keys()].find((k) => !k.endsWith('0001') && !k.endsWith('0002'))!;
  const result = await ca.pruneOrphanedJournals();
  assert.deepEqual(result.pruned.map((j) => j.key), ['x509-ca/0001']);
  assert.deepEqual([...journals.map.keys()].sort(), [own, 'x509-ca/0002'].sort());
  clock.seconds = T0 + HOUR + 1;
  assert.deepEqual((await ca.pruneOrphanedJournals()).pruned.map((j) => j.key), ['x509-ca/0002']);
  assert.deepEqual([...journals.map.keys()], [own], 'our own journal is never a candidate');
});

test('pruneOrphanedJournals: keeps listed keys, skips missing ones, needs every authority expired', async () => {
  const store = memoryJournalStore();
  const entry = (notAfter: number) => ({ slot: 'A' as const, status: 'old' as const, issuedAt: 0, notAfter, certificate: Uint8Array.of(1), chain: [], authorityId: 'ab' });
  const jwt = (notAfter: number) => ({ slot: 'B' as const, status: 'active' as const, issuedAt: 0, notAfter, keyId: 'kid', publicKeyDer: Uint8Array.of(1) });
  store.map.set('expired', encodeJournal({ trustDomain: 'example.org', x509: [entry(50)], jwt: [jwt(99)] }));
  store.map.set('jwt-alive', encodeJournal({ trustDomain: 'example.org', x509: [entry(50)], jwt: [jwt(100)] }));
  store.map.set('mine', encodeJournal({ trustDomain: 'example.org', x509: [entry(1)], jwt: [] }));
  const result = await pruneOrphanedJournals(store, ['expired', 'jwt-alive', 'mine', 'missing'], { now: 100, keep: new Set(['mine']) });
  assert.deepEqual(result.pruned.map((j) => [j.key, j.expiredAt]), [['expired', 99]]);
  assert.deepEqual([...store.map.keys()].sort(), ['jwt-alive', 'mine']);
});
