// The TCP endpoint over real TLS on 127.0.0.1 with real certificates: a CA per trust domain,
// the server SVID, agent SVIDs. Time that matters to the server (certificate validity, agent
// expiry, connection age) runs on a FakeClock started at the real time, because the client's
// TLS stack checks the server certificate against the real time.
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import tls, { type PeerCertificate } from 'node:tls';
import { describe, it } from 'node:test';
import { Code, ConnectError, createClient, type Transport } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { FakeClock } from '@tspire/common';
import { agentv1, bundlev1, debugv1, entryv1, healthv1, svidv1, types } from '@tspire/proto';
import { TrustDomain, X509Bundle, encodePem } from '@tspire/spiffe';
import { createCa, createIntermediate, createLeaf, type Issued } from '@tspire/spiffe/testing';
import { AgentDenialReason } from '../api/authorization.js';
import { createTcpRoleResolver } from '../api/roles.js';
import { TD_ID, withApi, type ApiFixture } from '../api/testing/fixture.test-helper.js';
import type { AttestedNode } from '../datastore/types.js';
import { decimalSerial } from './peer-verifier.js';
import { startTcpEndpoint, type TcpEndpoint, type TcpEndpointOptions } from './tcp-endpoint.js';

const HOUR_MS = 3_600_000;
const SERVER_ID = `${TD_ID}/spire/server`;
const AGENT_ID = `${TD_ID}/spire/agent/join_token/abc`;
const FED_ADMIN_ID = 'spiffe://fed.org/ops';

interface Pki {
  ca: Issued;
  fedCa: Issued;
  strangerCa: Issued;
  server: Issued;
  window: { notBefore: Date; notAfter: Date };
}

async function createPki(nowMs: number): Promise<Pki> {
  const window = { notBefore: new Date(nowMs - HOUR_MS), notAfter: new Date(nowMs + HOUR_MS) };
  const ca = await createCa({ ...window, subject: 'CN=example.org CA' });
  const fedCa = await createCa({ ...window, subject: 'CN=fed.org CA', uris: ['spiffe://fed.org'] });
  // a CA for example.org that nobody trusts
  const strangerCa = await createCa({ ...window, subject: 'CN=example.org CA' });
  const server = await createLeaf(ca, { ...window, uris: [SERVER_ID] });
  return { ca, fedCa, strangerCa, server, window };
}

interface Harness {
  f: ApiFixture;
  pki: Pki;
  clock: FakeClock;
  endpoint: TcpEndpoint;
  /** what serverSvid() returns; tests replace it before refreshServerSvid() */
  serverSvid: { current: Issued };
  /** a gRPC client transport, with a client certificate chain (leaf first) or none */
  transport(chain?: Issued[], seen?: PeerCertificate[]): Transport;
  leaf(id: string, issuer?: Issued, spec?: { notAfter?: Date }): Promise<Issued>;
  attested(leaf: Issued, fields?: Partial<AttestedNode>): Promise<void>;
}

function checkServerId(seen: PeerCertificate[] | undefined) {
  return (_host: string, cert: PeerCertificate): Error | undefined => {
    seen?.push(cert);
    return cert.subjectaltname === `URI:${SERVER_ID}` ? undefined : new Error(`unexpected server ${cert.subjectaltname}`);
  };
}

