// CA and JWT key rotation driven by a FakeClock through several full rotations, as the server's
// ticker drives it (tick every 10 s), with the bundle read back from a SQLite datastore: the
// prepared authority is published before it is activated, SVIDs signed on either side of an
// activation verify across the overlap, and no SVID outlives the bundle entry that verifies it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { JwtSvid, verifyX509Svid } from '@tspire/spiffe';
import type { AuthorityStates, CaManager } from './manager.js';
import { activationThreshold, maxUncutSvidTtl, preparationThreshold } from './rotation.js';
import { T0_MS, TICK_MS, rotationHarness, sdkBundles, x509AuthorityIds, type RotationHarness } from './rotation-harness.test-helper.js';
import type { CaBundle } from './bundle-store.js';

const T0 = T0_MS / 1000;
const CA_TTL = 3600;
const X509_TTL = 600; // = maxUncutSvidTtl(CA_TTL): the longest TTL rotation never cuts
const JWT_TTL = 300;
const leafSpki = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });

interface IssuedX509 { kind: 'x509'; chain: Uint8Array[]; expiresAt: number; authorityId: string; signedAt: number }
interface IssuedJwt { kind: 'jwt'; token: string; expiresAt: number; authorityId: string; signedAt: number }
type Issued = IssuedX509 | IssuedJwt;

/**
 * Follows one kind of authority (X.509 CA or JWT key) tick by tick and fails as soon as the
 * manager departs from the schedule: a successor is prepared on the first tick at or past
 * min(lifetime/2, 30d) remaining and is in the stored bundle from then on; it is activated on the
 * first tick at or past min(lifetime/6, 7d), never before, and only after it was published.
 */
class SlotWatcher {
  readonly activations: { id: string; at: number; previous: string }[] = [];
  readonly preparations: { id: string; at: number }[] = [];
  #active: string;
  #prepareAt: number;
  #activateAt: number;
  #lastAt: number;

