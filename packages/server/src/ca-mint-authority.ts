/** Adapts the CA manager to the small MintAuthority interface the SVID service consumes. */
import type { CaManager } from './ca/manager.js';
import type { MintAuthority } from './api/deps.js';

export function caMintAuthority(ca: CaManager): MintAuthority {
  return {
    async mintX509Svid(request) {
      const svid = ca.signX509Svid({
        spiffeId: request.spiffeId,
        publicKey: request.publicKeyDer,
        dnsNames: request.dnsNames,
        ...(request.ttlSeconds > 0 ? { ttlSeconds: request.ttlSeconds } : {}),
      });
      return { certChainDer: svid.chain, expiresAt: svid.expiresAt };
    },
    async mintJwtSvid(request) {
      const svid = ca.signJwtSvid({
        spiffeId: request.spiffeId,
        audience: request.audience,
        ...(request.ttlSeconds > 0 ? { ttlSeconds: request.ttlSeconds } : {}),
        ...(request.includeJti === undefined ? {} : { includeJti: request.includeJti }),
      });
      return { token: svid.token, issuedAt: svid.issuedAt, expiresAt: svid.expiresAt };
    },
  };
}
