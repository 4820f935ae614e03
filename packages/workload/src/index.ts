/**
 * @tspire/workload: the SPIFFE Workload API for Node.js applications: a client, live sources
 * (X509Source, JwtSource, BundleSource) and mTLS options for node:tls, node:https and node:http2.
 */
export type { X509Context, CallOptions, Watcher, JwtSvidParams, WorkloadApiClient } from './client/types.js';
