import assert from 'node:assert/strict';
import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import { types } from '@tspire/proto';
import { TrustDomain, X509Bundle, encodePem, verifyX509Svid } from '@tspire/spiffe';
import { createCa, createLeaf } from '@tspire/spiffe/testing';
import { AgentError } from '../errors.js';
import { loadX509PopAttestor } from '../attestor/node/x509pop.js';
import { createCsr, generateCsrKey } from './csr.js';
import { TD, createServerCert, createTestPki, entry, startFakeServer, validity, type FakeServer, type TestPki } from './fake-server.test-helper.js';
import { createServerClient, permissionDeniedReason, type ServerClient, type ServerClientOptions } from './server-client.js';

function samePublicKey(certDer: Uint8Array, privateKey: KeyObject): boolean {
  const spki = (key: KeyObject): Buffer => key.export({ format: 'der', type: 'spki' });
  return spki(new X509Certificate(certDer).publicKey).equals(spki(createPublicKey(privateKey)));
}

describe('server client against a fake TLS server', () => {
  let pki: TestPki;
  let fake: FakeServer;
  const clients: ServerClient[] = [];
  const entries = [entry('e-1', '/web'), entry('e-2', '/db', 3n)];

  const connect = (options: Partial<ServerClientOptions> = {}, port = fake.port): ServerClient => {
    const client = createServerClient({ serverAddress: '127.0.0.1', serverPort: port, trustDomain: 'example.org', trustBundle: pki.bundle, ...options });
    clients.push(client);
    return client;
  };

  before(async () => {
    pki = await createTestPki();
    fake = await startFakeServer({ pki, joinTokens: Array.from({ length: 8 }, (_, i) => `jt-${i}`), entries });
  });
  after(async () => {
    for (const client of clients) client.close();
    await fake.close();
  });

  it('attests with a join token: agent SVID for the CSR key, not re-attestable; the token works once', async () => {
    const client = connect();
    const result = await client.attestJoinToken('jt-0');
    assert.equal(result.reattestable, false);
    assert.equal(result.challenges, 0);
    const { id } = verifyX509Svid(result.svid.certChain, pki.bundle);
    assert.equal(id.toString(), 'spiffe://example.org/spire/agent/join_token/jt-0');
    assert.equal(samePublicKey(result.svid.certChain[0]!, result.privateKey), true);
    assert.equal(result.privateKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    await assert.rejects(client.attestJoinToken('jt-0'), (err: unknown) =>
      err instanceof ConnectError && err.code === Code.InvalidArgument && err.rawMessage === 'failed to attest: join token does not exist or has already been used');
  });

  it('attests with x509pop through a challenge round', async () => {
    const popCa = await createCa(validity());
    const leaf = await createLeaf(popCa, { ...validity(), uris: [] });
    const files = new Map<string, Uint8Array>([
      ['/key.pem', Buffer.from(leaf.keys.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string)],
      ['/cert.pem', Buffer.from(encodePem('CERTIFICATE', leaf.der))],
    ]);
    const attestor = await loadX509PopAttestor({ private_key_path: '/key.pem', certificate_path: '/cert.pem' }, { readFile: async (p) => files.get(p)! });
    const { payload, answerChallenge } = await attestor.begin();
    const key = await generateCsrKey();
    const result = await connect().attest({ type: attestor.type, payload, csrDer: createCsr(key), ...(answerChallenge ? { onChallenge: answerChallenge } : {}) });
    assert.equal(result.challenges, 1);
    assert.equal(result.reattestable, true);
    assert.match(verifyX509Svid(result.svid.certChain, pki.bundle).id.toString(), /^spiffe:\/\/example\.org\/spire\/agent\/x509pop\/[0-9a-f]{40}$/);
  });

  it('fails an attestation whose challenge has no responder, and a wrong answer', async () => {
    const key = await generateCsrKey();
    const attest = (onChallenge?: (c: Uint8Array) => Promise<Uint8Array>) =>
      connect().attest({ type: 'x509pop', payload: Buffer.from(JSON.stringify({ certificates: [pki.ca.der.toString('base64')] })), csrDer: createCsr(key), ...(onChallenge ? { onChallenge } : {}) });
    await assert.rejects(attest(), (err: unknown) => err instanceof AgentError && err.code === 'ERR_AGENT_BAD_SERVER_RESPONSE' && /sent a challenge/.test(err.message));
    const wrong = JSON.stringify({ rsa_signature: null, ecdsa_signature: { nonce: Buffer.alloc(32).toString('base64'), r: 'AQ==', s: 'AQ==' } });
    await assert.rejects(attest(async () => Buffer.from(wrong)), (err: unknown) => err instanceof ConnectError && err.code === Code.PermissionDenied);
    await assert.rejects(connect().attest({ type: 'join_token', payload: new Uint8Array(), csrDer: createCsr(key) }), /non-empty payload/);
  });

  describe('as an attested agent', () => {
    let client: ServerClient;
    let agentId: string;

    before(async () => {
      const anonymous = connect();
      const { svid, privateKey } = await anonymous.attestJoinToken('jt-1');
      agentId = verifyX509Svid(svid.certChain, pki.bundle).id.toString();
      client = connect({ svid: () => ({ certChainDer: svid.certChain, privateKey }) });
    });

    it('gets the bundle, the authorized entries and posts its status', async () => {
      const bundle = await client.getBundle();
      assert.equal(bundle.trustDomain, 'example.org');
      assert.deepEqual(Buffer.from(bundle.x509Authorities[0]!.asn1), pki.ca.der);
      assert.deepEqual((await client.getAuthorizedEntries()).map((e) => e.id), ['e-1', 'e-2']);
      await client.postStatus('1.15.3');
      assert.deepEqual(fake.statuses, ['1.15.3']);
    });

    it('gets a federated bundle as the agent; NotFound when the server has none', async () => {
      fake.federatedBundles.set('other.org', pki.ca.der);
      try {
        const bundle = await client.getFederatedBundle('other.org');
        assert.equal(bundle.trustDomain, 'other.org');
        assert.deepEqual(Buffer.from(bundle.x509Authorities[0]!.asn1), pki.ca.der);
        await assert.rejects(client.getFederatedBundle('missing.org'), (err: unknown) => err instanceof ConnectError && err.code === Code.NotFound);
        await assert.rejects(connect().getFederatedBundle('other.org'), (err: unknown) => err instanceof ConnectError && err.code !== Code.NotFound);
      } finally {
        fake.federatedBundles.clear();
      }
    });

    it('renews the agent SVID for a new key', async () => {
      const key = await generateCsrKey();
      const svid = await client.renewAgent(createCsr(key));
      assert.equal(verifyX509Svid(svid.certChain, pki.bundle).id.toString(), agentId);
      assert.equal(samePublicKey(svid.certChain[0]!, key), true);
    });

    it('signs a batch of workload SVIDs with per-item status, in request order', async () => {
      const key = await generateCsrKey('ec-p384');
      const good = createCsr(key, { spiffeId: 'spiffe://example.org/web' });
      const broken = Buffer.from(good);
      broken[broken.length - 3]! ^= 0xff;
      const results = await client.batchNewX509Svid([
        { entryId: 'e-1', csrDer: good },
        { entryId: 'nope', csrDer: good },
        { entryId: 'e-2', csrDer: broken },
      ]);
      assert.deepEqual(results.map((r) => [r.entryId, r.status.code]), [['e-1', 0], ['nope', Code.NotFound], ['e-2', Code.InvalidArgument]]);
      assert.equal(results[1]!.status.message, 'entry not found or not authorized');
      assert.equal(results[1]!.svid, undefined);
      const svid = results[0]!.svid!;
      assert.equal(verifyX509Svid(svid.certChain, pki.bundle).id.toString(), 'spiffe://example.org/web');
      assert.equal(samePublicKey(svid.certChain[0]!, key), true);
    });

    it('gets a JWT-SVID for an entry and audience', async () => {
      const jwt = await client.newJwtSvid('e-2', ['aud-1', 'aud-2']);
      assert.equal(jwt.token, 'fake-jwt.e-2.aud-1,aud-2');
      await assert.rejects(client.newJwtSvid('missing', ['a']), (err: unknown) => err instanceof ConnectError && err.code === Code.NotFound);
    });

    it('exposes the PermissionDeniedDetails reason', async () => {
      const anonymous = connect();
      const notAttested = await anonymous.getAuthorizedEntries().then(() => undefined, (err: unknown) => err);
      assert.ok(notAttested instanceof ConnectError && notAttested.code === Code.PermissionDenied);
      assert.equal(notAttested.rawMessage, 'authorization denied for method /spire.api.server.entry.v1.Entry/GetAuthorizedEntries');
      assert.equal(permissionDeniedReason(notAttested), types.PermissionDeniedDetails_Reason.AGENT_NOT_ATTESTED);
      fake.agents.set(agentId, { banned: true });
      try {
        const banned = await client.batchNewX509Svid([]).then(() => undefined, (err: unknown) => err);
        assert.equal(permissionDeniedReason(banned), types.PermissionDeniedDetails_Reason.AGENT_BANNED);
      } finally {
        fake.agents.set(agentId, { banned: false });
      }
      assert.equal(permissionDeniedReason(new ConnectError('x', Code.NotFound)), undefined);
      assert.equal(permissionDeniedReason(new ConnectError('x', Code.PermissionDenied)), undefined);
      assert.equal(permissionDeniedReason(new Error('x')), undefined);
    });
  });

  describe('SyncAuthorizedEntries', () => {
    async function syncServer(all: types.Entry[], pageSize: number): Promise<{ server: FakeServer; client: ServerClient }> {
      const server = await startFakeServer({ pki, joinTokens: ['sync'], entries: all, pageSize });
      const { svid, privateKey } = await connect({}, server.port).attestJoinToken('sync');
      return { server, client: connect({ svid: { certChainDer: svid.certChain, privateKey } }, server.port) };
    }

    it('takes the whole set from one response when it fits a page, with the agent output mask', async () => {
      const { server, client } = await syncServer([entry('a', '/a'), entry('b', '/b')], 5);
      try {
        const result = await client.syncAuthorizedEntries();
        assert.deepEqual(result.entries.map((e) => e.id), ['a', 'b']);
        assert.equal(result.pageSize, undefined);
        assert.deepEqual(result.stats, { total: 2, missing: 2, outdated: 0, stale: 0, fetched: 2 });
        const mask = server.syncRequests[0]!.outputMask!;
        assert.deepEqual(
          Object.entries(mask).filter(([k, v]) => k !== '$typeName' && v === true).map(([k]) => k).sort(),
          ['additionalAttributes', 'admin', 'createdAt', 'downstream', 'federatesWith', 'hint', 'revisionNumber', 'selectors', 'spiffeId', 'storeSvid'],
        );
        assert.equal(server.syncRequests.length, 1);
      } finally {
        await server.close();
      }
    });

    it('pages revisions, asks only for new or changed ids (sorted, one page per request), keeps the rest', async () => {
      const all = [
        entry('e5', '/five'), entry('e1', '/one', 2n), entry('e4', '/four', 1n, 2000n), entry('e2', '/two', 1n), entry('e3', '/three', 7n), entry('e6', '/six'),
      ];
      const cached = [
        entry('e1', '/one', 1n), // outdated: server has revision 2
        entry('e2', '/two', 1n), // unchanged
        entry('e3', '/three', 9n), // stale: the server is behind, keep ours
        entry('e4', '/four', 1n, 1000n), // recreated: same revision, other created_at
        entry('gone', '/gone'), // no longer authorized
      ];
      const { server, client } = await syncServer(all, 2);
      try {
        const result = await client.syncAuthorizedEntries(cached);
        assert.equal(result.pageSize, 2);
        assert.deepEqual(server.syncRequests.slice(1).map((r) => r.ids), [['e1', 'e4'], ['e5', 'e6']]);
        assert.deepEqual(server.syncRequests[0]!.ids, []);
        const byId = new Map(result.entries.map((e) => [e.id, e]));
        assert.deepEqual([...byId.keys()].sort(), ['e1', 'e2', 'e3', 'e4', 'e5', 'e6']);
        assert.equal(byId.get('e1')!.revisionNumber, 2n);
        assert.equal(byId.get('e2'), cached[1], 'unchanged entries come from the cache');
        assert.equal(byId.get('e3'), cached[2], 'a stale server revision keeps the cached entry');
        assert.equal(byId.get('e4')!.createdAt, 2000n);
        assert.equal(byId.get('e5')!.spiffeId?.path, '/five');
        assert.deepEqual(result.stats, { total: 6, missing: 2, outdated: 2, stale: 1, fetched: 4 });
      } finally {
        await server.close();
      }
    });

    it('sends no id request when the cache is current', async () => {
      const all = [entry('x1', '/x1'), entry('x2', '/x2'), entry('x3', '/x3')];
      const { server, client } = await syncServer(all, 1);
      try {
        const result = await client.syncAuthorizedEntries(all);
        assert.equal(result.pageSize, 1);
        assert.equal(server.syncRequests.length, 1);
        assert.deepEqual(result.stats, { total: 3, missing: 0, outdated: 0, stale: 0, fetched: 0 });
      } finally {
        await server.close();
      }
    });
  });

  describe('server identity', () => {
    async function expectRefused(options: { serverUris?: string[]; otherCa?: boolean; client?: Partial<ServerClientOptions> }, reason: RegExp): Promise<void> {
      const issuer = options.otherCa === true ? await createCa({ ...validity(), subject: 'CN=impostor ca' }) : pki.ca;
      const server = await startFakeServer({ pki, joinTokens: ['secret-token'], serverCert: await createServerCert(issuer, options.serverUris) });
      try {
        const client = connect(options.client ?? {}, server.port);
        const err = await client.attestJoinToken('secret-token').then(() => undefined, (e: unknown) => e);
        assert.ok(err instanceof ConnectError, `expected a ConnectError, got ${String(err)}`);
        assert.equal(err.code, Code.Unavailable);
        assert.ok(err.cause instanceof AgentError && err.cause.code === 'ERR_AGENT_SERVER_NOT_TRUSTED');
        assert.match(err.rawMessage, reason);
        assert.deepEqual(server.calls, [], 'no request reached the server');
        // The same client keeps refusing (no cached insecure connection).
        await assert.rejects(client.getBundle(), (e: unknown) => e instanceof ConnectError && e.code === Code.Unavailable);
        assert.deepEqual(server.calls, []);
      } finally {
        await server.close();
      }
    }

    it('refuses a server whose ID is not spiffe://<td>/spire/server', () =>
      expectRefused({ serverUris: ['spiffe://example.org/spire/agent/x'] }, /presented ID "spiffe:\/\/example.org\/spire\/agent\/x" instead of "spiffe:\/\/example.org\/spire\/server"/));

    it('refuses a server certificate with two URI SANs', () =>
      expectRefused({ serverUris: ['spiffe://example.org/spire/server', 'spiffe://example.org/other'] }, /not trusted/));

    it('refuses a server certificate from a CA outside the trust bundle', () => expectRefused({ otherCa: true }, /not trusted/));

    it('refuses a server of another trust domain', async () => {
      const otherTd = TrustDomain.parse('other.org');
      await expectRefused({ client: { trustDomain: otherTd, trustBundle: new X509Bundle(otherTd, [pki.ca.cert]) } }, /not trusted: .*"example.org"/);
    });

    it('checks validity at the injected time', () =>
      expectRefused({ client: { now: () => new Date(Date.now() + 30 * 24 * 3_600_000) } }, /not trusted/));

    it('insecure bootstrap (no trust bundle) attests without verifying the server, as SPIRE', async () => {
      const impostorCa = await createCa({ ...validity(), subject: 'CN=unknown ca' });
      const server = await startFakeServer({ pki, joinTokens: ['secret-token'], serverCert: await createServerCert(impostorCa) });
      try {
        const attested = await connect({ trustBundle: undefined }, server.port).attestJoinToken('secret-token');
        assert.ok(attested.svid.certChain.length > 0, 'the caller must verify this SVID itself (the manager does)');
      } finally {
        await server.close();
      }
    });

    it('accepts the right server (control)', async () => {
      assert.equal((await connect().getBundle()).sequenceNumber, 7n);
      assert.ok(fake.calls.includes('GetBundle'));
    });
  });

  it('refuses invalid options, naming them', () => {
    const base = { serverAddress: '127.0.0.1', serverPort: 8081, trustDomain: 'example.org', trustBundle: new X509Bundle(TD) };
    const invalid = (options: ServerClientOptions, pattern: RegExp): void =>
      assert.throws(() => createServerClient(options), (err: unknown) => err instanceof AgentError && err.code === 'ERR_AGENT_INVALID_CLIENT_OPTIONS' && pattern.test(err.message));
    invalid({ ...base, serverPort: 0 }, /invalid server port 0/);
    invalid({ ...base, serverPort: 70000 }, /invalid server port 70000/);
    invalid({ ...base, serverAddress: '' }, /invalid server address ""/);
    invalid({ ...base, trustDomain: 'Bad Domain' }, /invalid trust domain "Bad Domain"/);
    invalid({ ...base, timeoutMs: 0 }, /timeoutMs must be a positive/);
  });
});
