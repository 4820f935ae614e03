/**
 * The agent manager: bootstraps the agent's identity, then every sync interval renews the agent
 * SVID when due and syncs entries, bundle and workload SVIDs into the identity cache the
 * Workload API serves. While the server is down the cache keeps serving what it has; retries
 * back off (up to 4 min) and the log says so once per state change. PermissionDenied with an
 * agent reason re-attests; a ban stops the manager (onFatal).
 */
import type { KeyObject } from 'node:crypto';
import { nullLogger, systemClock, type Clock, type Logger } from '@tspire/common';
import { SpiffeBundle, type TrustDomain } from '@tspire/spiffe';
import type { AgentNodeAttestor } from '../attestor/node/node-attestor.js';
import { generateCsrKey, type CsrKeyType } from '../client/csr.js';
import type { ServerClient } from '../client/server-client.js';
import type { TrustBundleFetcher } from '../client/trust-bundle-fetch.js';
import type { TrustBundleSource } from '../config/types.js';
import type { WorkloadIdentitySource } from '../endpoints/workload/identity-source.js';
import { agentStateStore, type AgentStateStore } from './agent-state.js';
import { AgentSvidManager, bannedError, mustReattest, type ServerClientFactory } from './agent-svid.js';
import { IdentityCache } from './identity-cache.js';
import type { AgentKeyManager } from './key-manager.js';
import { SvidSynchronizer } from './svid-sync.js';
import { loadBootstrapBundle } from './trust-bundle.js';

export const DEFAULT_SYNC_INTERVAL_MS = 5_000;
export const MAX_SYNC_BACKOFF_MS = 4 * 60_000;

export interface AgentManagerOptions {
  trustDomain: TrustDomain;
  dataDir: string;
  trustBundle: TrustBundleSource;
  keyManager: AgentKeyManager;
  /** Builds a server client (createServerClient with the config's address; see ServerConnectionParams). */
  connect: ServerClientFactory;
  /** A secret: never logged. Used only when there is no valid stored SVID. */
  joinToken?: string | undefined;
  /** The configured NodeAttestor (x509pop, ...); join_token needs none. */
  nodeAttestor?: AgentNodeAttestor | undefined;
  syncIntervalMs?: number;
  x509SvidCacheMaxSize?: number;
  jwtSvidCacheMaxSize?: number;
  workloadKeyType?: CsrKeyType;
  agentVersion?: string;
  /** Called once when the manager stops on its own (banned). */
  onFatal?: (err: Error) => void;
  clock?: Clock;
  random?: () => number;
  logger?: Logger;
  stateStore?: AgentStateStore;
  readFile?: (path: string) => Promise<Uint8Array>;
  /** GETs trust_bundle_url on first start; default HTTPS with the default roots. */
  fetchTrustBundle?: TrustBundleFetcher;
  generateKey?: (keyType: CsrKeyType) => Promise<KeyObject>;
}

export type AgentManagerStatus = 'new' | 'running' | 'stopped' | 'failed';

export interface AgentManager {
  /** What the Workload API serves. */
  readonly identities: WorkloadIdentitySource & IdentityCache;
  readonly status: AgentManagerStatus;
  /** The agent's SPIFFE ID once bootstrapped. */
  readonly agentSpiffeId: string | undefined;
  /** The agent SVID's certificate chain (leaf first, DER) once bootstrapped: read-only, for Debug.GetInfo. */
  readonly agentSvidChainDer: readonly Uint8Array[] | undefined;
  /** When (ms) a sync with the server last succeeded; undefined before the first. */
  readonly lastSyncSuccessMs: number | undefined;
  /** Bootstraps (stored SVID or attestation), posts status, runs the first sync; rejects on bootstrap failure or ban. */
  start(): Promise<void>;
  /** Stops the loop, waits for a cycle in flight, closes the server connection. */
  stop(): Promise<void>;
  /** Resolves when no cycle is running (tests advance the clock, then await this). */
  whenIdle(): Promise<void>;
}

