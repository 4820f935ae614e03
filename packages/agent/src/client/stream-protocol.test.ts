// The AttestAgent and SyncAuthorizedEntries drivers against scripted in-memory servers (no
// sockets): what they send, and how they refuse responses the protocol does not allow.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { agentv1, entryv1, types } from '@tspire/proto';
import { AgentError } from '../errors.js';
import { attestAgent, type AttestCall } from './attest.js';
import { syncAuthorizedEntries, type SyncCall } from './sync-entries.js';

type SyncRequest = MessageInitShape<typeof entryv1.SyncAuthorizedEntriesRequestSchema>;
type SyncResponseInit = MessageInitShape<typeof entryv1.SyncAuthorizedEntriesResponseSchema>;

const entry = (id: string, revisionNumber = 1n): types.Entry => create(types.EntrySchema, { id, revisionNumber });
const revisions = (...ids: string[]): MessageInitShape<typeof entryv1.EntryRevisionSchema>[] => ids.map((id) => ({ id, revisionNumber: 1n }));

/**
 * A sync server that answers request n with the pages `script(n, request)` gives, recording
 * requests; it ends the stream after answering request `lastIndex`, or when the client closes.
 */
function scriptedSync(script: (index: number, request: SyncRequest) => SyncResponseInit[], lastIndex = Infinity): { call: SyncCall; received: SyncRequest[] } {
  const received: SyncRequest[] = [];
  const call: SyncCall = (requests) =>
    (async function* () {
      let index = 0;
      for await (const request of requests) {
        received.push(request);
        for (const page of script(index, request)) yield create(entryv1.SyncAuthorizedEntriesResponseSchema, page);
        if (index++ === lastIndex) return;
      }
    })();
  return { call, received };
}

const badResponse = (pattern: RegExp) => (err: unknown): boolean =>
  err instanceof AgentError && err.code === 'ERR_AGENT_BAD_SERVER_RESPONSE' && pattern.test(err.message);

describe('syncAuthorizedEntries driver', () => {
  it('reads several full-entry pages when the first response carries entries', async () => {
    const { call } = scriptedSync(() => [{ entries: [entry('a')], more: true }, { entries: [entry('b')] }]);
    const result = await syncAuthorizedEntries(call);
    assert.deepEqual(result.entries.map((e) => e.id), ['a', 'b']);
  });

  it('treats an empty first response as no authorized entries', async () => {
    const { call } = scriptedSync(() => [{}]);
    assert.deepEqual((await syncAuthorizedEntries(call, [entry('old')])).entries, []);
  });

  it('chunks id requests by the inferred page size and reads multi-page answers', async () => {
    const { call, received } = scriptedSync((index, request) => {
      if (index === 0) return [{ entryRevisions: revisions('c', 'a', 'e'), more: true }, { entryRevisions: revisions('b', 'd') }];
      const ids = request.ids ?? [];
      return ids.map((id, i) => ({ entries: [entry(id)], more: i < ids.length - 1 }));
    });
    const result = await syncAuthorizedEntries(call);
    assert.equal(result.pageSize, 3);
    assert.deepEqual(received.slice(1).map((r) => r.ids), [['a', 'b', 'c'], ['d', 'e']]);
    assert.deepEqual(result.entries.map((e) => e.id).sort(), ['a', 'b', 'c', 'd', 'e']);
  });

  it('refuses responses the protocol does not allow', async () => {
    const cases: [SyncResponseInit[][], RegExp][] = [
      [[[]], /stream ended while waiting for the first response/],
      [[[{ entryRevisions: revisions('a'), more: true }]], /stream ended while waiting for the next revisions page/],
      [[[{ entryRevisions: revisions('a'), entries: [entry('a')] }]], /entries mixed into a revisions page/],
      [[[{ entryRevisions: revisions('a', 'a') }]], /entry "a" listed twice/],
      [[[{ entryRevisions: [{ id: '' }] }]], /revision without an ID/],
      [[[{ entryRevisions: revisions('a') }], [{ entries: [entry('zzz')] }]], /entry "zzz" was not requested/],
      [[[{ entries: [entry('a')], more: true }, { entryRevisions: revisions('b') }]], /revisions after a full entries page/],
      [[[{ entries: [entry('a'), entry('a')] }]], /entry "a" listed twice/],
      [[[{ entries: [entry('a')] }, { entries: [entry('b')] }]], /a response after the last requested page/],
    ];
    for (const [script, pattern] of cases) {
      const { call } = scriptedSync((index) => script[index] ?? [], script.length - 1);
      await assert.rejects(syncAuthorizedEntries(call), badResponse(pattern), pattern.source);
    }
  });
});

describe('attestAgent driver', () => {
  type AttestResponseInit = MessageInitShape<typeof agentv1.AttestAgentResponseSchema>;
  const svid = { certChain: [new Uint8Array([0x30, 0x00])] };

  /** A server script that reads requests itself (`receive`), so each step follows the client's answer. */
  type AttestScript = (receive: () => Promise<void>) => AsyncGenerator<AttestResponseInit>;

  function scriptedAttest(script: AttestScript): { call: AttestCall; sent: agentv1.AttestAgentRequest[] } {
    const sent: agentv1.AttestAgentRequest[] = [];
    const call: AttestCall = (requests) =>
      (async function* () {
        const reader = requests[Symbol.asyncIterator]();
        const receive = async (): Promise<void> => {
          const next = await reader.next();
          assert.notEqual(next.done, true, 'the client sent a request');
          sent.push(create(agentv1.AttestAgentRequestSchema, next.value as MessageInitShape<typeof agentv1.AttestAgentRequestSchema>));
        };
        for await (const response of script(receive)) yield create(agentv1.AttestAgentResponseSchema, response);
      })();
    return { call, sent };
  }

  const request = { type: 'test', payload: new Uint8Array([1]), csrDer: new Uint8Array([2]) };

  it('sends params first, then one answer per challenge', async () => {
    const { call, sent } = scriptedAttest(async function* (receive) {
      await receive();
      yield { step: { case: 'challenge', value: new Uint8Array([9]) } };
      await receive();
      yield { step: { case: 'challenge', value: new Uint8Array([8]) } };
      await receive();
      yield { step: { case: 'result', value: { svid, reattestable: true } } };
    });
    const result = await attestAgent(call, { ...request, onChallenge: async (c) => new Uint8Array([c[0]! + 1]) });
    assert.equal(result.challenges, 2);
    assert.equal(result.reattestable, true);
    assert.equal(sent[0]!.step.case, 'params');
    const params = sent[0]!.step.value as agentv1.AttestAgentRequest_Params;
    assert.equal(params.data?.type, 'test');
    assert.deepEqual(params.params?.csr, new Uint8Array([2]));
    assert.deepEqual(sent.slice(1).map((m) => m.step.value), [new Uint8Array([10]), new Uint8Array([9])]);
  });

  it('refuses a stream without result, a result without SVID and a message after the result', async () => {
    const cases: [AttestScript, RegExp][] = [
      [async function* () {}, /ended without a result/],
      [async function* () { yield { step: { case: 'result', value: { reattestable: false } } }; }, /no X509-SVID certificate/],
      [async function* () { yield {}; }, /neither challenge nor result/],
      [async function* () {
        yield { step: { case: 'result', value: { svid } } };
        yield { step: { case: 'challenge', value: new Uint8Array() } };
      }, /a message after the result/],
    ];
    for (const [responses, pattern] of cases) {
      await assert.rejects(attestAgent(scriptedAttest(responses).call, request), badResponse(pattern), pattern.source);
    }
  });
});
