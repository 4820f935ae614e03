/**
 * loadServerConfig: what `spire-server run|validate -config server.conf` does before starting:
 * read the file (optionally expanding $VARS), parse HCL or JSON, decode every section by its
 * schema (unknown keys fail, as in SPIRE), apply flags over the file over defaults, validate.
 * The filesystem, environment and working directory are injected.
 */
import { buildHealthChecks, buildTelemetry, decodeDaemonConfig, loadDaemonConfig, type LoadConfigOptions, type ParseConfigOptions } from '@tspire/common';
import { DEFAULT_CONFIG_PATH, serverFlags, type ParsedServerFlags } from './flags.js';
import { SERVER_PLUGIN_CATALOG, buildPlugins } from './plugins.js';
import { rawBlock } from './raw.js';
import { serverConfigSchema } from './schema.js';
import { buildServerSection } from './server-section.js';
import type { LoadedServerConfig, ServerConfig } from './types.js';

export type LoadServerConfigOptions = LoadConfigOptions<ParsedServerFlags>;
export type ParseServerConfigOptions = ParseConfigOptions<ParsedServerFlags>;

/**
 * Reads and validates the server configuration.
 * @throws ConfigError (value, missing file, plugin problems; message names the key path and
 * file:line:column), UnknownKeysError (`unknown configuration detected: ...`), HclError (syntax),
 * or a flag error from serverFlags.parse when `argv` is given.
 * @example
 * const { config, warnings } = loadServerConfig({ argv: ['-config', '/opt/spire/conf/server/server.conf'] });
 */
export function loadServerConfig(options: LoadServerConfigOptions = {}): LoadedServerConfig {
  const flags = options.flags ?? serverFlags.parse(options.argv ?? []);
  return loadDaemonConfig(options, flags, DEFAULT_CONFIG_PATH, parseServerConfig);
}

/** Validates configuration text (HCL or JSON) as loadServerConfig does, without reading it. */
export function parseServerConfig(text: string, options: ParseServerConfigOptions = {}): { config: ServerConfig; warnings: string[] } {
  const { value, plain, plugins, ctx } = decodeDaemonConfig(text, serverConfigSchema, {
    filename: options.filename,
    env: options.env,
    expandEnv: options.expandEnv,
    cwd: options.cwd,
    readFile: options.readFile,
    catalog: SERVER_PLUGIN_CATALOG,
  });
  const { warnings } = ctx;
  const server = buildServerSection(value.server, {
    raw: rawBlock(plain['server']),
    flags: options.flags,
    cwd: ctx.cwd,
    warnings,
  });
  const config: ServerConfig = {
    ...server,
    plugins: buildPlugins(plugins, ctx),
    healthChecks: buildHealthChecks(value.health_checks),
    telemetry: buildTelemetry(value.telemetry, warnings, 'spire_server'),
  };
  return { config, warnings };
}