/**
 * @example
 * const manager = createAgentManager({
 *   trustDomain: config.trustDomain, dataDir: config.dataDir, trustBundle: config.trustBundle,
 *   joinToken: config.joinToken, keyManager: diskKeyManager(dir), logger,
 *   // trustBundle is undefined only for insecure_bootstrap's first attestation: the client must then skip server verification.
 *   connect: ({ trustBundle, svid }) => createServerClient({ serverAddress, serverPort, trustDomain, trustBundle: trustBundle!, ...(svid ? { svid } : {}) }),
 * });
 * await manager.start();
 * await startWorkloadApi({ identities: manager.identities, ... });
 */
export function createAgentManager(options: AgentManagerOptions): AgentManager {
  return new AgentManagerImpl(options);
}

class AgentManagerImpl implements AgentManager {
  readonly identities: IdentityCache;
  #status: AgentManagerStatus = 'new';
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #agentSvid: AgentSvidManager;
  readonly #sync: SvidSynchronizer;
  readonly #intervalMs: number;
  #client: ServerClient | undefined;
  #cancelTimer: (() => void) | undefined;
  #cycle: Promise<void> | undefined;
  #failures = 0;
  /**
   * The first error of the current outage, or undefined while syncs succeed. The log says when an
   * outage starts (warn) and ends (info), once each: the errors in between (reset, refused, TLS)
   * change from retry to retry and go to debug.
   */
  #outageError: string | undefined;
  #mintRequested = false;
  #lastSyncSuccessMs: number | undefined;

