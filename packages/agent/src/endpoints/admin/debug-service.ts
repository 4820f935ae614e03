/**
 * spire.agent.debug.v1.Debug on the admin socket: GetInfo reports the agent SVID chain, uptime,
 * the last successful sync and how many SVIDs the cache holds, as SPIRE's agent answers it.
 */
import { X509Certificate } from 'node:crypto';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import type { Clock } from '@tspire/common';
import type { agentdebugv1 } from '@tspire/proto';
import { SpiffeId } from '@tspire/spiffe';

/** What GetInfo reads; AgentManager provides it (see agent.ts). */
export interface AgentDebugSource {
  readonly agentSvidChainDer: readonly Uint8Array[] | undefined;
  readonly lastSyncSuccessMs: number | undefined;
  readonly x509SvidCount: number;
  readonly jwtSvidCount: number;
}

export interface AgentDebugServiceDeps {
  readonly source: AgentDebugSource;
  readonly clock: Clock;
  /** When the agent started (ms): uptime counts from here. */
  readonly startedAtMs: number;
}

type CertInfo = MessageInitShape<typeof agentdebugv1.GetInfoResponse_CertSchema>;

/**
 * @example router.service(agentdebugv1.Debug, createAgentDebugService({ source, clock, startedAtMs: clock.nowMs() }))
 */
export function createAgentDebugService(deps: AgentDebugServiceDeps): ServiceImpl<typeof agentdebugv1.Debug> {
  return {
    getInfo() {
      const { source, clock } = deps;
      const x509Count = source.x509SvidCount;
      return {
        svidChain: (source.agentSvidChainDer ?? []).map(certInfo),
        uptime: Math.max(0, Math.floor((clock.nowMs() - deps.startedAtMs) / 1000)),
        // svids_count is deprecated; SPIRE still fills it with the X509-SVID count.
        svidsCount: x509Count,
        lastSyncSuccess: source.lastSyncSuccessMs === undefined ? 0n : BigInt(Math.floor(source.lastSyncSuccessMs / 1000)),
        cachedX509SvidsCount: x509Count,
        cachedJwtSvidsCount: source.jwtSvidCount,
        cachedSvidstoreX509SvidsCount: 0,
      };
    },
  };
}

/** One chain certificate: its SPIFFE ID (when it has one), expiry (Unix s) and subject as Go prints it. */
export function certInfo(der: Uint8Array): CertInfo {
  const cert = new X509Certificate(der);
  const id = spiffeIdOf(cert);
  return {
    ...(id ? { id } : {}),
    expiresAt: BigInt(Math.floor(new Date(cert.validTo).getTime() / 1000)),
    subject: goSubjectString(cert),
  };
}

function spiffeIdOf(cert: X509Certificate): CertInfo['id'] | undefined {
  const uri = (cert.subjectAltName ?? '').split(', ').find((name) => name.startsWith('URI:spiffe://'));
  if (uri === undefined) return undefined;
  try {
    const id = SpiffeId.parse(uri.slice('URI:'.length));
    return { trustDomain: id.trustDomain.name, path: id.path };
  } catch {
    return undefined;
  }
}

/** Go's pkix.Name.String(): the RDNs last to first, comma-separated (`O=SPIRE,C=US`). */
function goSubjectString(cert: X509Certificate): string {
  // node gives `undefined` (despite its type) for an empty subject.
  const subject = (cert.subject as string | undefined) ?? '';
  return subject.split('\n').filter((rdn) => rdn !== '').reverse().join(',');
}
