import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '@tspire/common';
import { JwtSvid, SpiffeId } from '@tspire/spiffe';
import { JwtSvidCache, MAX_CACHED_JWT_SVIDS } from './jwt-svid-cache.js';

const START = Date.UTC(2030, 0, 1);

function svid(expiresAtMs: number, iatMs?: number): JwtSvid {
  const claims: Record<string, unknown> = { exp: expiresAtMs / 1000 };
  if (iatMs !== undefined) claims['iat'] = iatMs / 1000;
  return new JwtSvid({ id: SpiffeId.parse('spiffe://example.org/a'), audience: ['x'], expiry: new Date(expiresAtMs), claims, token: 't' });
}

describe('JwtSvidCache', () => {
  it('keys ignore audience order and duplicates but not the SPIFFE ID', () => {
    assert.equal(JwtSvidCache.key(['b', 'a', 'a'], ''), JwtSvidCache.key(['a', 'b'], ''));
    assert.notEqual(JwtSvidCache.key(['a'], ''), JwtSvidCache.key(['a'], 'spiffe://example.org/a'));
    assert.notEqual(JwtSvidCache.key(['a,b'], ''), JwtSvidCache.key(['a', 'b'], ''));
  });

  it('refreshes at half the lifetime, counted from iat when the token has one', async () => {
    const clock = new FakeClock(START);
    const cache = new JwtSvidCache(clock);
    let fetches = 0;
    // Issued 40 s ago for 100 s: half-life ends 10 s from now, not 30.
    const fetch = async () => (fetches++, svid(START + 60_000, START - 40_000));
    await cache.get('k', fetch);
    clock.advance(9_000);
    await cache.get('k', fetch);
    assert.equal(fetches, 1);
    clock.advance(1_000);
    await cache.get('k', fetch);
    assert.equal(fetches, 2);
  });

  it('a token already past its half-life is kept for half of what is left', async () => {
    const clock = new FakeClock(START);
    const cache = new JwtSvidCache(clock);
    let fetches = 0;
    const fetch = async () => (fetches++, svid(clock.nowMs() + 40_000, clock.nowMs() - 60_000));
    await cache.get('k', fetch);
    clock.advance(19_999);
    await cache.get('k', fetch);
    assert.equal(fetches, 1);
    clock.advance(1);
    await cache.get('k', fetch);
    assert.equal(fetches, 2);
  });

  it('uses the fetch time when iat is missing or in the future', async () => {
    const clock = new FakeClock(START);
    const cache = new JwtSvidCache(clock);
    let fetches = 0;
    const fetch = async () => (fetches++, svid(clock.nowMs() + 100_000, clock.nowMs() + 50_000));
    await cache.get('k', fetch);
    clock.advance(49_999);
    await cache.get('k', fetch);
    assert.equal(fetches, 1);
    clock.advance(1);
    await cache.get('k', fetch);
    assert.equal(fetches, 2);
  });

  it(`keeps at most ${MAX_CACHED_JWT_SVIDS} entries, dropping the oldest`, async () => {
    const clock = new FakeClock(START);
    const cache = new JwtSvidCache(clock);
    for (let i = 0; i <= MAX_CACHED_JWT_SVIDS; i++) await cache.get(`k${i}`, async () => svid(START + 600_000));
    assert.equal(cache.size, MAX_CACHED_JWT_SVIDS);
    let refetched = false;
    await cache.get('k0', async () => ((refetched = true), svid(START + 600_000)));
    assert.ok(refetched, 'the oldest entry was evicted');
  });
});
