/**
 * An open FetchX509SVID stream over the agent's real socket sees the server's changes: an entry
 * created with `spire-server entry create` for this uid arrives as a new message holding both
 * SVIDs, `entry delete` brings a message without it, and an SVID with a short TTL
 * (-x509SVIDTTL 20) is rotated: a message with a different certificate (other serial, later
 * notAfter) arrives before the old one expires. The agent syncs at SPIRE's default 5 s, so the
 * create/delete-to-stream latencies printed here are what a deployment sees.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AgentFixture } from './lib/agent-fixture.js';
import { X509Stream, fetchX509, pollUntil, type FetchResult } from './lib/workload-clients.js';

const ID_FIRST = 'spiffe://example.org/workload/stream-first';
const ID_SHORT = 'spiffe://example.org/workload/stream-short-ttl';
const ID_ADDED = 'spiffe://example.org/workload/stream-added';
const SHORT_TTL_S = 20;
const SELECTOR = `unix:uid:${process.getuid!()}`;

let fixture: AgentFixture;
let stream: X509Stream | undefined;

before(async () => {
  fixture = await AgentFixture.start({ prefix: 'tspire-e2e-stream-' });
  await fixture.createEntry(ID_FIRST, [SELECTOR]);
  await fixture.createEntry(ID_SHORT, [SELECTOR], '-x509SVIDTTL', String(SHORT_TTL_S));
  // Both SVIDs minted before the stream opens, so its first message is the baseline.
  let last: FetchResult | undefined;
  await pollUntil(
    async () => {
      last = await fetchX509(fixture.socketPath);
      return last.svids?.length === 2 ? true : undefined;
    },
    30_000,
    () => `the agent did not serve both SVIDs: ${last?.stdout ?? ''}${last?.stderr ?? ''}\n--- agent ---\n${fixture.agentLog}`,
  );
  stream = new X509Stream(fixture.socketPath);
});

after(async () => {
  stream?.close();
  await fixture?.stop();
});

const has = (id: string) => (m: { ids: readonly string[] }) => m.ids.includes(id);

test('the stream opens with the SVIDs of this uid', async () => {
  const { message } = await stream!.next(0, () => true, 10_000, 'the first message');
  assert.deepEqual(message.ids, [ID_FIRST, ID_SHORT].sort());
});

test('entry create reaches the open stream as a message with both SVIDs; entry delete removes it', async () => {
  const createdAt = Date.now();
  const entryId = await fixture.createEntry(ID_ADDED, [SELECTOR]);
  const committedAt = Date.now();
  const added = await stream!.next(0, has(ID_ADDED), 20_000, `a message with ${ID_ADDED}`);
  assert.deepEqual(added.message.ids, [ID_ADDED, ID_FIRST, ID_SHORT].sort());
  assert.equal(added.message.leaves.get(ID_ADDED)?.subjectAltName, `URI:${ID_ADDED}`);
  console.log(`# entry create -> stream: ${added.message.atMs - committedAt} ms after the CLI returned (${added.message.atMs - createdAt} ms after it started)`);

  const deletedAt = Date.now();
  await fixture.deleteEntry(entryId);
  const removed = await stream!.next(added.index + 1, (m) => !has(ID_ADDED)(m), 20_000, `a message without ${ID_ADDED}`);
  assert.deepEqual(removed.message.ids, [ID_FIRST, ID_SHORT].sort());
  console.log(`# entry delete -> stream: ${removed.message.atMs - deletedAt} ms`);
  assert.equal(stream!.error, undefined);
});

test(`an SVID with a ${SHORT_TTL_S} s TTL is rotated on the stream before it expires`, async () => {
  const first = stream!.messages[0]!.leaves.get(ID_SHORT)!;
  const notAfterMs = Date.parse(first.validTo);
  assert.ok(notAfterMs - Date.parse(first.validFrom) <= (SHORT_TTL_S + 60) * 1000, `the short-TTL SVID lives ${first.validFrom} .. ${first.validTo}`);
  const rotated = await stream!.next(
    1,
    (m) => m.leaves.get(ID_SHORT) !== undefined && m.leaves.get(ID_SHORT)!.serialNumber !== first.serialNumber,
    SHORT_TTL_S * 1000 + 5_000,
    `a new certificate for ${ID_SHORT}`,
  );
  const fresh = rotated.message.leaves.get(ID_SHORT)!;
  assert.ok(rotated.message.atMs < notAfterMs, `rotated at ${new Date(rotated.message.atMs).toISOString()}, after the old SVID expired at ${first.validTo}`);
  assert.ok(Date.parse(fresh.validTo) > notAfterMs, `new notAfter ${fresh.validTo} is not later than ${first.validTo}`);
  assert.equal(fresh.subjectAltName, `URI:${ID_SHORT}`);
  // The long-lived SVID is not re-minted with it: rotation is per SVID.
  assert.equal(rotated.message.leaves.get(ID_FIRST)?.serialNumber, stream!.messages[0]!.leaves.get(ID_FIRST)?.serialNumber);
  console.log(`# rotation: new certificate ${notAfterMs - rotated.message.atMs} ms before the old one expired (lifetime ${(notAfterMs - Date.parse(first.validFrom)) / 1000} s)`);
});
