import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { Code } from '@connectrpc/connect';
import { AttestorError } from '../../../attestor/errors.js';
import type { NodeAttestationRequest, NodeAttestationResult, NodeAttestor } from '../../../attestor/node/node-attestor.js';
import { rejectsWith } from '../../testing/assert.test-helper.js';
import { START_SECONDS, TD_ID, sel } from '../../testing/fixture.test-helper.js';
import {
  agentCsr, attest, attestParams, tamperedCsr, withAgentApi, type AgentApiFixture, type AttestParamsInit,
} from './agent-api.test-helper.js';

const tokenAgent = (token: string) => `${TD_ID}/spire/agent/join_token/${token}`;

async function createToken(f: AgentApiFixture, token: string, ttl = 600): Promise<void> {
  await f.agent.createJoinToken({ ttl, token });
}

/** The leaf of an AttestAgent result: it verifies with the test CA and carries the agent ID. */
function checkSvid(f: AgentApiFixture, chain: readonly Uint8Array[], agentId: string): X509Certificate {
  const leaf = new X509Certificate(chain[0]!);
  assert.ok(leaf.verify(new X509Certificate(f.signer.caCertificate).publicKey));
  assert.equal(leaf.subjectAltName, `URI:${agentId}`);
  return leaf;
}

/** A NodeAttestor scripted by the test: sends `challenges`, expects each answer to be the challenge reversed. */
function scriptedAttestor(name: string, result: (req: NodeAttestationRequest) => NodeAttestationResult, challenges: string[] = []): NodeAttestor & { requests: NodeAttestationRequest[] } {
  const requests: NodeAttestationRequest[] = [];
  return {
    name,
    requests,
    async attest(request) {
      requests.push(request);
      for (const challenge of challenges) {
        const answer = Buffer.from(await request.challenge(Buffer.from(challenge))).toString();
        if (answer !== [...challenge].reverse().join('')) throw new AttestorError('ERR_X509POP_CHALLENGE_FAILED', `wrong answer to ${challenge}`);
      }
      return result(request);
    },
  };
}
const reverse = (challenge: Uint8Array) => Buffer.from([...Buffer.from(challenge).toString()].reverse().join(''));

