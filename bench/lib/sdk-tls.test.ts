import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { handshake, plainPki, plainTarget, spiffePki, spiffeTarget, type HandshakeTarget } from './sdk-tls.js';

async function closing<T>(target: HandshakeTarget, run: (t: HandshakeTarget) => Promise<T>): Promise<T> {
  try {
    return await run(target);
  } finally {
    await target.close();
  }
}

describe('sdk-tls', () => {
  it('makes full, verified mutual handshakes in every case', async () => {
    const plain = await plainPki();
    const spiffe = await spiffePki();
    for (const target of [await plainTarget(plain, 'prebuilt'), await plainTarget(plain, 'per-connect'), await spiffeTarget(spiffe)]) {
      await closing(target, async (t) => {
        for (let i = 0; i < 2; i++) assert.deepEqual(await handshake(t), { protocol: 'TLSv1.3', resumed: false });
        assert.deepEqual(t.refusals, []);
      });
    }
  });

  it('fails when the server refuses the client, so a benchmark cannot count refused handshakes', async () => {
    const spiffe = await spiffePki();
    const other = await spiffePki(); // same IDs, another CA: the server must refuse its client SVID
    await closing(await spiffeTarget(spiffe), async (t) => {
      const wrong = await spiffeTarget({ ...spiffe, clientSvid: other.clientSvid });
      await wrong.close();
      await assert.rejects(handshake({ ...t, clientOptions: wrong.clientOptions }));
      assert.equal(t.refusals.length, 1);
    });
    const plain = await plainPki();
    await closing(await plainTarget(plain, 'prebuilt'), async (t) => {
      const stranger = await plainTarget({ ...plain, client: (await plainPki()).client }, 'prebuilt');
      await stranger.close();
      await assert.rejects(handshake({ ...t, clientOptions: stranger.clientOptions }));
    });
  });
});