async function withEndpoint(fn: (h: Harness) => Promise<void>, overrides: Partial<TcpEndpointOptions> = {}): Promise<void> {
  await withApi(async (f) => {
    const clock = new FakeClock(Date.now());
    const pki = await createPki(clock.nowMs());
    const serverSvid = { current: pki.server };
    const bundles = new Map([
      ['example.org', new X509Bundle(TrustDomain.parse('example.org'), [pki.ca.cert])],
      ['fed.org', new X509Bundle(TrustDomain.parse('fed.org'), [pki.fedCa.cert])],
    ]);
    const adminIds = [FED_ADMIN_ID];
    const entries = { entriesBySpiffeId: () => [] };
    const endpoint = await startTcpEndpoint({
      bindAddress: '127.0.0.1', bindPort: 0, deps: f.deps, clock, adminIds,
      serverSvid: () => ({ certChainDer: [serverSvid.current.der], privateKey: serverSvid.current.keys.privateKey, serial: serverSvid.current.cert.serialNumber }),
      trustBundles: (name) => bundles.get(name),
      resolveRoles: createTcpRoleResolver({ adminIds, authorizedEntries: entries, datastore: f.ds, clock, logger: f.logger }),
      ...overrides,
    });
    const caPem = encodePem('CERTIFICATE', pki.ca.der);
    const harness: Harness = {
      f, pki, clock, endpoint, serverSvid,
      transport: (chain, seen) => createGrpcTransport({
        baseUrl: `https://127.0.0.1:${endpoint.port}`,
        nodeOptions: {
          ca: caPem, checkServerIdentity: checkServerId(seen),
          ...(chain === undefined ? {} : {
            cert: chain.map((c) => encodePem('CERTIFICATE', c.der)).join(''),
            key: chain[0]!.keys.privateKey.export({ format: 'pem', type: 'pkcs8' }),
          }),
        },
      }),
      leaf: (id, issuer = pki.ca, spec = {}) => createLeaf(issuer, { ...pki.window, ...spec, uris: [id] }),
      attested: async (leaf, fields = {}) => {
        await f.ds.createAttestedNode({
          spiffeId: AGENT_ID, attestationType: 'join_token', certSerialNumber: decimalSerial(leaf.cert),
          certNotAfter: Math.floor(pki.window.notAfter.getTime() / 1000), newCertSerialNumber: '', newCertNotAfter: 0,
          canReattest: false, agentVersion: '', ...fields,
        });
      },
    };
    try {
      await fn(harness);
    } finally {
      await endpoint.close();
    }
  });
}

function deniedWith(reason: AgentDenialReason | undefined, method: string) {
  return (err: unknown) => {
    assert.ok(err instanceof ConnectError, String(err));
    assert.equal(err.code, Code.PermissionDenied, `${Code[err.code]}: ${err.rawMessage}`);
    assert.equal(err.rawMessage, `authorization denied for method ${method}`);
    assert.deepEqual(err.findDetails(types.PermissionDeniedDetailsSchema).map((d) => d.reason), reason === undefined ? [] : [reason]);
    return true;
  };
}

const POST_STATUS = '/spire.api.server.agent.v1.Agent/PostStatus';
const GET_FEDERATED_BUNDLE = '/spire.api.server.bundle.v1.Bundle/GetFederatedBundle';

async function storeFederatedBundle(f: ApiFixture, ca: Issued): Promise<void> {
  await f.ds.createBundle({ trustDomain: 'spiffe://fed.org', x509Authorities: [{ der: ca.der, tainted: false }], jwtAuthorities: [], refreshHint: 0, sequenceNumber: 1n });
}

/** The call failed because the server dropped the connection (not with a status it chose). */
async function rejectsAsDropped(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ConnectError, String(err));
    assert.ok([Code.Unavailable, Code.Internal, Code.Canceled, Code.Unknown].includes(err.code), `${Code[err.code]}: ${err.rawMessage}`);
    return true;
  });
}

