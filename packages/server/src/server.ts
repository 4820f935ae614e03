/**
 * The server's composition: datastore, key manager, CA manager, admin socket and health
 * listener, plus the periodic work (CA rotation tick, server SVID rotation, pruning). Everything
 * it needs is passed in (`ServerOptions`); only the CLI builds real loggers and clocks.
 */
import type { Clock, Logger } from '@tspire/common';
import type { TrustDomain } from '@tspire/spiffe';
import { openDatastore } from './datastore/open.js';
import type { DatastoreConfig } from './datastore/config.js';
import type { DataStore } from './datastore/datastore.js';
import { createDiskKeyManager, createMemoryKeyManager, type KeyManager, type KeyType } from './keymanager/index.js';
import { createCaManager, type CaManager } from './ca/manager.js';
import { createDiskUpstreamAuthority, type DiskUpstreamOptions } from './ca/upstream-disk.js';
import type { DistinguishedName } from './ca/x509-name.js';
import { startAdminSocket, type AdminSocketServer } from './endpoints/admin-socket.js';
import { startHealthHttp, type HealthHttpServer } from './endpoints/health-http.js';
import { caMintAuthority } from './ca-mint-authority.js';

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

export interface ServerOptions {
  trustDomain: TrustDomain;
  socketPath: string;
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

    const adminSocket = await startAdminSocket({
      socketPath: options.socketPath,
      deps: {
        datastore,
        trustDomain: options.trustDomain,
        clock,
        logger,
        mintAuthority: caMintAuthority(ca),
        serverSvidChain: () => serverSvidChain(ca),
        startedAtMs: clock.nowMs(),
      },
    });
    closers.push(() => adminSocket.close());

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

    const stopTicker = startTicker(options, ca, datastore);
    closers.push(async () => stopTicker());

    let stopped = false;
    return {
      datastore,
      ca,
      adminSocket,
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

/**
 * One serialized periodic task: CA slot rotation, server SVID rotation past half-life, and
 * pruning of expired join tokens. A failing tick is logged and retried on the next one.
 */
function startTicker(options: ServerOptions, ca: CaManager, datastore: DataStore): () => void {
  const { clock, logger } = options;
  const interval = options.tickIntervalMs ?? DEFAULT_TICK_MS;
  let cancel: (() => void) | undefined;
  let stopped = false;
  const tick = async (): Promise<void> => {
    try {
      await ca.tick();
      if (ca.serverSvidNeedsRotation()) await ca.rotateServerSvid();
      const pruned = await datastore.pruneJoinTokens(Math.floor(clock.nowMs() / 1000));
      if (pruned > 0) logger.debug('Pruned expired join tokens', { count: pruned });
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
