import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwtVerify } from 'jose';
import { createDiskKeyManager } from '../keymanager/disk-key-manager.js';
import { createMemoryKeyManager } from '../keymanager/memory-key-manager.js';
import type { KeyManager } from '../keymanager/types.js';
import { createCaCertificate } from './ca-certificate.js';
import { parseCertificate } from './certificate-info.js';
import { caJournalKey, decodeJournal } from './journal.js';
import { createCaManager, type CaManagerOptions } from './manager.js';
import { encodePem } from '@tspire/spiffe';
import { createDiskUpstreamAuthority } from './upstream-disk.js';
import { assertSvidLeaf, hasOpenssl, memoryBundleStore, memoryJournalStore, opensslVerify } from './test-helpers.js';

const T0 = Date.UTC(2031, 0, 1) / 1000;
const TD = 'example.org';
const leaf = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const leafSpki = leaf.publicKey.export({ type: 'spki', format: 'der' });

function fixture(keyManager: KeyManager = createMemoryKeyManager(), overrides: Partial<CaManagerOptions> = {}) {
  const clock = { seconds: T0 };
  const journalStore = memoryJournalStore();
  const bundleStore = memoryBundleStore();
  const options: CaManagerOptions = { trustDomain: TD, keyManager, journalStore, bundleStore, now: () => clock.seconds * 1000, ...overrides };
  return { clock, journalStore, bundleStore, options, start: (extra: Partial<CaManagerOptions> = {}) => createCaManager({ ...options, ...extra }) };
}

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tspire-ca-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('first start creates and publishes a self-signed CA and a JWT key', async () => {
  const f = fixture();
  const ca = await f.start();
  const current = ca.x509Ca();
  const info = parseCertificate(current.certificate);
  assert.equal(info.notBefore, T0 - 10);
  assert.equal(info.notAfter, T0 + 86_400);
  assert.deepEqual(info.uris, ['spiffe://example.org']);
  assert.equal(current.authorityId, Buffer.from(info.subjectKeyId!).toString('hex'));
  assert.deepEqual(current.chain, []);
  const bundle = await ca.bundle();
  assert.equal(bundle.trustDomain, 'spiffe://example.org');
  assert.deepEqual(bundle.x509Authorities.map((a) => Buffer.from(a.der)), [Buffer.from(current.certificate)]);
  assert.equal(bundle.jwtAuthorities.length, 1);
  assert.equal(bundle.jwtAuthorities[0]!.expiresAt, T0 + 86_400);
  assert.deepEqual(ca.x509AuthorityState(), { active: { authorityId: current.authorityId, expiresAt: T0 + 86_400, upstreamAuthoritySubjectKeyId: '' } });
  assert.equal(ca.jwtAuthorityState().active?.authorityId, bundle.jwtAuthorities[0]!.keyId);
  const journal = decodeJournal(f.journalStore.latest()!);
  assert.deepEqual(journal.x509.map((e) => [e.slot, e.status]), [['A', 'active']]);
  assert.deepEqual(journal.jwt.map((e) => [e.slot, e.status]), [['A', 'active']]);
});

test('signs X509-SVIDs that satisfy the leaf rules, capped at the CA notAfter', async () => {
  const f = fixture(createMemoryKeyManager(), { caTtlSeconds: 7200 });
  const ca = await f.start();
  const svid = ca.signX509Svid({ spiffeId: 'spiffe://example.org/web', publicKey: leafSpki, dnsNames: ['web.example.org'] });
  assert.equal(svid.chain.length, 1);
  assert.equal(svid.expiresAt, T0 + 3600); // default_x509_svid_ttl
  assertSvidLeaf(svid.certificate, 'spiffe://example.org/web', ca.x509Ca().certificate, ca.x509Ca().publicKey);
  f.clock.seconds = T0 + 5000;
  const late = ca.signX509Svid({ spiffeId: 'spiffe://example.org/web', publicKey: leaf.publicKey, ttlSeconds: 3600 });
  assert.equal(late.expiresAt, T0 + 7200);
  assert.equal(parseCertificate(late.certificate).notAfter, T0 + 7200);
  assert.throws(() => ca.signX509Svid({ spiffeId: 'spiffe://example.org/x', publicKey: generateKeyPairSync('ed25519').publicKey }), { code: 'ERR_CA_UNSUPPORTED_KEY_TYPE' });
});

