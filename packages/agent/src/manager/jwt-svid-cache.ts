/**
 * JWT-SVIDs cached per (SPIFFE ID, sorted audience) until half their life, as SPIRE's agent;
 * entries with `jwt_svid_include_jti` always get a fresh token. Bounded: the least recently used
 * token is dropped first. Concurrent requests for the same key share one server call.
 */
import type { types } from '@tspire/proto';

/** Asks the server for a JWT-SVID for the entry and audience. */
export type JwtSvidMinter = (entryId: string, audience: readonly string[]) => Promise<types.JWTSVID>;

export interface JwtSvidCacheOptions {
  mint: JwtSvidMinter;
  nowMs: () => number;
  maxSize: number;
}

interface CachedToken {
  token: string;
  refreshAtMs: number;
}

export class JwtSvidCache {
  readonly #tokens = new Map<string, CachedToken>();
  readonly #inFlight = new Map<string, Promise<string>>();

  constructor(private readonly options: JwtSvidCacheOptions) {}

  async fetch(entry: { entryId: string; spiffeId: { toString(): string }; jwtIncludeJti: boolean }, audience: readonly string[]): Promise<string> {
    if (entry.jwtIncludeJti) return (await this.options.mint(entry.entryId, audience)).token;
    const key = JSON.stringify([entry.spiffeId.toString(), [...new Set(audience)].sort()]);
    const cached = this.#tokens.get(key);
    if (cached !== undefined && this.options.nowMs() < cached.refreshAtMs) {
      // Re-insert: Map order is the LRU order.
      this.#tokens.delete(key);
      this.#tokens.set(key, cached);
      return cached.token;
    }
    const pending = this.#inFlight.get(key);
    if (pending !== undefined) return pending;
    const request = this.#mintAndStore(key, entry.entryId, audience).finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, request);
    return request;
  }

  get size(): number {
    return this.#tokens.size;
  }

  async #mintAndStore(key: string, entryId: string, audience: readonly string[]): Promise<string> {
    const svid = await this.options.mint(entryId, audience);
    const issuedMs = svid.issuedAt > 0n ? Number(svid.issuedAt) * 1000 : this.options.nowMs();
    const expiresMs = Number(svid.expiresAt) * 1000;
    this.#tokens.delete(key);
    if (expiresMs > issuedMs) this.#tokens.set(key, { token: svid.token, refreshAtMs: issuedMs + (expiresMs - issuedMs) / 2 });
    while (this.#tokens.size > this.options.maxSize) {
      const oldest = this.#tokens.keys().next().value;
      if (oldest === undefined) break;
      this.#tokens.delete(oldest);
    }
    return svid.token;
  }
}
