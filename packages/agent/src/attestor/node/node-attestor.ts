/**
 * The agent side of node attestation: what the agent sends in AttestAgent and how it answers
 * the server's challenges. One attestation is one `begin()`, so an attestor can re-read its
 * files each time (certificates rotated on disk are picked up, as SPIRE's agent does).
 */

/** Answers one server challenge on the AttestAgent stream. */
export type ChallengeResponder = (challenge: Uint8Array) => Promise<Uint8Array>;

/** What one attestation sends: the AttestationData payload and the challenge responder. */
export interface NodeAttestation {
  /** `AttestationData.payload` (non-empty). */
  payload: Uint8Array;
  /** Absent for attestors whose server side never challenges (join_token). */
  answerChallenge?: ChallengeResponder;
}

export interface AgentNodeAttestor {
  /** The attestation type / plugin name, e.g. `x509pop`, `join_token`. */
  readonly type: string;
  begin(): Promise<NodeAttestation>;
}

/**
 * The built-in `join_token` attestor: the payload is the token itself, there is no challenge.
 * @example await client.attest({ ...(await joinTokenAttestor(token).begin()), type: 'join_token', csrDer });
 */
export function joinTokenAttestor(token: string): AgentNodeAttestor {
  if (token.length === 0) throw new TypeError('a join token must not be empty');
  const payload = new Uint8Array(Buffer.from(token, 'utf8'));
  return { type: 'join_token', begin: async () => ({ payload }) };
}