test('signs JWT-SVIDs verifiable with the published JWT authority', async () => {
  const f = fixture(createMemoryKeyManager(), { jwtIssuer: 'https://issuer.example.org' });
  const ca = await f.start();
  const jwt = ca.signJwtSvid({ spiffeId: 'spiffe://example.org/web', audience: ['db'] });
  assert.equal(jwt.expiresAt, T0 + 300);
  const [authority] = (await ca.bundle()).jwtAuthorities;
  assert.equal(jwt.keyId, authority!.keyId);
  const key = createPublicKey({ key: Buffer.from(authority!.publicKeyDer), format: 'der', type: 'spki' });
  const { payload, protectedHeader } = await jwtVerify(jwt.token, key, { audience: 'db', issuer: 'https://issuer.example.org', currentDate: new Date(T0 * 1000) });
  assert.equal(payload.sub, 'spiffe://example.org/web');
  assert.equal(protectedHeader.kid, authority!.keyId);
});

test('restart with the disk key manager and the same journal reuses the CA', async (t) => {
  const keysPath = join(await tempDir(t), 'keys.json');
  const f = fixture(await createDiskKeyManager({ keysPath }));
  const first = await f.start();
  const appends = f.bundleStore.appends;
  f.clock.seconds = T0 + 600;
  const second = await f.start({ keyManager: await createDiskKeyManager({ keysPath }) });
  assert.deepEqual(Buffer.from(second.x509Ca().certificate), Buffer.from(first.x509Ca().certificate));
  assert.equal(second.jwtAuthorityState().active?.authorityId, first.jwtAuthorityState().active?.authorityId);
  assert.equal(f.bundleStore.appends, appends, 'nothing new published');
  const svid = second.signX509Svid({ spiffeId: 'spiffe://example.org/w', publicKey: leafSpki });
  assert.ok(new X509Certificate(svid.certificate).verify(first.x509Ca().publicKey));
});

test('restart without the keys (memory key manager) finds no journal and mints a fresh CA', async () => {
  const f = fixture();
  const first = await f.start();
  const firstJournal = f.journalStore.latest()!;
  const second = await f.start({ keyManager: createMemoryKeyManager() });
  assert.notEqual(second.x509Ca().authorityId, first.x509Ca().authorityId);
  assert.deepEqual(second.x509AuthorityState(), { active: { authorityId: second.x509Ca().authorityId, expiresAt: T0 + 86_400, upstreamAuthoritySubjectKeyId: '' } });
  const journal = decodeJournal(f.journalStore.latest()!);
  assert.deepEqual(journal.x509.map((e) => [e.slot, e.status]), [['A', 'active']]);
  // Each journal lives under its own active CA's key; the first one is not ours to touch.
  assert.deepEqual([...f.journalStore.map.keys()].sort(), [`x509-ca/${first.x509Ca().authorityId}`, `x509-ca/${second.x509Ca().authorityId}`].sort());
  assert.deepEqual(f.journalStore.map.get(`x509-ca/${first.x509Ca().authorityId}`), firstJournal);
  assert.equal((await second.bundle()).x509Authorities.length, 2);
});

