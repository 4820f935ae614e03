import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Code, createClient, type Client } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { FakeClock, createCapturingLogger } from '@tspire/common';
import { delegatedidentityv1 } from '@tspire/proto';
import { SpiffeBundle, SpiffeId, TrustDomain, X509Svid } from '@tspire/spiffe';
import { createCa, createLeaf, keyPairFor, signToken, type Issued } from '@tspire/spiffe/testing';
import { isStatus, readStream } from '../workload/fixture.test-helper.js';
import type { Selector } from '../workload/identity-source.js';
import { InMemoryIdentitySource } from '../workload/in-memory-source.js';
import { startAdminApi } from './admin-api.js';
import { NOT_AUTHORIZED_DELEGATE_MESSAGE } from './delegated-identity-service.js';

const TD = TrustDomain.parse('example.org');
const OTHER = TrustDomain.parse('other.org');
const DELEGATE = SpiffeId.parse('spiffe://example.org/delegate');
const WEB = SpiffeId.parse('spiffe://example.org/web');
const ROOT: readonly Selector[] = [{ type: 'unix', value: 'uid:0' }];
const UID_1000: readonly Selector[] = [{ type: 'unix', value: 'uid:1000' }];
const WORKLOAD_PID = 4242;

interface Fixture {
  client: Client<typeof delegatedidentityv1.DelegatedIdentity>;
  source: InMemoryIdentitySource;
  ca: Issued;
  otherCa: Issued;
  /** What the admin socket's caller attests as (default ROOT, the delegate). */
  caller: readonly Selector[];
  svid(id: SpiffeId): Promise<X509Svid>;
}