describe('AttestAgent with join_token', () => {
  it('attests once: agent SVID with agent_ttl, node record with decimal serial, token consumed', () => withAgentApi(async (f) => {
    await createToken(f, 'tok-1');
    const { result, challenges } = await attest(f.agentClient, await attestParams('join_token', 'tok-1'));
    assert.equal(challenges.length, 0);
    assert.equal(result.reattestable, false);
    assert.deepEqual({ td: result.svid?.id?.trustDomain, path: result.svid?.id?.path }, { td: 'example.org', path: '/spire/agent/join_token/tok-1' });
    const leaf = checkSvid(f, result.svid!.certChain, tokenAgent('tok-1'));
    assert.equal(result.svid?.expiresAt, BigInt(START_SECONDS + 600));
    assert.deepEqual(f.signer.requests.map((r) => ({ id: r.spiffeId, ttl: r.ttlSeconds, dns: r.dnsNames })), [{ id: tokenAgent('tok-1'), ttl: 600, dns: [] }]);
    assert.deepEqual(await f.ds.fetchAttestedNode(tokenAgent('tok-1'), { withSelectors: true }), {
      spiffeId: tokenAgent('tok-1'), attestationType: 'join_token', certSerialNumber: BigInt(`0x${leaf.serialNumber}`).toString(),
      certNotAfter: START_SECONDS + 600, newCertSerialNumber: '', newCertNotAfter: 0, canReattest: false, agentVersion: '', selectors: [],
    });
    assert.equal(await f.ds.fetchJoinToken('tok-1'), null);
    await rejectsWith(attest(f.agentClient, await attestParams('join_token', 'tok-1')), Code.InvalidArgument,
      /^failed to attest: join token does not exist or has already been used$/);
  }, { agentTtlSeconds: 600 }));

  it('lets exactly one of two agents racing with one token win', () => withAgentApi(async (f) => {
    for (let round = 0; round < 5; round++) {
      const token = `race-${round}`;
      await createToken(f, token);
      const outcomes = await Promise.allSettled([
        attest(f.agentClient, await attestParams('join_token', token)),
        attest(f.agentClient, await attestParams('join_token', token)),
      ]);
      assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1, `round ${round}`);
      const loser = outcomes.find((o) => o.status === 'rejected');
      assert.match(String(loser?.reason), /join token does not exist or has already been used/);
    }
    assert.equal(await f.ds.countAttestedNodes(), 5);
  }));

  it('refuses unknown and expired tokens; an expired token is consumed anyway, as SPIRE', () => withAgentApi(async (f) => {
    await rejectsWith(attest(f.agentClient, await attestParams('join_token', 'never-created')), Code.InvalidArgument, /join token does not exist/);
    await createToken(f, 'short', 60);
    f.clock.advance(60);
    assert.ok(await f.ds.fetchJoinToken('short'), 'still valid at its expiry second');
    f.clock.advance(1);
    await rejectsWith(attest(f.agentClient, await attestParams('join_token', 'short')), Code.InvalidArgument, /^join token expired$/);
    assert.equal(await f.ds.fetchJoinToken('short'), null);
    assert.equal(await f.ds.countAttestedNodes(), 0);
    assert.equal(f.signer.requests.length, 0);
  }));

  it('does not burn the token on a bad CSR', () => withAgentApi(async (f) => {
    await createToken(f, 'keep-me');
    const good = await agentCsr();
    await rejectsWith(attest(f.agentClient, await attestParams('join_token', 'keep-me', tamperedCsr(good))), Code.InvalidArgument,
      /^invalid CSR: CSR signature does not verify with the CSR public key$/);
    await rejectsWith(attest(f.agentClient, await attestParams('join_token', 'keep-me', Uint8Array.of(1, 2, 3))), Code.InvalidArgument, /^invalid CSR: malformed CSR/);
    assert.deepEqual(await f.ds.fetchJoinToken('keep-me'), { token: 'keep-me', expiresAt: START_SECONDS + 600 });
    assert.equal(f.signer.requests.length, 0);
    const { result } = await attest(f.agentClient, await attestParams('join_token', 'keep-me', good));
    assert.equal(result.svid?.id?.path, '/spire/agent/join_token/keep-me');
  }));

  it('puts the token back when signing fails, writing nothing', () => withAgentApi(async (f) => {
    await createToken(f, 'unlucky');
    f.signer.failure = { code: 'ERR_CA_NOT_INITIALIZED', message: 'the CA is not ready' };
    await rejectsWith(attest(f.agentClient, await attestParams('join_token', 'unlucky')), Code.Unavailable, /^failed to sign X509 SVID: the CA is not ready$/);
    assert.deepEqual(await f.ds.fetchJoinToken('unlucky'), { token: 'unlucky', expiresAt: START_SECONDS + 600 });
    assert.equal(await f.ds.countAttestedNodes(), 0);
    f.signer.failure = undefined;
    assert.equal((await attest(f.agentClient, await attestParams('join_token', 'unlucky'))).result.svid?.id?.path, '/spire/agent/join_token/unlucky');
  }));

  it('refuses a banned agent, leaving the ban and the token in place', () => withAgentApi(async (f) => {
    await createToken(f, 'banned');
    const banned = await f.ds.createAttestedNode({
      spiffeId: tokenAgent('banned'), attestationType: 'join_token', certSerialNumber: '', certNotAfter: START_SECONDS,
      newCertSerialNumber: '', newCertNotAfter: 0, canReattest: false, agentVersion: '', selectors: [],
    });
    await rejectsWith(attest(f.agentClient, await attestParams('join_token', 'banned')), Code.PermissionDenied, /^failed to attest: agent is banned$/);
    assert.deepEqual(await f.ds.fetchAttestedNode(banned.spiffeId, { withSelectors: true }), banned);
    assert.ok(await f.ds.fetchJoinToken('banned'));
    assert.equal(f.signer.requests.length, 0);
  }));

  it('adds spiffe_id:<agent ID> with experimental agent_spiffe_id_as_selector', () => withAgentApi(async (f) => {
    await createToken(f, 'sel');
    await attest(f.agentClient, await attestParams('join_token', 'sel'));
    assert.deepEqual(await f.ds.getNodeSelectors(tokenAgent('sel')), [sel('spiffe_id', tokenAgent('sel'))]);
  }, { agentSpiffeIdAsSelector: true }));
});