test('activation moves the journal to the new active CA key and deletes the old one', async (t) => {
  const keysPath = join(await tempDir(t), 'keys.json');
  const f = fixture(await createDiskKeyManager({ keysPath }));
  const ca = await f.start();
  const a = ca.x509Ca().authorityId;
  f.clock.seconds = T0 + 43_195;
  await ca.tick();
  assert.deepEqual([...f.journalStore.map.keys()], [`x509-ca/${a}`], 'prepared B does not move the journal');
  f.clock.seconds = T0 + 71_999;
  await ca.tick();
  const b = ca.x509Ca().authorityId;
  assert.notEqual(b, a);
  assert.deepEqual([...f.journalStore.map.keys()], [`x509-ca/${b}`]);
  const restarted = await f.start({ keyManager: await createDiskKeyManager({ keysPath }) });
  assert.equal(restarted.x509Ca().authorityId, b);
  assert.equal(restarted.x509AuthorityState().old?.authorityId, a);
});

test('a leftover journal of our superseded CA (crash before delete) loses to the newer one and is deleted', async (t) => {
  const keysPath = join(await tempDir(t), 'keys.json');
  const f = fixture(await createDiskKeyManager({ keysPath }));
  const ca = await f.start();
  const a = ca.x509Ca().authorityId;
  const stale = f.journalStore.map.get(`x509-ca/${a}`)!;
  f.clock.seconds = T0 + 71_999;
  await ca.tick(); // prepares and activates B at once
  const b = ca.x509Ca().authorityId;
  f.journalStore.map.set(`x509-ca/${a}`, stale); // as if the delete never happened
  const restarted = await f.start({ keyManager: await createDiskKeyManager({ keysPath }) });
  assert.equal(restarted.x509Ca().authorityId, b);
  assert.deepEqual([...f.journalStore.map.keys()], [`x509-ca/${b}`]);
});

test('legacy journal (keyed by trust domain ID) is adopted when its CA key is ours, then deleted', async (t) => {
  const keysPath = join(await tempDir(t), 'keys.json');
  const f = fixture(await createDiskKeyManager({ keysPath }));
  const first = await f.start();
  const key = `x509-ca/${first.x509Ca().authorityId}`;
  f.journalStore.map.set('spiffe://example.org', f.journalStore.map.get(key)!);
  f.journalStore.map.delete(key);
  const second = await f.start({ keyManager: await createDiskKeyManager({ keysPath }), legacyJournalKey: 'spiffe://example.org' });
  assert.equal(second.x509Ca().authorityId, first.x509Ca().authorityId);
  assert.deepEqual([...f.journalStore.map.keys()], [key]);
  // Another server's legacy journal (keys we do not hold) is left alone.
  f.journalStore.map.set('spiffe://example.org', f.journalStore.map.get(key)!);
  const stranger = await f.start({ keyManager: createMemoryKeyManager(), legacyJournalKey: 'spiffe://example.org' });
  assert.notEqual(stranger.x509Ca().authorityId, first.x509Ca().authorityId);
  assert.ok(f.journalStore.map.has('spiffe://example.org'));
});

test('a replaced slot key is not trusted: the CA is re-minted', async () => {
  const keyManager = createMemoryKeyManager();
  const f = fixture(keyManager);
  const first = await f.start();
  await keyManager.generateKey('x509-CA-A', 'ec-p256'); // someone overwrote the key
  const second = await f.start();
  assert.notEqual(second.x509Ca().authorityId, first.x509Ca().authorityId);
  assert.equal(second.x509AuthorityState().active?.authorityId, second.x509Ca().authorityId);
});

test('a journal from another trust domain is not reused', async () => {
  const keyManager = createMemoryKeyManager();
  const f = fixture(keyManager);
  const first = await f.start();
  const second = await f.start({ trustDomain: 'other.org' });
  assert.notEqual(second.x509Ca().authorityId, first.x509Ca().authorityId);
  assert.deepEqual(parseCertificate(second.x509Ca().certificate).uris, ['spiffe://other.org']);
  assert.notEqual(second.jwtAuthorityState().active?.authorityId, first.jwtAuthorityState().active?.authorityId);
  assert.equal((await second.bundle()).jwtAuthorities.length, 1);
  assert.equal(decodeJournal(f.journalStore.latest()!).trustDomain, 'other.org');
});

