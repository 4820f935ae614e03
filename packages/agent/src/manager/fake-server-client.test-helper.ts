/**
 * An in-process fake of the SPIRE server as the manager sees it: a ServerClientFactory whose
 * clients share one state (entries, CA, switches for outage / denial / ban) and record every
 * call. Certificates are real (signed by a fixture CA from the CSR's key), valid from the fake
 * clock's now for the configured TTL.
 */
import { randomBytes, webcrypto } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import * as x509 from '@peculiar/x509';
import type { FakeClock } from '@tspire/common';
import { types } from '@tspire/proto';
import { TrustDomain, X509Bundle } from '@tspire/spiffe';
import { createCa, type Issued } from '@tspire/spiffe/testing';
import type { NewX509SvidResult, ServerClient } from '../client/server-client.js';
import type { ServerConnectionParams } from './agent-svid.js';

export const TD = TrustDomain.parse('example.org');
const SIGN: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };

export interface FakeServer {
  readonly ca: Issued;
  readonly entries: Map<string, types.Entry>;
  /** More X.509 authorities GetBundle returns (a CA being rotated in), DER. */
  readonly extraAuthorities: Buffer[];
  /** GetFederatedBundle answers: trust domain name -> X.509 authorities (DER); absent = NotFound. */
  readonly federatedBundles: Map<string, Buffer[]>;
  /** GetFederatedBundle fails Internal for these trust domains. */
  readonly federatedFailures: Set<string>;
  agentTtlMs: number;
  svidTtlMs: number;
  jwtTtlMs: number;
  reattestable: boolean;
  /** Every call fails Unavailable. */
  down: boolean;
  banned: boolean;
  /** BatchNewX509SVID answers every item with an error (cheap: nothing is signed). */
  mintFails: boolean;
  /** The next call that needs the agent SVID fails PermissionDenied with this reason. */
  denyNext: types.PermissionDeniedDetails_Reason | undefined;
  readonly calls: string[];
  readonly attestations: { type: string; payload: string }[];
  readonly batchSizes: number[];
  /** SPKI (base64) of every CSR per entry ID, in order. */
  readonly csrKeys: Map<string, string[]>;
  readonly connections: ServerConnectionParams[];
  openClients: number;
  connect(params: ServerConnectionParams): ServerClient;
  bundle(): X509Bundle;
  count(method: string): number;
}

export function fakeEntry(id: string, path: string, selectors: string[] = ['uid:1000'], revisionNumber = 1n, jti = false, federatesWith: string[] = []): types.Entry {
  return create(types.EntrySchema, {
    id,
    federatesWith,
    spiffeId: { trustDomain: TD.name, path },
    selectors: selectors.map((value) => ({ type: 'unix', value })),
    revisionNumber,
    ...(jti ? { additionalAttributes: { jwtSvidIncludeJti: true } } : {}),
  });
}

