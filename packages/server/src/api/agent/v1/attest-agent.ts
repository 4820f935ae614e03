// Agent.AttestAgent (bidirectional stream, callable without a certificate), as SPIRE runs it:
//   1. the first message must be `params` with data.type, data.payload and params.csr;
//   2. join_token is handled here (the token is consumed atomically, then its expiry checked);
//      any other type goes to the NodeAttestor of that name, whose challenges travel as
//      `challenge` / `challenge_response`;
//   3. the agent ID is checked (never the server's ID), a banned agent is refused, the CSR's
//      key is signed into the agent SVID (TTL agent_ttl), and the attested-node record and its
//      selectors are written in ONE transaction; the answer is `result{svid, reattestable}`.
// Unlike SPIRE, the CSR is verified before the join token is consumed, so a bad CSR cannot burn
// a token, and a consumed token is put back when a later step fails (signing, storage, ban),
// so a failed attestation changes nothing (an expired token stays consumed, as in SPIRE).
import type { HandlerContext } from '@connectrpc/connect';
import type { agentv1 } from '@tspire/proto';
import { SpiffeId } from '@tspire/spiffe';
import { isDatastoreError } from '../../../datastore/errors.js';
import type { Selector } from '../../../datastore/types.js';
import { callerOf } from '../../caller.js';
import { serverId } from '../../convert/spiffe-id.js';
import type { AgentApiDeps, ResolvedDeps } from '../../deps.js';
import { ApiError, internal, invalidArgument, unimplemented, withContext } from '../../errors.js';
import { checkAgentCsr, signAgentSvid } from './agent-svid.js';
import { relayChallenges, type AttestAgentResponseInit } from './challenge-relay.js';
import { JOIN_TOKEN_TYPE, attestJoinToken } from './join-token-attestation.js';

/** experimental.agent_spiffe_id_as_selector adds `spiffe_id:<agent ID>` (the type CreateJoinToken aliases use). */
const AGENT_ID_SELECTOR_TYPE = 'spiffe_id';

/** What an attestation established, before anything is stored. */
export interface Attestation {
  agentId: string;
  attestationType: string;
  selectors: Selector[];
  canReattest: boolean;
  /** Reverts what the attestation itself changed (a consumed join token) when a later step fails. */
  undo?: () => Promise<void>;
}

interface AttestParams {
  type: string;
  payload: Uint8Array;
  csr: Uint8Array;
}

/** The AttestAgent handler for the Agent service. */
export function createAttestAgent(deps: ResolvedDeps) {
  return async function* attestAgent(
    requests: AsyncIterable<agentv1.AttestAgentRequest>,
    ctx: HandlerContext,
  ): AsyncGenerator<AttestAgentResponseInit> {
    const agentApi = deps.agentApi;
    if (agentApi === undefined) throw unimplemented('AttestAgent');
    const stream = requests[Symbol.asyncIterator]();
    const first = await stream.next();
    const params = checkParams(first.done === true ? undefined : first.value);
    checkAgentCsr(params.csr);
    let attestation: Attestation;
    if (params.type === JOIN_TOKEN_TYPE) {
      attestation = await attestJoinToken(deps, params.payload);
    } else {
      const attestor = agentApi.nodeAttestors.get(params.type);
      if (attestor === undefined) {
        throw new ApiError('ERR_API_FAILED_PRECONDITION', `error getting node attestor: could not find node attestor type ${JSON.stringify(params.type)}`);
      }
      const caller = callerOf(ctx.values);
      const result = yield* relayChallenges(attestor, {
        payload: params.payload,
        trustDomain: deps.trustDomain.name,
        remoteAddress: caller.kind === 'tls' ? caller.remoteAddress : '',
      }, stream);
      attestation = {
        agentId: result.agentId,
        attestationType: params.type,
        selectors: result.selectorValues.map((value) => ({ type: params.type, value })),
        canReattest: result.canReattest,
      };
    }
    let response: AttestAgentResponseInit;
    try {
      response = await completeAttestation(deps, agentApi, attestation, params.csr);
    } catch (err) {
      await attestation.undo?.();
      throw err;
    }
    yield response;
  };
}

