/**
 * Messages between the signing pool and its worker threads. CSRs travel packed in one
 * transferred ArrayBuffer per chunk and certificates come back the same way: structured clone
 * of a pooled Buffer would copy its whole 8 KiB backing store, and one transfer beats 50 copies.
 */
import type { KeyObject } from 'node:crypto';
import { performance } from 'node:perf_hooks';

/** Installs the CA a worker signs with until the next one (KeyObjects clone across threads). */
export interface AuthorityMessage {
  type: 'authority';
  authorityId: string;
  trustDomain: string;
  certificate: Uint8Array;
  privateKey: KeyObject;
}

export interface WireItem {
  spiffeId: string;
  dnsNames: readonly string[];
  ttlSeconds: number;
  checkCsrUri: boolean;
  /** The CSR is csrs[csrOffset, csrOffset + csrLength). */
  csrOffset: number;
  csrLength: number;
}

export interface SignMessage {
  type: 'sign';
  chunkId: number;
  /** Unix seconds, read once per batch from the pool's injected clock. */
  now: number;
  csrs: ArrayBuffer;
  items: WireItem[];
}

export type WireResult =
  | { ok: true; offset: number; length: number; serialHex: string; expiresAt: number }
  | { ok: false; code: string; message: string };

export interface SignedMessage {
  type: 'signed';
  chunkId: number;
  /** The authority the worker held while signing ('' when it has none). */
  authorityId: string;
  certificates: ArrayBuffer;
  results: WireResult[];
  parseMs: number;
  signMs: number;
  /** When the worker picked the chunk up and when it replied: epoch ms (timeOrigin + now), comparable across threads. */
  startedAt: number;
  repliedAt: number;
}

export type ToWorker = AuthorityMessage | SignMessage;

/** Epoch milliseconds with sub-millisecond precision, on the same scale in every thread. */
export const epochMs = (): number => performance.timeOrigin + performance.now();

/** Copies `parts` into one fresh, exactly sized ArrayBuffer (safe to transfer) with their offsets. */
export function pack(parts: readonly Uint8Array[]): { buffer: ArrayBuffer; offsets: number[] } {
  let total = 0;
  for (const part of parts) total += part.length;
  const packed = new Uint8Array(total);
  const offsets: number[] = [];
  let at = 0;
  for (const part of parts) {
    offsets.push(at);
    packed.set(part, at);
    at += part.length;
  }
  return { buffer: packed.buffer, offsets };
}
