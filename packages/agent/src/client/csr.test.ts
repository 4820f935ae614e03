import assert from 'node:assert/strict';
import { createPublicKey, verify, webcrypto } from 'node:crypto';
import { describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import { SpiffeId, der } from '@tspire/spiffe';
import { AgentError } from '../errors.js';
import { CSR_KEY_TYPES, createCsr, generateCsrKey } from './csr.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const EXPECTED = {
  'ec-p256': { digest: 'sha256', oid: '1.2.840.10045.4.3.2' },
  'ec-p384': { digest: 'sha384', oid: '1.2.840.10045.4.3.3' },
  'rsa-2048': { digest: 'sha256', oid: '1.2.840.113549.1.1.11' },
} as const;

/** Splits a CSR with the strict DER reader and checks its signature with node:crypto alone. */
function verifyWithNode(csrDer: Uint8Array): { algorithmOid: string; ok: boolean } {
  const [info, algorithm, signature] = der.readChildren(der.readSingle(csrDer, der.Tag.SEQUENCE, 'csr'));
  const [, , spki] = der.readChildren(info!);
  const algorithmOid = der.readOid(der.readChildren(algorithm!)[0]!);
  const publicKey = createPublicKey({ key: Buffer.from(der.rawOf(spki!)), format: 'der', type: 'spki' });
  const digest = algorithmOid === EXPECTED['ec-p384'].oid ? 'sha384' : 'sha256';
  const sig = der.readBitString(signature!);
  return { algorithmOid, ok: verify(digest, der.rawOf(info!), publicKey, sig.bytes) };
}

function sanOf(csr: x509.Pkcs10CertificateRequest): x509.SubjectAlternativeNameExtension | undefined {
  const ext = csr.getExtension('2.5.29.17');
  return ext === null ? undefined : new x509.SubjectAlternativeNameExtension(ext.rawData);
}

describe('createCsr', () => {
  for (const keyType of CSR_KEY_TYPES) {
    it(`builds a ${keyType} CSR that @peculiar/x509 parses and verifies`, async () => {
      const key = await generateCsrKey(keyType);
      const csrDer = createCsr(key, { spiffeId: 'spiffe://example.org/workload' });
      const csr = new x509.Pkcs10CertificateRequest(csrDer);
      assert.equal(await csr.verify(), true);
      assert.equal(csr.subject, 'C=US, O=SPIRE');
      const san = sanOf(csr);
      assert.ok(san, 'the CSR has a SAN extension');
      assert.equal(san.critical, false);
      assert.deepEqual(san.names.toJSON(), [{ type: 'url', value: 'spiffe://example.org/workload' }]);
      // The CSR carries the key's public half and the matching signature algorithm.
      const spki = Buffer.from(csr.publicKey.rawData);
      assert.deepEqual(spki, createPublicKey(key).export({ format: 'der', type: 'spki' }));
      const checked = verifyWithNode(csrDer);
      assert.equal(checked.algorithmOid, EXPECTED[keyType].oid);
      assert.equal(checked.ok, true);
    });
  }

  it('omits the SAN for the agent CSR and keeps the attributes field empty', async () => {
    const csrDer = createCsr(await generateCsrKey());
    const csr = new x509.Pkcs10CertificateRequest(csrDer);
    assert.equal(await csr.verify(), true);
    assert.equal(csr.getExtension('2.5.29.17'), null);
    assert.equal(csr.attributes.length, 0);
    // [0] IMPLICIT SET OF Attribute with no members, as Go writes it.
    const [info] = der.readChildren(der.readSingle(csrDer, der.Tag.SEQUENCE, 'csr'));
    const attributes = der.readChildren(info!)[3]!;
    assert.deepEqual(Buffer.from(der.rawOf(attributes)), Buffer.of(0xa0, 0x00));
  });

  it('accepts a SpiffeId object', async () => {
    const csrDer = createCsr(await generateCsrKey(), { spiffeId: SpiffeId.parse('spiffe://example.org/a/b') });
    const san = sanOf(new x509.Pkcs10CertificateRequest(csrDer));
    assert.equal(san?.names.items[0]?.value, 'spiffe://example.org/a/b');
  });

  it('gives a signature that fails once the request info changes', async () => {
    const csrDer = Buffer.from(createCsr(await generateCsrKey(), { spiffeId: 'spiffe://example.org/workload' }));
    const at = csrDer.indexOf(Buffer.from('workload'));
    csrDer[at] = 'W'.charCodeAt(0);
    assert.equal(verifyWithNode(csrDer).ok, false);
    assert.equal(await new x509.Pkcs10CertificateRequest(csrDer).verify(), false);
  });

  it('refuses an invalid SPIFFE ID, naming it', async () => {
    const key = await generateCsrKey();
    assert.throws(() => createCsr(key, { spiffeId: 'spiffe://Example.org/x' }), (err: unknown) =>
      err instanceof AgentError && err.code === 'ERR_AGENT_INVALID_CSR_REQUEST' && err.message.includes('spiffe://Example.org/x'));
  });

  it('refuses unsupported keys', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const ed = generateKeyPairSync('ed25519');
    assert.throws(() => createCsr(ed.privateKey), /unsupported CSR key: ed25519 key/);
    const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' });
    assert.throws(() => createCsr(p521.privateKey), /unsupported CSR key: EC curve secp521r1/);
    assert.throws(() => createCsr(p521.publicKey), /needs a private key/);
    await assert.rejects(generateCsrKey('ec-p521' as never), /unsupported key type "ec-p521"/);
  });
});
