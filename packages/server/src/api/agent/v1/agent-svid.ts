// Agent X509-SVIDs for AttestAgent and RenewAgent: the CSR check done before anything is
// consumed, signing through the batch signer, and the record fields (decimal serial, expiry).
import { create } from '@bufbuild/protobuf';
import { TspireError, errorCodeInfo, type ErrorCode } from '@tspire/common';
import { types } from '@tspire/proto';
import { parseCsr } from '../../../ca/csr.js';
import { idToProto } from '../../convert/spiffe-id.js';
import type { AgentApiDeps } from '../../deps.js';
import { internal, withContext } from '../../errors.js';

export interface AgentSvid {
  svid: types.X509SVID;
  /** Leaf serial in decimal, as attested-node records and TlsPeer hold it. */
  serialNumber: string;
  /** Leaf notAfter, unix seconds. */
  expiresAt: number;
}

/**
 * Parses the agent's CSR and verifies its signature and key type, so a bad CSR is refused
 * (InvalidArgument with the reason) before a join token is consumed or a challenge is sent.
 */
export function checkAgentCsr(csrDer: Uint8Array): void {
  try {
    parseCsr(csrDer);
  } catch (err) {
    throw withContext('invalid CSR', err);
  }
}

/**
 * Signs the agent SVID (TTL agent_ttl; only the CSR's public key is used).
 * @example const { svid, serialNumber, expiresAt } = await signAgentSvid(agentApi, agentId, csr);
 */
export async function signAgentSvid(agentApi: AgentApiDeps, agentId: string, csrDer: Uint8Array): Promise<AgentSvid> {
  const [result] = await agentApi.signer.signX509Svids([
    { spiffeId: agentId, csrDer, dnsNames: [], ttlSeconds: agentApi.agentTtlSeconds },
  ]).catch((err: unknown) => { throw withContext('failed to sign X509 SVID', err); });
  if (result === undefined) throw internal('failed to sign X509 SVID', new Error('the signer returned no result'));
  if (!result.ok) {
    const cause = errorCodeInfo(result.code) === undefined
      ? new Error(`${result.code}: ${result.message}`)
      : new TspireError(result.code as ErrorCode, result.message);
    throw withContext('failed to sign X509 SVID', cause);
  }
  const leaf = result.certChainDer[0];
  if (leaf === undefined || !/^[0-9a-f]+$/i.test(result.serialHex)) {
    throw internal('failed to sign X509 SVID', new Error('the signer returned no certificate or serial'));
  }
  return {
    svid: create(types.X509SVIDSchema, { id: idToProto(agentId), certChain: result.certChainDer, expiresAt: BigInt(result.expiresAt) }),
    serialNumber: BigInt(`0x${result.serialHex}`).toString(),
    expiresAt: result.expiresAt,
  };
}
