/**
 * spire.api.agent.delegatedidentity.v1.DelegatedIdentity on the admin socket: a trusted delegate
 * (e.g. a node-level proxy) obtains the SVIDs and bundles of workloads it acts for. The caller is
 * attested with the workload attestors like a Workload API caller, and one of the entries it
 * matches must name a SPIFFE ID listed in `authorized_delegates`. The workload acted for is given
 * by its selectors or by its PID (attested here). Admin and downstream entries never reach the
 * agent's cache, so they are never handed out.
 */
import { create, toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import type { Logger } from '@tspire/common';
import { delegatedidentityv1, type types } from '@tspire/proto';
import type { SpiffeBundle, SpiffeId } from '@tspire/spiffe';
import { callerSelectors } from '../workload/caller.js';
import type { Selector, WorkloadIdentitySource, WorkloadUpdate } from '../workload/identity-source.js';
import { federatedBundlesFor, jwksBytes, sortedIdentities } from '../workload/responses.js';
import { watchUpdates } from '../workload/update-watch.js';

export const NOT_AUTHORIZED_DELEGATE_MESSAGE = 'caller not configured as an authorized delegate';

export interface DelegatedIdentityDeps {
  readonly identities: WorkloadIdentitySource;
  /** `authorized_delegates`: SPIFFE IDs whose workloads may call this API. */
  readonly authorizedDelegates: readonly SpiffeId[];
  /** Attests a process by PID with the workload attestors (the `pid` request field). */
  readonly attestPid: (pid: number) => Promise<readonly Selector[]>;
  readonly logger: Logger;
}

/**
 * @example router.service(delegatedidentityv1.DelegatedIdentity, createDelegatedIdentityService({ identities, authorizedDelegates, attestPid, logger }))
 */
export function createDelegatedIdentityService(deps: DelegatedIdentityDeps): ServiceImpl<typeof delegatedidentityv1.DelegatedIdentity> {
  const authorize = async (ctx: HandlerContext): Promise<void> => {
    const selectors = await callerSelectors(ctx);
    const callerIds = deps.identities.matchingIdentities(selectors).identities.map((identity) => identity.spiffeId);
    if (!callerIds.some((id) => deps.authorizedDelegates.some((delegate) => delegate.equals(id)))) {
      deps.logger.warn('Permission denied; caller not configured as an authorized delegate', { caller_ids: callerIds.map(String), selectors: selectors.map((s) => `${s.type}:${s.value}`) });
      throw new ConnectError(NOT_AUTHORIZED_DELEGATE_MESSAGE, Code.PermissionDenied);
    }
  };
  const targetSelectors = async (requested: readonly types.Selector[], pid: number): Promise<readonly Selector[]> => {
    if (requested.length > 0 && pid !== 0) throw new ConnectError('cannot specify both selectors and pid', Code.InvalidArgument);
    if (requested.length === 0 && pid === 0) throw new ConnectError('either selectors or a non-zero pid must be specified', Code.InvalidArgument);
    if (pid !== 0) {
      if (pid < 0) throw new ConnectError(`invalid pid ${pid}`, Code.InvalidArgument);
      try {
        return await deps.attestPid(pid);
      } catch (err) {
        deps.logger.error('Workload attestation by PID failed', { pid, error: (err as Error).message });
        throw new ConnectError('workload attestation failed', Code.Unavailable);
      }
    }
    return requested.map(({ type, value }, i) => {
      if (type === '' || value === '') throw new ConnectError(`selector ${i} must have a type and a value`, Code.InvalidArgument);
      return { type, value };
    });
  };

  return {
    async *subscribeToX509SVIDs(req, ctx) {
      await authorize(ctx);
      const selectors = await targetSelectors(req.selectors, req.pid);
      yield* changesOnly(delegatedidentityv1.SubscribeToX509SVIDsResponseSchema, watchUpdates(deps.identities, selectors, ctx.signal), composeX509Svids);
    },
    async *subscribeToX509Bundles(_req, ctx) {
      await authorize(ctx);
      // No selectors: every bundle the agent holds (and a notification on every cache change).
      yield* changesOnly(delegatedidentityv1.SubscribeToX509BundlesResponseSchema, watchUpdates(deps.identities, [], ctx.signal), (update) =>
        create(delegatedidentityv1.SubscribeToX509BundlesResponseSchema, { caCertificates: bundleMap(update, (b) => (b.x509Authorities().length > 0 || b === update.bundle ? x509Der(b) : undefined)) }));
    },
    async fetchJWTSVIDs(req, ctx) {
      await authorize(ctx);
      if (req.audience.length === 0 || req.audience.some((aud) => aud === '')) throw new ConnectError('audience must be specified', Code.InvalidArgument);
      const selectors = await targetSelectors(req.selectors, req.pid);
      const identities = sortedIdentities(deps.identities.matchingIdentities(selectors).identities);
      const svids = [];
      for (const identity of identities) {
        let token: string;
        try {
          token = await deps.identities.fetchJwtSvid(identity, req.audience, ctx.signal);
        } catch (err) {
          deps.logger.error('Could not fetch JWT-SVID', { spiffe_id: identity.spiffeId.toString(), error: (err as Error).message });
          throw new ConnectError('could not fetch JWT-SVID', Code.Unavailable);
        }
        const { exp, iat } = jwtTimes(token);
        svids.push({ token, id: { trustDomain: identity.spiffeId.trustDomain.name, path: identity.spiffeId.path }, expiresAt: exp, issuedAt: iat, hint: identity.hint });
      }
      return { svids };
    },
    async *subscribeToJWTBundles(_req, ctx) {
      await authorize(ctx);
      yield* changesOnly(delegatedidentityv1.SubscribeToJWTBundlesResponseSchema, watchUpdates(deps.identities, [], ctx.signal), (update) =>
        create(delegatedidentityv1.SubscribeToJWTBundlesResponseSchema, { bundles: bundleMap(update, (b) => (b.jwtAuthorities().size > 0 || b === update.bundle ? jwksBytes(b) : undefined)) }));
    },
  };
}

/** Yields a composed message only when it differs from the last one sent. */
async function* changesOnly<S extends DescMessage>(
  schema: S,
  updates: AsyncIterable<WorkloadUpdate>,
  compose: (update: WorkloadUpdate) => MessageShape<S>,
): AsyncGenerator<MessageShape<S>> {
  let last: Buffer | undefined;
  for await (const update of updates) {
    const message = compose(update);
    const bytes = Buffer.from(toBinary(schema, message));
    if (last !== undefined && bytes.equals(last)) continue;
    last = bytes;
    yield message;
  }
}

function composeX509Svids(update: WorkloadUpdate): delegatedidentityv1.SubscribeToX509SVIDsResponse {
  const ready = sortedIdentities(update.identities).filter((identity) => identity.svid !== undefined && identity.svid.id.equals(identity.spiffeId));
  return create(delegatedidentityv1.SubscribeToX509SVIDsResponseSchema, {
    x509Svids: ready.map((identity) => {
      const svid = identity.svid!;
      return {
        x509Svid: {
          id: { trustDomain: identity.spiffeId.trustDomain.name, path: identity.spiffeId.path },
          certChain: svid.certificates.map((cert) => new Uint8Array(cert.raw)),
          expiresAt: BigInt(Math.floor(svid.expiresAt.getTime() / 1000)),
          hint: identity.hint,
        },
        x509SvidKey: new Uint8Array(svid.privateKey.export({ format: 'der', type: 'pkcs8' })),
      };
    }),
    federatesWith: federatedBundlesFor(update, ready).map((bundle) => bundle.trustDomain.idString()),
  });
}

/** Own and federated bundles by trust domain ID, in name order; `encode` may leave one out. */
function bundleMap(update: WorkloadUpdate, encode: (bundle: SpiffeBundle) => Uint8Array | undefined): Record<string, Uint8Array> {
  const map: Record<string, Uint8Array> = {};
  const bundles = [update.bundle, ...update.federatedBundles.filter((b) => !b.trustDomain.equals(update.bundle.trustDomain))];
  for (const bundle of bundles.sort((a, b) => a.trustDomain.compare(b.trustDomain))) {
    const bytes = encode(bundle);
    if (bytes !== undefined) map[bundle.trustDomain.idString()] = bytes;
  }
  return map;
}

function x509Der(bundle: SpiffeBundle): Uint8Array {
  return new Uint8Array(Buffer.concat(bundle.x509Authorities().map((cert) => cert.raw)));
}

/** exp and iat of a JWT-SVID the agent holds (issued by the server, so well formed). */
function jwtTimes(token: string): { exp: bigint; iat: bigint } {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown; iat?: unknown };
  const seconds = (value: unknown): bigint => (typeof value === 'number' && Number.isFinite(value) ? BigInt(Math.floor(value)) : 0n);
  return { exp: seconds(payload.exp), iat: seconds(payload.iat) };
}
