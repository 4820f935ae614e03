// join_token attestation, done by the Agent service itself (SPIRE never calls a plugin for
// it). The token is consumed with one atomic DELETE ... RETURNING, so of agents racing with one
// token exactly one gets it; it is gone before the expiry check (single use even when expired).
import { isDatastoreError } from '../../../datastore/errors.js';
import type { JoinToken } from '../../../datastore/types.js';
import { joinTokenAgentId } from '../../convert/spiffe-id.js';
import type { ResolvedDeps } from '../../deps.js';
import { internal, invalidArgument, withContext } from '../../errors.js';
import type { Attestation } from './attest-agent.js';

export const JOIN_TOKEN_TYPE = 'join_token';

/**
 * Consumes the token in `payload` and names the agent `spiffe://<td>/spire/agent/join_token/<token>`
 * (no selectors, not re-attestable). `undo` puts the token back if a later step fails.
 */
export async function attestJoinToken(deps: Pick<ResolvedDeps, 'datastore' | 'trustDomain' | 'clock' | 'logger'>, payload: Uint8Array): Promise<Attestation> {
  const token = Buffer.from(payload).toString('utf8');
  const consumed = await deps.datastore.consumeJoinToken(token)
    .catch((err: unknown) => { throw withContext('failed to fetch join token', err); });
  if (consumed === null) throw invalidArgument('failed to attest: join token does not exist or has already been used');
  if (consumed.expiresAt * 1000 < deps.clock.nowMs()) throw invalidArgument('join token expired');
  let agentId: string;
  try {
    agentId = joinTokenAgentId(deps.trustDomain, token);
  } catch (err) {
    await restore(deps, consumed);
    throw internal('failed to create join token ID', err);
  }
  return {
    agentId,
    attestationType: JOIN_TOKEN_TYPE,
    selectors: [],
    canReattest: false,
    undo: () => restore(deps, consumed),
  };
}

/** Puts a consumed token back (best effort: a failure is logged, never hides the real error). */
async function restore(deps: Pick<ResolvedDeps, 'datastore' | 'logger'>, token: JoinToken): Promise<void> {
  try {
    await deps.datastore.createJoinToken(token);
  } catch (err) {
    // Never log the token itself.
    deps.logger.warn('Could not restore a join token after a failed attestation', {
      error: isDatastoreError(err) ? err.code : err instanceof Error ? err.message : String(err),
    });
  }
}
