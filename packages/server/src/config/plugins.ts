/**
 * The server's `plugins {}`: its catalog of built-in plugins and SPIRE's server cardinality rules
 * (DataStore 1, KeyManager 1, NodeAttestor 0+, UpstreamAuthority 0-1). Reading the blocks and
 * plugin_data is shared with the agent (@tspire/common's collectPlugins).
 */
import { ConfigError, distinctPlugins, exactlyOnePlugin, pluginInput, type PluginCatalog, type PluginContext, type PluginDecl } from '@tspire/common';
import {
  SUPPORTED_PLUGINS,
  UNSUPPORTED_PLUGIN_TYPES,
  buildDiskUpstream,
  buildKeyManager,
  buildNodeAttestor,
  buildSqlDataStore,
} from './plugin-data.js';
import type { PluginsConfig } from './types.js';

export const SERVER_PLUGIN_CATALOG: PluginCatalog = { role: 'server', supported: SUPPORTED_PLUGINS, unsupportedTypes: UNSUPPORTED_PLUGIN_TYPES };

/** Applies SPIRE's server cardinality and builds typed configs. */
export function buildPlugins(decls: PluginDecl[], ctx: PluginContext): PluginsConfig {
  const dataStore = exactlyOnePlugin(decls, 'DataStore');
  const keyManager = exactlyOnePlugin(decls, 'KeyManager');
  const upstream = decls.filter((d) => d.type === 'UpstreamAuthority');
  if (upstream.length > 1) {
    const names = upstream.map((d) => `"${d.name}"`).join(', ');
    throw new ConfigError('plugins.UpstreamAuthority', `at most one UpstreamAuthority plugin can be configured, found ${upstream.length}: ${names}`, upstream[1]?.position);
  }
  const config: PluginsConfig = {
    dataStore: buildSqlDataStore(pluginInput(dataStore, ctx)),
    keyManager: buildKeyManager(keyManager.name, pluginInput(keyManager, ctx)),
    nodeAttestors: distinctPlugins(decls, 'NodeAttestor').map((d) => buildNodeAttestor(d.name, pluginInput(d, ctx))),
  };
  const [upstreamDecl] = upstream;
  if (upstreamDecl !== undefined) config.upstreamAuthority = buildDiskUpstream(pluginInput(upstreamDecl, ctx));
  return config;
}
