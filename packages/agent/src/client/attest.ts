/**
 * The agent side of Agent.AttestAgent: `params` first (attestation data + the CSR for the agent
 * SVID), then one `challenge_response` per server `challenge`, until the server sends `result`.
 */
import type { MessageInitShape } from '@bufbuild/protobuf';
import { agentv1, types } from '@tspire/proto';
import { AgentError } from '../errors.js';
import type { ChallengeResponder } from '../attestor/node/node-attestor.js';
import { openBidiStream, type BidiCall } from './bidi-stream.js';

type AttestRequestMessage = MessageInitShape<typeof agentv1.AttestAgentRequestSchema>;
export type AttestCall = BidiCall<AttestRequestMessage, agentv1.AttestAgentResponse>;

export interface AttestRequest {
  /** Attestation type, e.g. `join_token`, `x509pop`. */
  type: string;
  /** AttestationData.payload (non-empty). */
  payload: Uint8Array;
  /** DER CSR for the agent SVID (only its public key is used). */
  csrDer: Uint8Array;
  /** Answers server challenges; a challenge without it fails the attestation. */
  onChallenge?: ChallengeResponder;
}

export interface AttestResult {
  /** The agent X509-SVID: chain leaf first, ID and expiry. */
  svid: types.X509SVID;
  /** Whether the agent may attest again instead of renewing (x509pop yes, join_token no). */
  reattestable: boolean;
  /** How many challenges were answered. */
  challenges: number;
}

/** Drives one AttestAgent stream over `call`. */
export async function attestAgent(call: AttestCall, request: AttestRequest): Promise<AttestResult> {
  if (request.type === '') throw new AgentError('ERR_AGENT_INVALID_CLIENT_OPTIONS', 'AttestAgent needs an attestation type');
  if (request.payload.length === 0) throw new AgentError('ERR_AGENT_INVALID_CLIENT_OPTIONS', 'AttestAgent needs a non-empty payload');
  if (request.csrDer.length === 0) throw new AgentError('ERR_AGENT_INVALID_CLIENT_OPTIONS', 'AttestAgent needs a CSR');
  const stream = openBidiStream(call);
  stream.send({
    step: { case: 'params', value: { data: { type: request.type, payload: request.payload }, params: { csr: request.csrDer } } },
  });
  let challenges = 0;
  let result: AttestResult | undefined;
  try {
    // Read to the end of the stream, so the call finishes with the server's status (not a cancel).
    for (let response = await stream.receive(); response !== undefined; response = await stream.receive()) {
      const step = response.step;
      if (result !== undefined) throw badResponse('a message after the result');
      if (step.case === 'challenge') {
        if (request.onChallenge === undefined) throw badResponse(`the server sent a challenge, but attestation type "${request.type}" answers none`);
        challenges++;
        stream.send({ step: { case: 'challengeResponse', value: await request.onChallenge(step.value) } });
      } else if (step.case === 'result') {
        stream.closeSend();
        result = { svid: checkedSvid(step.value.svid), reattestable: step.value.reattestable, challenges };
      } else {
        throw badResponse('a response with neither challenge nor result');
      }
    }
    if (result === undefined) throw badResponse('the stream ended without a result');
    return result;
  } finally {
    await stream.dispose();
  }
}

/** An X509-SVID the server returned must at least have a certificate. */
export function checkedSvid(svid: types.X509SVID | undefined, what = 'AttestAgent'): types.X509SVID {
  if (svid === undefined || svid.certChain.length === 0 || svid.certChain.some((cert) => cert.length === 0)) {
    throw new AgentError('ERR_AGENT_BAD_SERVER_RESPONSE', `${what}: the server returned no X509-SVID certificate`);
  }
  return svid;
}

function badResponse(what: string): AgentError {
  return new AgentError('ERR_AGENT_BAD_SERVER_RESPONSE', `AttestAgent: ${what}`);
}