  constructor(
    readonly kind: string,
    private readonly read: (ca: CaManager) => { states: AuthorityStates; issuedAt: number; notAfter: number },
    private readonly published: (bundle: CaBundle) => Set<string>,
    ca: CaManager,
  ) {
    const { states, issuedAt, notAfter } = read(ca);
    this.#active = states.active!.authorityId;
    this.#prepareAt = preparationThreshold(issuedAt, notAfter);
    this.#activateAt = activationThreshold(issuedAt, notAfter);
    this.#lastAt = ca.nowSeconds();
    // A successor prepared before watching started (e.g. before a restart) counts as published now.
    if (states.prepared !== undefined) this.preparations.push({ id: states.prepared.authorityId, at: this.#lastAt });
  }

  /** Checks the state after a tick; returns true when this tick activated a new authority. */
  observe(ca: CaManager, bundle: CaBundle): boolean {
    const now = ca.nowSeconds();
    const { states, issuedAt, notAfter } = this.read(ca);
    const inBundle = this.published(bundle);
    const activeId = states.active!.authorityId;
    let activated = false;
    if (activeId !== this.#active) {
      const prepared = this.preparations.find((p) => p.id === activeId);
      assert.ok(prepared, `${this.kind} ${activeId} was activated without having been prepared`);
      assert.ok(prepared.at < now, `${this.kind} ${activeId} was published at an earlier tick than its activation`);
      assert.ok(now >= this.#activateAt && this.#lastAt < this.#activateAt, `${this.kind} activated on the first tick past ${this.#activateAt} (at ${now})`);
      assert.equal(states.old?.authorityId, this.#active, `${this.kind}: the previous authority becomes old`);
      this.activations.push({ id: activeId, at: now, previous: this.#active });
      this.#active = activeId;
      this.#prepareAt = preparationThreshold(issuedAt, notAfter);
      this.#activateAt = activationThreshold(issuedAt, notAfter);
      activated = true;
    } else {
      assert.ok(now < this.#activateAt, `${this.kind} not activated on schedule (due ${this.#activateAt}, now ${now})`);
    }
    assert.ok(inBundle.has(activeId), `active ${this.kind} is in the stored bundle`);
    const prepared = states.prepared?.authorityId;
    if (prepared !== undefined) {
      assert.ok(inBundle.has(prepared), `prepared ${this.kind} ${prepared} is in the stored bundle`);
      if (!this.preparations.some((p) => p.id === prepared)) {
        assert.ok(now >= this.#prepareAt && this.#lastAt < this.#prepareAt, `${this.kind} prepared on the first tick past ${this.#prepareAt} (at ${now})`);
        this.preparations.push({ id: prepared, at: now });
      }
    } else if (!activated) {
      assert.ok(now < this.#prepareAt, `${this.kind} not prepared on schedule (due ${this.#prepareAt}, now ${now})`);
    }
    this.#lastAt = now;
    return activated;
  }
}

function watchers(ca: CaManager): { x509: SlotWatcher; jwt: SlotWatcher } {
  return {
    x509: new SlotWatcher('X.509 CA', (m) => ({ states: m.x509AuthorityState(), ...m.activeX509().entry }), (b) => new Set(x509AuthorityIds(b).keys()), ca),
    jwt: new SlotWatcher('JWT key', (m) => ({ states: m.jwtAuthorityState(), ...m.activeJwt().entry }), (b) => new Set(b.jwtAuthorities.map((a) => a.keyId)), ca),
  };
}

/** Signs an X509-SVID (TTL as given, else the default) and checks it stays within its CA. */
function signX509(ca: CaManager, ttlSeconds?: number): IssuedX509 {
  const now = ca.nowSeconds();
  const caNotAfter = ca.x509AuthorityState().active!.expiresAt;
  const svid = ca.signX509Svid({ spiffeId: 'spiffe://example.org/workload', publicKey: leafSpki, ...(ttlSeconds === undefined ? {} : { ttlSeconds }) });
  assert.ok(svid.expiresAt <= caNotAfter, 'an X509-SVID never outlives its CA');
  if (ttlSeconds === undefined) assert.equal(svid.expiresAt, now + X509_TTL, 'a TTL of min(ca_ttl/6, 7d) is never cut by rotation');
  else assert.equal(svid.expiresAt, Math.min(now + ttlSeconds, caNotAfter));
  return { kind: 'x509', chain: svid.chain, expiresAt: svid.expiresAt, authorityId: svid.authorityId, signedAt: now };
}

function signJwt(ca: CaManager, ttlSeconds?: number): IssuedJwt {
  const now = ca.nowSeconds();
  const keyNotAfter = ca.jwtAuthorityState().active!.expiresAt;
  const svid = ca.signJwtSvid({ spiffeId: 'spiffe://example.org/workload', audience: ['db'], ...(ttlSeconds === undefined ? {} : { ttlSeconds }) });
  assert.equal(svid.expiresAt, Math.min(now + (ttlSeconds ?? JWT_TTL), keyNotAfter));
  assert.ok(svid.expiresAt <= keyNotAfter, 'a JWT-SVID never outlives its key');
  return { kind: 'jwt', token: svid.token, expiresAt: svid.expiresAt, authorityId: svid.keyId, signedAt: now };
}

/** Every issued SVID still valid verifies against the stored bundle at the current time. */
async function verifyAll(h: RotationHarness, issued: readonly Issued[], bundle: CaBundle): Promise<void> {
  const { x509, jwt } = sdkBundles(bundle);
  const now = h.clock.now();
  for (const svid of issued) {
    if (svid.kind === 'x509') {
      const { id } = verifyX509Svid(svid.chain, x509, { now });
      assert.equal(id.toString(), 'spiffe://example.org/workload');
    } else {
      const parsed = await JwtSvid.parseAndValidate(svid.token, jwt, ['db'], { now, leewaySeconds: 0 });
      assert.equal(parsed.id.toString(), 'spiffe://example.org/workload');
    }
  }
}

/**
 * Drops the SVIDs that expired, first checking that the authority that signed each one is still
 * in the stored bundle after the SVID's expiry (it was never pruned or replaced too early).
 */
function expire(issued: Issued[], bundle: CaBundle, now: number): Issued[] {
  const x509 = x509AuthorityIds(bundle);
  const jwt = new Set(bundle.jwtAuthorities.map((a) => a.keyId));
  return issued.filter((svid) => {
    if (svid.expiresAt >= now) return true;
    const present = svid.kind === 'x509' ? x509.has(svid.authorityId) : jwt.has(svid.authorityId);
    assert.ok(present, `${svid.kind} authority ${svid.authorityId} is still in the bundle after the SVID it signed expired`);
    return false;
  });
}

test('the defaults of the test: ca_ttl 60m gives a 10m SVID TTL that rotation never cuts', () => {
  assert.equal(maxUncutSvidTtl(CA_TTL), X509_TTL);
});

test('three full X.509 CA and JWT key rotations: published before activation, SVIDs verify across every overlap', async (t) => {
  const h = await rotationHarness(t);
  const watch = watchers(h.ca);
  let issued: Issued[] = [];
  let previous = { x509: signX509(h.ca), jwt: signJwt(h.ca) };
  let verifications = 0;
  const end = T0 + 3 * CA_TTL; // the third activations happen near T0 + 6600
  while (h.ca.nowSeconds() < end) {
    await h.step();
    const now = h.ca.nowSeconds();
    const bundle = await h.storedBundle();
    const x509Activated = watch.x509.observe(h.ca, bundle);
    const jwtActivated = watch.jwt.observe(h.ca, bundle);
    const fresh = { x509: signX509(h.ca), jwt: signJwt(h.ca) };
    const sample = now % 300 === 0;
    if (x509Activated) {
      const { id, previous: old } = watch.x509.activations.at(-1)!;
      assert.equal(previous.x509.authorityId, old, 'signed by the old CA on the tick before activation');
      assert.equal(fresh.x509.authorityId, id, 'signed by the new CA right after activation');
      issued.push(previous.x509, fresh.x509);
    }
    if (jwtActivated) {
      const { id, previous: old } = watch.jwt.activations.at(-1)!;
      assert.equal(previous.jwt.authorityId, old);
      assert.equal(fresh.jwt.authorityId, id);
      issued.push(previous.jwt, fresh.jwt);
    }
    // A long requested TTL is capped at the CA's notAfter; it must stay verifiable until then.
    if (sample) issued.push(fresh.x509, fresh.jwt, signX509(h.ca, 2 * CA_TTL));
    issued = expire(issued, bundle, now);
    if (sample || x509Activated || jwtActivated) {
      await verifyAll(h, issued, bundle);
      verifications += issued.length;
    }
    previous = fresh;
  }
  for (const watcher of [watch.x509, watch.jwt]) {
    assert.ok(watcher.activations.length >= 3, `${watcher.kind}: at least three activations (${watcher.activations.length})`);
    assert.equal(new Set(watcher.activations.map((a) => a.id)).size, watcher.activations.length, `${watcher.kind}: every activation brings a new authority`);
  }
  // The first cycle in absolute times (10 s ticks): X.509 lifetime 3610 s (10 s backdate),
  // prepared at T0+1795 -> tick T0+1800, activated at T0+2998.3 -> tick T0+3000; JWT 3600 s.
  assert.deepEqual(watch.x509.preparations[0]?.at, T0 + 1800);
  assert.deepEqual(watch.x509.activations[0]?.at, T0 + 3000);
  assert.deepEqual(watch.jwt.preparations[0]?.at, T0 + 1800);
  assert.deepEqual(watch.jwt.activations[0]?.at, T0 + 3000);
  assert.ok(verifications > 100, `enough SVIDs were verified across the overlaps (${verifications})`);
});

test('restart after prepare, before activate: both slots survive and activation happens on schedule', async (t) => {
  const h = await rotationHarness(t);
  while (h.ca.x509AuthorityState().prepared === undefined || h.ca.jwtAuthorityState().prepared === undefined) await h.step();
  const x509Before = h.ca.x509AuthorityState();
  const jwtBefore = h.ca.jwtAuthorityState();
  const bundleBefore = await h.storedBundle();
  const activeEntry = h.ca.activeX509().entry;
  const activateAt = activationThreshold(activeEntry.issuedAt, activeEntry.notAfter);
  // Long requested TTLs, capped at the old authorities' expiry: still valid after activation.
  const signedBefore: Issued[] = [signX509(h.ca, 2 * CA_TTL), signJwt(h.ca, 2 * CA_TTL)];
  assert.deepEqual(signedBefore.map((s) => s.expiresAt), [activeEntry.notAfter, h.ca.activeJwt().entry.notAfter]);

  h.clock.advance(TICK_MS / 2); // the process dies between ticks
  await h.restart();
  assert.deepEqual(h.ca.x509AuthorityState(), x509Before, 'X.509 slots kept with the same authorities');
  assert.deepEqual(h.ca.jwtAuthorityState(), jwtBefore, 'JWT slots kept with the same authorities');
  const bundleAfter = await h.storedBundle();
  assert.equal(bundleAfter.sequenceNumber, bundleBefore.sequenceNumber, 'nothing re-minted or re-published');
  assert.equal(bundleAfter.x509Authorities.length, 2);
  assert.equal(bundleAfter.jwtAuthorities.length, 2);
  assert.equal(signX509(h.ca).authorityId, x509Before.active!.authorityId, 'still signing with the active CA');

  h.clock.advance(TICK_MS / 2);
  const watch = watchers(h.ca);
  let lastBeforeActivation: Issued[] = [];
  while (h.ca.x509AuthorityState().active!.authorityId === x509Before.active!.authorityId) {
    lastBeforeActivation = [signX509(h.ca), signJwt(h.ca)];
    await h.step();
    const bundle = await h.storedBundle();
    watch.x509.observe(h.ca, bundle);
    watch.jwt.observe(h.ca, bundle);
  }
  const now = h.ca.nowSeconds();
  assert.ok(now >= activateAt && now - TICK_MS / 1000 < activateAt, 'activated on the first tick past the threshold');
  assert.equal(h.ca.x509AuthorityState().active!.authorityId, x509Before.prepared!.authorityId, 'the prepared CA from before the restart');
  assert.equal(h.ca.jwtAuthorityState().active!.authorityId, jwtBefore.prepared!.authorityId, 'the prepared JWT key from before the restart');
  assert.equal((await h.storedBundle()).x509Authorities.length, 2, 'activation publishes nothing new');
  const signedAfter = [signX509(h.ca), signJwt(h.ca)];
  assert.deepEqual(lastBeforeActivation.map((s) => s.authorityId), [x509Before.active!.authorityId, jwtBefore.active!.authorityId]);
  assert.deepEqual(signedAfter.map((s) => s.authorityId), [x509Before.prepared!.authorityId, jwtBefore.prepared!.authorityId]);
  await verifyAll(h, [...signedBefore, ...lastBeforeActivation, ...signedAfter], await h.storedBundle());
});

test('restart right after activation: the new active and the old slot are kept, the next cycle runs on schedule', async (t) => {
  const h = await rotationHarness(t);
  const first = h.ca.x509AuthorityState().active!.authorityId;
  let signedByFirst: Issued[] = [];
  while (h.ca.x509AuthorityState().active!.authorityId === first) {
    signedByFirst = [signX509(h.ca), signJwt(h.ca)];
    await h.step();
  }
  const x509Before = h.ca.x509AuthorityState();
  const jwtBefore = h.ca.jwtAuthorityState();
  assert.equal(x509Before.old?.authorityId, first);
  assert.equal(jwtBefore.old?.authorityId, signedByFirst[1]!.authorityId, 'the JWT key rotated on the same tick');

  await h.restart();
  assert.deepEqual(h.ca.x509AuthorityState(), x509Before);
  assert.deepEqual(h.ca.jwtAuthorityState(), jwtBefore);
  assert.deepEqual(await h.datastore.fetchCaJournal(`x509-ca/${first}`), null, 'the journal moved to the new active CA key');
  assert.ok(await h.datastore.fetchCaJournal(`x509-ca/${x509Before.active!.authorityId}`));
  await verifyAll(h, [...signedByFirst, signX509(h.ca), signJwt(h.ca)], await h.storedBundle());

  // Through the next full cycle: prepared and activated on the first ticks past the thresholds.
  const watch = watchers(h.ca);
  while (watch.x509.activations.length === 0 || watch.jwt.activations.length === 0) {
    await h.step();
    const bundle = await h.storedBundle();
    watch.x509.observe(h.ca, bundle);
    watch.jwt.observe(h.ca, bundle);
    signedByFirst = expire(signedByFirst, bundle, h.ca.nowSeconds());
  }
  assert.equal(signedByFirst.length, 0, 'the SVIDs of the first CA expired while it was still in the bundle');
  assert.equal(watch.x509.preparations.length, 1);
  assert.equal(h.ca.x509AuthorityState().old?.authorityId, x509Before.active!.authorityId);
});

test('a server down across a threshold prepares or activates during start, not a rotator period later', async (t) => {
  const h = await rotationHarness(t);
  const first = h.ca.activeX509().entry;
  const firstJwt = h.ca.activeJwt().entry;
  const past = (at: (issuedAt: number, notAfter: number) => number): number => Math.ceil(Math.max(at(first.issuedAt, first.notAfter), at(firstJwt.issuedAt, firstJwt.notAfter))) * 1000 + 1000;
  h.clock.setMs(past(preparationThreshold)); // no tick ran
  await h.restart();
  const prepared = h.ca.x509AuthorityState().prepared;
  assert.ok(prepared, 'prepared during start');
  assert.ok(h.ca.jwtAuthorityState().prepared, 'JWT successor prepared during start');
  assert.ok(x509AuthorityIds(await h.storedBundle()).has(prepared.authorityId), 'and published');

  const preparedJwt = h.ca.jwtAuthorityState().prepared!.authorityId;
  h.clock.setMs(past(activationThreshold));
  await h.restart();
  assert.equal(h.ca.x509AuthorityState().active?.authorityId, prepared.authorityId, 'activated during start');
  assert.equal(h.ca.jwtAuthorityState().active?.authorityId, preparedJwt, 'JWT key activated during start');
  assert.equal(h.ca.x509AuthorityState().old?.authorityId, first.authorityId);
  assert.equal(signX509(h.ca).authorityId, prepared.authorityId, 'the first SVID after start is not cut short by the old CA');
});
