// The agent-facing SVID RPCs over the in-memory router transport: the real services, the
// authorization policy (a TLS caller with a peer SVID is an agent) and the error boundary; a
// real CA signing through an inline signing pool and a real JWT key; a fake authorized-entries view.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createClient, createRouterTransport, type Client, type Interceptor } from '@connectrpc/connect';
import { svidv1 } from '@tspire/proto';
import { TrustDomain } from '@tspire/spiffe';
import { JwtSvidSigner } from '../../../ca/jwt-svid-signer.js';
import { createTestSigningAuthority, type TestSigningAuthority } from '../../../ca/signing-authority.test-helper.js';
import { createSigningPool } from '../../../ca/signing-pool.js';
import type { DataStore } from '../../../datastore/datastore.js';
import type { RegistrationEntry } from '../../../datastore/types.js';
import type { CallerRole } from '../../authorization.js';
import { callerKey, type CallerContext } from '../../caller.js';
import type { AgentApiDeps, ApiDeps, AuthorizedEntriesView, MintJwtSvidRequest, X509SvidBatchSigner, X509SvidSigningRequest } from '../../deps.js';
import { registerServerApi, serverApiInterceptors } from '../../services.js';
import { START_SECONDS, TD_ID, TD_NAME, capturingLogger } from '../../testing/fixture.test-helper.js';

export const AGENT_ID = `${TD_ID}/spire/agent/join_token/abc`;
export const OTHER_AGENT_ID = `${TD_ID}/spire/agent/join_token/other`;
export const JWT_KEY_ID = 'jwt-key-1';

export function agentCallerContext(agentId = AGENT_ID): CallerContext {
  return { kind: 'tls', remoteAddress: '127.0.0.1', peer: { spiffeId: agentId, serialNumber: '1', notAfter: START_SECONDS + 3600 } };
}

export function testEntry(fields: Partial<RegistrationEntry> & Pick<RegistrationEntry, 'id' | 'spiffeId'>): RegistrationEntry {
  return {
    parentId: AGENT_ID, selectors: [{ type: 'unix', value: 'uid:1000' }], x509SvidTtl: 0, jwtSvidTtl: 0, federatesWith: [],
    admin: false, downstream: false, expiresAt: 0, dnsNames: [], revisionNumber: 0, storeSvid: false, hint: '', createdAt: 0,
    disableX509SvidPrefetch: false, jwtSvidIncludeJti: false, ...fields,
  };
}

/** Entries by agent ID; authorizedEntry answers only for the agent's own entries. */
export function fakeAuthorizedEntries(byAgent: Record<string, RegistrationEntry[]>): AuthorizedEntriesView & { lookups: string[] } {
  const lookups: string[] = [];
  return {
    lookups,
    authorizedEntries: (agentId) => byAgent[agentId] ?? [],
    authorizedEntry: (agentId, entryId) => {
      lookups.push(`${agentId} ${entryId}`);
      return (byAgent[agentId] ?? []).find((e) => e.id === entryId);
    },
    entriesBySpiffeId: () => [],
  };
}

/** Fails loudly if a test path touches the datastore (the SVID RPCs must not). */
const untouchedDatastore = new Proxy({}, {
  get(_target, property) {
    throw new Error(`the datastore was used (${String(property)}); the agent SVID RPCs read the authorized-entries view only`);
  },
}) as DataStore;

export interface AgentSvidFixture {
  svid: Client<typeof svidv1.SVID>;
  ca: TestSigningAuthority;
  jwtPublicKey: KeyObject;
  jwtRequests: MintJwtSvidRequest[];
  signerCalls: X509SvidSigningRequest[][];
  logger: ReturnType<typeof capturingLogger>;
}

export interface AgentSvidOptions {
  entries?: Record<string, RegistrationEntry[]>;
  caller?: CallerContext;
  /** false = no agent API deps at all */
  agentApi?: Partial<AgentApiDeps> | false;
  /** replaces the signing pool */
  signer?: X509SvidBatchSigner;
}

export async function withAgentSvidApi(fn: (f: AgentSvidFixture) => Promise<void>, options: AgentSvidOptions = {}): Promise<void> {
  const nowMs = () => START_SECONDS * 1000;
  const ca = createTestSigningAuthority({ now: START_SECONDS - 60, intermediate: true, defaultTtlSeconds: 3600 });
  const pool = createSigningPool({ authority: () => ca.authority, size: 0, now: nowMs });
  const signerCalls: X509SvidSigningRequest[][] = [];
  const signer = options.signer ?? pool;
  const jwtKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwtSigner = new JwtSvidSigner({ trustDomain: TD_NAME, privateKey: jwtKey.privateKey, keyId: JWT_KEY_ID, notAfter: START_SECONDS + 86_400 });
  const jwtRequests: MintJwtSvidRequest[] = [];
  const logger = capturingLogger();
  const agentApi: AgentApiDeps = {
    authorizedEntries: fakeAuthorizedEntries(options.entries ?? {}),
    signer: { signX509Svids: (requests) => { signerCalls.push([...requests]); return signer.signX509Svids(requests); } },
    nodeAttestors: new Map(),
    agentTtlSeconds: 0,
    ...(options.agentApi === false ? {} : options.agentApi),
  };
  const deps: ApiDeps = {
    datastore: untouchedDatastore, trustDomain: TrustDomain.parse(TD_NAME), clock: { nowMs }, logger,
    mintAuthority: {
      mintX509Svid: () => Promise.reject(new Error('MintX509SVID is not under test')),
      mintJwtSvid: async (request) => {
        jwtRequests.push(request);
        return jwtSigner.sign({ ...request, ttlSeconds: request.ttlSeconds === 0 ? 300 : request.ttlSeconds, now: START_SECONDS });
      },
    },
    agentApi: options.agentApi === false ? undefined : agentApi,
  };
  const caller = options.caller ?? agentCallerContext();
  const setCaller: Interceptor = (next) => (req) => {
    req.contextValues.set(callerKey, caller);
    return next(req);
  };
  const resolveRoles = async (c: CallerContext) => new Set<CallerRole>(c.kind === 'tls' && c.peer !== undefined ? ['agent'] : c.kind === 'local' ? ['local'] : []);
  const transport = createRouterTransport((router) => registerServerApi(router, deps, { localOnlyServices: false }), {
    router: { interceptors: [setCaller, ...serverApiInterceptors(deps, resolveRoles)] },
  });
  try {
    await fn({ svid: createClient(svidv1.SVID, transport), ca, jwtPublicKey: jwtKey.publicKey, jwtRequests, signerCalls, logger });
  } finally {
    await pool.close();
  }
}
