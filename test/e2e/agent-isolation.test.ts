/**
 * Workload isolation with real processes: one agent, entries for two uids, and
 * `spire-agent api fetch x509` run as each uid (setpriv) over the agent's public socket. Each
 * uid gets only its own SPIFFE ID (the caller is identified by SO_PEERCRED and the unix
 * attestor), an entry needs all its selectors, and a uid without an entry gets
 * PermissionDenied "no identity issued". The socket directory and socket the agent creates are
 * reachable by other uids (0755 / 0777, as SPIRE's public socket).
 * Needs root (to drop to other uids); skipped otherwise.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, before, test } from 'node:test';
import { AgentFixture } from './lib/agent-fixture.js';
import { fetchX509, fetchedIds, pollUntil, type FetchResult, type RunAs } from './lib/workload-clients.js';
import { otherUidSkipReason } from './lib/other-uids.js';

const A: RunAs = { uid: 60001, gid: 60001 };
const B: RunAs = { uid: 60002, gid: 60002 };
const NOBODY: RunAs = { uid: 60003, gid: 60003 };
const ID_A = 'spiffe://example.org/workload/uid-a';
const ID_B = 'spiffe://example.org/workload/uid-b';
const ID_A_AND_GID_B = 'spiffe://example.org/workload/uid-a-gid-b';

const skip = otherUidSkipReason(60001);
let fixture: AgentFixture | undefined;

before(async () => {
  if (skip) return;
  // 0711: other uids may pass through the temp dir but not list it; the agent creates public/.
  fixture = await AgentFixture.start({ prefix: 'tspire-e2e-isolation-', dirMode: 0o711 });
  await fixture.createEntry(ID_A, [`unix:uid:${A.uid}`]);
  await fixture.createEntry(ID_B, [`unix:uid:${B.uid}`]);
  // Matches no one here: A has gid 60001, not 60002 (an entry needs all its selectors).
  await fixture.createEntry(ID_A_AND_GID_B, [`unix:uid:${A.uid}`, `unix:gid:${B.gid}`]);
});

after(async () => {
  await fixture?.stop();
});

/** Fetches as `as` until the agent has synced an SVID for it (bounded: sync is every 5 s). */
function fetchUntilServed(as: RunAs): Promise<FetchResult> {
  let last: FetchResult | undefined;
  return pollUntil(
    async () => {
      last = await fetchX509(fixture!.socketPath, { as });
      return last.code === 0 ? last : undefined;
    },
    30_000,
    () => `uid ${as.uid} got no SVID: ${last?.stdout ?? ''}${last?.stderr ?? ''}\n--- agent ---\n${fixture!.agentLog}`,
  );
}

test('the public socket is reachable by every uid: directory 0755, socket 0777', { skip }, () => {
  const socket = statSync(fixture!.socketPath);
  assert.ok(socket.isSocket());
  assert.equal(socket.mode & 0o777, 0o777);
  assert.equal(statSync(dirname(fixture!.socketPath)).mode & 0o777, 0o755);
});

test('each uid gets only its own SPIFFE ID', { skip }, async () => {
  const a = await fetchUntilServed(A);
  const b = await fetchUntilServed(B);
  assert.deepEqual(fetchedIds(a), [ID_A]);
  assert.deepEqual(fetchedIds(b), [ID_B]);
  // The certificates say so too (not just the response's spiffe_id field).
  assert.equal(a.svids![0]!.leaf.subjectAltName, `URI:${ID_A}`);
  assert.equal(b.svids![0]!.leaf.subjectAltName, `URI:${ID_B}`);
  assert.notEqual(a.svids![0]!.leaf.serialNumber, b.svids![0]!.leaf.serialNumber);
});

test('a uid without an entry gets PermissionDenied "no identity issued"', { skip }, async () => {
  await fetchUntilServed(A); // the agent has synced: the refusal is not a sync race
  const result = await fetchX509(fixture!.socketPath, { as: NOBODY });
  assert.notEqual(result.code, 0);
  assert.equal(result.stdout, '');
  // Not a dial error: the uid reached the socket and was refused by the Workload API.
  assert.match(result.stderr, /rpc error: code = PermissionDenied desc = no identity issued/);
  assert.match(fixture!.agentLog, new RegExp(`No identity issued.*unix:uid:${NOBODY.uid}`));
});

test('root (uid 0, no entry) is not served either: identity follows the uid, not privilege', { skip }, async () => {
  const result = await fetchX509(fixture!.socketPath);
  assert.match(result.stderr, /code = PermissionDenied desc = no identity issued/);
});
