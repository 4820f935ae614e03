// Fixtures for the agent-facing Agent RPCs: a real batch signer on top of ca/ (parseCsr +
// X509SvidSigner via signFromCsr), the Agent service behind the real authorization and error
// interceptors with a settable caller and the TCP role resolver, and a small interactive
// AttestAgent client.
import { generateKeyPairSync, webcrypto } from 'node:crypto';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { createClient, createRouterTransport, type Client, type Interceptor } from '@connectrpc/connect';
import { agentv1 } from '@tspire/proto';
import * as x509 from '@peculiar/x509';
import { createCaCertificate } from '../../../ca/ca-certificate.js';
import { signFromCsr } from '../../../ca/sign-from-csr.js';
import { X509SvidSigner } from '../../../ca/x509-svid-signer.js';
import type { NodeAttestor } from '../../../attestor/node/node-attestor.js';
import { callerKey, type CallerContext } from '../../caller.js';
import type { AgentApiDeps, X509SvidBatchSigner, X509SvidSigningRequest } from '../../deps.js';
import { createTcpRoleResolver } from '../../roles.js';
import { serverApiInterceptors } from '../../services.js';
import { TD_NAME, withApi, type ApiFixture } from '../../testing/fixture.test-helper.js';
import { createAgentService } from './service.js';

export interface TestBatchSigner extends X509SvidBatchSigner {
  /** The CA certificate (DER) that verifies every SVID signed. */
  caCertificate: Uint8Array;
  requests: X509SvidSigningRequest[];
  /** When set, every item fails with this outcome (e.g. the CA is not ready). */
  failure?: { code: string; message: string } | undefined;
}

/** X509SvidBatchSigner over a fresh self-signed CA; TTL 0 means 3600 s. */
export function createTestBatchSigner(nowSeconds: () => number, trustDomain = TD_NAME): TestBatchSigner {
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const caCertificate = createCaCertificate({
    trustDomain, spkiDer: key.publicKey.export({ type: 'spki', format: 'der' }), subject: { country: ['US'], organization: ['SPIFFE'] },
    ttlSeconds: 86_400, now: nowSeconds(),
  }, key.privateKey);
  const svidSigner = new X509SvidSigner({ trustDomain, caCertificate, caPrivateKey: key.privateKey });
  const signer: TestBatchSigner = {
    caCertificate,
    requests: [],
    async signX509Svids(requests) {
      signer.requests.push(...requests);
      return requests.map((r) => {
        if (signer.failure !== undefined) return { ok: false as const, ...signer.failure };
        const outcome = signFromCsr(svidSigner, {
          spiffeId: r.spiffeId, csr: r.csrDer, dnsNames: r.dnsNames, ttlSeconds: r.ttlSeconds === 0 ? 3600 : r.ttlSeconds, checkCsrUri: r.checkCsrUri === true,
        }, nowSeconds(), { parseMs: 0, signMs: 0 });
        return outcome.ok ? { ok: true as const, certChainDer: [outcome.certificate], serialHex: outcome.serialHex, expiresAt: outcome.expiresAt } : outcome;
      });
    },
  };
  return signer;
}

export interface AgentApiFixture extends ApiFixture {
  agentApi: AgentApiDeps;
  signer: TestBatchSigner;
  /** The Agent service as the TCP endpoint serves it; the caller is `setCaller`'s. */
  agentClient: Client<typeof agentv1.Agent>;
  setCaller(caller: CallerContext): void;
}

export interface AgentApiOptions {
  nodeAttestors?: NodeAttestor[];
  agentTtlSeconds?: number;
  agentSpiffeIdAsSelector?: boolean;
}

export const ANONYMOUS: CallerContext = { kind: 'tls', remoteAddress: '192.0.2.10' };

