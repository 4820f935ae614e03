/**
 * loadAgentConfig: what `spire-agent run|validate -config agent.conf` does before starting:
 * read the file (optionally expanding $VARS), parse HCL or JSON, decode every section by its
 * schema (unknown keys fail, as in SPIRE), apply flags over the file over defaults, validate.
 * The filesystem, environment and working directory are injected.
 */
import {
  buildHealthChecks,
  buildTelemetry,
  decodeDaemonConfig,
  loadDaemonConfig,
  type LoadConfigOptions,
  type ParseConfigOptions,
  validateConfigWith,
  type ConfigValidation,
} from '@tspire/common';
import { buildAgentSection } from './agent-section.js';
import { DEFAULT_CONFIG_PATH, agentFlags, type ParsedAgentFlags } from './flags.js';
import { AGENT_PLUGIN_CATALOG, buildPlugins } from './plugins.js';
import { rawBlock } from './raw.js';
import { agentConfigSchema } from './schema.js';
import type { AgentConfig, LoadedAgentConfig } from './types.js';

export type LoadAgentConfigOptions = LoadConfigOptions<ParsedAgentFlags>;
export type ParseAgentConfigOptions = ParseConfigOptions<ParsedAgentFlags>;

/**
 * Reads and validates the agent configuration.
 * @throws ConfigError (value, missing file, plugin problems; message names the key path and
 * file:line:column or the flag), UnknownKeysError (`unknown configuration detected: ...`),
 * HclError (syntax), or a flag error from agentFlags.parse when `argv` is given.
 * @example
 * const { config, warnings } = loadAgentConfig({ argv: ['-config', '/opt/spire/conf/agent/agent.conf', '-joinToken', token] });
 */
export function loadAgentConfig(options: LoadAgentConfigOptions = {}): LoadedAgentConfig {
  const flags = options.flags ?? agentFlags.parse(options.argv ?? []);
  return loadDaemonConfig(options, flags, DEFAULT_CONFIG_PATH, parseAgentConfig);
}

/** Validates configuration text (HCL or JSON) as loadAgentConfig does, without reading it. */
export function parseAgentConfig(text: string, options: ParseAgentConfigOptions = {}): { config: AgentConfig; warnings: string[] } {
  const { value, plain, plugins, ctx } = decodeDaemonConfig(text, agentConfigSchema, {
    filename: options.filename,
    env: options.env,
    expandEnv: options.expandEnv,
    cwd: options.cwd,
    readFile: options.readFile,
    catalog: AGENT_PLUGIN_CATALOG,
  });
  const { warnings } = ctx;
  const agent = buildAgentSection(value.agent, {
    raw: rawBlock(plain['agent']),
    flags: options.flags,
    cwd: ctx.cwd,
    readFile: ctx.readFile,
    warnings,
  });
  const config: AgentConfig = {
    ...agent,
    plugins: buildPlugins(plugins, ctx),
    healthChecks: buildHealthChecks(value.health_checks),
    telemetry: buildTelemetry(value.telemetry, warnings, 'spire_agent'),
  };
  return { config, warnings };
}

export const VALID_MESSAGE = 'SPIRE agent configuration file is valid.';
export const INVALID_PREFIX = 'SPIRE agent configuration file is invalid: ';

/** What `spire-agent validate` prints: `message` to stdout when valid, to stderr (exit 1) when not. */
export type AgentConfigValidation = ConfigValidation;

/**
 * `spire-agent validate`: loads the configuration as `run` would and says whether it is valid,
 * in SPIRE's words. Flag errors (from `argv`) are thrown: the CLI prints them with the usage.
 * @example
 * const result = validateAgentConfig({ flags: agentFlags.parse(args) });
 * (result.valid ? stdout : stderr).write(`${result.message}\n`);
 */
export function validateAgentConfig(options: LoadAgentConfigOptions = {}): AgentConfigValidation {
  const flags = options.flags ?? agentFlags.parse(options.argv ?? []);
  return validateConfigWith(() => loadAgentConfig({ ...options, flags }), { valid: VALID_MESSAGE, invalidPrefix: INVALID_PREFIX });
}
