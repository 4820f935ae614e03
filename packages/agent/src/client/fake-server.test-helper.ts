// An in-process stand-in for the SPIRE server's agent endpoint, for the client tests: real TLS
// (HTTP/2, connect-node adapter), a test CA issuing agent and workload SVIDs from the client's
// CSRs, join_token and x509pop attestation (with a real challenge round), GetBundle,
// Get/SyncAuthorizedEntries (SPIRE's paging, small page size) and BatchNewX509SVID. It records
// what it received, so tests can also check what the client sent.
import { X509Certificate, createHash, randomBytes, verify, webcrypto } from 'node:crypto';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { Code, ConnectError, createContextKey, createContextValues, type HandlerContext } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import * as x509 from '@peculiar/x509';
import { agentv1, bundlev1, entryv1, svidv1, types } from '@tspire/proto';
import { TrustDomain, X509Bundle, encodePem, verifyX509Svid } from '@tspire/spiffe';
import { createCa, createLeaf, type Issued } from '@tspire/spiffe/testing';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export const TD = TrustDomain.parse('example.org');
const HOUR = 3_600_000;
const SIGN: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };

/** Certificates valid around the real time: TLS (OpenSSL) checks them against the system clock. */
export function validity(): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return { notBefore: new Date(now - HOUR), notAfter: new Date(now + 24 * HOUR) };
}

export interface TestPki {
  ca: Issued;
  bundle: X509Bundle;
}

export async function createTestPki(): Promise<TestPki> {
  const ca = await createCa({ ...validity(), subject: 'CN=fake spire ca' });
  return { ca, bundle: new X509Bundle(TD, [ca.cert]) };
}

/** A server certificate issued by `issuer` with the given URI SANs (default the server ID). */
export async function createServerCert(issuer: Issued, uris: string[] = [`spiffe://${TD.name}/spire/server`]): Promise<Issued> {
  return createLeaf(issuer, { ...validity(), uris, subject: 'CN=fake spire server' });
}

const callerKey = createContextKey<string | undefined>(undefined, { description: 'verified client SPIFFE ID' });

export interface FakeServerOptions {
  pki: TestPki;
  /** default: a valid server SVID from pki.ca */
  serverCert?: Issued;
  joinTokens?: string[];
  entries?: types.Entry[];
  /** SyncAuthorizedEntries page size (SPIRE: 500) */
  pageSize?: number;
}

export interface FakeServer {
  port: number;
  /** method names in the order they were called */
  calls: string[];
  syncRequests: entryv1.SyncAuthorizedEntriesRequest[];
  statuses: string[];
  /** agent ID -> whether banned */
  agents: Map<string, { banned: boolean }>;
  entries: types.Entry[];
  /** GetFederatedBundle answers: trust domain name -> root certificate DER. */
  federatedBundles: Map<string, Buffer>;
  close(): Promise<void>;
}

