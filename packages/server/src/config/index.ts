/**
 * Server configuration: SPIRE's server.conf (HCL or JSON) as it is, plus the `run`/`validate`
 * flags, into a typed, validated ServerConfig and a list of warnings.
 * @example
 * const flags = serverFlags.parse(argv);
 * const { config, warnings } = loadServerConfig({ flags });
 */
export { loadServerConfig, parseServerConfig, type LoadServerConfigOptions, type ParseServerConfigOptions } from './load.js';
export { serverFlags, serverFlagSpecs, DEFAULT_CONFIG_PATH, type ParsedServerFlags, type ServerFlagSpecs } from './flags.js';
export { ttlWarnings } from './server-section.js';
export { SUPPORTED_PLUGINS, UNSUPPORTED_PLUGIN_TYPES } from './plugin-data.js';
export * from './types.js';