export function withAgentApi(fn: (f: AgentApiFixture) => Promise<void>, options: AgentApiOptions = {}): Promise<void> {
  return withApi(async (f) => {
    const signer = createTestBatchSigner(() => Math.floor(f.clock.nowMs() / 1000));
    const agentApi: AgentApiDeps = {
      authorizedEntries: { authorizedEntries: () => [], authorizedEntry: () => undefined, entriesBySpiffeId: () => [] },
      signer,
      nodeAttestors: new Map((options.nodeAttestors ?? []).map((a) => [a.name, a])),
      agentTtlSeconds: options.agentTtlSeconds ?? 0,
      ...(options.agentSpiffeIdAsSelector === undefined ? {} : { agentSpiffeIdAsSelector: options.agentSpiffeIdAsSelector }),
    };
    const deps = { ...f.deps, agentApi };
    let caller: CallerContext = ANONYMOUS;
    const setCaller: Interceptor = (next) => (req) => {
      req.contextValues.set(callerKey, caller);
      return next(req);
    };
    const resolveRoles = createTcpRoleResolver({ adminIds: [], authorizedEntries: agentApi.authorizedEntries, datastore: f.ds, clock: f.clock });
    const transport = createRouterTransport((router) => router.service(agentv1.Agent, createAgentService(deps)), {
      router: { interceptors: [setCaller, ...serverApiInterceptors(deps, resolveRoles)] },
    });
    await fn({ ...f, agentApi, signer, agentClient: createClient(agentv1.Agent, transport), setCaller: (c) => { caller = c; } });
  });
}

type RequestInit = MessageInitShape<typeof agentv1.AttestAgentRequestSchema>;
export type AttestParamsInit = MessageInitShape<typeof agentv1.AttestAgentRequest_ParamsSchema>;

/** Requests pushed one at a time, so the exchange is interactive. */
export function requestQueue() {
  const waiting: ((r: IteratorResult<agentv1.AttestAgentRequest>) => void)[] = [];
  const queued: IteratorResult<agentv1.AttestAgentRequest>[] = [];
  let closed = false;
  const deliver = (r: IteratorResult<agentv1.AttestAgentRequest>) => {
    const resolve = waiting.shift();
    if (resolve) resolve(r);
    else queued.push(r);
  };
  return {
    send: (req: RequestInit) => deliver({ done: false, value: create(agentv1.AttestAgentRequestSchema, req) }),
    close: () => {
      if (closed) return;
      closed = true;
      deliver({ done: true, value: undefined });
    },
    [Symbol.asyncIterator]: () => ({
      next: () => new Promise<IteratorResult<agentv1.AttestAgentRequest>>((resolve) => {
        const r = queued.shift();
        if (r) resolve(r);
        else waiting.push(resolve);
      }),
      // connect ends the request side this way when the server finishes first
      return: async () => ({ done: true as const, value: undefined }),
      throw: async (err: unknown) => { throw err; },
    }),
  };
}

export interface AttestOutcome {
  result: agentv1.AttestAgentResponse_Result;
  challenges: Uint8Array[];
}

/**
 * Runs AttestAgent: sends `params`, answers each challenge with `answer(challenge)` (returning
 * undefined closes the stream instead, as an agent that gives up), returns the result.
 */
export async function attest(
  client: Client<typeof agentv1.Agent>,
  params: AttestParamsInit,
  answer?: (challenge: Uint8Array) => Uint8Array | undefined,
): Promise<AttestOutcome> {
  const queue = requestQueue();
  queue.send({ step: { case: 'params', value: params } });
  const challenges: Uint8Array[] = [];
  try {
    for await (const response of client.attestAgent(queue)) {
      if (response.step.case === 'challenge') {
        challenges.push(response.step.value);
        const reply = answer?.(response.step.value);
        if (reply === undefined) queue.close();
        else queue.send({ step: { case: 'challengeResponse', value: reply } });
      } else if (response.step.case === 'result') {
        return { result: response.step.value, challenges };
      }
    }
    throw new Error('AttestAgent ended without a result');
  } finally {
    queue.close();
  }
}

/** Attestation params for `type`/`payload` with a fresh agent CSR (P-256, no SANs). */
export async function attestParams(type: string, payload: string | Uint8Array, csr?: Uint8Array): Promise<AttestParamsInit> {
  return {
    data: { type, payload: typeof payload === 'string' ? Buffer.from(payload) : payload },
    params: { csr: csr ?? await agentCsr() },
  };
}

/** A DER CSR like a SPIRE agent's: EC P-256, subject C=US, O=SPIRE, no SANs. */
export async function agentCsr(): Promise<Uint8Array> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'C=US, O=SPIRE', keys, signingAlgorithm: alg });
  return new Uint8Array(csr.rawData);
}

/** `csr` with one bit of its signature flipped: parses, but the signature does not verify. */
export function tamperedCsr(csr: Uint8Array): Uint8Array {
  const bad = Uint8Array.from(csr);
  bad[bad.length - 5]! ^= 0x01;
  return bad;
}
