/**
 * What `spire-server|spire-agent run|validate -config FILE` share before their own sections:
 * read the file (a missing one in SPIRE's words), optionally expand $VARS, parse HCL or JSON,
 * decode by the schema, collect plugins, and report every unknown key at once.
 */
import { loadConfigText, type PlainObject } from '../../hcl/index.js';
import { ConfigError, type UnknownKey } from '../config-error.js';
import { decodeConfig, throwOnUnknownKeys } from '../decode.js';
import { expandEnv, type Env } from '../expand-env.js';
import type { Decoded, LabelledBlock, Schema } from '../schema.js';
import { collectPlugins, type PluginBlock, type PluginCatalog, type PluginContext, type PluginDecl } from './plugin-decls.js';
import { readFileSync } from 'node:fs';
import { absolutePath } from './raw.js';

const readUtf8 = (path: string): string => readFileSync(path, 'utf8');

/** Options of `loadServerConfig` / `loadAgentConfig`; F is the daemon's parsed flags. */
export interface LoadConfigOptions<F> {
  /** Flags already parsed; or give `argv` (the arguments after `run`). */
  flags?: F;
  argv?: readonly string[];
  /** Reads a file as UTF-8 text; throws (ENOENT) when it does not exist. Default: fs.readFileSync. */
  readFile?: (path: string) => string;
  /** For -expandEnv. Default: process.env. */
  env?: Env;
  /** Relative paths (the -config file, data_dir, socket_path, ...) resolve against it. Default: process.cwd(). */
  cwd?: string;
}

/** Options of `parseServerConfig` / `parseAgentConfig` (text already read). */
export interface ParseConfigOptions<F> {
  /** Shown in positions of errors, e.g. `agent.conf:3:5`. */
  filename?: string;
  flags?: F;
  /** Reads files the config names (plugin_data_file, join_token_file). */
  readFile?: (path: string) => string;
  env?: Env;
  /** Expand $VAR / ${VAR} before parsing (what -expandEnv does). */
  expandEnv?: boolean;
  cwd?: string;
}

/** The flags every daemon has: -config and -expandEnv. */
interface ConfigFlags {
  values: { config: string; expandEnv: boolean };
}

/**
 * Reads the file `-config` names (or `defaultPath`) and hands it to the daemon's `parse`, with
 * the flags, filesystem, environment and working directory it needs.
 */
export function loadDaemonConfig<F extends ConfigFlags, R>(
  options: LoadConfigOptions<F>,
  flags: F,
  defaultPath: string,
  parse: (text: string, options: ParseConfigOptions<F>) => R,
): R & { configPath: string } {
  const cwd = options.cwd ?? process.cwd();
  const readFile = options.readFile ?? readUtf8;
  const { configPath, text } = readConfigFile(flags.values.config, defaultPath, cwd, readFile);
  const parsed = parse(text, { filename: configPath, flags, readFile, env: options.env ?? process.env, expandEnv: flags.values.expandEnv, cwd });
  return { ...parsed, configPath };
}

/**
 * Reads the config file named by `-config` (or `defaultPath`), relative to `cwd`.
 * @throws ConfigError `could not find config file ...: please use the -config flag` (as SPIRE) or an unreadable file.
 */
export function readConfigFile(configFlag: string, defaultPath: string, cwd: string, readFile: (path: string) => string): { configPath: string; text: string } {
  const configPath = absolutePath(cwd, configFlag === '' ? defaultPath : configFlag);
  try {
    return { configPath, text: readFile(configPath) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ConfigError('', `could not find config file ${configPath}: please use the -config flag`, undefined, { cause: err });
    }
    throw new ConfigError('', `unable to read configuration at ${JSON.stringify(configPath)}: ${(err as Error).message}`, undefined, { cause: err });
  }
}

export interface DecodeDaemonConfigOptions {
  filename?: string | undefined;
  env?: Env | undefined;
  /** Expand $VAR / ${VAR} before parsing (what -expandEnv does). */
  expandEnv?: boolean | undefined;
  cwd?: string | undefined;
  readFile?: ((path: string) => string) | undefined;
  catalog: PluginCatalog;
}

/** A config whose schema has a `plugins` map of labelled plugin blocks. */
type WithPlugins = Schema & { plugins: unknown };

export interface DecodedDaemonConfig<S extends WithPlugins> {
  value: Decoded<S>;
  /** The file as parsed, with positions (for errors located at a key). */
  plain: PlainObject;
  plugins: PluginDecl[];
  ctx: PluginContext;
}

/**
 * Parses and decodes `text`; throws UnknownKeysError listing every unknown key (incl. plugin_data
 * keys) before any value is judged, as SPIRE does, and ConfigError when `plugins {}` is missing.
 */
export function decodeDaemonConfig<S extends WithPlugins>(text: string, schema: S, options: DecodeDaemonConfigOptions): DecodedDaemonConfig<S> {
  const source = options.expandEnv === true ? expandEnv(text, options.env ?? process.env) : text;
  const plain = loadConfigText(source, options.filename === undefined ? {} : { filename: options.filename });
  const { value, unknownKeys } = decodeConfig(plain, schema);
  const ctx: PluginContext = { cwd: options.cwd ?? process.cwd(), readFile: options.readFile ?? readUtf8, warnings: [], unknownKeys: [...unknownKeys] as UnknownKey[] };
  const pluginBlocks = (value as { plugins?: Record<string, LabelledBlock<PluginBlock>[]> }).plugins;
  const plugins = collectPlugins(pluginBlocks ?? {}, options.catalog, ctx);
  throwOnUnknownKeys(ctx.unknownKeys);
  if (pluginBlocks === undefined) throw new ConfigError('plugins', 'section must be configured');
  return { value, plain: plain as PlainObject, plugins, ctx };
}

/** What `validate` prints: `message` to stdout when valid, to stderr (exit 1) when not. */
export type ConfigValidation =
  | { valid: true; message: string; warnings: string[]; configPath: string }
  | { valid: false; message: string; error: Error };

/** Runs `load` and words the outcome as SPIRE's `validate` does. */
export function validateConfigWith(load: () => { warnings: string[]; configPath: string }, messages: { valid: string; invalidPrefix: string }): ConfigValidation {
  try {
    const { warnings, configPath } = load();
    return { valid: true, message: messages.valid, warnings, configPath };
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    return { valid: false, message: `${messages.invalidPrefix}${error.message}`, error };
  }
}
