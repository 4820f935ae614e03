/**
 * loadAgentConfig: what `spire-agent run|validate -config agent.conf` does before starting:
 * read the file (optionally expanding $VARS), parse HCL or JSON, decode every section by its
 * schema (unknown keys fail, as in SPIRE), apply flags over the file over defaults, validate.
 * The filesystem, environment and working directory are injected.
 */
import { readFileSync } from 'node:fs';
import {
  ConfigError,
  decodeConfig,
  expandEnv,
  loadConfigText,
  throwOnUnknownKeys,
  type Env,
  type PlainObject,
  type UnknownKey,
} from '@tspire/common';
import { buildAgentSection } from './agent-section.js';
import { DEFAULT_CONFIG_PATH, agentFlags, type ParsedAgentFlags } from './flags.js';
import { buildPlugins, collectPlugins, type PluginContext } from './plugins.js';
import { absolutePath, rawBlock } from './raw.js';
import { agentConfigSchema } from './schema.js';
import { buildHealthChecks, buildTelemetry } from './sections.js';
import type { AgentConfig, LoadedAgentConfig } from './types.js';

export interface LoadAgentConfigOptions {
  /** Flags already parsed with `agentFlags`; or give `argv` (the arguments after `run`). */
  flags?: ParsedAgentFlags;
  argv?: readonly string[];
  /** Reads a file as UTF-8 text; throws (ENOENT) when it does not exist. Default: fs.readFileSync. */
  readFile?: (path: string) => string;
  /** For -expandEnv. Default: process.env. */
  env?: Env;
  /** Relative paths (the -config file, data_dir, socket_path, ...) resolve against it. Default: process.cwd(). */
  cwd?: string;
}

export interface ParseAgentConfigOptions {
  /** Shown in positions of errors, e.g. `agent.conf:3:5`. */
  filename?: string;
  flags?: ParsedAgentFlags;
  /** Reads join_token_file and plugin_data_file. */
  readFile?: (path: string) => string;
  env?: Env;
  /** Expand $VAR / ${VAR} before parsing (what -expandEnv does). */
  expandEnv?: boolean;
  cwd?: string;
}

const readUtf8 = (path: string): string => readFileSync(path, 'utf8');

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
  const cwd = options.cwd ?? process.cwd();
  const readFile = options.readFile ?? readUtf8;
  const configPath = absolutePath(cwd, flags.values.config === '' ? DEFAULT_CONFIG_PATH : flags.values.config);
  let text: string;
  try {
    text = readFile(configPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ConfigError('', `could not find config file ${configPath}: please use the -config flag`, undefined, { cause: err });
    }
    throw new ConfigError('', `unable to read configuration at ${JSON.stringify(configPath)}: ${(err as Error).message}`, undefined, { cause: err });
  }
  const parsed = parseAgentConfig(text, {
    filename: configPath,
    flags,
    readFile,
    env: options.env ?? process.env,
    expandEnv: flags.values.expandEnv,
    cwd,
  });
  return { ...parsed, configPath };
}

/** Validates configuration text (HCL or JSON) as loadAgentConfig does, without reading it. */
export function parseAgentConfig(text: string, options: ParseAgentConfigOptions = {}): { config: AgentConfig; warnings: string[] } {
  const source = options.expandEnv === true ? expandEnv(text, options.env ?? process.env) : text;
  const plain = loadConfigText(source, options.filename === undefined ? {} : { filename: options.filename });
  const { value, unknownKeys } = decodeConfig(plain, agentConfigSchema);
  const warnings: string[] = [];
  const ctx: PluginContext = {
    cwd: options.cwd ?? process.cwd(),
    readFile: options.readFile ?? readUtf8,
    warnings,
    unknownKeys: [...unknownKeys] as UnknownKey[],
  };
  const declared = collectPlugins(value.plugins ?? {}, ctx);
  // SPIRE reports every unknown key at once and refuses to start before judging any value.
  throwOnUnknownKeys(ctx.unknownKeys);
  if (value.plugins === undefined) throw new ConfigError('plugins', 'section must be configured');
  const agent = buildAgentSection(value.agent, {
    raw: rawBlock((plain as PlainObject)['agent']),
    flags: options.flags,
    cwd: ctx.cwd,
    readFile: ctx.readFile,
    warnings,
  });
  const config: AgentConfig = {
    ...agent,
    plugins: buildPlugins(declared, ctx),
    healthChecks: buildHealthChecks(value.health_checks),
    telemetry: buildTelemetry(value.telemetry, warnings),
  };
  return { config, warnings };
}

export const VALID_MESSAGE = 'SPIRE agent configuration file is valid.';
export const INVALID_PREFIX = 'SPIRE agent configuration file is invalid: ';

/** What `spire-agent validate` prints: `message` to stdout when valid, to stderr (exit 1) when not. */
export type AgentConfigValidation =
  | { valid: true; message: string; warnings: string[]; configPath: string }
  | { valid: false; message: string; error: Error };

/**
 * `spire-agent validate`: loads the configuration as `run` would and says whether it is valid,
 * in SPIRE's words. Flag errors (from `argv`) are thrown: the CLI prints them with the usage.
 * @example
 * const result = validateAgentConfig({ flags: agentFlags.parse(args) });
 * (result.valid ? stdout : stderr).write(`${result.message}\n`);
 */
export function validateAgentConfig(options: LoadAgentConfigOptions = {}): AgentConfigValidation {
  const flags = options.flags ?? agentFlags.parse(options.argv ?? []);
  try {
    const { warnings, configPath } = loadAgentConfig({ ...options, flags });
    return { valid: true, message: VALID_MESSAGE, warnings, configPath };
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    return { valid: false, message: `${INVALID_PREFIX}${error.message}`, error };
  }
}