/** SPIRE's parameter checks, in its order and words. */
function checkParams(request: agentv1.AttestAgentRequest | undefined): AttestParams {
  const missing = (what: string): never => { throw invalidArgument(`malformed param: missing ${what}`); };
  const params = request?.step.case === 'params' ? request.step.value : missing('params');
  const data = params.data ?? missing('attestation data');
  const csr = params.params?.csr ?? missing('X509-SVID parameters');
  if (csr.length === 0) missing('CSR');
  if (data.type === '') missing('attestation data type');
  if (data.payload.length === 0) missing('attestation data payload');
  return { type: data.type, payload: data.payload, csr };
}

/** Steps 3-9: agent ID checks, ban check, signing, the one-transaction write. */
async function completeAttestation(deps: ResolvedDeps, agentApi: AgentApiDeps, attestation: Attestation, csr: Uint8Array): Promise<AttestAgentResponseInit> {
  const { agentId, attestationType } = attestation;
  checkAgentId(deps, agentId, attestationType);
  const existing = await deps.datastore.fetchAttestedNode(agentId)
    .catch((err: unknown) => { throw withContext('failed to fetch agent', err); });
  if (existing !== null && existing.certSerialNumber === '') throw banned();
  const selectors = [...attestation.selectors];
  if (agentApi.agentSpiffeIdAsSelector === true) selectors.push({ type: AGENT_ID_SELECTOR_TYPE, value: agentId });
  const agentSvid = await signAgentSvid(agentApi, agentId, csr);
  try {
    await deps.datastore.recordNodeAttestation({
      spiffeId: agentId,
      attestationType,
      certSerialNumber: agentSvid.serialNumber,
      certNotAfter: agentSvid.expiresAt,
      newCertSerialNumber: '',
      newCertNotAfter: 0,
      canReattest: attestation.canReattest,
      agentVersion: '',
    }, dedupe(selectors));
  } catch (err) {
    // The ban may have landed after our check; the transaction re-checks it.
    if (isDatastoreError(err, 'ERR_DATASTORE_FAILED_PRECONDITION')) throw banned();
    throw withContext('failed to record attested agent', err);
  }
  deps.logger.info('Agent attestation request completed', {
    agent_id: agentId, node_attestor_type: attestationType, svid_serial_number: agentSvid.serialNumber,
  });
  return { step: { case: 'result', value: { svid: agentSvid.svid, reattestable: attestation.canReattest } } };
}

function checkAgentId(deps: ResolvedDeps, agentId: string, attestationType: string): void {
  let id: SpiffeId;
  try {
    id = SpiffeId.parse(agentId);
  } catch (err) {
    throw internal('invalid agent ID', err);
  }
  if (!id.memberOf(deps.trustDomain)) throw internal(`agent ID ${JSON.stringify(agentId)} is not a member of trust domain ${JSON.stringify(deps.trustDomain.name)}`, undefined);
  if (agentId === serverId(deps.trustDomain)) throw internal('agent ID cannot be the server ID', undefined);
  if (!id.path.startsWith(`/spire/agent/${attestationType}/`)) {
    // SPIRE only warns: deployments use agent_path_template outside the attestor's namespace.
    deps.logger.warn('The node attestor produced an agent ID outside its reserved namespace', {
      agent_id: agentId, node_attestor_type: attestationType, expected_prefix: `/spire/agent/${attestationType}/`,
    });
  }
}

function dedupe(selectors: readonly Selector[]): Selector[] {
  const seen = new Set<string>();
  return selectors.filter((s) => {
    const key = `${s.type}\u0000${s.value}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const banned = (): ApiError => new ApiError('ERR_API_PERMISSION_DENIED', 'failed to attest: agent is banned');
