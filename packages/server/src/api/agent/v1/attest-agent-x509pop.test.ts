// AttestAgent end to end with the real x509pop attestor and an in-test agent responder.
import assert from 'node:assert/strict';
import { X509Certificate, createHash } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { Code } from '@connectrpc/connect';
import type { X509PopNodeAttestorConfig } from '../../../config/types.js';
import { createX509PopAttestor } from '../../../attestor/node/x509pop/x509pop-attestor.js';
import { PKI_NOW, createRoot, issue, payloadOf, pemOf, respond, type TestCert } from '../../../attestor/node/x509pop/x509pop.test-helper.js';
import { rejectsWith } from '../../testing/assert.test-helper.js';
import { START_SECONDS, TD_ID, sel } from '../../testing/fixture.test-helper.js';
import { attest, attestParams, withAgentApi, type AgentApiFixture } from './agent-api.test-helper.js';

const CONFIG: X509PopNodeAttestorConfig = {
  name: 'x509pop', mode: 'external_pki', svidPrefix: '/spire-exchange', caBundlePaths: ['/ca.pem'],
  maxIntermediates: 4, maxRsaKeySize: 8192, verifyClientIp: false, agentPathTemplate: '/x509pop/cn/{{ .Subject.CommonName }}',
};
const AGENT_ID = `${TD_ID}/spire/agent/x509pop/cn/node-1`;
const fingerprint = (c: TestCert) => createHash('sha1').update(c.der).digest('hex');

describe('AttestAgent with x509pop', () => {
  let root: TestCert;
  let stranger: TestCert;
  const withX509Pop = (fn: (f: AgentApiFixture) => Promise<void>) => {
    const attestor = createX509PopAttestor(CONFIG, { clock: { nowMs: () => START_SECONDS * 1000 }, readFile: () => Buffer.from(pemOf([root])) });
    return withAgentApi(fn, { nodeAttestors: [attestor] });
  };
  const attestWith = async (f: AgentApiFixture, leaf: TestCert, answer: (c: Uint8Array) => Uint8Array | undefined = (c) => respond(leaf.privateKey, c)) =>
    attest(f.agentClient, await attestParams('x509pop', payloadOf([leaf])), answer);

  before(async () => {
    assert.equal(PKI_NOW, START_SECONDS);
    root = await createRoot('CN=agent ca');
    stranger = await createRoot('CN=stranger ca');
  });

  it('attests, then re-attests with a new certificate: serial, selectors and new serial replaced', () => withX509Pop(async (f) => {
    const first = await issue(root, { subject: 'CN=node-1', serial: '0a', uris: ['x509pop://example.org/zone/a'] });
    const one = await attestWith(f, first);
    assert.equal(one.challenges.length, 1);
    assert.equal(one.result.reattestable, true);
    assert.equal(one.result.svid?.id?.path, '/spire/agent/x509pop/cn/node-1');
    const selectors = (serial: string, zone: string) => [
      sel('x509pop', 'subject:cn:node-1'), sel('x509pop', `ca:fingerprint:${fingerprint(root)}`), sel('x509pop', `serialnumber:${serial}`), sel('x509pop', `san:zone:${zone}`),
    ];
    const stored = await f.ds.fetchAttestedNode(AGENT_ID, { withSelectors: true });
    assert.deepEqual(stored?.selectors, selectors('0a', 'a'));
    assert.equal(stored?.canReattest, true);
    await f.ds.updateAttestedNode({ ...stored!, newCertSerialNumber: '99', newCertNotAfter: START_SECONDS + 10, agentVersion: '1.15.3' },
      ['newCertSerialNumber', 'newCertNotAfter', 'agentVersion']);

    const second = await issue(root, { subject: 'CN=node-1', serial: '0b', uris: ['x509pop://example.org/zone/b'] });
    const two = await attestWith(f, second);
    const leaf = new X509Certificate(two.result.svid!.certChain[0]!);
    const after = await f.ds.fetchAttestedNode(AGENT_ID, { withSelectors: true });
    assert.deepEqual(after, {
      spiffeId: AGENT_ID, attestationType: 'x509pop', certSerialNumber: BigInt(`0x${leaf.serialNumber}`).toString(),
      certNotAfter: START_SECONDS + 3600, newCertSerialNumber: '', newCertNotAfter: 0, canReattest: true, agentVersion: '1.15.3',
      selectors: selectors('0b', 'b'),
    });
    assert.notEqual(after?.certSerialNumber, stored?.certSerialNumber);
    assert.equal(await f.ds.countAttestedNodes(), 1);
  }));

  it('refuses a certificate from another CA and a wrong answer with PermissionDenied, storing nothing', () => withX509Pop(async (f) => {
    await rejectsWith(attestWith(f, await issue(stranger, { subject: 'CN=node-1' })), Code.PermissionDenied,
      /^certificate verification failed: certificate signed by unknown authority/);
    const leaf = await issue(root, { subject: 'CN=node-1' });
    const impostor = await issue(stranger);
    await rejectsWith(attestWith(f, leaf, (c) => respond(impostor.privateKey, c)), Code.PermissionDenied,
      /^challenge response verification failed: ECDSA signature verify failed$/);
    await rejectsWith(attestWith(f, leaf, () => undefined), Code.InvalidArgument, /the agent closed the stream/);
    assert.equal(await f.ds.countAttestedNodes(), 0);
    assert.equal(f.signer.requests.length, 0);
  }));

  it('refuses a banned x509pop agent after the challenge, keeping the ban', () => withX509Pop(async (f) => {
    const leaf = await issue(root, { subject: 'CN=node-1' });
    await attestWith(f, leaf);
    const node = await f.ds.fetchAttestedNode(AGENT_ID);
    await f.ds.updateAttestedNode({ ...node!, certSerialNumber: '' }, ['certSerialNumber']);
    await rejectsWith(attestWith(f, leaf), Code.PermissionDenied, /^failed to attest: agent is banned$/);
    assert.equal((await f.ds.fetchAttestedNode(AGENT_ID))?.certSerialNumber, '');
  }));
});
