/**
 * The agent's own identity: bootstrap (stored SVID, else attestation with the join token or the
 * configured node attestor), persistence (agent-data.json + KeyManager) and renewal at half
 * life: RenewAgent for agents that cannot re-attest, a new attestation for those that can. The
 * key alternates between the KeyManager slots agent-svid-A and agent-svid-B.
 */
import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import { Code, ConnectError } from '@connectrpc/connect';
import { X509Bundle, verifyX509Svid, type SpiffeBundle, type TrustDomain } from '@tspire/spiffe';
import type { AgentNodeAttestor } from '../attestor/node/node-attestor.js';
import { joinTokenAttestor } from '../attestor/node/node-attestor.js';
import { createCsr } from '../client/csr.js';
import { PermissionDeniedReason } from '../client/permission-denied.js';
import { permissionDeniedReason, type ServerClient } from '../client/server-client.js';
import type { AgentSvidCredentials } from '../client/server-tls.js';
import type { AgentStateStore } from './agent-state.js';
import { ManagerError } from './errors.js';
import { AGENT_KEY_IDS, otherKeyId, type AgentKeyId, type AgentKeyManager } from './key-manager.js';
import { renewAtMs, validityMs } from './rotation.js';
import { spiffeBundleFromServer } from './server-bundle.js';

/** How the manager reaches the server: `trustBundle` undefined = insecure bootstrap. */
export interface ServerConnectionParams {
  trustBundle: X509Bundle | undefined;
  /** Read at every new connection; absent for attestation. */
  svid?: () => AgentSvidCredentials | undefined;
}
export type ServerClientFactory = (params: ServerConnectionParams) => ServerClient;

export interface AgentIdentity {
  chainDer: Uint8Array[];
  privateKey: KeyObject;
  keyId: AgentKeyId;
  reattestable: boolean;
  notBeforeMs: number;
  notAfterMs: number;
  renewAtMs: number;
  spiffeId: string;
}

export interface AgentSvidDeps {
  trustDomain: TrustDomain;
  stateStore: AgentStateStore;
  keyManager: AgentKeyManager;
  connect: ServerClientFactory;
  joinToken?: string | undefined;
  nodeAttestor?: AgentNodeAttestor | undefined;
  nowMs: () => number;
  random: () => number;
  generateKey: () => Promise<KeyObject>;
}

const REATTEST_REASONS = new Set<PermissionDeniedReason>([
  PermissionDeniedReason.AGENT_EXPIRED,
  PermissionDeniedReason.AGENT_NOT_ACTIVE,
  PermissionDeniedReason.AGENT_NOT_ATTESTED,
  PermissionDeniedReason.AGENT_MUST_REATTEST,
]);

/** Whether a server error means the agent must attest again (spire-compat 3.3). */
export function mustReattest(err: unknown): boolean {
  const reason = permissionDeniedReason(err);
  return reason !== undefined && REATTEST_REASONS.has(reason);
}

/** Whether a server error means the agent is banned; converted to ManagerError ERR_AGENT_BANNED. */
export function bannedError(err: unknown): ManagerError | undefined {
  if (err instanceof ManagerError && err.code === 'ERR_AGENT_BANNED') return err;
  const banned =
    permissionDeniedReason(err) === PermissionDeniedReason.AGENT_BANNED ||
    (err instanceof ConnectError && err.code === Code.PermissionDenied && /\bbanned\b/i.test(err.rawMessage));
  if (!banned) return undefined;
  return new ManagerError('ERR_AGENT_BANNED', 'the server has banned this agent; an operator must evict it (spire-server agent evict) before it can attest again', { cause: err });
}

export class AgentSvidManager {
  #identity: AgentIdentity | undefined;
  /** The roots the server is verified with; mutated in place so open clients see updates. */
  readonly serverTrust: X509Bundle;

  constructor(private readonly deps: AgentSvidDeps) {
    this.serverTrust = new X509Bundle(deps.trustDomain);
  }

  get identity(): AgentIdentity | undefined {
    return this.#identity;
  }

  credentials(): AgentSvidCredentials | undefined {
    const identity = this.#identity;
    return identity === undefined ? undefined : { certChainDer: identity.chainDer, privateKey: identity.privateKey };
  }

  /**
   * Uses the stored SVID when it is still valid and its key is in the KeyManager; otherwise
   * attests with `bootstrapBundle` (or the stored bundle). Returns the bundle to serve, when
   * attestation fetched one. `bootstrapBundle` is only called when needed.
   */
  async bootstrap(bootstrapBundle: () => Promise<X509Bundle | undefined>): Promise<{ attested: boolean; bundle?: SpiffeBundle }> {
    const state = await this.deps.stateStore.load();
    if (state !== undefined) {
      this.serverTrust.setX509Authorities(state.bundle.map((der) => new X509Certificate(der)));
      const stored = await this.#storedIdentity(state.svid, state.reattestable);
      if (stored !== undefined) {
        this.#identity = stored;
        return { attested: false };
      }
    }
    const trust = state !== undefined ? this.serverTrust.clone() : await bootstrapBundle();
    const bundle = await this.attest(trust);
    return { attested: true, bundle };
  }

  /** Attests again with the bundle the agent holds (re-attestation, reattestable renewal). */
  reattest(): Promise<SpiffeBundle> {
    return this.attest(this.serverTrust.clone());
  }

