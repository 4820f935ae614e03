// SVID.BatchNewX509SVID: an agent asks for X509-SVIDs for entries it is authorized for, one CSR
// per entry. Per-item checks and messages follow SPIRE (spire-compat 1.5); every authorized
// item is signed in ONE call to the batch signer, which spreads it over its worker threads.
import { Code, type HandlerContext } from '@connectrpc/connect';
import { create } from '@bufbuild/protobuf';
import { errorCodeInfo } from '@tspire/common';
import { svidv1, types } from '@tspire/proto';
import type { RegistrationEntry } from '../../../datastore/types.js';
import { idToProto } from '../../convert/spiffe-id.js';
import type { ApiLogger, ResolvedDeps, X509SvidSigningRequest, X509SvidSigningResult } from '../../deps.js';
import { invalidArgument, notFound, okStatus, statusOf, withContext } from '../../errors.js';
import { agentCaller } from './agent-caller.js';

type Result = svidv1.BatchNewX509SVIDResponse_Result;
type Failure = Extract<X509SvidSigningResult, { ok: false }>;

const result = (status: types.Status, svid?: types.X509SVID): Result =>
  create(svidv1.BatchNewX509SVIDResponse_ResultSchema, svid === undefined ? { status } : { status, svid });

/** SPIRE's wording for CSR problems; other failures say the signing failed and why. */
function failureMessage(failure: Failure): string {
  switch (failure.code) {
    case 'ERR_CA_MALFORMED_CSR':
      return failure.message.startsWith('malformed CSR') ? failure.message : `malformed CSR: ${failure.message}`;
    case 'ERR_CA_UNSUPPORTED_KEY_TYPE':
      return `malformed CSR: ${failure.message}`;
    case 'ERR_CA_BAD_CSR_SIGNATURE':
    case 'ERR_CA_UNSUPPORTED_CSR_SIGNATURE_ALGORITHM':
      return `invalid CSR signature: ${failure.message}`;
    case 'ERR_CA_CSR_URI_MISMATCH':
      return failure.message;
    default:
      return `failed to sign X509-SVID: ${failure.message}`;
  }
}

/** The status of an item the signer refused; internal details are logged, never sent. */
function failureStatus(failure: Failure, entryId: string, logger: ApiLogger): types.Status {
  const grpc = errorCodeInfo(failure.code)?.grpc ?? Code.Internal;
  if (grpc === Code.Internal) {
    logger.error('Failed to sign X509-SVID', { entry_id: entryId, code: failure.code, error: failure.message });
    return create(types.StatusSchema, { code: Code.Internal, message: 'failed to sign X509-SVID' });
  }
  return create(types.StatusSchema, { code: grpc, message: failureMessage(failure) });
}

export function batchNewX509Svid(deps: ResolvedDeps) {
  const { logger } = deps;
  return async (req: svidv1.BatchNewX509SVIDRequest, ctx: HandlerContext): Promise<svidv1.BatchNewX509SVIDResponse> => {
    const { agentApi, agentId } = agentCaller(deps, ctx, 'BatchNewX509SVID');
    if (req.params.length === 0) throw invalidArgument('missing parameters');
    /** The entry to sign for, or why the item is refused (checked in SPIRE's order). */
    const authorizedEntryOf = (param: svidv1.NewX509SVIDParams): RegistrationEntry | Error => {
      if (param.entryId === '') return invalidArgument('missing entry ID');
      if (param.csr.length === 0) return invalidArgument('missing CSR');
      return agentApi.authorizedEntries.authorizedEntry(agentId, param.entryId) ?? notFound('entry not found or not authorized');
    };
    const results = new Array<Result>(req.params.length);
    const toSign: X509SvidSigningRequest[] = [];
    const signedAt: number[] = []; // index in results of each toSign item
    req.params.forEach((param, i) => {
      const entry = authorizedEntryOf(param);
      if (entry instanceof Error) {
        results[i] = result(statusOf(entry, logger));
        return;
      }
      toSign.push({ spiffeId: entry.spiffeId, csrDer: param.csr, dnsNames: entry.dnsNames, ttlSeconds: entry.x509SvidTtl, checkCsrUri: true });
      signedAt.push(i);
    });
    if (toSign.length > 0) {
      const signed = await agentApi.signer.signX509Svids(toSign).catch((err: unknown) => { throw withContext('failed to sign X509-SVIDs', err); });
      signed.forEach((outcome, k) => {
        const i = signedAt[k]!;
        const request = toSign[k]!;
        if (!outcome.ok) {
          logger.debug('X509-SVID not signed', { agent_id: agentId, entry_id: req.params[i]!.entryId, code: outcome.code, reason: outcome.message });
          results[i] = result(failureStatus(outcome, req.params[i]!.entryId, logger));
          return;
        }
        const svid = create(types.X509SVIDSchema, { id: idToProto(request.spiffeId), certChain: outcome.certChainDer, expiresAt: BigInt(outcome.expiresAt) });
        results[i] = result(okStatus(), svid);
      });
    }
    return create(svidv1.BatchNewX509SVIDResponseSchema, { results });
  };
}
