/**
 * The server's composition: datastore, key manager, CA manager, authorized-entries cache,
 * signing pool, node attestors, the admin socket, the agent-facing TCP endpoint and the health
 * listener, plus the periodic work (CA rotation, server SVID rotation, bundle and event pruning).
 * Everything it needs is passed in (`ServerOptions`); only the CLI builds real loggers and clocks.
 */
import type { Clock, Logger } from '@tspire/common';
import type { TrustDomain } from '@tspire/spiffe';
import { openDatastore } from './datastore/open.js';
import type { DatastoreConfig } from './datastore/config.js';
import type { DataStore } from './datastore/datastore.js';
import { createDiskKeyManager, createMemoryKeyManager, type KeyManager, type KeyType } from './keymanager/index.js';
import { createCaManager, type AuthorityStates, type CaManager } from './ca/manager.js';
import { createDiskUpstreamAuthority, type DiskUpstreamOptions } from './ca/upstream-disk.js';
import type { DistinguishedName } from './ca/x509-name.js';
import { startAdminSocket, type AdminSocketServer } from './endpoints/admin-socket.js';
import { startHealthHttp, type HealthHttpServer } from '@tspire/common';
import { startTcpEndpoint, type TcpEndpoint } from './endpoints/tcp-endpoint.js';
import { caMintAuthority } from './ca-mint-authority.js';
import { createAuthorizedEntriesCache, type AuthorizedEntriesCache } from './entries/index.js';
import { createSigningPool, type SigningPool } from './ca/signing-pool.js';
import { createBundlePruner, type BundlePruner } from './ca/bundle-pruner.js';
import { createTcpRoleResolver } from './api/roles.js';
import type { AgentApiDeps, ApiDeps } from './api/deps.js';
import type { NodeAttestor } from './attestor/node/node-attestor.js';
import { createX509PopAttestor } from './attestor/node/x509pop/x509pop-attestor.js';
import type { X509PopNodeAttestorConfig } from './config/types.js';
import { loadTrustBundles, type TrustBundles } from './trust-bundles.js';

export interface CaOptions {
  caKeyType: KeyType;
  jwtKeyType: KeyType;
  caSubject: DistinguishedName;
  caTtlSeconds: number;
  defaultX509SvidTtlSeconds: number;
  defaultJwtSvidTtlSeconds: number;
  agentTtlSeconds: number;
  jwtIssuer?: string;
}

/** The agent-facing TCP endpoint and what agents may do there. */
export interface AgentEndpointOptions {
  bindAddress: string;
  /** 0 = an ephemeral port (RunningServer.tcpEndpoint.port) */
  bindPort: number;
  /** admin_ids */
  adminIds: string[];
  ratelimit: { attestation: boolean; signing: boolean };
  /** NodeAttestor plugins besides join_token (which is always served) */
  x509pop?: X509PopNodeAttestorConfig;
  disableJwtSvids: boolean;
  agentSpiffeIdAsSelector: boolean;
  /** how often the authorized-entries cache polls the event feeds (ms) */
  cachePollIntervalMs: number;
  /** full reload of the cache as a backstop (ms) */
  fullCacheReloadIntervalMs: number;
  /** how long a skipped event id is waited for (ms) */
  eventTimeoutMs: number;
  /** events older than this are pruned (ms) */
  pruneEventsOlderThanMs: number;
  /** signing worker threads; default min(cores, 4); 0 = sign on the main thread */
  signingWorkers?: number;
}

/** Defaults as server.conf's: 0.0.0.0:8081, rate limits on, 1 s event polling. */
export function defaultAgentEndpointOptions(): AgentEndpointOptions {
  return {
    bindAddress: '0.0.0.0',
    bindPort: 8081,
    adminIds: [],
    ratelimit: { attestation: true, signing: true },
    disableJwtSvids: false,
    agentSpiffeIdAsSelector: false,
    cachePollIntervalMs: 1000,
    fullCacheReloadIntervalMs: 24 * 3600_000,
    eventTimeoutMs: 15 * 60_000,
    pruneEventsOlderThanMs: 12 * 3600_000,
  };
}

export interface ServerOptions {
  trustDomain: TrustDomain;
  socketPath: string;
  agentEndpoint: AgentEndpointOptions;
  datastore: DatastoreConfig;
  keyManager: { kind: 'disk'; keysPath: string } | { kind: 'memory' };
  upstreamDisk?: DiskUpstreamOptions;
  ca: CaOptions;
  healthChecks?: { bindAddress: string; bindPort: number; livePath: string; readyPath: string };
  logger: Logger;
  clock: Clock;
  /** How often the CA rotation and pruning run (SPIRE: 10s). */
  tickIntervalMs?: number;
}

