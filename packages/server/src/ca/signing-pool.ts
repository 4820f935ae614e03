/**
 * The X509-SVID signing hot path. Verifying a CSR costs ~4x signing it (importing and checking
 * an ECDSA key), so a batch is split into chunks signed in parallel by worker threads, each
 * holding an X509SvidSigner for the current CA. Before each dispatch the pool compares the
 * authority's ID with the one each worker holds and posts the new CA first, so a rotation takes
 * effect with the next batch. Results come back in request order; a bad item fails alone.
 */
import type { KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { X509SvidBatchSigner, X509SvidSigningRequest, X509SvidSigningResult } from '../api/deps.js';
import { failureOf, signFromCsr, type CsrSigningItem } from './sign-from-csr.js';
import { SigningError } from './signing-errors.js';
import { epochMs, pack, type SignMessage, type SignedMessage, type WireItem } from './signing-protocol.js';
import { WorkerSlot, type Failure, type PendingChunk } from './signing-worker-slot.js';
import { X509SvidSigner } from './x509-svid-signer.js';

/** The CA to sign with, read before every batch (e.g. from CaManager.x509Ca()). */
export interface SigningAuthority {
  /** Changes whenever the CA does; workers reload when it differs from theirs. */
  authorityId: string;
  /** The CA certificate (DER). */
  certificate: Uint8Array;
  /** Certificates served after the leaf (upstream intermediates; empty when self-signed). */
  chain: readonly Uint8Array[];
  privateKey: KeyObject;
  trustDomain: string;
  /** default_x509_svid_ttl: used for requests with ttlSeconds 0. */
  defaultTtlSeconds: number;
}

export interface SigningPoolOptions {
  /** Throws (e.g. ERR_CA_NOT_INITIALIZED) when there is no CA: the batch then rejects. */
  authority: () => SigningAuthority;
  /** Worker threads; default min(availableParallelism(), 4); 0 signs inline on the calling thread. */
  size?: number;
  /** Milliseconds since the epoch; default Date.now. */
  now?: () => number;
  /** The worker script (tests substitute one); default ./signing-worker.js beside this module. */
  workerUrl?: URL;
}

/** A signed result also says which CA signed it. */
export type PooledSigningResult =
  | (Extract<X509SvidSigningResult, { ok: true }> & { authorityId: string })
  | Extract<X509SvidSigningResult, { ok: false }>;

/** Running totals, for benchmarks and metrics. Times in milliseconds, summed over all items. */
export interface SigningPoolStats {
  batches: number;
  items: number;
  chunks: number;
  /** CSR parse, signature check and URI check. */
  parseMs: number;
  /** Building and signing the certificate. */
  signMs: number;
  /** Dispatch to reply of worker chunks (compute + transfer + queueing); 0 when inline. */
  roundTripMs: number;
  /** Of roundTripMs: from dispatch until a worker started the chunk (transfer + waiting behind other chunks). */
  toWorkerMs: number;
  /** Of roundTripMs: from the worker's reply until the pool handled it (transfer + main-thread event loop delay). */
  fromWorkerMs: number;
  /** Workers started to replace ones that exited. */
  workerRestarts: number;
}

export interface SigningPool extends X509SvidBatchSigner {
  /** Worker threads (0 = inline). */
  readonly size: number;
  /**
   * Signs every request; results in request order. Rejects only when there is no authority or
   * the pool is closed (SigningError ERR_CA_SIGNING_POOL_CLOSED).
   */
  signX509Svids(requests: readonly X509SvidSigningRequest[]): Promise<PooledSigningResult[]>;
  stats(): SigningPoolStats;
  /** Terminates the workers; chunks in flight fail with ERR_CA_SIGNING_POOL_CLOSED. */
  close(): Promise<void>;
}

/** Below this many items per worker, a message round trip costs more than it saves. */
const MIN_CHUNK_ITEMS = 8;

/**
 * @example
 * const pool = createSigningPool({ authority: () => ({ ...ca.x509Ca(), trustDomain, defaultTtlSeconds: 3600 }) });
 * const [result] = await pool.signX509Svids([{ spiffeId, csrDer, dnsNames: [], ttlSeconds: 0, checkCsrUri: true }]);
 * await pool.close();
 */
export function createSigningPool(options: SigningPoolOptions): SigningPool {
  const size = options.size ?? Math.min(availableParallelism(), 4);
  if (!Number.isInteger(size) || size < 0) throw new RangeError(`signing pool size must be a whole number >= 0, got ${size}`);
  return size === 0 ? new InlineSigningPool(options) : new WorkerSigningPool(options, size);
}

function newStats(): SigningPoolStats {
  return { batches: 0, items: 0, chunks: 0, parseMs: 0, signMs: 0, roundTripMs: 0, toWorkerMs: 0, fromWorkerMs: 0, workerRestarts: 0 };
}

/** ttl 0 = the CA's default; the item as the signer wants it. */
function itemOf(request: X509SvidSigningRequest, authority: SigningAuthority): Omit<CsrSigningItem, 'csr'> {
  return {
    spiffeId: request.spiffeId,
    dnsNames: request.dnsNames,
    ttlSeconds: request.ttlSeconds === 0 ? authority.defaultTtlSeconds : request.ttlSeconds,
    checkCsrUri: request.checkCsrUri === true,
  };
}

abstract class BasePool {
  readonly #authority: () => SigningAuthority;
  readonly #now: () => number;
  protected readonly totals = newStats();
  protected closed = false;

  constructor(options: SigningPoolOptions) {
    this.#authority = options.authority;
    this.#now = options.now ?? Date.now;
  }

  async signX509Svids(requests: readonly X509SvidSigningRequest[]): Promise<PooledSigningResult[]> {
    if (this.closed) throw new SigningError('ERR_CA_SIGNING_POOL_CLOSED', 'the X509-SVID signing pool is closed');
    if (requests.length === 0) return [];
    const authority = this.#authority();
    this.totals.batches++;
    this.totals.items += requests.length;
    return this.sign(requests, authority, Math.floor(this.#now() / 1000));
  }

  stats(): SigningPoolStats {
    return { ...this.totals };
  }

  protected abstract sign(requests: readonly X509SvidSigningRequest[], authority: SigningAuthority, now: number): Promise<PooledSigningResult[]>;
}

/** size 0: the same per-item code on the calling thread (tests, tiny deployments). */
class InlineSigningPool extends BasePool implements SigningPool {
  readonly size = 0;
  #loaded: { authorityId: string; signer?: X509SvidSigner; failure?: Failure } | undefined;

  protected async sign(requests: readonly X509SvidSigningRequest[], authority: SigningAuthority, now: number): Promise<PooledSigningResult[]> {
    const { signer, failure } = this.#signerFor(authority);
    this.totals.chunks++;
    return requests.map((request): PooledSigningResult => {
      if (signer === undefined) return failure!;
      const outcome = signFromCsr(signer, { ...itemOf(request, authority), csr: request.csrDer }, now, this.totals);
      if (!outcome.ok) return outcome;
      const { certificate, serialHex, expiresAt } = outcome;
      return { ok: true, certChainDer: [certificate, ...authority.chain], serialHex, expiresAt, authorityId: authority.authorityId };
    });
  }

  #signerFor(authority: SigningAuthority): { signer?: X509SvidSigner; failure?: Failure } {
    if (this.#loaded?.authorityId !== authority.authorityId) {
      try {
        const signer = new X509SvidSigner({ trustDomain: authority.trustDomain, caCertificate: authority.certificate, caPrivateKey: authority.privateKey });
        this.#loaded = { authorityId: authority.authorityId, signer };
      } catch (err) {
        this.#loaded = { authorityId: authority.authorityId, failure: failureOf(err) };
      }
    }
    return this.#loaded;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

class WorkerSigningPool extends BasePool implements SigningPool {
  readonly size: number;
  readonly #url: URL;
  readonly #slots: WorkerSlot[] = [];
  #nextChunkId = 1;

  constructor(options: SigningPoolOptions, size: number) {
    super(options);
    this.size = size;
    this.#url = options.workerUrl ?? new URL('./signing-worker.js', import.meta.url);
    for (let i = 0; i < size; i++) this.#slots.push(this.#spawn());
  }

  #spawn(): WorkerSlot {
    return new WorkerSlot(this.#url, (slot, failure) => slot.failAll(failure), () => this.closed);
  }

  /** The live worker at `index`, replacing one that exited. */
  #slot(index: number): WorkerSlot {
    const slot = this.#slots[index]!;
    if (slot.alive) return slot;
    const fresh = this.#spawn();
    this.#slots[index] = fresh;
    this.totals.workerRestarts++;
    return fresh;
  }

  protected async sign(requests: readonly X509SvidSigningRequest[], authority: SigningAuthority, now: number): Promise<PooledSigningResult[]> {
    const results = new Array<PooledSigningResult>(requests.length);
    const chunkCount = Math.max(1, Math.min(this.size, Math.ceil(requests.length / MIN_CHUNK_ITEMS)));
    const targets = this.#slots.map((_, index) => this.#slot(index)).sort((a, b) => a.load - b.load).slice(0, chunkCount);
    const base = Math.floor(requests.length / chunkCount);
    const extra = requests.length % chunkCount;
    const chunks: Promise<void>[] = [];
    let start = 0;
    targets.forEach((slot, index) => {
      const count = base + (index < extra ? 1 : 0);
      chunks.push(this.#signChunk(slot, requests.slice(start, start + count), start, authority, now, results));
      start += count;
    });
    await Promise.all(chunks);
    return results;
  }

  #signChunk(
    slot: WorkerSlot, requests: readonly X509SvidSigningRequest[], start: number,
    authority: SigningAuthority, now: number, results: PooledSigningResult[],
  ): Promise<void> {
    const { buffer, offsets } = pack(requests.map((r) => r.csrDer));
    const items: WireItem[] = requests.map((request, i) => ({
      ...itemOf(request, authority), csrOffset: offsets[i]!, csrLength: request.csrDer.length,
    }));
    const message: SignMessage = { type: 'sign', chunkId: this.#nextChunkId++, now, csrs: buffer, items };
    this.totals.chunks++;
    return new Promise<void>((resolve) => {
      const fail = (failure: Failure): void => {
        for (let i = 0; i < requests.length; i++) results[start + i] = failure;
        resolve();
      };
      const chunk: PendingChunk = {
        authority, start, count: requests.length, sentAt: epochMs(), fail,
        resolve: (reply) => {
          this.#collect(reply, chunk, results);
          resolve();
        },
      };
      try {
        if (slot.authorityId !== authority.authorityId) slot.postAuthority(authority);
        slot.dispatch(chunk, message);
      } catch (err) {
        fail(failureOf(err));
      }
    });
  }

  #collect(reply: SignedMessage, chunk: PendingChunk, results: PooledSigningResult[]): void {
    this.totals.parseMs += reply.parseMs;
    this.totals.signMs += reply.signMs;
    const receivedAt = epochMs();
    this.totals.roundTripMs += receivedAt - chunk.sentAt;
    this.totals.toWorkerMs += reply.startedAt - chunk.sentAt;
    this.totals.fromWorkerMs += receivedAt - reply.repliedAt;
    const { authority } = chunk;
    reply.results.forEach((result, i) => {
      if (!result.ok) {
        results[chunk.start + i] = result;
      } else if (reply.authorityId !== authority.authorityId) {
        // Cannot happen while messages stay ordered; never serve a chain that does not match the leaf.
        results[chunk.start + i] = { ok: false, code: 'ERR_CA_SIGNING_FAILED', message: `failed to sign X509-SVID: worker signed with authority ${reply.authorityId}, expected ${authority.authorityId}` };
      } else {
        const certificate = new Uint8Array(reply.certificates, result.offset, result.length);
        results[chunk.start + i] = { ok: true, certChainDer: [certificate, ...authority.chain], serialHex: result.serialHex, expiresAt: result.expiresAt, authorityId: authority.authorityId };
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.#slots.map((slot) => slot.worker.terminate()));
  }
}
