/**
 * The agent's `plugins {}`: its catalog of built-in plugins and SPIRE's agent cardinality rules
 * (NodeAttestor 1, KeyManager 1, WorkloadAttestor 1+). Reading the blocks and plugin_data is
 * shared with the server (@tspire/common's collectPlugins).
 */
import { ConfigError, distinctPlugins, exactlyOnePlugin, pluginInput, type PluginCatalog, type PluginContext, type PluginDecl } from '@tspire/common';
import { SUPPORTED_PLUGINS, UNSUPPORTED_PLUGIN_TYPES, buildKeyManager, buildNodeAttestor, buildWorkloadAttestor } from './plugin-data.js';
import type { AgentPluginsConfig } from './types.js';

export const AGENT_PLUGIN_CATALOG: PluginCatalog = { role: 'agent', supported: SUPPORTED_PLUGINS, unsupportedTypes: UNSUPPORTED_PLUGIN_TYPES };

/** Applies SPIRE's agent cardinality and builds typed configs. */
export function buildPlugins(decls: PluginDecl[], ctx: PluginContext): AgentPluginsConfig {
  const nodeAttestor = exactlyOnePlugin(decls, 'NodeAttestor');
  const keyManager = exactlyOnePlugin(decls, 'KeyManager');
  const workloadAttestors = distinctPlugins(decls, 'WorkloadAttestor');
  if (workloadAttestors.length === 0) {
    throw new ConfigError('plugins.WorkloadAttestor', `at least one WorkloadAttestor plugin must be configured (supported: ${Object.keys(SUPPORTED_PLUGINS['WorkloadAttestor'] ?? {}).join(', ')})`);
  }
  return {
    nodeAttestor: buildNodeAttestor(nodeAttestor.name, pluginInput(nodeAttestor, ctx)),
    keyManager: buildKeyManager(keyManager.name, pluginInput(keyManager, ctx)),
    workloadAttestors: workloadAttestors.map((d) => buildWorkloadAttestor(d.name, pluginInput(d, ctx))),
  };
}
