// Runs a NodeAttestor inside the AttestAgent stream. The attestor asks for challenges through
// a callback (send this, give me the answer); the stream handler is a generator that must yield
// what it sends. This relay turns one into the other: each challenge the attestor issues is
// yielded as `challenge`, and the next request's `challenge_response` resolves the callback.
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { agentv1 } from '@tspire/proto';
import type { NodeAttestationRequest, NodeAttestationResult, NodeAttestor } from '../../../attestor/node/node-attestor.js';
import { invalidArgument } from '../../errors.js';

export type AttestAgentResponseInit = MessageInitShape<typeof agentv1.AttestAgentResponseSchema>;

type RelayEvent =
  | { kind: 'challenge'; challenge: Uint8Array }
  | { kind: 'done'; result: NodeAttestationResult }
  | { kind: 'failed'; error: unknown };

/**
 * Yields the attestor's challenges and returns its result (or throws its error). When the
 * agent's stream ends or sends something else instead of an answer, the attestor's exchange
 * fails with InvalidArgument and the attestation ends with nothing recorded.
 */
export async function* relayChallenges(
  attestor: NodeAttestor,
  request: Omit<NodeAttestationRequest, 'challenge'>,
  requests: AsyncIterator<agentv1.AttestAgentRequest>,
): AsyncGenerator<AttestAgentResponseInit, NodeAttestationResult> {
  const events: RelayEvent[] = [];
  let wake: (() => void) | undefined;
  const emit = (event: RelayEvent): void => {
    events.push(event);
    wake?.();
    wake = undefined;
  };
  const exchange = async (challenge: Uint8Array): Promise<Uint8Array> => {
    emit({ kind: 'challenge', challenge });
    return readChallengeResponse(requests);
  };
  attestor.attest({ ...request, challenge: exchange }).then(
    (result) => emit({ kind: 'done', result }),
    (error: unknown) => emit({ kind: 'failed', error }),
  );
  for (;;) {
    if (events.length === 0) await new Promise<void>((resolve) => { wake = resolve; });
    const event = events.shift()!;
    if (event.kind === 'challenge') yield { step: { case: 'challenge', value: event.challenge } };
    else if (event.kind === 'done') return event.result;
    else throw event.error;
  }
}

async function readChallengeResponse(requests: AsyncIterator<agentv1.AttestAgentRequest>): Promise<Uint8Array> {
  const next = await requests.next();
  if (next.done === true) throw invalidArgument('failed to receive challenge response: the agent closed the stream');
  if (next.value.step.case !== 'challengeResponse') throw invalidArgument('expected a challenge_response after the challenge');
  return next.value.step.value;
}