export async function createFakeServer(clock: FakeClock): Promise<FakeServer> {
  const ca = await createCa({ uris: [TD.idString()], subject: 'CN=fake server CA' });
  let jwtSerial = 0;
  const fake: FakeServer = {
    ca,
    entries: new Map(),
    extraAuthorities: [],
    federatedBundles: new Map(),
    federatedFailures: new Set(),
    agentTtlMs: 3_600_000,
    svidTtlMs: 3_600_000,
    jwtTtlMs: 300_000,
    reattestable: false,
    down: false,
    banned: false,
    mintFails: false,
    denyNext: undefined,
    calls: [],
    attestations: [],
    batchSizes: [],
    csrKeys: new Map(),
    connections: [],
    openClients: 0,
    bundle: () => new X509Bundle(TD, [ca.cert]),
    count: (method) => fake.calls.filter((call) => call === method).length,
    connect(params) {
      fake.connections.push(params);
      fake.openClients++;
      let closed = false;
      const gate = (method: string, needsSvid: boolean): void => {
        if (closed) throw new Error('client used after close');
        fake.calls.push(method);
        if (fake.down) throw new ConnectError('connection refused', Code.Unavailable);
        if (fake.banned) throw denied('agent is banned', types.PermissionDeniedDetails_Reason.AGENT_BANNED);
        if (needsSvid && params.svid?.() === undefined) throw new ConnectError('no agent SVID', Code.Unauthenticated);
        if (needsSvid && fake.denyNext !== undefined) {
          const reason = fake.denyNext;
          fake.denyNext = undefined;
          throw denied('agent is not attested', reason);
        }
      };
      const client: ServerClient = {
        async attest(request) {
          gate('attest', false);
          let payload = Buffer.from(request.payload).toString();
          if (request.onChallenge !== undefined) payload += `+${Buffer.from(await request.onChallenge(new Uint8Array([1]))).toString()}`;
          fake.attestations.push({ type: request.type, payload });
          const agentPath = `/spire/agent/${request.type}/${request.type === 'join_token' ? payload : 'node1'}`;
          return { svid: await sign(ca, clock, request.csrDer, agentPath, fake.agentTtlMs), reattestable: fake.reattestable, challenges: 0 };
        },
        attestJoinToken: () => Promise.reject(new Error('not used by the manager')),
        async renewAgent(csrDer) {
          gate('renewAgent', true);
          return sign(ca, clock, csrDer, '/spire/agent/join_token/renewed', fake.agentTtlMs);
        },
        async getBundle() {
          gate('getBundle', false);
          return create(types.BundleSchema, { trustDomain: TD.name, x509Authorities: [ca.der, ...fake.extraAuthorities].map((der) => ({ asn1: new Uint8Array(der) })) });
        },
        async getFederatedBundle(trustDomain) {
          gate('getFederatedBundle', true);
          if (fake.federatedFailures.has(trustDomain)) throw new ConnectError('datastore unavailable', Code.Internal);
          const authorities = fake.federatedBundles.get(trustDomain);
          if (authorities === undefined) throw new ConnectError('bundle not found', Code.NotFound);
          return create(types.BundleSchema, { trustDomain, x509Authorities: authorities.map((der) => ({ asn1: new Uint8Array(der) })) });
        },
        getAuthorizedEntries: () => Promise.reject(new Error('not used by the manager')),
        async syncAuthorizedEntries() {
          gate('syncAuthorizedEntries', true);
          const entries = [...fake.entries.values()];
          return { entries, stats: { total: entries.length, missing: 0, outdated: 0, stale: 0, fetched: entries.length }, pageSize: undefined };
        },
        async batchNewX509Svid(params) {
          gate('batchNewX509Svid', true);
          fake.batchSizes.push(params.length);
          return Promise.all(
            params.map(async ({ entryId, csrDer }): Promise<NewX509SvidResult> => {
              const entry = fake.entries.get(entryId);
              if (fake.mintFails) return { entryId, status: { code: Code.Internal, message: 'signing failed' } };
              if (entry === undefined) return { entryId, status: { code: Code.NotFound, message: 'entry not found' } };
              const spki = Buffer.from(await new x509.Pkcs10CertificateRequest(csrDer).publicKey.rawData).toString('base64');
              fake.csrKeys.set(entryId, [...(fake.csrKeys.get(entryId) ?? []), spki]);
              return { entryId, status: { code: 0, message: 'OK' }, svid: await sign(ca, clock, csrDer, entry.spiffeId!.path, fake.svidTtlMs) };
            }),
          );
        },
        async newJwtSvid(entryId, audience) {
          gate('newJwtSvid', true);
          const issuedAt = BigInt(Math.floor(clock.nowMs() / 1000));
          jwtSerial++;
          return create(types.JWTSVIDSchema, {
            token: `jwt-${jwtSerial}-${entryId}-${audience.join(',')}`,
            issuedAt,
            expiresAt: issuedAt + BigInt(fake.jwtTtlMs / 1000),
          });
        },
        async postStatus() {
          gate('postStatus', true);
        },
        close() {
          if (!closed) fake.openClients--;
          closed = true;
        },
      };
      return client;
    },
  };
  return fake;
}

function denied(message: string, reason: types.PermissionDeniedDetails_Reason): ConnectError {
  return new ConnectError(message, Code.PermissionDenied, undefined, [{ desc: types.PermissionDeniedDetailsSchema, value: { reason } }]);
}

async function sign(ca: Issued, clock: FakeClock, csrDer: Uint8Array, path: string, ttlMs: number): Promise<types.X509SVID> {
  const csr = new x509.Pkcs10CertificateRequest(csrDer);
  const notBefore = new Date(Math.floor(clock.nowMs() / 1000) * 1000 - 10_000);
  const notAfter = new Date(Math.floor((clock.nowMs() + ttlMs) / 1000) * 1000);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: `01${randomBytes(8).toString('hex')}`,
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
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `spiffe://${TD.name}${path}` }]),
    ],
  });
  return create(types.X509SVIDSchema, {
    certChain: [new Uint8Array(cert.rawData)],
    id: { trustDomain: TD.name, path },
    expiresAt: BigInt(Math.floor(notAfter.getTime() / 1000)),
  });
}
