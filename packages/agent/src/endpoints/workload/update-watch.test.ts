import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpiffeBundle, SpiffeId, TrustDomain } from '@tspire/spiffe';
import { InMemoryIdentitySource } from './in-memory-source.js';
import { watchUpdates } from './update-watch.js';

const TD = TrustDomain.parse('example.org');
const SELECTORS = [{ type: 'unix', value: 'uid:1000' }];

function addEntry(source: InMemoryIdentitySource, entryId: string): void {
  source.setEntry({ entryId, spiffeId: SpiffeId.fromPath(TD, `/${entryId}`), selectors: SELECTORS });
}

const entryIds = (update: { identities: readonly { entryId: string }[] }): string[] => update.identities.map((i) => i.entryId).sort();

describe('watchUpdates', () => {
  it('yields the current state at once, then the latest state once per burst of changes', async () => {
    const source = new InMemoryIdentitySource({ bundle: new SpiffeBundle(TD) });
    addEntry(source, 'a');
    const abort = new AbortController();
    const updates = watchUpdates(source, SELECTORS, abort.signal);
    assert.deepEqual(entryIds((await updates.next()).value!), ['a']);
    assert.equal(source.subscriberCount, 1);
    // Three changes while the consumer is busy collapse into one re-read of the latest state.
    addEntry(source, 'b');
    addEntry(source, 'c');
    source.removeEntry('a');
    assert.deepEqual(entryIds((await updates.next()).value!), ['b', 'c']);
    const pending = updates.next();
    addEntry(source, 'd');
    assert.deepEqual(entryIds((await pending).value!), ['b', 'c', 'd']);
    abort.abort();
    assert.equal((await updates.next()).done, true);
    assert.equal(source.subscriberCount, 0);
  });

  it('returns when aborted while waiting, and unsubscribes when the consumer stops early', async () => {
    const source = new InMemoryIdentitySource({ bundle: new SpiffeBundle(TD) });
    const abort = new AbortController();
    const updates = watchUpdates(source, SELECTORS, abort.signal);
    await updates.next();
    const waiting = updates.next();
    abort.abort();
    assert.equal((await waiting).done, true);
    assert.equal(source.subscriberCount, 0);

    const early = watchUpdates(source, SELECTORS, new AbortController().signal);
    await early.next();
    assert.equal(source.subscriberCount, 1);
    await early.return();
    assert.equal(source.subscriberCount, 0);
  });

  it('also returns when the stop signal (endpoint shutdown) aborts, with the call still open', async () => {
    const source = new InMemoryIdentitySource({ bundle: new SpiffeBundle(TD) });
    const call = new AbortController();
    const stop = new AbortController();
    const updates = watchUpdates(source, SELECTORS, call.signal, stop.signal);
    await updates.next();
    const waiting = updates.next();
    stop.abort();
    assert.equal((await waiting).done, true);
    assert.equal(source.subscriberCount, 0);
    assert.equal(call.signal.aborted, false);
    const afterStop = watchUpdates(source, SELECTORS, new AbortController().signal, stop.signal);
    assert.equal((await afterStop.next()).done, true, 'a stream opened after the stop yields nothing');
  });
});
