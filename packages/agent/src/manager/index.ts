export { createAgentManager, DEFAULT_SYNC_INTERVAL_MS, MAX_SYNC_BACKOFF_MS, type AgentManager, type AgentManagerOptions, type AgentManagerStatus } from './agent-manager.js';
export { type ServerClientFactory, type ServerConnectionParams, type AgentIdentity } from './agent-svid.js';
export { agentStateStore, AGENT_STATE_FILE, type AgentState, type AgentStateStore } from './agent-state.js';
export { diskKeyManager, memoryKeyManager, AGENT_KEY_IDS, type AgentKeyId, type AgentKeyManager } from './key-manager.js';
export { IdentityCache, type CachedEntry } from './identity-cache.js';
export { ManagerError, managerErrorCodes, type ManagerErrorCode } from './errors.js';
export { loadBootstrapBundle, type BootstrapBundleDeps } from './trust-bundle.js';
export { agentManagerOptionsFromConfig, type AgentManagerDeps } from './options-from-config.js';
export { createTrustBundleFetcher, type TrustBundleFetcher, type TrustBundleFetchRequest, type TrustBundleFetcherOptions } from '../client/trust-bundle-fetch.js';
