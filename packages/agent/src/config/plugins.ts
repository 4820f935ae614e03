/**
 * The `plugins {}` section: which plugins are declared, their plugin_data (inline or from
 * plugin_data_file), and SPIRE's agent cardinality rules. Only tspire's built-in plugins exist;
 * external plugins (plugin_cmd) and plugin types or names tspire lacks are refused with a clear
 * error, unless disabled with `enabled = false`.
 */
import {
  ConfigError,
  decodeConfig,
  loadConfigText,
  type Decoded,
  type DecodeResult,
  type LabelledBlock,
  type PlainObject,
  type Schema,
  type SourcePosition,
  type UnknownKey,
} from '@tspire/common';
import type { pluginSchema } from './schema.js';
import {
  SUPPORTED_PLUGINS,
  UNSUPPORTED_PLUGIN_TYPES,
  buildKeyManager,
  buildNodeAttestor,
  buildWorkloadAttestor,
  type PluginDataInput,
} from './plugin-data.js';
import { absolutePath, rawBlock } from './raw.js';
import type { AgentPluginsConfig } from './types.js';

export type PluginBlock = Decoded<typeof pluginSchema>;

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

const AGENT_PLUGIN_TYPES = [...Object.keys(SUPPORTED_PLUGINS), ...UNSUPPORTED_PLUGIN_TYPES];

/** Checks every declared plugin and decodes its plugin_data; unknown keys go to ctx.unknownKeys. */
export function collectPlugins(plugins: Record<string, LabelledBlock<PluginBlock>[]>, ctx: PluginContext): PluginDecl[] {
  const decls: PluginDecl[] = [];
  for (const [type, blocks] of Object.entries(plugins)) {
    for (const block of blocks) {
      const decl = collectPlugin(type, block, ctx);
      if (decl !== undefined) decls.push(decl);
    }
  }
  return decls;
}

function collectPlugin(type: string, block: LabelledBlock<PluginBlock>, ctx: PluginContext): PluginDecl | undefined {
  const { label: name, body, position } = block;
  const path = `plugins.${type}.${name}`;
  const supported = SUPPORTED_PLUGINS[type];
  const disabled = body.enabled === false;
  if (!AGENT_PLUGIN_TYPES.includes(type)) {
    if (disabled) return undefined;
    throw new ConfigError(`plugins.${type}`, `unknown plugin type "${type}" (agent plugin types: ${AGENT_PLUGIN_TYPES.join(', ')})`, position);
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

function input(decl: PluginDecl, ctx: PluginContext): PluginDataInput<never> {
  return { data: decl.data as never, raw: decl.raw, path: `${decl.path}.plugin_data`, cwd: ctx.cwd, warnings: ctx.warnings };
}

/** Exactly one plugin of `type`; else an error naming what was found. */
function exactlyOne(decls: PluginDecl[], type: string): PluginDecl {
  const found = decls.filter((d) => d.type === type);
  const [first] = found;
  if (found.length === 1 && first !== undefined) return first;
  const names = found.map((d) => `"${d.name}"`).join(', ');
  const reason = found.length === 0 ? `exactly one ${type} plugin must be configured, found none` : `exactly one ${type} plugin must be configured, found ${found.length}: ${names}`;
  throw new ConfigError(`plugins.${type}`, reason, found[1]?.position);
}

/** Applies SPIRE's agent cardinality (NodeAttestor 1, KeyManager 1, WorkloadAttestor 1+) and builds typed configs. */
export function buildPlugins(decls: PluginDecl[], ctx: PluginContext): AgentPluginsConfig {
  const nodeAttestor = exactlyOne(decls, 'NodeAttestor');
  const keyManager = exactlyOne(decls, 'KeyManager');
  const workloadAttestors = decls.filter((d) => d.type === 'WorkloadAttestor');
  if (workloadAttestors.length === 0) {
    throw new ConfigError('plugins.WorkloadAttestor', `at least one WorkloadAttestor plugin must be configured (supported: ${Object.keys(SUPPORTED_PLUGINS['WorkloadAttestor'] ?? {}).join(', ')})`);
  }
  workloadAttestors.forEach((decl, i) => {
    if (workloadAttestors.findIndex((d) => d.name === decl.name) !== i) {
      throw new ConfigError(decl.path, `WorkloadAttestor "${decl.name}" is configured more than once`, decl.position);
    }
  });
  return {
    nodeAttestor: buildNodeAttestor(nodeAttestor.name, input(nodeAttestor, ctx)),
    keyManager: buildKeyManager(keyManager.name, input(keyManager, ctx)),
    workloadAttestors: workloadAttestors.map((d) => buildWorkloadAttestor(d.name, input(d, ctx))),
  };
}