export async function startFakeServer(options: FakeServerOptions): Promise<FakeServer> {
  const { pki } = options;
  const serverCert = options.serverCert ?? (await createServerCert(pki.ca));
  const fake: FakeServer = {
    port: 0, calls: [], syncRequests: [], statuses: [], agents: new Map(), entries: options.entries ?? [], federatedBundles: new Map(),
    close: async () => undefined,
  };
  const joinTokens = new Set(options.joinTokens ?? []);
  const pageSize = options.pageSize ?? 500;

  const requireAgent = (context: HandlerContext, method: string): string => {
    const id = context.values.get(callerKey);
    const agent = id === undefined ? undefined : fake.agents.get(id);
    const reason = agent === undefined
      ? types.PermissionDeniedDetails_Reason.AGENT_NOT_ATTESTED
      : agent.banned ? types.PermissionDeniedDetails_Reason.AGENT_BANNED : undefined;
    if (reason === undefined) return id!;
    throw new ConnectError(`authorization denied for method ${method}`, Code.PermissionDenied, undefined, [
      { desc: types.PermissionDeniedDetailsSchema, value: { reason } },
    ]);
  };

  const handler = connectNodeAdapter({
    grpc: true, grpcWeb: false, connect: false,
    contextValues: (req) => {
      const socket = (req as http2.Http2ServerRequest).stream.session?.socket as TLSSocket | undefined;
      return createContextValues().set(callerKey, socket === undefined ? undefined : peerId(socket, pki.bundle));
    },
    routes: (router) => {
      router.service(agentv1.Agent, {
        async *attestAgent(requests) {
          fake.calls.push('AttestAgent');
          const stream = requests[Symbol.asyncIterator]();
          const first = await stream.next();
          if (first.done === true || first.value.step.case !== 'params') throw new ConnectError('malformed param', Code.InvalidArgument);
          const { data, params } = first.value.step.value;
          let agentId: string;
          if (data?.type === 'join_token') {
            const token = Buffer.from(data.payload).toString();
            if (!joinTokens.delete(token)) throw new ConnectError('failed to attest: join token does not exist or has already been used', Code.InvalidArgument);
            agentId = `spiffe://${TD.name}/spire/agent/join_token/${token}`;
          } else if (data?.type === 'x509pop') {
            const leaf = x509PopLeaf(data.payload);
            const challengeNonce = randomBytes(32);
            yield create(agentv1.AttestAgentResponseSchema, {
              step: { case: 'challenge', value: Buffer.from(JSON.stringify({ rsa_signature: null, ecdsa_signature: { nonce: challengeNonce.toString('base64') } })) },
            });
            const answer = await stream.next();
            if (answer.done === true || answer.value.step.case !== 'challengeResponse') throw new ConnectError('expected a challenge response', Code.InvalidArgument);
            checkX509PopResponse(leaf, challengeNonce, answer.value.step.value);
            agentId = `spiffe://${TD.name}/spire/agent/x509pop/${createHash('sha1').update(leaf.raw).digest('hex')}`;
          } else {
            throw new ConnectError('error getting node attestor', Code.FailedPrecondition);
          }
          const svid = await issueSvid(pki.ca, params?.csr ?? new Uint8Array(), agentId);
          fake.agents.set(agentId, { banned: false });
          yield create(agentv1.AttestAgentResponseSchema, { step: { case: 'result', value: { svid, reattestable: data.type === 'x509pop' } } });
        },
        async renewAgent(request, context) {
          fake.calls.push('RenewAgent');
          const id = requireAgent(context, '/spire.api.server.agent.v1.Agent/RenewAgent');
          return { svid: await issueSvid(pki.ca, request.params?.csr ?? new Uint8Array(), id) };
        },
        async postStatus(request, context) {
          fake.calls.push('PostStatus');
          requireAgent(context, '/spire.api.server.agent.v1.Agent/PostStatus');
          fake.statuses.push(request.agentVersion);
          return {};
        },
      });
      router.service(bundlev1.Bundle, {
        async getBundle() {
          fake.calls.push('GetBundle');
          return { trustDomain: TD.name, x509Authorities: [{ asn1: pki.ca.der }], sequenceNumber: 7n };
        },
        async getFederatedBundle(request, context) {
          fake.calls.push('GetFederatedBundle');
          requireAgent(context, '/spire.api.server.bundle.v1.Bundle/GetFederatedBundle');
          const found = fake.federatedBundles.get(request.trustDomain);
          if (found === undefined) throw new ConnectError('bundle not found', Code.NotFound);
          return { trustDomain: request.trustDomain, x509Authorities: [{ asn1: new Uint8Array(found) }] };
        },
      });
      router.service(entryv1.Entry, {
        async getAuthorizedEntries(_request, context) {
          fake.calls.push('GetAuthorizedEntries');
          requireAgent(context, '/spire.api.server.entry.v1.Entry/GetAuthorizedEntries');
          return { entries: fake.entries };
        },
        async *syncAuthorizedEntries(requests, context) {
          fake.calls.push('SyncAuthorizedEntries');
          requireAgent(context, '/spire.api.server.entry.v1.Entry/SyncAuthorizedEntries');
          yield* syncPages(fake, requests, pageSize);
        },
      });
      router.service(svidv1.SVID, {
        async batchNewX509SVID(request, context) {
          fake.calls.push('BatchNewX509SVID');
          requireAgent(context, '/spire.api.server.svid.v1.SVID/BatchNewX509SVID');
          const results = [];
          for (const param of request.params) results.push(await signOne(pki.ca, fake.entries, param));
          return { results };
        },
        async newJWTSVID(request, context) {
          fake.calls.push('NewJWTSVID');
          requireAgent(context, '/spire.api.server.svid.v1.SVID/NewJWTSVID');
          const entry = fake.entries.find((e) => e.id === request.entryId);
          if (entry === undefined) throw new ConnectError('entry not found or not authorized', Code.NotFound);
          return { svid: { token: `fake-jwt.${entry.id}.${request.audience.join(',')}`, id: entry.spiffeId, expiresAt: 2n, issuedAt: 1n } };
        },
      });
    },
  });

  const server = http2.createSecureServer({
    cert: encodePem('CERTIFICATE', serverCert.der),
    key: serverCert.keys.privateKey.export({ format: 'pem', type: 'pkcs8' }),
    requestCert: true,
    rejectUnauthorized: false,
    ALPNProtocols: ['h2'],
  }, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.port = (server.address() as AddressInfo).port;
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  fake.close = () =>
    new Promise<void>((resolve) => {
      for (const session of sessions) session.destroy();
      server.close(() => resolve());
    });
  return fake;
}

function peerId(socket: TLSSocket, bundle: X509Bundle): string | undefined {
  const chain: Uint8Array[] = [];
  const seen = new Set<object>();
  let cert: { raw?: Buffer; issuerCertificate?: unknown } | undefined = socket.getPeerCertificate(true);
  while (cert?.raw !== undefined && !seen.has(cert)) {
    seen.add(cert);
    chain.push(cert.raw);
    cert = cert.issuerCertificate as typeof cert;
  }
  if (chain.length === 0) return undefined;
  try {
    return verifyX509Svid(chain, bundle).id.toString();
  } catch {
    return undefined;
  }
}

/** SPIRE's paging: everything at once when it fits a page, else revision pages then entries by id. */
async function* syncPages(fake: FakeServer, requests: AsyncIterable<entryv1.SyncAuthorizedEntriesRequest>, pageSize: number) {
  const stream = requests[Symbol.asyncIterator]();
  const first = await stream.next();
  if (first.done === true) return;
  fake.syncRequests.push(first.value);
  if (first.value.ids.length > 0) throw new ConnectError('specifying IDs on initial request is not supported', Code.InvalidArgument);
  if (first.value.outputMask?.revisionNumber !== true) throw new ConnectError('revision number is required in the output mask', Code.InvalidArgument);
  const entries = [...fake.entries].sort((a, b) => (a.id < b.id ? -1 : 1));
  if (entries.length <= pageSize) {
    yield create(entryv1.SyncAuthorizedEntriesResponseSchema, { entries });
    return;
  }
  for (let start = 0; start < entries.length; start += pageSize) {
    const page = entries.slice(start, start + pageSize).map((e) => ({ id: e.id, revisionNumber: e.revisionNumber, createdAt: e.createdAt }));
    yield create(entryv1.SyncAuthorizedEntriesResponseSchema, { entryRevisions: page, more: start + pageSize < entries.length });
  }
  for (let request = await stream.next(); request.done !== true; request = await stream.next()) {
    fake.syncRequests.push(request.value);
    const wanted = entries.filter((e) => request.value.ids.includes(e.id));
    if (wanted.length === 0) yield create(entryv1.SyncAuthorizedEntriesResponseSchema, {});
    for (let start = 0; start < wanted.length; start += pageSize) {
      yield create(entryv1.SyncAuthorizedEntriesResponseSchema, { entries: wanted.slice(start, start + pageSize), more: start + pageSize < wanted.length });
    }
  }
}

async function signOne(ca: Issued, entries: readonly types.Entry[], param: svidv1.NewX509SVIDParams): Promise<MessageInitShape<typeof svidv1.BatchNewX509SVIDResponse_ResultSchema>> {
  const entry = entries.find((e) => e.id === param.entryId);
  if (entry === undefined) return { status: { code: Code.NotFound, message: 'entry not found or not authorized' } };
  const id = `spiffe://${entry.spiffeId?.trustDomain ?? ''}${entry.spiffeId?.path ?? ''}`;
  try {
    return { status: { code: 0, message: 'OK' }, svid: await issueSvid(ca, param.csr, id) };
  } catch (err) {
    return { status: { code: Code.InvalidArgument, message: (err as Error).message } };
  }
}

/** Signs the CSR's public key into an X509-SVID for `spiffeId` (the CSR signature is checked). */
export async function issueSvid(ca: Issued, csrDer: Uint8Array, spiffeId: string): Promise<MessageInitShape<typeof types.X509SVIDSchema>> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrDer);
  } catch (err) {
    throw new ConnectError(`malformed CSR: ${(err as Error).message}`, Code.InvalidArgument);
  }
  if (!(await csr.verify())) throw new ConnectError('invalid CSR signature', Code.InvalidArgument);
  const { notBefore, notAfter } = validity();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomBytes(8).toString('hex').replace(/^[89a-f]/, '1'),
    subject: 'C=US, O=SPIRE',
    issuer: ca.subjectName,
    notBefore,
    notAfter,
    publicKey: await csr.publicKey.export(),
    signingKey: ca.keys.pair.privateKey,
    signingAlgorithm: SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyAgreement, true),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: spiffeId }]),
    ],
  });
  const url = new URL(spiffeId);
  return { certChain: [new Uint8Array(cert.rawData)], id: { trustDomain: url.host, path: url.pathname }, expiresAt: BigInt(Math.floor(notAfter.getTime() / 1000)) };
}

