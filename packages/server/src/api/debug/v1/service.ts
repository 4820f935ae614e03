// spire.api.server.debug.v1.Debug.GetInfo: uptime, the server SVID chain and record counts.
import type { ServiceImpl } from '@connectrpc/connect';
import type { debugv1 } from '@tspire/proto';
import { idToProto } from '../../convert/spiffe-id.js';
import { resolveDeps, type ApiDeps } from '../../deps.js';

export function createDebugService(apiDeps: ApiDeps): ServiceImpl<typeof debugv1.Debug> {
  const deps = resolveDeps(apiDeps);
  const { datastore: ds, trustDomain: td } = deps;
  return {
    async getInfo() {
      const [agentsCount, entriesCount, bundlesCount, ownBundle] = await Promise.all([
        ds.countAttestedNodes(), ds.countEntries(), ds.countBundles(), ds.fetchBundle(td.idString()),
      ]);
      return {
        uptime: Math.max(0, Math.floor((deps.clock.nowMs() - deps.startedAtMs) / 1000)),
        agentsCount,
        entriesCount,
        federatedBundlesCount: bundlesCount - (ownBundle === null ? 0 : 1),
        svidChain: deps.serverSvidChain().map((c) => ({ id: idToProto(c.spiffeId), expiresAt: BigInt(c.expiresAt), subject: c.subject })),
      };
    },
  };
}
