/**
 * A server-side node attestor: checks what an agent sends in AttestAgent and says who the agent
 * is. `join_token` is handled by the Agent service itself (SPIRE never calls a plugin for it);
 * every other type (x509pop, ...) implements this interface and is looked up by its name.
 */

/** Sends one challenge to the agent on the AttestAgent stream and resolves with its answer. */
export type ChallengeExchange = (challenge: Uint8Array) => Promise<Uint8Array>;

export interface NodeAttestationRequest {
  /** `AttestationData.payload` from the first `params` message (non-empty). */
  payload: Uint8Array;
  /** Trust domain name of this server (`example.org`). */
  trustDomain: string;
  /** Remote IP of the agent's connection, for attestors that check it. */
  remoteAddress: string;
  challenge: ChallengeExchange;
}

export interface NodeAttestationResult {
  /** Canonical agent SPIFFE ID in this trust domain. */
  agentId: string;
  /** Selector values; the server stores them with type = the attestor's name. */
  selectorValues: string[];
  /** Whether the agent may run AttestAgent again instead of RenewAgent. */
  canReattest: boolean;
}

export interface NodeAttestor {
  /** The attestation type / plugin name, e.g. `x509pop`. */
  readonly name: string;
  /**
   * Verifies the payload (and challenge responses). Throws a TspireError whose message says
   * what is wrong; the Agent service maps it to a gRPC status without changing anything.
   */
  attest(request: NodeAttestationRequest): Promise<NodeAttestationResult>;
}
