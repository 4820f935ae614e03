/**
 * The `plugins {}` section of server.conf and agent.conf: which plugins are declared and their
 * plugin_data (inline or from plugin_data_file), checked against the catalog of built-in plugins
 * of the daemon. tspire has no external plugins: plugin_cmd, and plugin types or names it lacks,
 * are refused with a clear error unless disabled with `enabled = false`.
 */
import { loadConfigText, type PlainObject, type SourcePosition } from '../../hcl/index.js';
import { ConfigError, type UnknownKey } from '../config-error.js';
import { decodeConfig, type DecodeResult } from '../decode.js';
import type { Decoded, LabelledBlock, Schema } from '../schema.js';
import { absolutePath, rawBlock } from './raw.js';
import type { pluginSchema } from './shared-sections.js';

export type PluginBlock = Decoded<typeof pluginSchema>;

/** The built-in plugins of one daemon. */
export interface PluginCatalog {
  /** `server` or `agent`, for messages. */
  role: string;
  /** Plugin type -> name -> plugin_data schema. */
  supported: Readonly<Record<string, Readonly<Record<string, Schema>>>>;
  /** SPIRE plugin types of this daemon tspire does not implement at all. */
  unsupportedTypes: readonly string[];
}

/** One enabled plugin, its plugin_data decoded by the plugin's schema. */
export interface PluginDecl {
  type: string;
  name: string;
  /** `plugins.<Type>.<name>` */
  path: string;
  position: SourcePosition | undefined;
  data: Record<string, unknown>;
  raw: PlainObject;
}

export interface PluginContext {
  cwd: string;
  readFile: (path: string) => string;
  warnings: string[];
  unknownKeys: UnknownKey[];
}

/** What each plugin's builder gets: decoded plugin_data, the raw block (for positions), where it is. */
export interface PluginDataInput<S extends Schema> {
  data: Decoded<S>;
  raw: PlainObject;
  /** e.g. `plugins.KeyManager.disk.plugin_data`. */
  path: string;
  cwd: string;
  warnings: string[];
}

/** Checks every declared plugin and decodes its plugin_data; unknown keys go to ctx.unknownKeys. */
export function collectPlugins(plugins: Record<string, LabelledBlock<PluginBlock>[]>, catalog: PluginCatalog, ctx: PluginContext): PluginDecl[] {
  const decls: PluginDecl[] = [];
  for (const [type, blocks] of Object.entries(plugins)) {
    for (const block of blocks) {
      const decl = collectPlugin(type, block, catalog, ctx);
      if (decl !== undefined) decls.push(decl);
    }
  }
  return decls;
}

function collectPlugin(type: string, block: LabelledBlock<PluginBlock>, catalog: PluginCatalog, ctx: PluginContext): PluginDecl | undefined {
  const { label: name, body, position } = block;
  const path = `plugins.${type}.${name}`;
  const supported = catalog.supported[type];
  const disabled = body.enabled === false;
  const knownTypes = [...Object.keys(catalog.supported), ...catalog.unsupportedTypes];
  if (!knownTypes.includes(type)) {
    if (disabled) return undefined;
    throw new ConfigError(`plugins.${type}`, `unknown plugin type "${type}" (${catalog.role} plugin types: ${knownTypes.join(', ')})`, position);
  }
  let problem: string | undefined;
  if (supported === undefined) problem = `plugin type ${type} "${name}" is not supported by tspire`;
  else if (!Object.hasOwn(supported, name)) {
    problem = `${type} plugin "${name}" is not supported by tspire (supported: ${Object.keys(supported).join(', ')})`;
  } else if (body.plugin_cmd !== undefined || body.plugin_checksum !== undefined) {
    problem = 'external plugins are not supported by tspire (plugin_cmd, plugin_checksum): only built-in plugins can be used';
  }
  if (disabled) {
    if (problem !== undefined) ctx.warnings.push(`${path}: ${problem}; it is disabled (enabled = false), ignored`);
    return undefined;
  }
  if (problem !== undefined) throw new ConfigError(path, problem, position);
  if (body.plugin_args !== undefined) ctx.warnings.push(`${path}.plugin_args: only used by external plugins, ignored`);

  const raw = pluginData(body, path, position, ctx);
  const decoded = decodeLoose(raw, supported?.[name] ?? {}, `${path}.plugin_data`);
  ctx.unknownKeys.push(...decoded.unknownKeys);
  return { type, name, path, position, data: decoded.value, raw };
}

/** decodeConfig with a schema only known at run time (its static type would not resolve). */
function decodeLoose(input: unknown, schema: Schema, path: string): DecodeResult<Record<string, unknown>> {
  const decode: (input: unknown, schema: object, options: { path: string }) => DecodeResult<Record<string, unknown>> = decodeConfig as never;
  return decode(input, schema, { path });
}

/** The raw plugin_data block: inline, from plugin_data_file, or empty. */
function pluginData(body: PluginBlock, path: string, position: SourcePosition | undefined, ctx: PluginContext): PlainObject {
  if (body.plugin_data !== undefined && body.plugin_data_file !== undefined) {
    throw new ConfigError(path, 'plugin_data and plugin_data_file are mutually exclusive', position);
  }
  if (body.plugin_data_file !== undefined) {
    const file = absolutePath(ctx.cwd, body.plugin_data_file);
    let text: string;
    try {
      text = ctx.readFile(file);
    } catch (err) {
      throw new ConfigError(`${path}.plugin_data_file`, `cannot read ${JSON.stringify(file)}: ${(err as Error).message}`, position, { cause: err });
    }
    return loadConfigText(text, { filename: file });
  }
  if (body.plugin_data === undefined) return {};
  const block = rawBlock(body.plugin_data);
  if (block === undefined) throw new ConfigError(`${path}.plugin_data`, 'expected a block', position);
  return block;
}

/** The input of `decl`'s builder. */
export function pluginInput(decl: PluginDecl, ctx: PluginContext): PluginDataInput<never> {
  return { data: decl.data as never, raw: decl.raw, path: `${decl.path}.plugin_data`, cwd: ctx.cwd, warnings: ctx.warnings };
}

/** Exactly one plugin of `type`; else an error naming what was found. */
export function exactlyOnePlugin(decls: readonly PluginDecl[], type: string): PluginDecl {
  const found = decls.filter((d) => d.type === type);
  const [first] = found;
  if (found.length === 1 && first !== undefined) return first;
  const names = found.map((d) => `"${d.name}"`).join(', ');
  const reason = found.length === 0 ? `exactly one ${type} plugin must be configured, found none` : `exactly one ${type} plugin must be configured, found ${found.length}: ${names}`;
  throw new ConfigError(`plugins.${type}`, reason, found[1]?.position);
}

/** The plugins of `type`, refusing one name configured twice. */
export function distinctPlugins(decls: readonly PluginDecl[], type: string): PluginDecl[] {
  const found = decls.filter((d) => d.type === type);
  found.forEach((decl, i) => {
    if (found.findIndex((d) => d.name === decl.name) !== i) {
      throw new ConfigError(decl.path, `${type} "${decl.name}" is configured more than once`, decl.position);
    }
  });
  return found;
}
