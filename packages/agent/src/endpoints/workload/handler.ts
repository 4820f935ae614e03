/**
 * The SpiffeWorkloadAPI service (spire-compat 1.10, spiffe-standards 5): the five RPCs, on top
 * of a WorkloadIdentitySource and the attested caller. The WIT RPCs are left out, so the router
 * answers UNIMPLEMENTED for them, as SPIRE does.
 *
 * Statuses (messages as SPIRE's):
 * - no matching identity: PERMISSION_DENIED "no identity issued" (bundle streams are exempt with
 *   allowUnauthenticatedVerifiers; ValidateJWTSVID never needs an identity). A stream whose
 *   caller loses its last identity ends with that status too: the standard forbids an empty
 *   `svids` list and tells clients to drop the redacted SVIDs on PERMISSION_DENIED.
 * - bad request fields: INVALID_ARGUMENT; attestation failure: UNAVAILABLE; a JWT-SVID the agent
 *   cannot get: UNAVAILABLE; agent shutting down: UNAVAILABLE (clients reconnect).
 * Streams send the current state at once and then only real changes (equal messages are
 * dropped); they end without error when the client cancels.
 */
import { equals, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { Code, ConnectError, type ConnectRouter, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import type { Clock, Logger } from '@tspire/common';
import { workload } from '@tspire/proto';
import { SpiffeId, isSpiffeError } from '@tspire/spiffe';
import { callerSelectors } from './caller.js';
import type { Selector, WorkloadIdentitySource, WorkloadUpdate } from './identity-source.js';
import { errorBoundaryInterceptor, securityHeaderInterceptor } from './interceptors.js';
import { validateJwtSvid } from './jwt-validation.js';
import {
  composeJwtBundlesResponse,
  composeX509BundlesResponse,
  composeX509SvidResponse,
  federatedBundlesFor,
  sortedIdentities,
} from './responses.js';
import { watchUpdates } from './update-watch.js';

export const NO_IDENTITY_MESSAGE = 'no identity issued';
export const SHUTTING_DOWN_MESSAGE = 'workload API is shutting down';

export interface WorkloadHandlerDeps {
  readonly identities: WorkloadIdentitySource;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Serve the bundle RPCs to callers without identity (SPIRE's allow_unauthenticated_verifiers). */
  readonly allowUnauthenticatedVerifiers?: boolean;
  /** Claims kept when ValidateJWTSVID returns a foreign token's claims (allowed_foreign_jwt_claims). */
  readonly allowedForeignJwtClaims?: readonly string[];
  /** Aborted when the endpoint stops: open streams then end with UNAVAILABLE (unary calls run on). */
  readonly shutdownSignal?: AbortSignal;
}

type WorkloadService = typeof workload.SpiffeWorkloadAPI;

/**
 * Adds the Workload API to `router` with its own interceptors (error boundary, security header).
 * `protocols` must repeat the router's protocol switches: connect applies per-service options
 * over the defaults, not over the router's.
 */
export function registerWorkloadApi(
  router: ConnectRouter,
  deps: WorkloadHandlerDeps,
  protocols: { grpc?: boolean; grpcWeb?: boolean; connect?: boolean } = {},
): void {
  router.service(workload.SpiffeWorkloadAPI, createWorkloadApiService(deps), {
    ...protocols,
    interceptors: [errorBoundaryInterceptor(deps.logger), securityHeaderInterceptor],
  });
}

/** The service implementation (without interceptors; registerWorkloadApi adds them). */
export function createWorkloadApiService(deps: WorkloadHandlerDeps): Partial<ServiceImpl<WorkloadService>> {
  const logger = deps.logger.child({ subsystem_name: 'workload_api' });
  const allowedForeignClaims = new Set(deps.allowedForeignJwtClaims ?? []);
  const noIdentity = (method: string, selectors: readonly Selector[]): ConnectError => {
    logger.warn('No identity issued', { method, selectors: selectors.map((s) => `${s.type}:${s.value}`) });
    return new ConnectError(NO_IDENTITY_MESSAGE, Code.PermissionDenied);
  };
  const mayVerify = (update: WorkloadUpdate): boolean => update.identities.length > 0 || deps.allowUnauthenticatedVerifiers === true;

  return {
    async *fetchX509SVID(_req, ctx) {
      const selectors = await callerSelectors(ctx);
      yield* streamResponses(deps, selectors, ctx, workload.X509SVIDResponseSchema, (update, first) => {
        if (update.identities.length === 0) throw noIdentity('FetchX509SVID', selectors);
        return composeX509SvidResponse(update, { waitForAll: first });
      });
    },

    async *fetchX509Bundles(_req, ctx) {
      const selectors = await callerSelectors(ctx);
      yield* streamResponses(deps, selectors, ctx, workload.X509BundlesResponseSchema, (update) => {
        if (!mayVerify(update)) throw noIdentity('FetchX509Bundles', selectors);
        return composeX509BundlesResponse(update);
      });
    },

    async *fetchJWTBundles(_req, ctx) {
      const selectors = await callerSelectors(ctx);
      yield* streamResponses(deps, selectors, ctx, workload.JWTBundlesResponseSchema, (update) => {
        if (!mayVerify(update)) throw noIdentity('FetchJWTBundles', selectors);
        return composeJwtBundlesResponse(update);
      });
    },

    async fetchJWTSVID(req, ctx) {
      const audience = requireAudience(req.audience);
      const requestedId = req.spiffeId === '' ? undefined : parseRequestedId(req.spiffeId);
      const selectors = await callerSelectors(ctx);
      const identities = sortedIdentities(deps.identities.matchingIdentities(selectors).identities);
      const chosen = identities.filter((identity) => requestedId === undefined || identity.spiffeId.equals(requestedId));
      if (chosen.length === 0) throw noIdentity('FetchJWTSVID', selectors);
      const svids = [];
      for (const identity of chosen) {
        const token = await fetchJwtSvid(deps.identities, identity, audience, ctx, logger);
        svids.push({ spiffeId: identity.spiffeId.toString(), svid: token, hint: identity.hint });
      }
      return { svids };
    },

    async validateJWTSVID(req, ctx) {
      if (req.audience === '') throw new ConnectError('audience must be specified', Code.InvalidArgument);
      if (req.svid === '') throw new ConnectError('svid must be specified', Code.InvalidArgument);
      const selectors = await callerSelectors(ctx);
      const update = deps.identities.matchingIdentities(selectors);
      try {
        return await validateJwtSvid(req.svid, req.audience, {
          trustDomain: update.bundle.trustDomain,
          bundles: [update.bundle, ...federatedBundlesFor(update)],
          now: deps.clock.now(),
          allowedForeignClaims,
        });
      } catch (err) {
        if (err instanceof ConnectError) logger.warn('Failed to validate JWT', { error: err.rawMessage });
        throw err;
      }
    },
  };
}

/**
 * A stream's responses: one for the current state at once, then one per real change. `compose`
 * (told whether nothing was sent yet) returns undefined while the state is not ready to send,
 * or throws to end the stream.
 */
async function* streamResponses<Desc extends DescMessage>(
  deps: WorkloadHandlerDeps,
  selectors: readonly Selector[],
  ctx: HandlerContext,
  schema: Desc,
  compose: (update: WorkloadUpdate, first: boolean) => MessageShape<Desc> | undefined,
): AsyncGenerator<MessageShape<Desc>, void, undefined> {
  let previous: MessageShape<Desc> | undefined;
  for await (const update of watchUpdates(deps.identities, selectors, ctx.signal, deps.shutdownSignal)) {
    const response = compose(update, previous === undefined);
    if (response === undefined || (previous !== undefined && equals(schema, previous, response))) continue;
    previous = response;
    yield response;
  }
  // The loop ends only on abort: the client went away (nothing to send) or the endpoint stops.
  if (deps.shutdownSignal?.aborted === true) throw new ConnectError(SHUTTING_DOWN_MESSAGE, Code.Unavailable);
}

function requireAudience(audience: readonly string[]): readonly string[] {
  if (audience.length === 0) throw new ConnectError('audience must be specified', Code.InvalidArgument);
  if (audience.some((value) => value === '')) throw new ConnectError('audience must not contain empty values', Code.InvalidArgument);
  return audience;
}

function parseRequestedId(text: string): SpiffeId {
  try {
    return SpiffeId.parse(text);
  } catch (err) {
    if (!isSpiffeError(err)) throw err;
    throw new ConnectError(`invalid requested SPIFFE ID: ${err.message}`, Code.InvalidArgument);
  }
}

async function fetchJwtSvid(
  source: WorkloadIdentitySource,
  identity: Parameters<WorkloadIdentitySource['fetchJwtSvid']>[0],
  audience: readonly string[],
  ctx: HandlerContext,
  logger: Logger,
): Promise<string> {
  try {
    return await source.fetchJwtSvid(identity, audience, ctx.signal);
  } catch (err) {
    // The cause may name hosts or files: logged, not sent.
    logger.error('Could not fetch JWT-SVID', { spiffe_id: identity.spiffeId.toString(), error: err instanceof Error ? err.message : String(err) });
    throw new ConnectError('could not fetch JWT-SVID', Code.Unavailable);
  }
}