export interface RunningServer {
  readonly datastore: DataStore;
  readonly ca: CaManager;
  readonly adminSocket: AdminSocketServer;
  readonly tcpEndpoint: TcpEndpoint;
  readonly authorizedEntries: AuthorizedEntriesCache;
  readonly trustBundles: TrustBundles;
  readonly healthHttp: HealthHttpServer | undefined;
  /** Stops timers and listeners and closes the datastore. Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_TICK_MS = 10_000;

/** Starts the server; on any start-up failure everything already opened is closed again. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { logger, clock } = options;
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.splice(0).reverse()) {
      await close().catch((err: unknown) => logger.error('error while stopping', { error: String(err) }));
    }
  };
  try {
    const datastore = await openDatastore({ ...options.datastore, logger, now: () => Math.floor(clock.nowMs() / 1000) });
    closers.push(() => datastore.close());

    const keyManager: KeyManager =
      options.keyManager.kind === 'disk'
        ? await createDiskKeyManager({ keysPath: options.keyManager.keysPath })
        : createMemoryKeyManager();
    const trustDomainId = options.trustDomain.idString();
    const ca = await createCaManager({
      trustDomain: options.trustDomain.name,
      keyManager,
      // Journals are keyed per server by the active CA key; journals written before that were
      // keyed by the trust domain ID and are adopted once when their CA key is ours.
      journalStore: datastore,
      legacyJournalKey: trustDomainId,
      bundleStore: datastore,
      ...(options.upstreamDisk ? { upstreamAuthority: createDiskUpstreamAuthority(options.upstreamDisk) } : {}),
      ...caSettings(options.ca),
      now: () => clock.nowMs(),
    });
    await ca.rotateServerSvid();
    logger.info('CA ready', { trust_domain_id: trustDomainId, authority_id: ca.x509Ca().authorityId });

    const agentOptions = options.agentEndpoint;
    const authorizedEntries = createAuthorizedEntriesCache({
      datastore,
      clock,
      logger,
      trustDomain: options.trustDomain,
      pollIntervalMs: agentOptions.cachePollIntervalMs,
      fullReloadIntervalMs: agentOptions.fullCacheReloadIntervalMs,
      eventGraceMs: agentOptions.eventTimeoutMs,
    });
    await authorizedEntries.start();
    closers.push(() => authorizedEntries.close());

    const trustBundles = await loadTrustBundles(datastore);
    const signer = createSigningPool({
      authority: () => {
        const active = ca.x509Ca();
        return {
          authorityId: active.authorityId,
          certificate: active.certificate,
          chain: active.chain,
          privateKey: active.privateKey,
          trustDomain: options.trustDomain.name,
          defaultTtlSeconds: ca.settings.defaultX509SvidTtlSeconds,
        };
      },
      now: () => clock.nowMs(),
      ...(agentOptions.signingWorkers === undefined ? {} : { size: agentOptions.signingWorkers }),
    });
    closers.push(() => signer.close());

    const agentApi: AgentApiDeps = {
      authorizedEntries,
      signer,
      nodeAttestors: nodeAttestors(agentOptions, ca, clock, logger),
      agentTtlSeconds: ca.settings.agentTtlSeconds,
      disableJwtSvids: agentOptions.disableJwtSvids,
      agentSpiffeIdAsSelector: agentOptions.agentSpiffeIdAsSelector,
    };
    const apiDeps: ApiDeps = {
      datastore,
      trustDomain: options.trustDomain,
      clock,
      logger,
      mintAuthority: caMintAuthority(ca),
      serverSvidChain: () => serverSvidChain(ca),
      startedAtMs: clock.nowMs(),
      agentApi,
    };

    const adminSocket = await startAdminSocket({ socketPath: options.socketPath, deps: apiDeps });
    closers.push(() => adminSocket.close());

    const tcpEndpoint = await startTcpEndpoint({
      bindAddress: agentOptions.bindAddress,
      bindPort: agentOptions.bindPort,
      deps: apiDeps,
      serverSvid: () => {
        const svid = ca.serverSvid();
        if (svid === undefined) throw new Error('the server has no SVID yet');
        return { certChainDer: svid.chain, privateKey: svid.privateKey, serial: svid.serial };
      },
      trustBundles: (name) => trustBundles.x509Bundle(name),
      adminIds: agentOptions.adminIds,
      resolveRoles: createTcpRoleResolver({ adminIds: agentOptions.adminIds, authorizedEntries, datastore, clock, logger }),
      rateLimits: agentOptions.ratelimit,
      clock,
      logger,
    });
    closers.push(() => tcpEndpoint.close());

    let healthHttp: HealthHttpServer | undefined;
    if (options.healthChecks) {
      healthHttp = await startHealthHttp({
        ...options.healthChecks,
        check: async () => {
          const bundle = await datastore.fetchBundle(trustDomainId).catch(() => null);
          const ready = bundle !== null;
          return { live: true, ready, details: { server: { ready, live: true } } };
        },
      });
      const health = healthHttp;
      closers.push(() => health.close());
      logger.info('Serving health checks', { address: `${options.healthChecks.bindAddress}:${health.port}` });
    }

    const bundlePruner = createBundlePruner({ ca, store: datastore, logger });
    const stopTicker = startTicker(options, { ca, datastore, tcpEndpoint, trustBundles, bundlePruner });
    closers.push(async () => stopTicker());

    let stopped = false;
    return {
      datastore,
      ca,
      adminSocket,
      tcpEndpoint,
      authorizedEntries,
      trustBundles,
      healthHttp,
      async stop() {
        if (stopped) return;
        stopped = true;
        await closeAll();
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

function caSettings(ca: CaOptions) {
  return {
    caKeyType: ca.caKeyType,
    jwtKeyType: ca.jwtKeyType,
    caSubject: ca.caSubject,
    caTtlSeconds: ca.caTtlSeconds,
    defaultX509SvidTtlSeconds: ca.defaultX509SvidTtlSeconds,
    defaultJwtSvidTtlSeconds: ca.defaultJwtSvidTtlSeconds,
    agentTtlSeconds: ca.agentTtlSeconds,
    ...(ca.jwtIssuer ? { jwtIssuer: ca.jwtIssuer } : {}),
  };
}

function serverSvidChain(ca: CaManager) {
  const svid = ca.serverSvid();
  return svid ? [{ spiffeId: svid.spiffeId, expiresAt: svid.expiresAt, subject: 'O=SPIRE,C=US' }] : [];
}

/** Node attestors by type; join_token is served by the Agent service itself. */
function nodeAttestors(agentOptions: AgentEndpointOptions, ca: CaManager, clock: Clock, logger: Logger): Map<string, NodeAttestor> {
  const attestors = new Map<string, NodeAttestor>();
  if (agentOptions.x509pop) {
    const attestor = createX509PopAttestor(agentOptions.x509pop, {
      clock,
      logger,
      // spiffe mode: agents present SVIDs of this trust domain, checked against its current bundle
      trustBundle: async () => (await ca.bundle()).x509Authorities.map((authority) => authority.der),
    });
    attestors.set(attestor.name, attestor);
  }
  return attestors;
}

/** Operators see each preparation and activation (as SPIRE logs them) at info level. */
function logRotation(logger: Logger, what: string, before: AuthorityStates, after: AuthorityStates): void {
  const prepared = after.prepared;
  if (prepared && prepared.authorityId !== before.prepared?.authorityId) {
    logger.info(`${what} prepared`, { authority_id: prepared.authorityId, expires_at: prepared.expiresAt });
  }
  const active = after.active;
  if (active && active.authorityId !== before.active?.authorityId) {
    logger.info(`${what} activated`, { authority_id: active.authorityId, expires_at: active.expiresAt });
  }
}

interface TickerParts {
  ca: CaManager;
  datastore: DataStore;
  tcpEndpoint: TcpEndpoint;
  trustBundles: TrustBundles;
  bundlePruner: BundlePruner;
}

const EVENT_PRUNE_INTERVAL_MS = 3600_000;

/**
 * One serialized periodic task: CA slot rotation (then the in-memory bundles are reloaded, so a
 * prepared CA is trusted at once), server SVID rotation past half-life (the TCP endpoint then
 * presents the new one), bundle pruning when due, and pruning of expired join tokens and of old
 * entry/node events. A failing tick is logged and retried on the next one.
 */
function startTicker(options: ServerOptions, parts: TickerParts): () => void {
  const { clock, logger } = options;
  const { ca, datastore, tcpEndpoint, trustBundles, bundlePruner } = parts;
  const interval = options.tickIntervalMs ?? DEFAULT_TICK_MS;
  const pruneEventsOlderThanSeconds = Math.floor(options.agentEndpoint.pruneEventsOlderThanMs / 1000);
  let lastEventPruneMs = clock.nowMs();
  let cancel: (() => void) | undefined;
  let stopped = false;
  const tick = async (): Promise<void> => {
    try {
      const before = { x509: ca.x509AuthorityState(), jwt: ca.jwtAuthorityState() };
      await ca.tick();
      logRotation(logger, 'X509 CA', before.x509, ca.x509AuthorityState());
      logRotation(logger, 'JWT key', before.jwt, ca.jwtAuthorityState());
      await trustBundles.reload();
      if (ca.serverSvidNeedsRotation()) {
        const svid = await ca.rotateServerSvid();
        tcpEndpoint.refreshServerSvid();
        logger.info('Rotated server SVID', { serial: svid.serial, expires_at: svid.expiresAt });
      }
      await bundlePruner.tick();
      const pruned = await datastore.pruneJoinTokens(Math.floor(clock.nowMs() / 1000));
      if (pruned > 0) logger.debug('Pruned expired join tokens', { count: pruned });
      if (clock.nowMs() - lastEventPruneMs >= EVENT_PRUNE_INTERVAL_MS) {
        lastEventPruneMs = clock.nowMs();
        const entryEvents = await datastore.pruneEntryEvents(pruneEventsOlderThanSeconds);
        const nodeEvents = await datastore.pruneNodeEvents(pruneEventsOlderThanSeconds);
        if (entryEvents + nodeEvents > 0) logger.debug('Pruned old events', { entry_events: entryEvents, node_events: nodeEvents });
      }
    } catch (err) {
      logger.error('Periodic server task failed', { error: err instanceof Error ? err.message : String(err) });
    }
    if (!stopped) cancel = clock.after(interval, () => void tick());
  };
  cancel = clock.after(interval, () => void tick());
  return () => {
    stopped = true;
    cancel?.();
  };
}