  /**
   * Attests (join token first, else the node attestor) verifying the server with `trust`
   * (undefined: insecure bootstrap), then fetches the bundle and saves all.
   */
  async attest(trust: X509Bundle | undefined): Promise<SpiffeBundle> {
    const attestor = this.#attestor();
    const keyId = this.#identity === undefined ? AGENT_KEY_IDS[0] : otherKeyId(this.#identity.keyId);
    const privateKey = await this.deps.generateKey();
    const client = this.deps.connect({ trustBundle: trust });
    let result;
    let bundleMessage;
    try {
      const attestation = await attestor.begin();
      result = await client.attest({
        type: attestor.type,
        payload: attestation.payload,
        csrDer: createCsr(privateKey),
        ...(attestation.answerChallenge === undefined ? {} : { onChallenge: attestation.answerChallenge }),
      });
      bundleMessage = await client.getBundle();
    } catch (err) {
      throw bannedError(err) ?? err;
    } finally {
      client.close();
    }
    const bundle = spiffeBundleFromServer(this.deps.trustDomain, bundleMessage);
    await this.#adopt(result.svid.certChain, privateKey, keyId, result.reattestable, bundle.x509Bundle());
    return bundle;
  }

  /** Renews when the SVID reached its (jittered) half life; true when it did. */
  async renewIfDue(client: ServerClient): Promise<boolean> {
    const identity = this.#identity;
    if (identity === undefined || this.deps.nowMs() < identity.renewAtMs) return false;
    if (identity.reattestable) {
      await this.reattest();
      return true;
    }
    const keyId = otherKeyId(identity.keyId);
    const privateKey = await this.deps.generateKey();
    let svid;
    try {
      svid = await client.renewAgent(createCsr(privateKey));
    } catch (err) {
      throw bannedError(err) ?? err;
    }
    await this.#adopt(svid.certChain, privateKey, keyId, false, this.serverTrust.clone());
    return true;
  }

  /** Keeps the server roots in step with the bundle the server publishes, and saves them. */
  async updateBundle(bundle: X509Bundle): Promise<void> {
    if (bundle.equals(this.serverTrust) || this.#identity === undefined) return;
    this.serverTrust.setX509Authorities(bundle.x509Authorities());
    await this.#save();
  }

  #attestor(): AgentNodeAttestor {
    if (this.deps.joinToken !== undefined && this.deps.joinToken !== '') return joinTokenAttestor(this.deps.joinToken);
    if (this.deps.nodeAttestor !== undefined && this.deps.nodeAttestor.type !== 'join_token') return this.deps.nodeAttestor;
    throw new ManagerError('ERR_AGENT_BOOTSTRAP', 'the agent has no valid stored SVID and no join token: pass -joinToken or configure join_token / a node attestor');
  }

  /** Checks the new SVID against the bundle (the insecure-bootstrap trust check), then persists. */
  async #adopt(chainDer: readonly Uint8Array[], privateKey: KeyObject, keyId: AgentKeyId, reattestable: boolean, bundle: X509Bundle): Promise<void> {
    let spiffeId: string;
    try {
      spiffeId = verifyX509Svid(chainDer, bundle, { now: new Date(this.deps.nowMs()) }).id.toString();
    } catch (err) {
      throw new ManagerError('ERR_AGENT_BOOTSTRAP', `the agent SVID the server issued does not verify with its bundle: ${(err as Error).message}`, { cause: err });
    }
    const leaf = new X509Certificate(chainDer[0]!);
    if (!leaf.publicKey.equals(createPublicKey(privateKey))) throw new ManagerError('ERR_AGENT_BOOTSTRAP', 'the agent SVID the server issued is not for the key the agent sent');
    await this.deps.keyManager.store(keyId, privateKey);
    this.serverTrust.setX509Authorities(bundle.x509Authorities());
    this.#identity = this.#identityFrom(chainDer, leaf, privateKey, keyId, reattestable, spiffeId);
    await this.#save();
  }

  async #save(): Promise<void> {
    const identity = this.#identity;
    if (identity === undefined) return;
    await this.deps.stateStore.save({
      svid: identity.chainDer,
      bundle: this.serverTrust.x509Authorities().map((cert) => new Uint8Array(cert.raw)),
      reattestable: identity.reattestable,
    });
  }

  async #storedIdentity(chainDer: Uint8Array[], reattestable: boolean): Promise<AgentIdentity | undefined> {
    const leaf = new X509Certificate(chainDer[0]!);
    if (Date.parse(leaf.validTo) <= this.deps.nowMs()) return undefined;
    for (const keyId of AGENT_KEY_IDS) {
      const key = await this.deps.keyManager.load(keyId);
      if (key !== undefined && leaf.publicKey.equals(createPublicKey(key))) {
        const spiffeId = /URI:(spiffe:\/\/[^,\s]+)/.exec(leaf.subjectAltName ?? '')?.[1] ?? '';
        return this.#identityFrom(chainDer, leaf, key, keyId, reattestable, spiffeId);
      }
    }
    return undefined;
  }

  #identityFrom(chainDer: readonly Uint8Array[], leaf: X509Certificate, privateKey: KeyObject, keyId: AgentKeyId, reattestable: boolean, spiffeId: string): AgentIdentity {
    const { notBeforeMs, notAfterMs } = validityMs(leaf);
    return {
      chainDer: [...chainDer],
      privateKey,
      keyId,
      reattestable,
      notBeforeMs,
      notAfterMs,
      renewAtMs: renewAtMs(notBeforeMs, notAfterMs, this.deps.random),
      spiffeId,
    };
  }
}
