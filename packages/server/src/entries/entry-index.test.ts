import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RegistrationEntry, Selector } from '../datastore/types.js';
import { EntryIndex } from './entry-index.js';

const TD = 'spiffe://example.org';
const SERVER = `${TD}/spire/server`;
const AGENT = `${TD}/spire/agent/x509pop/a1`;
const OTHER_AGENT = `${TD}/spire/agent/x509pop/a2`;
const NOW = 1_700_000_000;
const sel = (type: string, value: string): Selector => ({ type, value });

function entry(id: string, parentId: string, spiffeId: string, extra: Partial<RegistrationEntry> = {}): RegistrationEntry {
  return {
    id, spiffeId, parentId, selectors: [sel('unix', 'uid:1')], x509SvidTtl: 0, jwtSvidTtl: 0, federatesWith: [],
    admin: false, downstream: false, expiresAt: 0, dnsNames: [], revisionNumber: 0, storeSvid: false, hint: '',
    createdAt: 0, disableX509SvidPrefetch: false, jwtSvidIncludeJti: false, ...extra,
  };
}

function indexOf(...entries: RegistrationEntry[]): EntryIndex {
  const index = new EntryIndex(SERVER);
  for (const e of entries) index.upsertEntry(e);
  return index;
}

const ids = (entries: readonly RegistrationEntry[]) => entries.map((e) => e.id).sort();

/** Checks authorizedEntry against authorizedEntries for every entry (they walk opposite ways). */
function assertLookupsAgree(index: EntryIndex, agentId: string, allIds: readonly string[], now = NOW): void {
  const listed = new Set(ids(index.authorizedEntries(agentId, now)));
  for (const id of allIds) {
    assert.equal(index.authorizedEntry(agentId, id, now) !== undefined, listed.has(id), `entry ${id} for ${agentId}`);
  }
}

