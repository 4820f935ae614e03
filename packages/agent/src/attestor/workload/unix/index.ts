/** The `unix` workload attestor (SPIRE's WorkloadAttestor "unix"). */
export { UNIX_ATTESTOR_NAME, createUnixAttestor, type UnixAttestorDeps } from './unix-attestor.js';
export { UNIX_PLUGIN_DATA_PATH, buildUnixAttestorConfig, decodeUnixAttestorConfig, unixAttestorConfigSchema, type UnixAttestorConfig } from './config.js';
export { parseProcStatus, type ProcessIds } from './proc-status.js';
export { namesById, loadAccountNames, type AccountNames } from './account-names.js';
export { sha256File } from './sha256-file.js';
