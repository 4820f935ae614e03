/**
 * Builds AgentManagerOptions from the loaded agent.conf: KeyManager (disk/memory), node attestor
 * (x509pop is loaded, so bad files fail at start-up; join_token needs none), sync interval,
 * cache bounds and the workload key type. The caller supplies how to reach the server.
 */
import type { X509PopDeps } from '../attestor/node/x509pop.js';
import { loadX509PopAttestor } from '../attestor/node/x509pop.js';
import type { AgentConfig } from '../config/types.js';
import type { AgentManagerOptions } from './agent-manager.js';
import type { ServerClientFactory } from './agent-svid.js';
import { diskKeyManager, memoryKeyManager } from './key-manager.js';

export type AgentManagerDeps = Pick<AgentManagerOptions, 'clock' | 'random' | 'logger' | 'onFatal' | 'agentVersion' | 'readFile' | 'fetchTrustBundle' | 'stateStore' | 'generateKey'>;

/**
 * @example
 * const manager = createAgentManager(await agentManagerOptionsFromConfig(config, connect, { logger, onFatal }));
 */
export async function agentManagerOptionsFromConfig(
  config: AgentConfig,
  connect: ServerClientFactory,
  deps: AgentManagerDeps = {},
  x509PopDeps: X509PopDeps = {},
): Promise<AgentManagerOptions> {
  const attestor = config.plugins.nodeAttestor;
  const nodeAttestor =
    attestor.name === 'x509pop'
      ? await loadX509PopAttestor(
          {
            private_key_path: attestor.privateKeyPath,
            certificate_path: attestor.certificatePath,
            ...(attestor.intermediatesPath === undefined ? {} : { intermediates_path: attestor.intermediatesPath }),
          },
          x509PopDeps,
        )
      : undefined;
  const keys = config.plugins.keyManager;
  return {
    ...deps,
    trustDomain: config.trustDomain,
    dataDir: config.dataDir,
    trustBundle: config.trustBundle,
    keyManager: keys.name === 'disk' ? diskKeyManager(keys.directory) : memoryKeyManager(),
    connect,
    joinToken: config.joinToken,
    nodeAttestor,
    syncIntervalMs: config.experimental.syncInterval,
    x509SvidCacheMaxSize: config.x509SvidCacheMaxSize,
    jwtSvidCacheMaxSize: config.jwtSvidCacheMaxSize,
    workloadKeyType: config.workloadX509SvidKeyType,
  };
}
