import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { ConfigError, isTspireError } from '@tspire/common';
import type { X509PopNodeAttestorConfig } from '../../../config/types.js';
import type { NodeAttestationResult, NodeAttestor } from '../node-attestor.js';
import { createX509PopAttestor, type X509PopAttestorDeps } from './x509pop-attestor.js';
import { PKI_NOW, createRoot, issue, payloadOf, pemOf, respond, type TestCert } from './x509pop.test-helper.js';

const TD = 'example.org';
const clock = { nowMs: () => PKI_NOW * 1000 };
const sha1 = (der: Uint8Array): string => createHash('sha1').update(der).digest('hex');

const config = (over: Partial<X509PopNodeAttestorConfig> = {}): X509PopNodeAttestorConfig => ({
  name: 'x509pop', mode: 'external_pki', svidPrefix: '/spire-exchange', caBundlePaths: ['/conf/agent-ca.pem'],
  maxIntermediates: 4, maxRsaKeySize: 8192, verifyClientIp: false, ...over,
});

function files(contents: Record<string, string>): (path: string) => Uint8Array {
  return (path) => {
    const text = contents[path];
    if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
    return Buffer.from(text);
  };
}

interface Run {
  result: NodeAttestationResult;
  challenges: Uint8Array[];
}

/** Attests `chain`, answering challenges with `answer` (default: the leaf's own key). */
async function run(attestor: NodeAttestor, chain: readonly TestCert[], answer?: (challenge: Uint8Array) => Uint8Array, remoteAddress = '192.0.2.1'): Promise<Run> {
  const challenges: Uint8Array[] = [];
  const reply = answer ?? ((c: Uint8Array) => respond(chain[0]!.privateKey, c));
  const result = await attestor.attest({
    payload: payloadOf(chain), trustDomain: TD, remoteAddress,
    challenge: async (c) => { challenges.push(c); return reply(c); },
  });
  return { result, challenges };
}

/** Asserts the attestation fails with a TspireError of `code` whose message matches `message`. */
async function rejects(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isTspireError(err), String(err));
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    return true;
  });
}

