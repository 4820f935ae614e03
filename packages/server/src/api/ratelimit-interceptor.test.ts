import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Code, ConnectError, createClient, createRouterTransport, type Interceptor } from '@connectrpc/connect';
import { FakeClock, nullLogger } from '@tspire/common';
import { agentv1, svidv1 } from '@tspire/proto';
import { callerKey, type CallerContext } from './caller.js';
import { errorInterceptor } from './error-interceptor.js';
import { deadlineMs, rateLimitInterceptor, type RateLimitConfig } from './ratelimit-interceptor.js';

const tlsFrom = (remoteAddress: string): CallerContext => ({ kind: 'tls', remoteAddress });

/** Stub handlers behind the real interceptor: they count the calls that got through. */
function setup(limits: RateLimitConfig = { attestation: true, signing: true }) {
  const clock = new FakeClock(0);
  const served = { x509: 0, jwt: 0, status: 0, attest: 0, renew: 0 };
  let caller: CallerContext = tlsFrom('10.0.0.1');
  const setCaller: Interceptor = (next) => (req) => {
    req.contextValues.set(callerKey, caller);
    return next(req);
  };
  const transport = createRouterTransport((router) => {
    router.service(svidv1.SVID, {
      batchNewX509SVID: () => { served.x509 += 1; return {}; },
      newJWTSVID: () => { served.jwt += 1; return {}; },
    });
    router.service(agentv1.Agent, {
      postStatus: () => { served.status += 1; return {}; },
      renewAgent: () => { served.renew += 1; return {}; },
      async *attestAgent(requests) {
        served.attest += 1;
        for await (const _ of requests) yield { step: { case: 'challenge', value: new Uint8Array([1]) } };
      },
    });
  }, { router: { interceptors: [setCaller, errorInterceptor(nullLogger), rateLimitInterceptor({ limits, clock })] } });
  return {
    clock, served, svid: createClient(svidv1.SVID, transport), agent: createClient(agentv1.Agent, transport),
    callAs(next: CallerContext) { caller = next; },
  };
}

const params = (n: number) => ({ params: Array.from({ length: n }, (_, i) => ({ entryId: `e${i}` })) });

async function rejectsExhausted(promise: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ConnectError, String(err));
    assert.equal(err.code, Code.ResourceExhausted, `${Code[err.code]}: ${err.rawMessage}`);
    assert.match(err.rawMessage, message);
    return true;
  });
}

function track<T>(promise: Promise<T>): { settled: () => boolean; promise: Promise<T> } {
  let done = false;
  const tracked = promise.finally(() => { done = true; });
  return { settled: () => done, promise: tracked };
}

describe('rateLimitInterceptor', () => {
  it('counts BatchNewX509SVID per param and refuses a batch larger than the burst', async () => {
    const t = setup();
    await t.svid.batchNewX509SVID(params(300));
    // 100 more tokens than left need 200 ms at 500/s: longer than the deadline, refused at once
    await rejectsExhausted(t.svid.batchNewX509SVID(params(300), { timeoutMs: 100 }), /would take 200 ms/);
    await rejectsExhausted(t.svid.batchNewX509SVID(params(501)), /^rate \(501\) exceeds burst size \(500\)$/);
    assert.equal(t.served.x509, 1);
    // without a deadline it waits (on the clock) for the tokens
    const waiting = track(t.svid.batchNewX509SVID(params(300)));
    await t.clock.advanceAsync(199);
    assert.equal(waiting.settled(), false);
    await t.clock.advanceAsync(1);
    await waiting.promise;
    assert.equal(t.served.x509, 2);
    // RenewAgent shares the (now empty) X.509 budget; NewJWTSVID has its own
    await rejectsExhausted(t.agent.renewAgent({}, { timeoutMs: 1 }), /1 token\(s\) would take 2 ms/);
    await t.svid.newJWTSVID({}, { timeoutMs: 1 });
    assert.deepEqual([t.served.renew, t.served.jwt], [0, 1]);
  });

  it('waits at most 30 s for a call without a deadline', async () => {
    const t = setup();
    await t.svid.batchNewX509SVID(params(500));
    const queued = Array.from({ length: 30 }, () => track(t.svid.batchNewX509SVID(params(500))));
    await rejectsExhausted(t.svid.batchNewX509SVID(params(500)), /would take 31000 ms, longer than the 30000 ms/);
    await t.clock.advanceAsync(29_999);
    assert.equal(queued.filter((q) => q.settled()).length, 29);
    await t.clock.advanceAsync(1);
    await Promise.all(queued.map((q) => q.promise));
    assert.equal(t.served.x509, 31);
  });

  it('limits each source IP separately and never limits local callers', async () => {
    const t = setup();
    for (let i = 0; i < 10; i++) await t.agent.postStatus({});
    await rejectsExhausted(t.agent.postStatus({}, { timeoutMs: 50 }), /would take 100 ms/);
    t.callAs(tlsFrom('10.0.0.2'));
    await t.agent.postStatus({}, { timeoutMs: 50 });
    t.callAs({ kind: 'local' });
    for (let i = 0; i < 50; i++) await t.agent.postStatus({}, { timeoutMs: 1 });
    assert.equal(t.served.status, 61);
  });

  it('limits AttestAgent streams to 1/s per IP only when attestation limits are on', async () => {
    const attestOnce = async (agent: ReturnType<typeof setup>['agent'], timeoutMs?: number) => {
      const responses = agent.attestAgent((async function* () { yield { step: { case: 'challengeResponse' as const, value: new Uint8Array([2]) } }; })(), timeoutMs === undefined ? {} : { timeoutMs });
      for await (const _ of responses) { /* drain */ }
    };
    const on = setup();
    await attestOnce(on.agent);
    await rejectsExhausted(attestOnce(on.agent, 500), /1 token\(s\) would take 1000 ms/);
    assert.equal(on.served.attest, 1);
    const off = setup({ attestation: false, signing: false });
    for (let i = 0; i < 5; i++) await attestOnce(off.agent, 1);
    for (let i = 0; i < 3; i++) await off.svid.batchNewX509SVID(params(500), { timeoutMs: 1 });
    assert.deepEqual([off.served.attest, off.served.x509], [5, 3]);
    // PostStatus is limited whatever the switches say
    for (let i = 0; i < 10; i++) await off.agent.postStatus({});
    await rejectsExhausted(off.agent.postStatus({}, { timeoutMs: 1 }), /would take 100 ms/);
  });
});

describe('deadlineMs', () => {
  it('reads grpc-timeout and connect-timeout-ms, ignoring malformed values', () => {
    assert.equal(deadlineMs(new Headers({ 'grpc-timeout': '5S' })), 5000);
    assert.equal(deadlineMs(new Headers({ 'grpc-timeout': '100m' })), 100);
    assert.equal(deadlineMs(new Headers({ 'grpc-timeout': '2M' })), 120_000);
    assert.equal(deadlineMs(new Headers({ 'grpc-timeout': '1000000u' })), 1000);
    assert.equal(deadlineMs(new Headers({ 'grpc-timeout': '5 S' })), undefined);
    assert.equal(deadlineMs(new Headers({ 'connect-timeout-ms': '250' })), 250);
    assert.equal(deadlineMs(new Headers({ 'connect-timeout-ms': '-1' })), undefined);
    assert.equal(deadlineMs(new Headers()), undefined);
  });
});