async function withDelegated(fn: (f: Fixture) => Promise<void>): Promise<void> {
  const [ca, otherCa] = await Promise.all([createCa({ uris: [TD.idString()] }), createCa({ uris: [OTHER.idString()] })]);
  const jwtKeys = keyPairFor('ES256');
  const source = new InMemoryIdentitySource({
    bundle: new SpiffeBundle(TD, { x509Authorities: [ca.cert], jwtAuthorities: [['k1', jwtKeys.publicKey]] }),
    federatedBundles: [new SpiffeBundle(OTHER, { x509Authorities: [otherCa.cert] })],
    mintJwtSvid: async (identity, audience) =>
      signToken({ alg: 'ES256', kid: 'k1', typ: 'JWT' }, { sub: identity.spiffeId.toString(), aud: [...audience], iat: 1_900_000_000, exp: 1_900_000_300 }, jwtKeys.privateKey),
  });
  const svid = async (id: SpiffeId): Promise<X509Svid> => {
    const leaf = await createLeaf(ca, { uris: [id.toString()] });
    return X509Svid.fromParts([leaf.cert], leaf.keys.privateKey);
  };
  source.setEntry({ entryId: 'd1', spiffeId: DELEGATE, selectors: ROOT, svid: await svid(DELEGATE) });
  source.setEntry({ entryId: 'w1', spiffeId: WEB, selectors: UID_1000, hint: 'web', federatesWith: [OTHER], svid: await svid(WEB) });
  const dir = await mkdtemp(join(tmpdir(), 'tspire-delegated-'));
  const socketPath = join(dir, 'admin.sock');
  const f: Fixture = {
    client: createClient(delegatedidentityv1.DelegatedIdentity, createGrpcTransport({ baseUrl: 'http://localhost', nodeOptions: { createConnection: () => net.connect(socketPath) } })),
    source, ca, otherCa, svid, caller: ROOT,
  };
  const admin = await startAdminApi({
    socketPath,
    workloadSocketPath: join(dir, 'public', 'api.sock'),
    debug: { agentSvidChainDer: undefined, lastSyncSuccessMs: undefined, x509SvidCount: 0, jwtSvidCount: 0 },
    startedAtMs: 0,
    delegatedIdentity: {
      identities: source,
      authorizedDelegates: [DELEGATE],
      attestCaller: async () => f.caller,
      attestPid: async (pid) => {
        if (pid !== WORKLOAD_PID) throw new Error(`no process ${pid}`);
        return UID_1000;
      },
    },
    logger: createCapturingLogger(),
    clock: new FakeClock(),
    closeGraceMs: 0,
  });
  try {
    await fn(f);
  } finally {
    await admin.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const der = (svid: X509Svid) => svid.certificates.map((cert) => new Uint8Array(cert.raw));

describe('DelegatedIdentity', () => {
  it('refuses callers whose identities are not authorized delegates, on every method', () => withDelegated(async (f) => {
    f.caller = UID_1000;
    const denied = isStatus(Code.PermissionDenied, NOT_AUTHORIZED_DELEGATE_MESSAGE);
    await assert.rejects(f.client.fetchJWTSVIDs({ audience: ['a'], pid: WORKLOAD_PID }), denied);
    const opens: Array<(signal: AbortSignal) => AsyncIterable<unknown>> = [
      (signal: AbortSignal) => f.client.subscribeToX509SVIDs({ pid: WORKLOAD_PID }, { signal }),
      (signal: AbortSignal) => f.client.subscribeToX509Bundles({}, { signal }),
      (signal: AbortSignal) => f.client.subscribeToJWTBundles({}, { signal }),
    ];
    for (const open of opens) {
      assert.ok(denied(await readStream(open).error()));
    }
  }));

  it('streams the X509-SVIDs of a workload given by selectors or by PID, again on rotation', () => withDelegated(async (f) => {
    const bySelectors = readStream((signal) => f.client.subscribeToX509SVIDs({ selectors: UID_1000.map((s) => ({ ...s })) }, { signal }));
    const byPid = readStream((signal) => f.client.subscribeToX509SVIDs({ pid: WORKLOAD_PID }, { signal }));
    try {
      const web = f.source.matchingIdentities(UID_1000).identities[0]!.svid!;
      for (const stream of [bySelectors, byPid]) {
        const first = await stream.next();
        assert.deepEqual(first.federatesWith, ['spiffe://other.org']);
        assert.equal(first.x509Svids.length, 1);
        const [item] = first.x509Svids;
        assert.deepEqual([item?.x509Svid?.id?.trustDomain, item?.x509Svid?.id?.path, item?.x509Svid?.hint], ['example.org', '/web', 'web']);
        assert.deepEqual(item?.x509Svid?.certChain, der(web));
        assert.equal(item?.x509Svid?.expiresAt, BigInt(Math.floor(web.expiresAt.getTime() / 1000)));
        const key = createPrivateKey({ key: Buffer.from(item!.x509SvidKey), format: 'der', type: 'pkcs8' });
        assert.ok(key.equals(web.privateKey));
      }
      const rotated = await f.svid(WEB);
      f.source.setSvid('w1', rotated);
      assert.deepEqual((await bySelectors.next()).x509Svids[0]?.x509Svid?.certChain, der(rotated));
      assert.deepEqual((await byPid.next()).x509Svids[0]?.x509Svid?.certChain, der(rotated));
    } finally {
      bySelectors.cancel();
      byPid.cancel();
    }
  }));

  it('checks the selectors-or-PID request and reports a PID that cannot be attested', () => withDelegated(async (f) => {
    const errorOf = (req: { selectors?: Selector[]; pid?: number }) => readStream((signal) => f.client.subscribeToX509SVIDs(req, { signal })).error();
    assert.ok(isStatus(Code.InvalidArgument, 'cannot specify both selectors and pid')(await errorOf({ selectors: [...UID_1000], pid: WORKLOAD_PID })));
    assert.ok(isStatus(Code.InvalidArgument, 'either selectors or a non-zero pid must be specified')(await errorOf({})));
    assert.ok(isStatus(Code.InvalidArgument, 'selector 0 must have a type and a value')(await errorOf({ selectors: [{ type: 'unix', value: '' }] })));
    assert.ok(isStatus(Code.Unavailable, 'workload attestation failed')(await errorOf({ pid: 7 })));
  }));

  it('streams every X.509 bundle the agent holds, and JWT bundles of trust domains with JWT authorities', () => withDelegated(async (f) => {
    const x509 = readStream((signal) => f.client.subscribeToX509Bundles({}, { signal }));
    const jwt = readStream((signal) => f.client.subscribeToJWTBundles({}, { signal }));
    try {
      const first = await x509.next();
      assert.deepEqual(Object.keys(first.caCertificates), ['spiffe://example.org', 'spiffe://other.org']);
      assert.deepEqual(first.caCertificates['spiffe://other.org'], new Uint8Array(f.otherCa.cert.raw));
      const jwks = await jwt.next();
      assert.deepEqual(Object.keys(jwks.bundles), ['spiffe://example.org']);
      assert.deepEqual((JSON.parse(Buffer.from(jwks.bundles['spiffe://example.org']!).toString('utf8')) as { keys: { kid: string }[] }).keys.map((k) => k.kid), ['k1']);
      const third = TrustDomain.parse('third.org');
      const thirdCa = await createCa({ uris: [third.idString()] });
      f.source.setFederatedBundle(new SpiffeBundle(third, { x509Authorities: [thirdCa.cert] }));
      assert.deepEqual(Object.keys((await x509.next()).caCertificates), ['spiffe://example.org', 'spiffe://other.org', 'spiffe://third.org']);
    } finally {
      x509.cancel();
      jwt.cancel();
    }
  }));

  it('fetches JWT-SVIDs for the workload, requiring an audience', () => withDelegated(async (f) => {
    await assert.rejects(f.client.fetchJWTSVIDs({ audience: [], pid: WORKLOAD_PID }), isStatus(Code.InvalidArgument, 'audience must be specified'));
    const { svids } = await f.client.fetchJWTSVIDs({ audience: ['vault'], selectors: [...UID_1000] });
    assert.equal(svids.length, 1);
    const [svid] = svids;
    assert.deepEqual([svid?.id?.path, svid?.expiresAt, svid?.issuedAt, svid?.hint], ['/web', 1_900_000_300n, 1_900_000_000n, 'web']);
    const claims = JSON.parse(Buffer.from(svid!.token.split('.')[1]!, 'base64url').toString('utf8')) as { sub: string; aud: string[] };
    assert.deepEqual([claims.sub, claims.aud], ['spiffe://example.org/web', ['vault']]);
  }));
});
