export type { X509Context, CallOptions, Watcher, JwtSvidParams, WorkloadApiClient } from './types.js';
export { createWorkloadApiClient, defaultWatchBackoff, SECURITY_HEADER, type WorkloadApiClientOptions } from './client.js';
