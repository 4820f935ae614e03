// SVID.NewJWTSVID: an agent asks for a JWT-SVID for an entry it is authorized for (on a
// workload's demand), signed with the current JWT key; TTL = the entry's jwt_svid_ttl or default,
// and a random `jti` when the entry has jwt_svid_include_jti.
import type { HandlerContext } from '@connectrpc/connect';
import { create } from '@bufbuild/protobuf';
import { svidv1, types } from '@tspire/proto';
import { idToProto } from '../../convert/spiffe-id.js';
import type { ResolvedDeps } from '../../deps.js';
import { ApiError, invalidArgument, notFound, withContext } from '../../errors.js';
import { agentCaller } from './agent-caller.js';

export function newJwtSvid(deps: ResolvedDeps) {
  const { mintAuthority } = deps;
  return async (req: svidv1.NewJWTSVIDRequest, ctx: HandlerContext): Promise<svidv1.NewJWTSVIDResponse> => {
    const { agentApi, agentId } = agentCaller(deps, ctx, 'NewJWTSVID');
    if (agentApi.disableJwtSvids === true) throw new ApiError('ERR_API_UNIMPLEMENTED', 'JWT functionality is disabled');
    const entry = req.entryId === '' ? undefined : agentApi.authorizedEntries.authorizedEntry(agentId, req.entryId);
    if (entry === undefined) throw notFound('entry not found or not authorized');
    if (req.audience.length === 0) throw invalidArgument('at least one audience is required');
    if (req.audience.some((audience) => audience === '')) throw invalidArgument('audience values must not be empty');
    const minted = await mintAuthority
      .mintJwtSvid({ spiffeId: entry.spiffeId, audience: [...req.audience], ttlSeconds: entry.jwtSvidTtl, includeJti: entry.jwtSvidIncludeJti })
      .catch((err: unknown) => { throw withContext('failed to sign JWT-SVID', err); });
    const svid = create(types.JWTSVIDSchema, {
      token: minted.token, id: idToProto(entry.spiffeId), expiresAt: BigInt(minted.expiresAt), issuedAt: BigInt(minted.issuedAt),
    });
    return create(svidv1.NewJWTSVIDResponseSchema, { svid });
  };
}