describe('EntryIndex', () => {
  it('authorizes direct children of the agent, and nothing of another agent', () => {
    const index = indexOf(
      entry('w1', AGENT, `${TD}/w1`),
      entry('w2', AGENT, `${TD}/w2`),
      entry('x1', OTHER_AGENT, `${TD}/x1`),
    );
    assert.deepEqual(ids(index.authorizedEntries(AGENT, NOW)), ['w1', 'w2']);
    assert.deepEqual(ids(index.authorizedEntries(OTHER_AGENT, NOW)), ['x1']);
    assert.equal(index.authorizedEntry(AGENT, 'x1', NOW), undefined);
    assert.equal(index.authorizedEntry(AGENT, 'w2', NOW)?.spiffeId, `${TD}/w2`);
    assert.equal(index.authorizedEntry(AGENT, 'missing', NOW), undefined);
  });

  it('authorizes entries under a node alias whose selectors are a subset of the node selectors', () => {
    const alias = entry('alias', SERVER, `${TD}/cluster/prod`, { selectors: [sel('x509pop', 'ca:fingerprint:ab'), sel('x509pop', 'subject:cn:node')] });
    const index = indexOf(alias, entry('w', `${TD}/cluster/prod`, `${TD}/w`));
    index.setNodeSelectors(AGENT, [sel('x509pop', 'ca:fingerprint:ab'), sel('x509pop', 'subject:cn:node'), sel('x509pop', 'san:extra')]);
    index.setNodeSelectors(OTHER_AGENT, [sel('x509pop', 'ca:fingerprint:ab')]);
    assert.deepEqual(ids(index.authorizedEntries(AGENT, NOW)), ['w'], 'the alias itself is not returned');
    assert.deepEqual(ids(index.authorizedEntries(OTHER_AGENT, NOW)), [], 'a partial match is no match');
    assert.equal(index.authorizedEntry(AGENT, 'alias', NOW), undefined);
    assert.equal(index.authorizedEntry(AGENT, 'w', NOW)?.id, 'w');
    assert.equal(index.authorizedEntry(OTHER_AGENT, 'w', NOW), undefined);
    assert.deepEqual(index.matchingAliases(AGENT, NOW).map((e) => e.id), ['alias']);
  });

  it('does not treat the agent ID as a selector: spiffe_id aliases need the stored node selector', () => {
    const alias = entry('alias', SERVER, `${TD}/node-group`, { selectors: [sel('spiffe_id', AGENT)] });
    const index = indexOf(alias, entry('w', `${TD}/node-group`, `${TD}/w`));
    assert.deepEqual(ids(index.authorizedEntries(AGENT, NOW)), []);
    // experimental.agent_spiffe_id_as_selector stores it at attestation; then it matches.
    index.setNodeSelectors(AGENT, [sel('spiffe_id', AGENT)]);
    assert.deepEqual(ids(index.authorizedEntries(AGENT, NOW)), ['w']);
  });

  it('follows a CreateJoinToken entry (parented by the join-token agent) to its descendants', () => {
    const tokenAgent = `${TD}/spire/agent/join_token/t0k3n`;
    const index = indexOf(
      entry('jt', tokenAgent, `${TD}/host/1`, { selectors: [sel('spiffe_id', tokenAgent)] }),
      entry('w', `${TD}/host/1`, `${TD}/w`),
    );
    assert.deepEqual(ids(index.authorizedEntries(tokenAgent, NOW)), ['jt', 'w']);
  });

  it('authorizes descendants recursively and stops at cycles', () => {
    const index = indexOf(
      entry('a', AGENT, `${TD}/a`),
      entry('b', `${TD}/a`, `${TD}/b`),
      entry('c', `${TD}/b`, `${TD}/c`),
      entry('back', `${TD}/c`, `${TD}/a`), // cycle a -> b -> c -> a
      entry('self', `${TD}/self`, `${TD}/self`), // unreachable self-loop
      entry('loop1', `${TD}/l2`, `${TD}/l1`),
      entry('loop2', `${TD}/l1`, `${TD}/l2`), // unreachable two-cycle
    );
    assert.deepEqual(ids(index.authorizedEntries(AGENT, NOW)), ['a', 'b', 'back', 'c']);
    assert.equal(index.authorizedEntry(AGENT, 'back', NOW)?.id, 'back');
    for (const unreachable of ['self', 'loop1', 'loop2']) assert.equal(index.authorizedEntry(AGENT, unreachable, NOW), undefined);
    assertLookupsAgree(index, AGENT, ['a', 'b', 'c', 'back', 'self', 'loop1', 'loop2']);
  });

  it('never expands the server ID, so aliases cannot be reached as descendants', () => {
    const index = indexOf(
      entry('evil', AGENT, SERVER), // an entry naming the server as its SPIFFE ID
      entry('alias', SERVER, `${TD}/group`, { selectors: [sel('k', 'v')] }),
      entry('w', `${TD}/group`, `${TD}/w`),
    );
    assert.deepEqual(ids(index.authorizedEntries(AGENT, NOW)), ['evil']);
    assert.equal(index.authorizedEntry(AGENT, 'w', NOW), undefined);
    assert.deepEqual(index.authorizedEntries(SERVER, NOW), [], 'the server is no agent');
  });

  it('skips expired entries and does not follow them, nor expired aliases', () => {
    const alias = entry('alias', SERVER, `${TD}/group`, { selectors: [sel('k', 'v')], expiresAt: NOW + 100 });
    const index = indexOf(
      entry('p', AGENT, `${TD}/p`, { expiresAt: NOW + 10 }),
      entry('child', `${TD}/p`, `${TD}/child`),
      entry('forever', AGENT, `${TD}/forever`, { expiresAt: 0 }),
      alias,
      entry('g', `${TD}/group`, `${TD}/g`),
    );
    index.setNodeSelectors(AGENT, [sel('k', 'v')]);
    const all = ['p', 'child', 'forever', 'alias', 'g'];
    assert.deepEqual(ids(index.authorizedEntries(AGENT, NOW + 10)), ['child', 'forever', 'g', 'p'], 'expiresAt itself is still valid');
    assert.deepEqual(ids(index.authorizedEntries(AGENT, NOW + 11)), ['forever', 'g']);
    assert.deepEqual(ids(index.authorizedEntries(AGENT, NOW + 101)), ['forever']);
    for (const t of [NOW, NOW + 11, NOW + 101]) assertLookupsAgree(index, AGENT, all, t);
    assert.deepEqual(index.entriesBySpiffeId(`${TD}/p`, NOW + 11), []);
  });

  it('moves an entry and its descendants when its parent changes, and forgets removed entries', () => {
    const index = indexOf(entry('e', AGENT, `${TD}/e`), entry('d', `${TD}/e`, `${TD}/d`));
    index.upsertEntry(entry('e', OTHER_AGENT, `${TD}/e`, { revisionNumber: 1 }));
    assert.deepEqual(ids(index.authorizedEntries(AGENT, NOW)), []);
    assert.deepEqual(ids(index.authorizedEntries(OTHER_AGENT, NOW)), ['d', 'e']);
    index.removeEntry('e');
    index.removeEntry('never-there');
    assert.deepEqual(ids(index.authorizedEntries(OTHER_AGENT, NOW)), []);
    assert.equal(index.entryCount, 1);
  });

  it('re-indexes alias selectors on update and forgets agents with no selectors', () => {
    const index = indexOf(entry('alias', SERVER, `${TD}/g`, { selectors: [sel('k', 'old')] }), entry('w', `${TD}/g`, `${TD}/w`));
    index.setNodeSelectors(AGENT, [sel('k', 'new')]);
    assert.deepEqual(ids(index.authorizedEntries(AGENT, NOW)), []);
    index.upsertEntry(entry('alias', SERVER, `${TD}/g`, { selectors: [sel('k', 'new')] }));
    assert.deepEqual(ids(index.authorizedEntries(AGENT, NOW)), ['w']);
    index.upsertEntry(entry('alias', AGENT, `${TD}/g`, { selectors: [sel('k', 'new')] })); // no longer an alias
    assert.deepEqual(ids(index.authorizedEntries(AGENT, NOW)), ['alias', 'w']);
    index.setNodeSelectors(AGENT, []);
    assert.equal(index.nodeCount, 0);
  });

  it('an alias without selectors matches no agent (fail closed)', () => {
    const index = indexOf(entry('alias', SERVER, `${TD}/g`, { selectors: [] }), entry('w', `${TD}/g`, `${TD}/w`));
    index.setNodeSelectors(AGENT, [sel('k', 'v')]);
    assert.deepEqual(index.authorizedEntries(AGENT, NOW), []);
    assert.equal(index.authorizedEntry(AGENT, 'w', NOW), undefined);
  });

  it('hands out frozen entries that do not share arrays with the input', () => {
    const input = entry('w', AGENT, `${TD}/w`, { dnsNames: ['a.example.org'] });
    const index = indexOf(input);
    input.dnsNames.push('b.example.org');
    const [stored] = index.authorizedEntries(AGENT, NOW);
    assert.deepEqual(stored?.dnsNames, ['a.example.org']);
    assert.throws(() => { (stored as RegistrationEntry).spiffeId = 'x'; }, TypeError);
    assert.throws(() => { stored?.selectors.push(sel('a', 'b')); }, TypeError);
  });

  it('agrees between the downward listing and the upward lookup on random graphs', () => {
    let seed = 42;
    let authorized = 0;
    let viaAlias = 0;
    let total = 0;
    const random = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
    for (let round = 0; round < 30; round++) {
      const names = Array.from({ length: 12 }, (_, i) => `${TD}/n${i}`);
      const parents = [AGENT, OTHER_AGENT, SERVER, ...names];
      const index = new EntryIndex(SERVER);
      const all: string[] = [];
      for (let i = 0; i < 25; i++) {
        const id = `r${round}-${i}`;
        all.push(id);
        index.upsertEntry(entry(id, parents[random(parents.length)] as string, names[random(names.length)] as string, {
          selectors: [sel('k', `v${random(3)}`)],
          expiresAt: random(5) === 0 ? NOW - 1 : 0,
        }));
      }
      index.setNodeSelectors(AGENT, [sel('k', 'v0'), sel('k', 'v1')]);
      assertLookupsAgree(index, AGENT, all);
      assertLookupsAgree(index, OTHER_AGENT, all);
      authorized += index.authorizedEntries(AGENT, NOW).length;
      viaAlias += index.matchingAliases(AGENT, NOW).length;
      total += all.length;
    }
    assert.ok(authorized > 0 && authorized < total, `graphs neither empty nor complete (${authorized}/${total})`);
    assert.ok(viaAlias > 0, 'some graphs authorize through aliases');
  });
});