describe('AttestAgent parameters and node attestors', () => {
  it('checks the first message as SPIRE does', () => withAgentApi(async (f) => {
    const csr = await agentCsr();
    const data = { type: 'join_token', payload: Buffer.from('t') };
    const cases: [AttestParamsInit | undefined, RegExp][] = [
      [undefined, /^malformed param: missing params$/],
      [{ params: { csr } }, /^malformed param: missing attestation data$/],
      [{ data }, /^malformed param: missing X509-SVID parameters$/],
      [{ data, params: { csr: new Uint8Array() } }, /^malformed param: missing CSR$/],
      [{ data: { type: '', payload: Buffer.from('t') }, params: { csr } }, /^malformed param: missing attestation data type$/],
      [{ data: { type: 'join_token', payload: new Uint8Array() }, params: { csr } }, /^malformed param: missing attestation data payload$/],
    ];
    for (const [params, message] of cases) {
      const call = params === undefined
        ? (async () => {
          const requests = (async function* () { yield { step: { case: 'challengeResponse' as const, value: Buffer.from('x') } }; })();
          for await (const _ of f.agentClient.attestAgent(requests)) { /* drain */ }
        })()
        : attest(f.agentClient, params);
      await rejectsWith(call, Code.InvalidArgument, message);
    }
    await rejectsWith(attest(f.agentClient, await attestParams('tpm_devid', 'x')), Code.FailedPrecondition,
      /^error getting node attestor: could not find node attestor type "tpm_devid"$/);
  }));

  it('relays challenges and stores deduplicated selectors typed by the attestor', () => {
    const attestor = scriptedAttestor('scripted', () => ({
      agentId: `${TD_ID}/spire/agent/scripted/n1`, selectorValues: ['a:1', 'b:2', 'a:1'], canReattest: true,
    }), ['abc', 'xyz']);
    return withAgentApi(async (f) => {
      f.setCaller({ kind: 'tls', remoteAddress: '203.0.113.9' });
      const { result, challenges } = await attest(f.agentClient, await attestParams('scripted', 'evidence'), reverse);
      assert.deepEqual(challenges.map((c) => Buffer.from(c).toString()), ['abc', 'xyz']);
      assert.equal(result.reattestable, true);
      checkSvid(f, result.svid!.certChain, `${TD_ID}/spire/agent/scripted/n1`);
      assert.deepEqual(attestor.requests.map((r) => ({ payload: Buffer.from(r.payload).toString(), td: r.trustDomain, ip: r.remoteAddress })),
        [{ payload: 'evidence', td: 'example.org', ip: '203.0.113.9' }]);
      const node = await f.ds.fetchAttestedNode(`${TD_ID}/spire/agent/scripted/n1`, { withSelectors: true });
      assert.equal(node?.attestationType, 'scripted');
      assert.equal(node?.canReattest, true);
      assert.deepEqual(node?.selectors, [sel('scripted', 'a:1'), sel('scripted', 'b:2')]);
    }, { nodeAttestors: [attestor] });
  });

  it('changes nothing when the agent stops answering, answers wrongly or sends the wrong step', () => {
    const attestor = scriptedAttestor('scripted', () => ({ agentId: `${TD_ID}/spire/agent/scripted/n1`, selectorValues: [], canReattest: true }), ['abc']);
    return withAgentApi(async (f) => {
      await rejectsWith(attest(f.agentClient, await attestParams('scripted', 'e'), () => undefined), Code.InvalidArgument,
        /^failed to receive challenge response: the agent closed the stream$/);
      await rejectsWith(attest(f.agentClient, await attestParams('scripted', 'e'), () => Buffer.from('nope')), Code.PermissionDenied, /^wrong answer to abc$/);
      const params = await attestParams('scripted', 'e');
      const wrongStep = (async () => {
        const requests = (async function* () {
          yield { step: { case: 'params' as const, value: params } };
          yield { step: { case: 'params' as const, value: params } };
        })();
        for await (const _ of f.agentClient.attestAgent(requests)) { /* drain */ }
      })();
      await rejectsWith(wrongStep, Code.InvalidArgument, /^expected a challenge_response after the challenge$/);
      assert.equal(await f.ds.countAttestedNodes(), 0);
      assert.equal(f.signer.requests.length, 0);
    }, { nodeAttestors: [attestor] });
  });

  it('refuses the server ID and foreign trust domains, and warns about IDs outside the attestor namespace', () => {
    let agentId = '';
    const attestor = scriptedAttestor('scripted', () => ({ agentId, selectorValues: [], canReattest: false }));
    return withAgentApi(async (f) => {
      agentId = `${TD_ID}/spire/server`;
      await rejectsWith(attest(f.agentClient, await attestParams('scripted', 'e')), Code.Internal, /^agent ID cannot be the server ID$/);
      agentId = 'spiffe://other.org/spire/agent/scripted/x';
      await rejectsWith(attest(f.agentClient, await attestParams('scripted', 'e')), Code.Internal, /is not a member of trust domain "example.org"/);
      assert.equal(await f.ds.countAttestedNodes(), 0);
      agentId = `${TD_ID}/spire/agent/custom/x`;
      await attest(f.agentClient, await attestParams('scripted', 'e'));
      assert.ok(f.logger.lines.some((l) => l.level === 'warn' && /outside its reserved namespace/.test(l.msg) && l.fields['agent_id'] === agentId));
    }, { nodeAttestors: [attestor] });
  });
});