describe('TCP endpoint', () => {
  it('lets a caller without a certificate reach public RPCs only', () => withEndpoint(async ({ transport, f }) => {
    const anonymous = transport();
    const bundle = await createClient(bundlev1.Bundle, anonymous).getBundle({});
    assert.equal(bundle.trustDomain, 'example.org');
    assert.equal(bundle.x509Authorities.length, 1);
    await assert.rejects(createClient(agentv1.Agent, anonymous).postStatus({}), deniedWith(undefined, POST_STATUS));
    await assert.rejects(createClient(bundlev1.Bundle, anonymous).getFederatedBundle({ trustDomain: 'fed.org' }), deniedWith(undefined, GET_FEDERATED_BUNDLE));
    await assert.rejects(createClient(entryv1.Entry, anonymous).countEntries({}), deniedWith(undefined, '/spire.api.server.entry.v1.Entry/CountEntries'));
    assert.equal(f.logger.lines.filter((l) => l.level === 'error').length, 0);
  }));

  it('gives a valid agent SVID (sent with its intermediate) the agent role', () => withEndpoint(async ({ transport, leaf, attested, pki, f }) => {
    const intermediate = await createIntermediate(pki.ca, pki.window);
    const agent = await leaf(AGENT_ID, intermediate);
    await attested(agent);
    await storeFederatedBundle(f, pki.fedCa);
    const got = await createClient(bundlev1.Bundle, transport([agent, intermediate])).getFederatedBundle({ trustDomain: 'fed.org' });
    assert.equal(got.trustDomain, 'fed.org');
    // without the intermediate the chain does not verify: the connection is dropped
    await rejectsAsDropped(createClient(bundlev1.Bundle, transport([agent])).getBundle({}));
  }));

  it('drops connections whose certificate is from an untrusted CA or a foreign non-admin ID, logging once', () => withEndpoint(async ({ transport, leaf, pki, f, clock }) => {
    const forged = await leaf(AGENT_ID, pki.strangerCa);
    await rejectsAsDropped(createClient(bundlev1.Bundle, transport([forged])).getBundle({}));
    const refused = () => f.logger.lines.filter((l) => l.msg.startsWith('Refused a TLS client'));
    assert.equal(refused().length, 1);
    assert.equal(refused()[0]?.level, 'debug');
    assert.match(String(refused()[0]?.fields["reason"]), /does not verify with the public key of trust anchor "CN=example.org CA"/);

    const foreigner = await leaf('spiffe://fed.org/someone', pki.fedCa);
    await rejectsAsDropped(createClient(bundlev1.Bundle, transport([foreigner])).getBundle({}));
    assert.match(String(refused()[1]?.fields['reason']), /not a member of trust domain "example.org" nor an admin ID/);

    // validity is checked at the handshake on the injected clock
    const expired = await leaf(AGENT_ID, undefined, { notAfter: new Date(clock.nowMs() - 1000) });
    await rejectsAsDropped(createClient(bundlev1.Bundle, transport([expired])).getBundle({}));
    assert.match(String(refused()[2]?.fields['reason']), /expired at/);

    // a federated ID listed in admin_ids connects and is an admin
    const admin = await leaf(FED_ADMIN_ID, pki.fedCa);
    assert.equal((await createClient(entryv1.Entry, transport([admin])).countEntries({})).count, 0);
    assert.equal(refused().length, 3);
  }));

  it('denies unknown, banned and expired agents with PermissionDeniedDetails', () => withEndpoint(async ({ transport, leaf, attested, clock, f, pki }) => {
    const agent = await leaf(AGENT_ID, undefined, { notAfter: new Date(clock.nowMs() + 60_000) });
    const status = createClient(agentv1.Agent, transport([agent]));
    await assert.rejects(status.postStatus({}), deniedWith(AgentDenialReason.AGENT_NOT_ATTESTED, POST_STATUS));
    await attested(agent, { certSerialNumber: '' });
    await assert.rejects(status.postStatus({}), deniedWith(AgentDenialReason.AGENT_BANNED, POST_STATUS));
    await f.ds.updateAttestedNode({ ...(await f.ds.fetchAttestedNode(AGENT_ID))!, certSerialNumber: '12345' }, ['certSerialNumber']);
    await assert.rejects(status.postStatus({}), deniedWith(AgentDenialReason.AGENT_NOT_ACTIVE, POST_STATUS));
    await f.ds.updateAttestedNode({ ...(await f.ds.fetchAttestedNode(AGENT_ID))!, certSerialNumber: decimalSerial(agent.cert) }, ['certSerialNumber']);
    await storeFederatedBundle(f, pki.fedCa);
    const federated = createClient(bundlev1.Bundle, transport([agent]));
    assert.equal((await federated.getFederatedBundle({ trustDomain: 'fed.org' })).trustDomain, 'fed.org');
    // the SVID expires while the connection is open
    clock.advance(61_000);
    await assert.rejects(federated.getFederatedBundle({ trustDomain: 'fed.org' }), deniedWith(AgentDenialReason.AGENT_EXPIRED, GET_FEDERATED_BUNDLE));
  }));

  it('promotes the new serial issued by RenewAgent on first use', () => withEndpoint(async ({ transport, leaf, attested, f, pki }) => {
    const renewed = await leaf(AGENT_ID);
    await attested(renewed, { certSerialNumber: '777', newCertSerialNumber: decimalSerial(renewed.cert), newCertNotAfter: 4_000_000_000 });
    await storeFederatedBundle(f, pki.fedCa);
    await createClient(bundlev1.Bundle, transport([renewed])).getFederatedBundle({ trustDomain: 'fed.org' });
    const stored = await f.ds.fetchAttestedNode(AGENT_ID);
    assert.deepEqual([stored?.certSerialNumber, stored?.certNotAfter, stored?.newCertSerialNumber], [decimalSerial(renewed.cert), 4_000_000_000, '']);
  }));

  it('presents the rotated server SVID to new handshakes', () => withEndpoint(async ({ transport, endpoint, serverSvid, pki }) => {
    const before: PeerCertificate[] = [];
    const oldClient = createClient(bundlev1.Bundle, transport(undefined, before));
    await oldClient.getBundle({});
    assert.equal(before[0]?.serialNumber, pki.server.cert.serialNumber);
    serverSvid.current = await createLeaf(pki.ca, { ...pki.window, uris: [SERVER_ID] });
    endpoint.refreshServerSvid();
    const after: PeerCertificate[] = [];
    await createClient(bundlev1.Bundle, transport(undefined, after)).getBundle({});
    assert.equal(after[0]?.serialNumber, serverSvid.current.cert.serialNumber);
    assert.notEqual(after[0]?.serialNumber, before[0]?.serialNumber);
    // an open connection keeps working
    await oldClient.getBundle({});
    assert.equal(before.length, 1);
  }));

  it('resumes no TLS session: every connection makes a full handshake', () => withEndpoint(async ({ endpoint, pki }) => {
    const connect = (session?: Buffer) => new Promise<{ reused: boolean }>((resolve, reject) => {
      const socket = tls.connect({
        host: '127.0.0.1', port: endpoint.port, ALPNProtocols: ['h2'], ca: encodePem('CERTIFICATE', pki.ca.der),
        checkServerIdentity: checkServerId(undefined), ...(session === undefined ? {} : { session }),
      });
      socket.on('session', (ticket: Buffer) => { lastTicket = ticket; });
      socket.once('error', reject);
      // the server speaks first (HTTP/2 SETTINGS), after its TLS 1.3 session messages
      socket.once('data', () => {
        const reused = socket.isSessionReused();
        socket.destroy();
        resolve({ reused });
      });
    });
    let lastTicket: Buffer | undefined;
    await connect();
    // TLS 1.3 still hands out session IDs, but a client offering one gets a full handshake
    // (without SSL_OP_NO_TICKET Node would resume it)
    assert.ok(lastTicket !== undefined);
    const second = await connect(lastTicket);
    assert.equal(second.reused, false);
  }));

  it('answers health checks without a client certificate, and UNIMPLEMENTED for unknown methods and admin-socket-only services', () => withEndpoint(async ({ transport, endpoint, pki }) => {
    const health = await createClient(healthv1.Health, transport()).check({});
    assert.equal(health.status, healthv1.HealthCheckResponse_ServingStatus.SERVING);
    await assert.rejects(createClient(debugv1.Debug, transport()).getInfo({}), (err: unknown) => err instanceof ConnectError && err.code === Code.Unimplemented);
    const raw = await rawCall(endpoint.port, pki, '/spire.api.server.entry.v1.Entry/NoSuchMethod');
    assert.equal(raw.headers['grpc-status'], String(Code.Unimplemented));
  }));

  it('refuses a message over 4 MiB with RESOURCE_EXHAUSTED and frees the stream', () => withEndpoint(async ({ endpoint, pki, f, transport }) => {
    const session = connectRaw(endpoint.port, pki);
    const size = 4 * 1024 * 1024 + 1;
    const body = Buffer.alloc(5 + size);
    body.writeUInt32BE(size, 1);
    const result = await rawCallOn(session, '/spire.api.server.entry.v1.Entry/BatchCreateEntry', body);
    assert.equal(result.headers['grpc-status'], String(Code.ResourceExhausted));
    assert.match(decodeURIComponent(String(result.headers['grpc-message'])), /larger than configured readMaxBytes 4194304/);
    assert.equal(result.rstCode, http2.constants.NGHTTP2_NO_ERROR);
    session.close();
    assert.equal(await f.ds.countEntries(), 0);
    // the endpoint stays healthy
    assert.equal((await createClient(bundlev1.Bundle, transport()).getBundle({})).trustDomain, 'example.org');
  }));

  it('rate limits AttestAgent per source IP', () => withEndpoint(async ({ transport }) => {
    const agent = createClient(agentv1.Agent, transport());
    const attest = async (timeoutMs: number) => {
      for await (const _ of agent.attestAgent((async function* () { yield {}; })(), { timeoutMs })) { /* drain */ }
    };
    await assert.rejects(attest(5000), (err: unknown) => err instanceof ConnectError && err.code !== Code.ResourceExhausted);
    await assert.rejects(attest(500), (err: unknown) => err instanceof ConnectError && err.code === Code.ResourceExhausted);
  }));

  it('sends GOAWAY to connections older than the max age, letting the call in flight finish', () => withEndpoint(async ({ endpoint, pki, f, clock }) => {
    const session = connectRaw(endpoint.port, pki);
    let goawaySeen = false;
    const goaway = new Promise<void>((resolve) => session.once('goaway', () => { goawaySeen = true; resolve(); }));
    const fetch = f.ds.fetchBundle.bind(f.ds);
    let entered!: () => void;
    const inHandler = new Promise<void>((resolve) => { entered = resolve; });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    f.ds.fetchBundle = async (td) => { entered(); await gate; return fetch(td); };
    const call = rawCallOn(session, '/spire.api.server.bundle.v1.Bundle/GetBundle');
    await inHandler;
    clock.advance(3 * 60_000 - 1);
    // not yet: the same connection still takes a new call
    const before = await rawCallOn(session, '/spire.api.server.entry.v1.Entry/NoSuchMethod');
    assert.equal(before.headers['grpc-status'], String(Code.Unimplemented));
    assert.equal(goawaySeen, false);
    clock.advance(1);
    await goaway;
    release();
    const result = await call;
    assert.equal(result.headers['grpc-status'], '0');
    assert.ok(result.bodyBytes > 5, 'the bundle was sent');
    session.close();
  }));
});

