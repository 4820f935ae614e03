/** Maps the typed server.conf (ServerConfig) to what startServer needs. */
import type { Clock, Logger } from '@tspire/common';
import type { ServerConfig } from './config/types.js';
import type { ServerOptions } from './server.js';

const seconds = (ms: number): number => Math.round(ms / 1000);

/**
 * A PostgreSQL that is still starting (or restarting) next to the server gets a few seconds
 * before start-up gives up: 5 attempts, 1 s apart, then a clear "unavailable" error.
 */
const POSTGRES_CONNECT_RETRIES = 4;
const POSTGRES_CONNECT_RETRY_DELAY_MS = 1000;

export function serverOptionsFromConfig(config: ServerConfig, deps: { logger: Logger; clock: Clock }): ServerOptions {
  const { plugins } = config;
  const dataStore = plugins.dataStore;
  const upstream = plugins.upstreamAuthority;
  const health = config.healthChecks;
  const x509pop = plugins.nodeAttestors.find((attestor) => attestor.name === 'x509pop');
  return {
    trustDomain: config.trustDomain,
    socketPath: config.socketPath,
    agentEndpoint: {
      bindAddress: config.bindAddress,
      bindPort: config.bindPort,
      adminIds: config.adminIds.map((id) => id.toString()),
      ratelimit: config.ratelimit,
      ...(x509pop ? { x509pop } : {}),
      disableJwtSvids: config.disableJwtSvids,
      agentSpiffeIdAsSelector: config.experimental.agentSpiffeIdAsSelector,
      cachePollIntervalMs: config.experimental.cacheReloadInterval,
      fullCacheReloadIntervalMs: config.experimental.fullCacheReloadInterval,
      eventTimeoutMs: config.experimental.eventTimeout,
      pruneEventsOlderThanMs: config.experimental.pruneEventsOlderThan,
    },
    datastore: {
      databaseType: dataStore.databaseType,
      connectionString: dataStore.connectionString,
      maxOpenConns: dataStore.maxOpenConns,
      disableMigration: dataStore.disableMigration,
      ...(dataStore.databaseType === 'postgres'
        ? { connectRetries: POSTGRES_CONNECT_RETRIES, connectRetryDelayMs: POSTGRES_CONNECT_RETRY_DELAY_MS }
        : {}),
    },
    keyManager:
      plugins.keyManager.name === 'disk' ? { kind: 'disk', keysPath: plugins.keyManager.keysPath } : { kind: 'memory' },
    ...(upstream
      ? {
          upstreamDisk: {
            certFilePath: upstream.certFilePath,
            keyFilePath: upstream.keyFilePath,
            ...(upstream.bundleFilePath ? { bundleFilePath: upstream.bundleFilePath } : {}),
          },
        }
      : {}),
    ca: {
      caKeyType: config.caKeyType,
      jwtKeyType: config.jwtKeyType,
      caSubject: {
        country: config.caSubject.country,
        organization: config.caSubject.organization,
        ...(config.caSubject.commonName ? { commonName: config.caSubject.commonName } : {}),
      },
      caTtlSeconds: seconds(config.caTtl),
      defaultX509SvidTtlSeconds: seconds(config.defaultX509SvidTtl),
      defaultJwtSvidTtlSeconds: seconds(config.defaultJwtSvidTtl),
      agentTtlSeconds: seconds(config.agentTtl),
      ...(config.jwtIssuer ? { jwtIssuer: config.jwtIssuer } : {}),
    },
    ...(health.listenerEnabled
      ? {
          healthChecks: {
            bindAddress: health.bindAddress,
            bindPort: health.bindPort,
            livePath: health.livePath,
            readyPath: health.readyPath,
          },
        }
      : {}),
    logger: deps.logger,
    clock: deps.clock,
  };
}