  constructor(private readonly options: AgentManagerOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#logger = (options.logger ?? nullLogger).child({ subsystem_name: 'manager' });
    this.#intervalMs = options.syncIntervalMs ?? DEFAULT_SYNC_INTERVAL_MS;
    const random = options.random ?? Math.random;
    const nowMs = (): number => this.#clock.nowMs();
    const generateKey = options.generateKey ?? generateCsrKey;
    this.identities = new IdentityCache({
      bundle: new SpiffeBundle(options.trustDomain),
      nowMs,
      jwtSvidCacheMaxSize: options.jwtSvidCacheMaxSize ?? 1000,
      mintJwtSvid: (entryId, audience) => {
        if (this.#client === undefined) return Promise.reject(new Error('the agent is not connected to the server'));
        return this.#client.newJwtSvid(entryId, audience);
      },
      onMissingSvid: () => this.#requestMint(),
    });
    this.#agentSvid = new AgentSvidManager({
      trustDomain: options.trustDomain,
      stateStore: options.stateStore ?? agentStateStore(options.dataDir),
      keyManager: options.keyManager,
      connect: options.connect,
      joinToken: options.joinToken,
      nodeAttestor: options.nodeAttestor,
      nowMs,
      random,
      generateKey: () => generateKey('ec-p256'),
    });
    this.#sync = new SvidSynchronizer({
      trustDomain: options.trustDomain,
      cache: this.identities,
      keyType: options.workloadKeyType ?? 'ec-p256',
      generateKey,
      nowMs,
      random,
      maxSvids: options.x509SvidCacheMaxSize ?? 1000,
      logger: this.#logger,
    });
  }

  get status(): AgentManagerStatus {
    return this.#status;
  }

  get agentSpiffeId(): string | undefined {
    return this.#agentSvid.identity?.spiffeId;
  }

  get agentSvidChainDer(): readonly Uint8Array[] | undefined {
    return this.#agentSvid.identity?.chainDer;
  }

  get lastSyncSuccessMs(): number | undefined {
    return this.#lastSyncSuccessMs;
  }

  async start(): Promise<void> {
    if (this.#status !== 'new') throw new Error(`the agent manager cannot start: it is ${this.#status}`);
    this.#status = 'running';
    try {
      const { readFile, fetchTrustBundle } = this.options;
      const bootstrapDeps = { ...(readFile ? { readFile } : {}), ...(fetchTrustBundle ? { fetchTrustBundle } : {}) };
      const { attested, bundle } = await this.#agentSvid.bootstrap(() => loadBootstrapBundle(this.options.trustDomain, this.options.trustBundle, bootstrapDeps));
      if (bundle !== undefined) this.identities.update((writer) => writer.setBundle(bundle));
      this.#logger.info(attested ? 'Node attestation was successful' : 'Reusing the stored agent SVID', { spiffe_id: loggableAgentId(this.agentSpiffeId), reattestable: this.#agentSvid.identity?.reattestable });
      this.#connect();
      await this.#client!.postStatus(this.options.agentVersion ?? 'tspire').catch((err: unknown) => this.#logger.debug('PostStatus failed', { error: (err as Error).message }));
    } catch (err) {
      this.#status = 'failed';
      this.#closeClient();
      throw err;
    }
    this.#cycle = this.#runCycle();
    await this.#cycle;
  }

  async stop(): Promise<void> {
    if (this.#status === 'running') this.#status = 'stopped';
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    await this.whenIdle();
    this.#closeClient();
  }

  async whenIdle(): Promise<void> {
    while (this.#cycle !== undefined) await this.#cycle;
  }

  /** A subscriber matched entries without SVIDs: mint now instead of at the next tick. */
  #requestMint(): void {
    if (this.#status !== 'running') return;
    if (this.#cycle !== undefined) {
      this.#mintRequested = true;
      return;
    }
    this.#schedule(0);
  }

  #schedule(delayMs: number): void {
    this.#cancelTimer?.();
    this.#cancelTimer = this.#clock.after(delayMs, () => {
      this.#cancelTimer = undefined;
      this.#cycle = this.#runCycle();
    });
  }

  async #runCycle(): Promise<void> {
    try {
      await this.#cycleOnce();
      this.#lastSyncSuccessMs = this.#clock.nowMs();
      this.#failures = 0;
      this.#syncSucceeded();
    } catch (err) {
      await this.#handleFailure(err);
    } finally {
      this.#cycle = undefined;
      if (this.#status === 'running') {
        const delay = this.#mintRequested ? 0 : Math.min(this.#intervalMs * 2 ** this.#failures, Math.max(MAX_SYNC_BACKOFF_MS, this.#intervalMs));
        this.#mintRequested = false;
        this.#schedule(delay);
      }
    }
  }

  async #cycleOnce(): Promise<void> {
    if (await this.#agentSvid.renewIfDue(this.#client!)) {
      this.#logger.info('Agent SVID renewed', { spiffe_id: loggableAgentId(this.agentSpiffeId) });
      this.#connect();
    }
    const summary = await this.#sync.sync(this.#client!);
    await this.#agentSvid.updateBundle(summary.bundle.x509Bundle());
    if (summary.minted > 0 || summary.failed > 0) this.#logger.debug('Synced X509-SVIDs', { entries: summary.entries, minted: summary.minted, failed: summary.failed });
  }

  async #handleFailure(err: unknown): Promise<void> {
    const banned = bannedError(err);
    if (banned !== undefined) {
      this.#fail(banned);
      return;
    }
    if (mustReattest(err)) {
      this.#logger.warn('The server no longer accepts the agent SVID; attesting again', { error: (err as Error).message });
      try {
        await this.#agentSvid.reattest();
        this.#connect();
        this.#failures = 0;
        return;
      } catch (attestErr) {
        const stillBanned = bannedError(attestErr);
        if (stillBanned !== undefined) return this.#fail(stillBanned);
        err = attestErr;
      }
    }
    this.#failures++;
    this.#syncFailed((err as Error).message);
  }

  #fail(err: Error): void {
    this.#status = 'failed';
    this.#cancelTimer?.();
    this.#closeClient();
    this.#logger.error('Agent stopped', { error: err.message });
    this.options.onFatal?.(err);
  }

  #syncSucceeded(): void {
    if (this.#outageError === undefined) return;
    this.#logger.info('Synchronization with the server restored', { previous_error: this.#outageError });
    this.#outageError = undefined;
  }

  #syncFailed(message: string): void {
    if (this.#outageError !== undefined) {
      this.#logger.debug('Synchronization with the server still failing', { error: message, attempts: this.#failures });
      return;
    }
    this.#outageError = message;
    this.#logger.warn('Synchronization with the server failed; serving cached SVIDs and retrying with backoff', { error: message });
  }

  #connect(): void {
    this.#closeClient();
    this.#client = this.options.connect({ trustBundle: this.#agentSvid.serverTrust, svid: () => this.#agentSvid.credentials() });
  }

  #closeClient(): void {
    this.#client?.close();
    this.#client = undefined;
  }
}


/** A join-token agent ID holds the token: never log it (the house rule for secrets). */
export function loggableAgentId(id: string | undefined): string | undefined {
  return id?.replace(/(\/spire\/agent\/join_token\/).+$/, '$1[redacted]');
}