function connectRaw(port: number, pki: Pki): http2.ClientHttp2Session {
  return http2.connect(`https://127.0.0.1:${port}`, { ca: encodePem('CERTIFICATE', pki.ca.der), checkServerIdentity: checkServerId(undefined) });
}

interface RawResult { headers: Record<string, unknown>; bodyBytes: number; rstCode: number | undefined }

/** One gRPC call on a raw HTTP/2 session; `body` defaults to one empty message. */
function rawCallOn(session: http2.ClientHttp2Session, path: string, body: Uint8Array = new Uint8Array(5)): Promise<RawResult> {
  return new Promise((resolve) => {
    const req = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc+proto', te: 'trailers' });
    const headers: Record<string, unknown> = {};
    let bodyBytes = 0;
    req.on('response', (h) => Object.assign(headers, h));
    req.on('trailers', (h) => Object.assign(headers, h));
    req.on('data', (chunk: Buffer) => { bodyBytes += chunk.length; });
    // 'close' (not 'end'): a stream the server resets after its answer ends without 'end'
    req.on('close', () => resolve({ headers, bodyBytes, rstCode: req.rstCode }));
    req.on('error', () => { /* the outcome is in headers and rstCode */ });
    req.end(body);
  });
}

async function rawCall(port: number, pki: Pki, path: string): Promise<RawResult> {
  const session = connectRaw(port, pki);
  try {
    return await rawCallOn(session, path);
  } finally {
    session.close();
  }
}