test('tick prepares at min(lifetime/2, 30d) and activates at min(lifetime/6, 7d)', async () => {
  const f = fixture();
  const ca = await f.start();
  const a = ca.x509Ca();
  const jwtA = ca.jwtAuthorityState().active!.authorityId;
  // X.509 lifetime 86410s (notBefore backdated 10s): prepare at notAfter-43205, activate at notAfter-14401.67.
  f.clock.seconds = T0 + 43_194;
  await ca.tick();
  assert.equal(ca.x509AuthorityState().prepared, undefined);
  f.clock.seconds = T0 + 43_195;
  await ca.tick();
  const prepared = ca.x509AuthorityState().prepared;
  assert.ok(prepared);
  assert.equal(ca.x509Ca().authorityId, a.authorityId, 'still signing with A');
  assert.equal((await ca.bundle()).x509Authorities.length, 2, 'B published ahead of activation');
  // JWT lifetime is exactly 86400s: prepared from T0+43200.
  assert.equal(ca.jwtAuthorityState().prepared, undefined);
  f.clock.seconds = T0 + 43_200;
  await ca.tick();
  assert.ok(ca.jwtAuthorityState().prepared);
  assert.equal((await ca.bundle()).jwtAuthorities.length, 2);
  f.clock.seconds = T0 + 71_998;
  await ca.tick();
  assert.equal(ca.x509Ca().authorityId, a.authorityId);
  f.clock.seconds = T0 + 71_999;
  await ca.tick();
  const b = ca.x509Ca();
  assert.equal(b.authorityId, prepared.authorityId);
  assert.equal(ca.x509AuthorityState().old?.authorityId, a.authorityId);
  const svid = ca.signX509Svid({ spiffeId: 'spiffe://example.org/w', publicKey: leafSpki });
  assertSvidLeaf(svid.certificate, 'spiffe://example.org/w', b.certificate, b.publicKey);
  assert.equal(svid.authorityId, b.authorityId);
  f.clock.seconds = T0 + 72_000; // JWT: 86400 - 14400
  await ca.tick();
  assert.notEqual(ca.jwtAuthorityState().active!.authorityId, jwtA);
  assert.equal(ca.jwtAuthorityState().old!.authorityId, jwtA);
  const journal = decodeJournal(f.journalStore.latest()!);
  assert.deepEqual(journal.x509.map((e) => [e.slot, e.status]).sort(), [['A', 'old'], ['B', 'active']]);
  // The next cycle reuses slot A.
  f.clock.seconds = b.notAfter - 14_000;
  await ca.tick();
  assert.deepEqual(decodeJournal(f.journalStore.latest()!).x509.map((e) => [e.slot, e.status]).sort(), [['A', 'active'], ['B', 'old']]);
});

test('missed ticks: past the activation threshold the successor is prepared and activated at once', async () => {
  const f = fixture();
  const ca = await f.start();
  const a = ca.x509Ca().authorityId;
  f.clock.seconds = T0 + 86_400 + 60; // A already expired
  assert.throws(() => ca.signX509Svid({ spiffeId: 'spiffe://example.org/w', publicKey: leafSpki }), { code: 'ERR_CA_EXPIRED' });
  await ca.tick();
  assert.notEqual(ca.x509Ca().authorityId, a);
  assert.ok(ca.signX509Svid({ spiffeId: 'spiffe://example.org/w', publicKey: leafSpki }));
});

