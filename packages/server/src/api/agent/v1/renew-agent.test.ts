import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import { types } from '@tspire/proto';
import type { TlsPeer } from '../../caller.js';
import { rejectsWith } from '../../testing/assert.test-helper.js';
import { START_SECONDS, TD_ID } from '../../testing/fixture.test-helper.js';
import { agentCsr, attest, attestParams, tamperedCsr, withAgentApi, type AgentApiFixture } from './agent-api.test-helper.js';

const AGENT = `${TD_ID}/spire/agent/join_token/renew-me`;
const REATTESTABLE = `${TD_ID}/spire/agent/x509pop/node-1`;

/** The TLS peer an agent presenting this SVID is. */
function peerOf(der: Uint8Array): TlsPeer {
  const cert = new X509Certificate(der);
  const uri = cert.subjectAltName?.replace(/^URI:/, '') ?? '';
  return { spiffeId: uri, serialNumber: BigInt(`0x${cert.serialNumber}`).toString(), notAfter: Math.floor(Date.parse(cert.validTo) / 1000) };
}

function actAs(f: AgentApiFixture, peer: TlsPeer): void {
  f.setCaller({ kind: 'tls', remoteAddress: '192.0.2.7', peer });
}

/** A join_token agent: attests and returns the peer of its SVID. */
async function joinTokenAgent(f: AgentApiFixture): Promise<TlsPeer> {
  await f.agent.createJoinToken({ ttl: 600, token: 'renew-me' });
  const { result } = await attest(f.agentClient, await attestParams('join_token', 'renew-me'));
  return peerOf(result.svid!.certChain[0]!);
}

function deniedWith(reason: types.PermissionDeniedDetails_Reason, message: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof ConnectError, String(err));
    assert.equal(err.code, Code.PermissionDenied);
    assert.match(err.rawMessage, message);
    assert.deepEqual(err.findDetails(types.PermissionDeniedDetailsSchema).map((d) => d.reason), [reason]);
    return true;
  };
}

describe('Agent.RenewAgent', () => {
  it('signs a new SVID, records it as the new serial, which becomes current on first use', () => withAgentApi(async (f) => {
    const original = await joinTokenAgent(f);
    actAs(f, original);
    f.clock.advance(60);
    const { svid } = await f.agentClient.renewAgent({ params: { csr: await agentCsr() } });
    assert.equal(svid?.id?.path, '/spire/agent/join_token/renew-me');
    assert.equal(svid?.expiresAt, BigInt(START_SECONDS + 60 + 3600));
    const renewed = peerOf(svid!.certChain[0]!);
    assert.ok(new X509Certificate(svid!.certChain[0]!).verify(new X509Certificate(f.signer.caCertificate).publicKey));
    const node = await f.ds.fetchAttestedNode(AGENT);
    assert.equal(node?.certSerialNumber, original.serialNumber);
    assert.equal(node?.newCertSerialNumber, renewed.serialNumber);
    assert.equal(node?.newCertNotAfter, START_SECONDS + 60 + 3600);

    // The agent switches to the new SVID: the agent check promotes it, the old one is retired.
    actAs(f, renewed);
    await f.agentClient.postStatus({ agentVersion: '1.15.3' });
    const promoted = await f.ds.fetchAttestedNode(AGENT);
    assert.deepEqual([promoted?.certSerialNumber, promoted?.newCertSerialNumber], [renewed.serialNumber, '']);
    actAs(f, original);
    await assert.rejects(f.agentClient.postStatus({ agentVersion: '1.15.3' }),
      deniedWith(types.PermissionDeniedDetails_Reason.AGENT_NOT_ACTIVE, /authorization denied/));
  }));

  it('tells re-attestable agents to re-attest (AGENT_MUST_REATTEST), signing nothing', () => withAgentApi(async (f) => {
    const node = await f.ds.createAttestedNode({
      spiffeId: REATTESTABLE, attestationType: 'x509pop', certSerialNumber: '7', certNotAfter: START_SECONDS + 3600,
      newCertSerialNumber: '', newCertNotAfter: 0, canReattest: true, agentVersion: '',
    });
    actAs(f, { spiffeId: REATTESTABLE, serialNumber: '7', notAfter: START_SECONDS + 3600 });
    await assert.rejects(f.agentClient.renewAgent({ params: { csr: await agentCsr() } }),
      deniedWith(types.PermissionDeniedDetails_Reason.AGENT_MUST_REATTEST, /^agent must reattest instead of renew$/));
    assert.deepEqual(await f.ds.fetchAttestedNode(REATTESTABLE), node);
    assert.equal(f.signer.requests.length, 0);
  }));

  it('refuses missing params, missing and bad CSRs, changing nothing', () => withAgentApi(async (f) => {
    actAs(f, await joinTokenAgent(f));
    const before = await f.ds.fetchAttestedNode(AGENT);
    await rejectsWith(f.agentClient.renewAgent({}), Code.InvalidArgument, /^params cannot be nil$/);
    await rejectsWith(f.agentClient.renewAgent({ params: {} }), Code.InvalidArgument, /^missing CSR$/);
    await rejectsWith(f.agentClient.renewAgent({ params: { csr: tamperedCsr(await agentCsr()) } }), Code.InvalidArgument,
      /^failed to sign X509 SVID: CSR signature does not verify with the CSR public key$/);
    assert.deepEqual(await f.ds.fetchAttestedNode(AGENT), before);
  }));

  it('is for agents only', () => withAgentApi(async (f) => {
    await rejectsWith(f.agentClient.renewAgent({ params: { csr: await agentCsr() } }), Code.PermissionDenied,
      /^authorization denied for method \/spire.api.server.agent.v1.Agent\/RenewAgent$/);
    await rejectsWith(f.agentClient.postStatus({ agentVersion: 'x' }), Code.PermissionDenied, /^authorization denied for method/);
  }));
});

describe('Agent.PostStatus', () => {
  it('stores the agent version, up to 255 bytes', () => withAgentApi(async (f) => {
    actAs(f, await joinTokenAgent(f));
    await f.agentClient.postStatus({ agentVersion: '1.15.3', currentBundleSerial: 4n });
    assert.equal((await f.ds.fetchAttestedNode(AGENT))?.agentVersion, '1.15.3');
    await f.agentClient.postStatus({ agentVersion: 'v'.repeat(255) });
    assert.equal((await f.ds.fetchAttestedNode(AGENT))?.agentVersion, 'v'.repeat(255));
    await rejectsWith(f.agentClient.postStatus({ agentVersion: 'v'.repeat(256) }), Code.InvalidArgument,
      /^agent_version is 256 bytes long; at most 255 are allowed$/);
    await rejectsWith(f.agentClient.postStatus({ agentVersion: 'é'.repeat(128) }), Code.InvalidArgument, /256 bytes long/);
    assert.equal((await f.ds.fetchAttestedNode(AGENT))?.agentVersion, 'v'.repeat(255));
  }));
});
