/**
 * loadServerConfig: what `spire-server run|validate -config server.conf` does before starting:
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
import { DEFAULT_CONFIG_PATH, serverFlags, type ParsedServerFlags } from './flags.js';
import { buildPlugins, collectPlugins, type PluginContext } from './plugins.js';
import { absolutePath, rawBlock } from './raw.js';
import { serverConfigSchema } from './schema.js';
import { buildHealthChecks, buildTelemetry } from './sections.js';
import { buildServerSection } from './server-section.js';
import type { LoadedServerConfig, ServerConfig } from './types.js';

export interface LoadServerConfigOptions {
  /** Flags already parsed with `serverFlags`; or give `argv` (the arguments after `run`). */
  flags?: ParsedServerFlags;
  argv?: readonly string[];
  /** Reads a file as UTF-8 text; throws (ENOENT) when it does not exist. Default: fs.readFileSync. */
  readFile?: (path: string) => string;
  /** For -expandEnv. Default: process.env. */
  env?: Env;
  /** Relative paths (the -config file, data_dir, keys_path, ...) resolve against it. Default: process.cwd(). */
  cwd?: string;
}

export interface ParseServerConfigOptions {
  /** Shown in positions of errors, e.g. `server.conf:3:5`. */
  filename?: string;
  flags?: ParsedServerFlags;
  readFile?: (path: string) => string;
  env?: Env;
  /** Expand $VAR / ${VAR} before parsing (what -expandEnv does). */
  expandEnv?: boolean;
  cwd?: string;
}

const readUtf8 = (path: string): string => readFileSync(path, 'utf8');

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
  const parsed = parseServerConfig(text, {
    filename: configPath,
    flags,
    readFile,
    env: options.env ?? process.env,
    expandEnv: flags.values.expandEnv,
    cwd,
  });
  return { ...parsed, configPath };
}

/** Validates configuration text (HCL or JSON) as loadServerConfig does, without reading it. */
export function parseServerConfig(text: string, options: ParseServerConfigOptions = {}): { config: ServerConfig; warnings: string[] } {
  const source = options.expandEnv === true ? expandEnv(text, options.env ?? process.env) : text;
  const plain = loadConfigText(source, options.filename === undefined ? {} : { filename: options.filename });
  const { value, unknownKeys } = decodeConfig(plain, serverConfigSchema);
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
  const server = buildServerSection(value.server, {
    raw: rawBlock((plain as PlainObject)['server']),
    flags: options.flags,
    cwd: ctx.cwd,
    warnings,
  });
  const config: ServerConfig = {
    ...server,
    plugins: buildPlugins(declared, ctx),
    healthChecks: buildHealthChecks(value.health_checks),
    telemetry: buildTelemetry(value.telemetry, warnings),
  };
  return { config, warnings };
}
