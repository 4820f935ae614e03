/**
 * JWT-SVIDs by (audience set, SPIFFE ID), reused until less than half their lifetime is left
 * (then fetched again, so a token handed out always has at least half its life ahead). Requests
 * for the same key while one is in flight share it.
 */
import type { Clock } from '@tspire/common';
import type { JwtSvid } from '@tspire/spiffe';

interface Entry {
  readonly svid: JwtSvid;
  readonly refreshAtMs: number;
}

/** Entries kept at most; the oldest go first (audiences are normally a handful per process). */
export const MAX_CACHED_JWT_SVIDS = 256;

export class JwtSvidCache {
  readonly #entries = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<JwtSvid>>();

  constructor(private readonly clock: Clock) {}

  /** The cache key: audiences de-duplicated and sorted (aud is a set), then the SPIFFE ID. */
  static key(audience: readonly string[], spiffeId: string): string {
    return JSON.stringify([[...new Set(audience)].sort(), spiffeId]);
  }

  /** A fresh enough cached SVID, else one from `fetch` (shared with concurrent callers). */
  async get(key: string, fetch: () => Promise<JwtSvid>): Promise<JwtSvid> {
    const cached = this.#entries.get(key);
    if (cached !== undefined && this.clock.nowMs() < cached.refreshAtMs) return cached.svid;
    const pending = this.#inFlight.get(key);
    if (pending !== undefined) return pending;
    const fetching = (async () => {
      const fetchedAtMs = this.clock.nowMs();
      try {
        const svid = await fetch();
        this.#store(key, svid, fetchedAtMs);
        return svid;
      } finally {
        this.#inFlight.delete(key);
      }
    })();
    this.#inFlight.set(key, fetching);
    return fetching;
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }

  #store(key: string, svid: JwtSvid, fetchedAtMs: number): void {
    const iat = svid.claims['iat'];
    // The token's own iat when plausible, else when we asked: the lifetime runs from issuance.
    const issuedAtMs = typeof iat === 'number' && Number.isFinite(iat) && iat * 1000 <= fetchedAtMs ? iat * 1000 : fetchedAtMs;
    const expiresAtMs = svid.expiry.getTime();
    let refreshAtMs = issuedAtMs + (expiresAtMs - issuedAtMs) / 2;
    // Already past its half-life when it came (an agent-side cache, skew): halve what is left
    // instead, so callers are not sent back to the agent on every call.
    if (refreshAtMs <= fetchedAtMs) refreshAtMs = fetchedAtMs + (expiresAtMs - fetchedAtMs) / 2;
    this.#entries.delete(key);
    this.#entries.set(key, { svid, refreshAtMs });
    const now = this.clock.nowMs();
    for (const [k, entry] of this.#entries) if (entry.refreshAtMs <= now) this.#entries.delete(k);
    while (this.#entries.size > MAX_CACHED_JWT_SVIDS) this.#entries.delete(this.#entries.keys().next().value as string);
  }
}
