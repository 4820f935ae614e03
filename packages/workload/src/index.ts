/**
 * @tspire/workload: the SPIFFE Workload API for Node.js applications: a client, live sources
 * (X509Source, JwtSource, BundleSource) and mTLS options for node:tls, node:https and node:http2.
 */
export type { X509Context, CallOptions, Watcher, JwtSvidParams, WorkloadApiClient } from './client/types.js';
export { createWorkloadApiClient, defaultWatchBackoff, SECURITY_HEADER, type WorkloadApiClientOptions } from './client/client.js';
export {
  SPIFFE_ENDPOINT_SOCKET,
  formatWorkloadAddress,
  parseWorkloadAddress,
  resolveWorkloadAddress,
  type WorkloadAddress,
} from './address/address.js';
export {
  X509Source,
  JwtSource,
  BundleSource,
  DEFAULT_SOURCE_TIMEOUT_MS,
  type X509SourceOptions,
  type X509SvidPicker,
  type JwtSourceOptions,
  type BundleSourceOptions,
  type BundleSets,
  type SourceOptions,
  type Unsubscribe,
} from './sources/index.js';
export { WorkloadError, isWorkloadError, workloadErrorCodes, type WorkloadErrorCode } from './errors.js';
export {
  tlsServerOptions,
  mtlsServerOptions,
  tlsClientOptions,
  mtlsClientOptions,
  peerSpiffeId,
  type SpiffeServerOptions,
  type SpiffeClientOptions,
  type SpiffeTlsOptions,
  type X509SvidAndBundleSource,
} from './tls/index.js';
export {
  fetchJwtSvid,
  validateJwtSvidLocally,
  validateJwtSvidWithWorkloadApi,
  bearerToken,
  type JwtSvidFetcher,
  type FetchJwtSvidOptions,
  type ValidateJwtSvidOptions,
} from './jwt/index.js';
// Authorizers for the TLS options, as go-spiffe's tlsconfig offers them (from @tspire/spiffe).
export { authorize, authorizeAny, authorizeId, authorizeMemberOf, authorizeOneOf, type Authorizer } from '@tspire/spiffe';