describe('x509pop node attestor', () => {
  let root: TestCert;
  let intermediate: TestCert;
  let leaf: TestCert;
  let otherRoot: TestCert;
  let strangerLeaf: TestCert;
  let rsaLeaf: TestCert;
  let attestor: NodeAttestor;
  const deps = (over: Partial<X509PopAttestorDeps> = {}): X509PopAttestorDeps => ({
    clock, readFile: files({ '/conf/agent-ca.pem': pemOf([root]), '/conf/other-ca.pem': pemOf([otherRoot]) }), ...over,
  });

  before(async () => {
    root = await createRoot('CN=agent root');
    intermediate = await issue(root, { subject: 'CN=agent intermediate', ca: true });
    leaf = await issue(intermediate, {
      subject: 'CN=node-1, 2.5.4.5=SN-42', serial: '0a1b2c',
      uris: ['x509pop://example.org/datacenter/us-east-1', 'x509pop://example.org/rack/r1/u3', 'x509pop://other.org/x/y', 'x509pop://example.org/lonely'],
      ips: ['192.0.2.1'],
    });
    otherRoot = await createRoot('CN=someone else');
    strangerLeaf = await issue(otherRoot, { subject: 'CN=stranger' });
    rsaLeaf = await issue(root, { subject: 'CN=rsa-node', keyType: 'rsa-2048' });
    attestor = createX509PopAttestor(config(), deps());
  });

  it('attests an EC leaf through an intermediate: agent ID, selectors, one ECDSA challenge', async () => {
    const { result, challenges } = await run(attestor, [leaf, intermediate]);
    assert.deepEqual(result, {
      agentId: `spiffe://example.org/spire/agent/x509pop/${sha1(leaf.der)}`,
      selectorValues: [
        'subject:cn:node-1', `ca:fingerprint:${sha1(intermediate.der)}`, `ca:fingerprint:${sha1(root.der)}`,
        'serialnumber:0a1b2c', 'san:datacenter:us-east-1', 'san:rack:r1/u3',
      ],
      canReattest: true,
    });
    assert.equal(challenges.length, 1);
    const challenge = JSON.parse(Buffer.from(challenges[0]!).toString()) as Record<string, { nonce: string } | null>;
    assert.deepEqual(Object.keys(challenge).sort(), ['ecdsa_signature', 'rsa_signature']);
    assert.equal(challenge['rsa_signature'], null);
    assert.equal(Buffer.from(challenge['ecdsa_signature']!.nonce, 'base64').length, 32);
  });

  it('attests an RSA leaf with an RSA-PSS answer, and a P-384 leaf', async () => {
    const { result, challenges } = await run(attestor, [rsaLeaf]);
    assert.equal(result.agentId, `spiffe://example.org/spire/agent/x509pop/${sha1(rsaLeaf.der)}`);
    assert.deepEqual(result.selectorValues.slice(0, 2), ['subject:cn:rsa-node', `ca:fingerprint:${sha1(root.der)}`]);
    const challenge = JSON.parse(Buffer.from(challenges[0]!).toString()) as Record<string, unknown>;
    assert.equal(challenge['ecdsa_signature'], null);
    assert.ok(challenge['rsa_signature'] !== null);
    const p384 = await issue(root, { keyType: 'ec-p384' });
    assert.equal((await run(attestor, [p384])).result.agentId, `spiffe://example.org/spire/agent/x509pop/${sha1(p384.der)}`);
  });

  it('refuses certificates that do not chain to the CA bundle, without challenging', async () => {
    const challenged: Uint8Array[] = [];
    const answer = (c: Uint8Array) => { challenged.push(c); return respond(strangerLeaf.privateKey, c); };
    await rejects(run(attestor, [strangerLeaf], answer), 'ERR_X509POP_CERTIFICATE_REJECTED', /certificate verification failed: certificate signed by unknown authority/);
    await rejects(run(attestor, [leaf], answer), 'ERR_X509POP_CERTIFICATE_REJECTED', /unknown authority/); // intermediate missing
    await rejects(run(attestor, [leaf, await issue(otherRoot, { ca: true })], answer), 'ERR_X509POP_CERTIFICATE_REJECTED', /unknown authority/);
    const lookAlike = await createRoot('CN=agent root'); // same name as the trusted root, another key
    await rejects(run(attestor, [await issue(lookAlike)], answer), 'ERR_X509POP_CERTIFICATE_REJECTED', /unknown authority \(CN=agent root did not produce the signature of CN=/);
    assert.equal(challenged.length, 0);
  });

  it('refuses an answer signed by another key', async () => {
    await rejects(run(attestor, [leaf, intermediate], (c) => respond(strangerLeaf.privateKey, c)),
      'ERR_X509POP_CHALLENGE_FAILED', /challenge response verification failed: ECDSA signature verify failed/);
    const otherRsa = await issue(root, { keyType: 'rsa-2048' });
    await rejects(run(attestor, [rsaLeaf], (c) => respond(otherRsa.privateKey, c)), 'ERR_X509POP_CHALLENGE_FAILED', /RSA signature verify failed/);
  });

  it('refuses replayed, mismatched and malformed answers', async () => {
    let recorded: Uint8Array | undefined;
    await run(attestor, [leaf, intermediate], (c) => (recorded = respond(leaf.privateKey, c)));
    await rejects(run(attestor, [leaf, intermediate], () => recorded!), 'ERR_X509POP_CHALLENGE_FAILED', /ECDSA signature verify failed/);
    await rejects(run(attestor, [leaf, intermediate], (c) => respond(leaf.privateKey, c, { challengeNonce: randomBytes(32) })),
      'ERR_X509POP_CHALLENGE_FAILED', /ECDSA signature verify failed/);
    await rejects(run(attestor, [leaf, intermediate], (c) => respond(leaf.privateKey, c, { nonce: randomBytes(16) })),
      'ERR_X509POP_CHALLENGE_FAILED', /invalid response nonce: 16 bytes/);
    await rejects(run(attestor, [leaf, intermediate], (c) => respond(rsaLeaf.privateKey, c)), 'ERR_X509POP_CHALLENGE_FAILED', /expecting ECDSA response/);
    await rejects(run(attestor, [leaf, intermediate], () => Buffer.from('not json')), 'ERR_X509POP_INVALID_PAYLOAD', /unable to unmarshal challenge response/);
    await rejects(run(attestor, [leaf, intermediate], () => Buffer.from('{"ecdsa_signature":{"nonce":"%%%"}}')), 'ERR_X509POP_INVALID_PAYLOAD', /nonce is not base64/);
  });

  it('refuses malformed payloads, naming the problem', async () => {
    const attestWith = (payload: string) => attestor.attest({ payload: Buffer.from(payload), trustDomain: TD, remoteAddress: '', challenge: async () => new Uint8Array() });
    await rejects(attestWith('{'), 'ERR_X509POP_INVALID_PAYLOAD', /failed to unmarshal data/);
    await rejects(attestWith('{"certificates":[]}'), 'ERR_X509POP_INVALID_PAYLOAD', /no certificate to attest/);
    await rejects(attestWith('{"certificates":"x"}'), 'ERR_X509POP_INVALID_PAYLOAD', /certificates is not a list/);
    await rejects(attestWith('{"certificates":["@@"]}'), 'ERR_X509POP_INVALID_PAYLOAD', /certificates\[0\] is not base64/);
    await rejects(attestWith('{"certificates":["AAAA"]}'), 'ERR_X509POP_INVALID_PAYLOAD', /unable to parse leaf certificate/);
  });

  it('enforces validity, digitalSignature key usage, max_intermediates, max_rsa_key_size and path length', async () => {
    const expired = await issue(root, { notAfter: PKI_NOW - 1 });
    await rejects(run(attestor, [expired]), 'ERR_X509POP_CERTIFICATE_REJECTED', /leaf certificate has expired/);
    const expiredIntermediate = await issue(root, { ca: true, notAfter: PKI_NOW - 1 });
    await rejects(run(attestor, [await issue(expiredIntermediate), expiredIntermediate]), 'ERR_X509POP_CERTIFICATE_REJECTED', /has expired/);
    const encipherOnly = await issue(root, { keyUsage: 4 /* keyEncipherment */ });
    await rejects(run(attestor, [encipherOnly]), 'ERR_X509POP_CERTIFICATE_REJECTED', /not intended for digital signature use/);
    await rejects(run(attestor, [await issue(root, { keyUsage: null })]), 'ERR_X509POP_CERTIFICATE_REJECTED', /not intended for digital signature use/);
    const strict = createX509PopAttestor(config({ maxIntermediates: 0, maxRsaKeySize: 2047 }), deps());
    await rejects(run(strict, [leaf, intermediate]), 'ERR_X509POP_INVALID_PAYLOAD', /too many intermediate certificates: 1 exceeds max_intermediates 0/);
    await rejects(run(strict, [rsaLeaf]), 'ERR_X509POP_INVALID_PAYLOAD', /is 2048 bits, more than max_rsa_key_size 2047/);
    const noSubCas = await issue(root, { ca: true, pathLength: 0, subject: 'CN=no sub-CAs' });
    const subCa = await issue(noSubCas, { ca: true });
    await rejects(run(attestor, [await issue(subCa), subCa, noSubCas]), 'ERR_X509POP_CERTIFICATE_REJECTED', /allows 0 intermediate\(s\) below it, the chain has 1/);
    const notCa = await issue(root, { keyUsage: 32 | 1 }); // keyCertSign + digitalSignature, but no cA flag
    await rejects(run(attestor, [await issue(notCa), notCa]), 'ERR_X509POP_CERTIFICATE_REJECTED', /is not a CA/);
  });

  it('renders agent_path_template fields, with or without a leading slash', async () => {
    const render = async (template: string, chain: readonly TestCert[] = [leaf, intermediate]) =>
      (await run(createX509PopAttestor(config({ agentPathTemplate: template }), deps()), chain)).result.agentId;
    assert.equal(await render('/cn/{{ .Subject.CommonName }}'), 'spiffe://example.org/spire/agent/cn/node-1');
    assert.equal(await render('{{ .PluginName}}/{{ .SerialNumberHex }}'), 'spiffe://example.org/spire/agent/x509pop/0a1b2c');
    assert.equal(await render('/{{ .TrustDomain }}/{{- .Subject.SerialNumber -}}  '), 'spiffe://example.org/spire/agent/example.org/SN-42');
    assert.equal(await render('/x509pop/{{ .Fingerprint }}'), `spiffe://example.org/spire/agent/x509pop/${sha1(leaf.der)}`);
    await rejects(render('/cn/{{ .Subject.CommonName }}', [await issue(root, { subject: 'O=no common name' })]),
      'ERR_X509POP_AGENT_ID', /failed to make agent ID from agent_path_template "\/cn\/\{\{ \.Subject\.CommonName \}\}": path cannot have a trailing slash/);
  });

  it('refuses unsupported templates and unreadable CA bundles at construction, naming them', () => {
    const configError = (build: () => unknown, message: RegExp) => assert.throws(build, (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.match(err.message, message);
      return true;
    });
    configError(() => createX509PopAttestor(config({ agentPathTemplate: '{{ .Subject.Organization }}' }), deps()),
      /plugin_data\.agent_path_template: agent path template "\{\{ \.Subject\.Organization \}\}": unknown field \.Subject\.Organization/);
    configError(() => createX509PopAttestor(config({ agentPathTemplate: '/{{ .PluginName | upper }}' }), deps()), /pipelines and functions are not supported/);
    configError(() => createX509PopAttestor(config({ agentPathTemplate: '/{{ .SVIDPathTrimmed }}' }), deps()), /\.SVIDPathTrimmed is not available in this mode/);
    configError(() => createX509PopAttestor(config({ caBundlePaths: ['/conf/missing.pem'] }), deps()),
      /ca_bundle_paths: unable to load trust bundle "\/conf\/missing.pem": ENOENT/);
    configError(() => createX509PopAttestor(config(), deps({ readFile: files({ '/conf/agent-ca.pem': 'no pem here' }) })), /no CERTIFICATE PEM block found/);
    configError(() => createX509PopAttestor(config({ mode: 'spiffe', caBundlePaths: [] }), deps()), /needs the server trust bundle/);
  });

  it('trusts every configured CA bundle file', async () => {
    const both = createX509PopAttestor(config({ caBundlePaths: ['/conf/agent-ca.pem', '/conf/other-ca.pem'] }), deps());
    assert.equal((await run(both, [strangerLeaf])).result.selectorValues[0], 'subject:cn:stranger');
    assert.equal((await run(both, [leaf, intermediate])).result.selectorValues[0], 'subject:cn:node-1');
  });

  it('checks the client IP against the IP SANs when verify_client_ip is set', async () => {
    const strict = createX509PopAttestor(config({ verifyClientIp: true }), deps());
    assert.ok((await run(strict, [leaf, intermediate], undefined, '192.0.2.1')).result.agentId);
    assert.ok((await run(strict, [leaf, intermediate], undefined, '::ffff:192.0.2.1')).result.agentId);
    await rejects(run(strict, [leaf, intermediate], undefined, '198.51.100.7'), 'ERR_X509POP_CERTIFICATE_REJECTED', /client IP "198.51.100.7" is not an IP SAN/);
  });

  describe('spiffe mode', () => {
    const spiffe = (over: Partial<X509PopNodeAttestorConfig> = {}) =>
      createX509PopAttestor(config({ mode: 'spiffe', caBundlePaths: [], ...over }), deps({ trustBundle: async () => [root.der] }));

    it('exchanges an SVID under svid_prefix for /spire/agent/x509pop/<rest of the path>', async () => {
      const svid = await issue(root, { uris: ['spiffe://example.org/spire-exchange/host-1/a'] });
      assert.equal((await run(spiffe(), [svid])).result.agentId, 'spiffe://example.org/spire/agent/x509pop/host-1/a');
      assert.equal((await run(spiffe({ svidPrefix: '/spire-exchange/host-1/' }), [svid])).result.agentId, 'spiffe://example.org/spire/agent/x509pop/a');
    });

    it('refuses SVIDs outside the prefix or trust domain, and certificates without an SVID', async () => {
      await rejects(run(spiffe(), [await issue(root, { uris: ['spiffe://example.org/other/host-1'] })]),
        'ERR_X509POP_CERTIFICATE_REJECTED', /doesnt match SVID prefix: "\/other\/host-1" does not start with "\/spire-exchange\/"/);
      await rejects(run(spiffe(), [await issue(root, { uris: ['spiffe://other.org/spire-exchange/h'] })]), 'ERR_X509POP_CERTIFICATE_REJECTED', /not in trust domain "example.org"/);
      await rejects(run(spiffe(), [await issue(root)]), 'ERR_X509POP_CERTIFICATE_REJECTED', /valid SVID x509 cert not found/);
      await rejects(run(spiffe(), [strangerLeaf]), 'ERR_X509POP_CERTIFICATE_REJECTED', /unknown authority/);
    });
  });
});