function x509PopLeaf(payload: Uint8Array): X509Certificate {
  const body = JSON.parse(Buffer.from(payload).toString()) as { certificates?: string[] };
  const first = body.certificates?.[0];
  if (first === undefined) throw new ConnectError('no certificate', Code.InvalidArgument);
  return new X509Certificate(Buffer.from(first, 'base64'));
}

/** As SPIRE's server: ECDSA over SHA-256(challenge nonce || response nonce). */
function checkX509PopResponse(leaf: X509Certificate, challengeNonce: Buffer, response: Uint8Array): void {
  const body = JSON.parse(Buffer.from(response).toString()) as { ecdsa_signature?: { nonce: string; r: string; s: string } };
  const answer = body.ecdsa_signature;
  if (answer === undefined) throw new ConnectError('expected an ECDSA response', Code.InvalidArgument);
  const size = 32;
  const pad = (b64: string): Buffer => {
    const bytes = Buffer.from(b64, 'base64');
    return Buffer.concat([Buffer.alloc(Math.max(0, size - bytes.length)), bytes]);
  };
  const signature = Buffer.concat([pad(answer.r), pad(answer.s)]);
  const data = Buffer.concat([challengeNonce, Buffer.from(answer.nonce, 'base64')]);
  if (!verify('sha256', data, { key: leaf.publicKey, dsaEncoding: 'ieee-p1363' }, signature)) {
    throw new ConnectError('failed to attest: x509pop challenge response does not verify', Code.PermissionDenied);
  }
}

/** A registration entry as the server returns it (what the output mask asks for). */
export function entry(id: string, path: string, revisionNumber = 1n, createdAt = 1000n): types.Entry {
  return create(types.EntrySchema, {
    id, spiffeId: { trustDomain: TD.name, path }, selectors: [{ type: 'unix', value: 'uid:1000' }], revisionNumber, createdAt,
  });
}