test('server SVID: own key, spiffe://<td>/spire/server, rotates past half-life', async () => {
  const keyManager = createMemoryKeyManager();
  const f = fixture(keyManager);
  const ca = await f.start();
  assert.equal(ca.serverSvidNeedsRotation(), true);
  const svid = await ca.rotateServerSvid();
  assert.equal(svid.spiffeId, 'spiffe://example.org/spire/server');
  assert.equal(svid.expiresAt, T0 + 3600);
  assertSvidLeaf(svid.certificate, 'spiffe://example.org/spire/server', ca.x509Ca().certificate, ca.x509Ca().publicKey);
  assert.ok(createPublicKey(svid.privateKey).equals(new X509Certificate(svid.certificate).publicKey));
  assert.ok(keyManager.getKey('server-svid')?.privateKey === svid.privateKey);
  f.clock.seconds = T0 + 1794;
  assert.equal(ca.serverSvidNeedsRotation(), false);
  f.clock.seconds = T0 + 1795; // half of [T0-10, T0+3600]
  assert.equal(ca.serverSvidNeedsRotation(), true);
});

test('UpstreamAuthority "disk": CA signed upstream, bundle = upstream root, chain = leaf + CA', async (t) => {
  const dir = await tempDir(t);
  const upstreamKey = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const root = createCaCertificate({ trustDomain: 'upstream.test', spkiDer: upstreamKey.publicKey.export({ type: 'spki', format: 'der' }), subject: { organization: ['Upstream'] }, ttlSeconds: 10 * 86_400, now: T0 - 100 }, upstreamKey.privateKey);
  await writeFile(join(dir, 'up.crt'), encodePem('CERTIFICATE', root));
  await writeFile(join(dir, 'up.key'), upstreamKey.privateKey.export({ type: 'sec1', format: 'pem' }));
  const f = fixture(createMemoryKeyManager(), { upstreamAuthority: createDiskUpstreamAuthority({ certFilePath: join(dir, 'up.crt'), keyFilePath: join(dir, 'up.key') }) });
  const ca = await f.start();
  const current = ca.x509Ca();
  assert.deepEqual(current.chain.map((c) => Buffer.from(c)), [Buffer.from(current.certificate)]);
  assert.equal(current.upstreamAuthorityId, Buffer.from(parseCertificate(root).subjectKeyId!).toString('hex'));
  assert.equal(ca.x509AuthorityState().active?.upstreamAuthoritySubjectKeyId, current.upstreamAuthorityId);
  const bundle = await ca.bundle();
  assert.deepEqual(bundle.x509Authorities.map((a) => Buffer.from(a.der)), [Buffer.from(root)]);
  const svid = ca.signX509Svid({ spiffeId: 'spiffe://example.org/w', publicKey: leafSpki });
  assert.equal(svid.chain.length, 2);
  assertSvidLeaf(svid.certificate, 'spiffe://example.org/w', current.certificate, current.publicKey);
  assert.ok(new X509Certificate(current.certificate).verify(upstreamKey.publicKey));
  if (hasOpenssl()) {
    const result = opensslVerify([root], svid.chain.slice(1), svid.certificate, T0);
    assert.ok(result.ok, result.output);
  }
});

test('invalid settings and journals fail start with typed errors', async () => {
  const bad: Partial<CaManagerOptions>[] = [{ trustDomain: 'Bad Domain' }, { caTtlSeconds: 0 }, { caKeyType: 'ec-p521' as never }, { agentTtlSeconds: 1.5 }, { caSubject: { country: ['Ü'] } }];
  for (const overrides of bad) await assert.rejects(fixture(createMemoryKeyManager(), overrides).start(), { code: 'ERR_CA_INVALID_CONFIG' });
  const keyManager = createMemoryKeyManager();
  const held = await keyManager.generateKey('x509-CA-A', 'ec-p256');
  const f = fixture(keyManager);
  await f.journalStore.setCaJournal(Buffer.from('{"version":1,"trustDomain":"example.org","x509":"nope","jwt":[]}'), caJournalKey(held.publicKeyDer));
  await assert.rejects(f.start(), { code: 'ERR_CA_BAD_JOURNAL' });
});
