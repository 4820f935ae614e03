// spire.api.server.svid.v1.SVID: admin minting of X509-SVIDs and JWT-SVIDs through the
// injected MintAuthority; the agent-facing BatchNewX509SVID and NewJWTSVID live in their own files.
import type { ServiceImpl } from '@connectrpc/connect';
import type { svidv1 } from '@tspire/proto';
import { SpiffeError, SpiffeId } from '@tspire/spiffe';
import { checkDnsName } from '../../convert/dns-name.js';
import { idToProto, isReservedPath, workloadIdFromProto } from '../../convert/spiffe-id.js';
import { resolveDeps, type ApiDeps } from '../../deps.js';
import { internal, invalidArgument, unimplemented } from '../../errors.js';
import { batchNewX509Svid } from './batch-new-x509-svid.js';
import { readCsr } from './csr.js';
import { newJwtSvid } from './new-jwt-svid.js';

export function createSvidService(apiDeps: ApiDeps): ServiceImpl<typeof svidv1.SVID> {
  const deps = resolveDeps(apiDeps);
  const { trustDomain: td, mintAuthority, logger } = deps;

  function csrSpiffeId(uris: readonly string[]): SpiffeId {
    if (uris.length === 0) throw invalidArgument('CSR URI SAN is required');
    if (uris.length > 1) throw invalidArgument('only one URI SAN is expected');
    let id: SpiffeId;
    try {
      id = SpiffeId.parse(uris[0] ?? '');
    } catch (err) {
      if (err instanceof SpiffeError) throw invalidArgument(`CSR URI SAN is invalid: ${err.message}`);
      throw err;
    }
    if (!id.memberOf(td) || id.path === '') {
      throw invalidArgument(`CSR URI SAN is invalid: ${JSON.stringify(id.toString())} is not a member of trust domain ${JSON.stringify(td.name)}`);
    }
    if (isReservedPath(id.path)) throw invalidArgument(`CSR URI SAN is invalid: ${JSON.stringify(id.toString())} is in the reserved "/spire/*" namespace`);
    return id;
  }

  return {
    async mintX509SVID(req) {
      if (req.ttl < 0) throw invalidArgument(`invalid ttl: must not be negative, got ${req.ttl}`);
      const csr = await readCsr(req.csr);
      const id = csrSpiffeId(csr.uris);
      const dnsNames = csr.dnsNames.map((name) => checkDnsName(name, 'invalid CSR DNS name'));
      const minted = await mintAuthority
        .mintX509Svid({ spiffeId: id.toString(), publicKeyDer: csr.publicKeyDer, dnsNames, ttlSeconds: req.ttl })
        .catch((err: unknown) => { throw internal('failed to sign X509-SVID', err); });
      logger.debug('X509-SVID minted', { spiffe_id: id.toString(), expires_at: minted.expiresAt });
      return { svid: { certChain: minted.certChainDer, id: idToProto(id), expiresAt: BigInt(minted.expiresAt) } };
    },

    async mintJWTSVID(req) {
      const id = workloadIdFromProto(req.id, td, 'invalid SPIFFE ID');
      if (req.audience.length === 0) throw invalidArgument('at least one audience is required');
      if (req.audience.some((a) => a === '')) throw invalidArgument('audience values must not be empty');
      if (req.ttl < 0) throw invalidArgument(`invalid ttl: must not be negative, got ${req.ttl}`);
      const minted = await mintAuthority
        .mintJwtSvid({ spiffeId: id.toString(), audience: [...req.audience], ttlSeconds: req.ttl })
        .catch((err: unknown) => { throw internal('failed to sign JWT-SVID', err); });
      return {
        svid: { token: minted.token, id: idToProto(id), issuedAt: BigInt(minted.issuedAt), expiresAt: BigInt(minted.expiresAt) },
      };
    },

    mintWITSVID() {
      throw unimplemented('MintWITSVID');
    },
    batchNewX509SVID: batchNewX509Svid(deps),
    newJWTSVID: newJwtSvid(deps),
    batchNewWITSVID() {
      throw unimplemented('BatchNewWITSVID');
    },
    newDownstreamX509CA() {
      throw unimplemented('NewDownstreamX509CA');
    },
  };
}
