/**
 * One worker thread of the signing pool and the chunks it holds. When the thread exits (crash,
 * out of memory, pool closed) every chunk in flight fails with a clear code; the pool replaces
 * the slot on its next dispatch.
 */
import { Worker } from 'node:worker_threads';
import type { PooledSigningResult, SigningAuthority } from './signing-pool.js';
import type { AuthorityMessage, SignMessage, SignedMessage } from './signing-protocol.js';

export type Failure = Extract<PooledSigningResult, { ok: false }>;

export interface PendingChunk {
  authority: SigningAuthority;
  start: number;
  count: number;
  sentAt: number;
  resolve(reply: SignedMessage): void;
  fail(failure: Failure): void;
}

/** One worker thread and what it holds. Replaced (lazily, on the next dispatch) when it exits. */
export class WorkerSlot {
  readonly worker: Worker;
  authorityId: string | undefined;
  readonly pending = new Map<number, PendingChunk>();
  /** Items in flight, to pick the least busy worker. */
  load = 0;
  alive = true;
  #lastError: string | undefined;

  constructor(url: URL, onExit: (slot: WorkerSlot, failure: Failure) => void, closing: () => boolean) {
    this.worker = new Worker(url, { resourceLimits: { maxYoungGenerationSizeMb: 64 } });
    this.worker.unref(); // referenced only while it holds work, so an idle pool never keeps a process alive
    this.worker.on('message', (reply: SignedMessage) => this.#settle(reply));
    this.worker.on('error', (err) => { this.#lastError = err.message; });
    this.worker.on('exit', (code) => {
      this.alive = false;
      const failure: Failure = closing()
        ? { ok: false, code: 'ERR_CA_SIGNING_POOL_CLOSED', message: 'the X509-SVID signing pool was closed before this item was signed' }
        : { ok: false, code: 'ERR_CA_SIGNING_WORKER_EXITED', message: `signing worker thread exited (code ${code}${this.#lastError === undefined ? '' : `: ${this.#lastError}`}) before signing this item; retry` };
      onExit(this, failure);
    });
  }

  dispatch(chunk: PendingChunk, message: SignMessage): void {
    this.worker.postMessage(message, [message.csrs]); // replies arrive as events, never before this returns
    if (this.pending.size === 0) this.worker.ref();
    this.pending.set(message.chunkId, chunk);
    this.load += chunk.count;
  }

  postAuthority(authority: SigningAuthority): void {
    const message: AuthorityMessage = {
      type: 'authority', authorityId: authority.authorityId, trustDomain: authority.trustDomain,
      certificate: authority.certificate, privateKey: authority.privateKey,
    };
    this.worker.postMessage(message);
    this.authorityId = authority.authorityId;
  }

  /** Fails every chunk in flight (the worker is gone). */
  failAll(failure: Failure): void {
    for (const chunk of this.pending.values()) chunk.fail(failure);
    this.pending.clear();
    this.load = 0;
  }

  #settle(reply: SignedMessage): void {
    const chunk = this.pending.get(reply.chunkId);
    if (chunk === undefined) return;
    this.pending.delete(reply.chunkId);
    this.load -= chunk.count;
    if (this.pending.size === 0) this.worker.unref();
    chunk.resolve(reply);
  }
}
