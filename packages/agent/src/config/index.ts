/**
 * Agent configuration: SPIRE's agent.conf (HCL or JSON) as it is, plus the `run`/`validate`
 * flags, into a typed, validated AgentConfig and a list of warnings.
 * @example
 * const flags = agentFlags.parse(argv);
 * const { config, warnings } = loadAgentConfig({ flags });
 */
export {
  loadAgentConfig,
  parseAgentConfig,
  validateAgentConfig,
  VALID_MESSAGE,
  INVALID_PREFIX,
  type AgentConfigValidation,
  type LoadAgentConfigOptions,
  type ParseAgentConfigOptions,
} from './load.js';
export { agentFlags, agentFlagSpecs, DEFAULT_CONFIG_PATH, type AgentFlagSpecs, type ParsedAgentFlags } from './flags.js';
export { DEFAULT_SOCKET_PATH } from './agent-section.js';
export { SUPPORTED_PLUGINS, UNSUPPORTED_PLUGIN_TYPES, DEFAULT_DOCKER_SOCKET } from './plugin-data.js';
export * from './types.js';
