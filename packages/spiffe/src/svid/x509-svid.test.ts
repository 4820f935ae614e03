import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import type { SpiffeErrorCode } from '../errors.js';
import { assertFails } from './testing/assert-fails.js';
import { X509Svid } from './x509-svid.js';
import { encodePem } from '../pem/pem.js';
import { KeyUsage, createCa, createIntermediate, createLeaf, generateKeys, type Issued } from './testing/x509-fixtures.js';

const root = await createCa();
const intermediate = await createIntermediate(root);
const leaf = await createLeaf(intermediate);
const chainPem = encodePem('CERTIFICATE', leaf.der) + encodePem('CERTIFICATE', intermediate.der);
const chainDer = Buffer.concat([leaf.der, intermediate.der]);
const rsaRoot = await createCa({ subject: 'CN=rsa root', algorithm: 'RSA' });
const rsaLeaf = await createLeaf(rsaRoot, { keys: rsaRoot.keys });

function pemKey(issued: Issued, type: 'pkcs8' | 'sec1' | 'pkcs1'): string {
  return issued.keys.privateKey.export({ type, format: 'pem' }) as string;
}

function derKey(issued: Issued, type: 'pkcs8' | 'sec1' | 'pkcs1'): Buffer {
  return issued.keys.privateKey.export({ type, format: 'der' });
}

test('parsePem reads a chain with PKCS#8, SEC1 and PKCS#1 keys', () => {
  for (const type of ['pkcs8', 'sec1'] as const) {
    const svid = X509Svid.parsePem(chainPem, pemKey(leaf, type));
    assert.equal(svid.id.toString(), 'spiffe://example.org/workload');
    assert.equal(svid.certificates.length, 2);
    assert.equal(svid.leaf.raw.equals(leaf.der), true);
    assert.equal(svid.privateKey.asymmetricKeyType, 'ec');
  }
  const rsa = X509Svid.parsePem(encodePem('CERTIFICATE', rsaLeaf.der), pemKey(rsaLeaf, 'pkcs1'));
  assert.equal(rsa.privateKey.asymmetricKeyType, 'rsa');
});

test('one PEM text may hold certificates and key; other blocks are skipped', () => {
  const bundleFile = `comment line\n${encodePem('EXTRA THING', Buffer.of(1, 2, 3))}${chainPem}${pemKey(leaf, 'pkcs8')}`;
  const svid = X509Svid.parsePem(bundleFile, bundleFile);
  assert.equal(svid.certificates.length, 2);
  assert.equal(X509Svid.parse(Buffer.from(bundleFile), Buffer.from(bundleFile)).id.toString(), 'spiffe://example.org/workload');
});

test('parseDer reads concatenated DER with PKCS#8, SEC1 and PKCS#1 keys', () => {
  for (const type of ['pkcs8', 'sec1'] as const) {
    const svid = X509Svid.parseDer(chainDer, derKey(leaf, type), { hint: 'internal' });
    assert.equal(svid.id.toString(), 'spiffe://example.org/workload');
    assert.deepEqual(svid.certificates.map((c) => c.raw), [leaf.der, intermediate.der]);
    assert.equal(svid.hint, 'internal');
  }
  assert.equal(X509Svid.parseDer(rsaLeaf.der, derKey(rsaLeaf, 'pkcs1')).privateKey.asymmetricKeyType, 'rsa');
  assert.equal(X509Svid.parse(chainDer, derKey(leaf, 'pkcs8')).certificates.length, 2);
  assert.equal(X509Svid.parse(chainDer, pemKey(leaf, 'sec1')).certificates.length, 2);
});

test('marshalPem and marshalDer round-trip', () => {
  const svid = X509Svid.parseDer(chainDer, derKey(leaf, 'sec1'), { hint: 'h' });
  const pem = svid.marshalPem();
  assert.match(pem.privateKey, /^-----BEGIN PRIVATE KEY-----\n/);
  assert.equal(pem.certificates.match(/BEGIN CERTIFICATE/g)?.length, 2);
  const again = X509Svid.parsePem(pem.certificates, pem.privateKey);
  assert.equal(again.id.toString(), svid.id.toString());
  assert.deepEqual(again.certificates.map((c) => c.raw), svid.certificates.map((c) => c.raw));
  assert.equal(again.privateKey.equals(svid.privateKey), true);
  const der = svid.marshalDer();
  assert.deepEqual(der.certificates, chainDer);
  assert.equal(X509Svid.parseDer(der.certificates, der.privateKey).privateKey.equals(svid.privateKey), true);
  assert.equal(svid.expiresAt.getTime(), new Date(leaf.cert.validTo).getTime());
  assert.deepEqual(svid.defaultChain, svid.certificates);
  assert.equal(again.hint, undefined);
  assert.equal('hint' in again, false);
});

test('Ed25519 and P-384 SVIDs parse', async () => {
  for (const algorithm of ['Ed25519', 'P-384'] as const) {
    const other = await createLeaf(root, { algorithm });
    assert.equal(X509Svid.parseDer(other.der, derKey(other, 'pkcs8')).privateKey.asymmetricKeyType, algorithm === 'Ed25519' ? 'ed25519' : 'ec');
  }
});

test('the key must match the leaf', async () => {
  const otherKeys = await generateKeys();
  assertFails(() => X509Svid.parsePem(chainPem, otherKeys.privateKey.export({ type: 'pkcs8', format: 'pem' })), 'ERR_X509_KEY_MISMATCH', /leaf certificate "CN=workload, O=tspire"/);
  assertFails(() => X509Svid.parseDer(chainDer, derKey(intermediate, 'pkcs8')), 'ERR_X509_KEY_MISMATCH');
  const x25519 = generateKeyPairSync('x25519').privateKey;
  assertFails(() => X509Svid.fromParts([leaf.cert], x25519), 'ERR_X509_BAD_KEY', /unsupported private key type "x25519"/);
  assertFails(() => X509Svid.fromParts([leaf.cert], leaf.cert.publicKey), 'ERR_X509_BAD_KEY', /expected a private key/);
});

test('leaf rules of the X.509-SVID standard (stricter than verify)', async () => {
  const cases: [Parameters<typeof createLeaf>[1], SpiffeErrorCode, RegExp][] = [
    [{ uris: ['spiffe://example.org'] }, 'ERR_X509_LEAF_ROOT_PATH', /non-root path/],
    [{ uris: [] }, 'ERR_X509_NO_URI_SAN', /no URI SAN/],
    [{ uris: ['spiffe://example.org/a', 'spiffe://example.org/b'] }, 'ERR_X509_MULTIPLE_URI_SANS', /2 URI SANs/],
    [{ uris: ['spiffe://example.org/a/'] }, 'ERR_X509_INVALID_SPIFFE_ID', /trailing slash|ends with/],
    [{ ca: true }, 'ERR_X509_LEAF_IS_CA', /CA flag/],
    [{ keyUsage: KeyUsage.keyAgreement }, 'ERR_X509_LEAF_NO_DIGITAL_SIGNATURE', /lacks keyUsage digitalSignature/],
    [{ keyUsage: 'omit' }, 'ERR_X509_LEAF_NO_DIGITAL_SIGNATURE', /has no keyUsage extension/],
    [{ keyUsage: KeyUsage.digitalSignature | KeyUsage.keyCertSign }, 'ERR_X509_LEAF_KEY_CERT_SIGN', /keyCertSign/],
    [{ keyUsage: KeyUsage.digitalSignature | KeyUsage.cRLSign }, 'ERR_X509_LEAF_CRL_SIGN', /cRLSign/],
  ];
  for (const [spec, code, message] of cases) {
    const bad = await createLeaf(root, spec);
    assertFails(() => X509Svid.parseDer(bad.der, derKey(bad, 'pkcs8')), code, message);
  }
});

test('every certificate after the leaf must be a CA with keyCertSign', async () => {
  const notCa = await createIntermediate(root, { subject: 'CN=not ca', ca: false });
  const underNotCa = await createLeaf(notCa);
  assertFails(() => X509Svid.parseDer(Buffer.concat([underNotCa.der, notCa.der]), derKey(underNotCa, 'pkcs8')), 'ERR_X509_ISSUER_NOT_CA', /"CN=not ca"/);
  const noKeyUsage = await createIntermediate(root, { subject: 'CN=no ku', keyUsage: 'omit' });
  const underNoKeyUsage = await createLeaf(noKeyUsage);
  assertFails(
    () => X509Svid.parseDer(Buffer.concat([underNoKeyUsage.der, noKeyUsage.der]), derKey(underNoKeyUsage, 'pkcs8')),
    'ERR_X509_ISSUER_NO_KEY_CERT_SIGN',
  );
});

test('bad inputs get precise errors', () => {
  const key = pemKey(leaf, 'pkcs8');
  assertFails(() => X509Svid.parsePem('', key), 'ERR_X509_BAD_PEM', /no PEM blocks found/);
  assertFails(() => X509Svid.parsePem(key, key), 'ERR_X509_EMPTY_CHAIN');
  assertFails(() => X509Svid.parsePem(chainPem, chainPem), 'ERR_X509_BAD_KEY', /no private key found/);
  assertFails(() => X509Svid.parsePem(chainPem.replace('-----END CERTIFICATE-----', '-----END KEY-----'), key), 'ERR_X509_BAD_PEM', /ends as/);
  assertFails(() => X509Svid.parsePem(chainPem.slice(0, 100), key), 'ERR_X509_BAD_PEM', /no matching END/);
  assertFails(() => X509Svid.parsePem(encodePem('CERTIFICATE', Buffer.from('nonsense')), key), 'ERR_X509_BAD_CERT', /certificate 0/);
  assertFails(() => X509Svid.parsePem(chainPem, encodePem('ENCRYPTED PRIVATE KEY', Buffer.of(0x30, 0))), 'ERR_X509_BAD_KEY', /encrypted/);
  const legacyEncrypted = '-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END EC PRIVATE KEY-----\n';
  assertFails(() => X509Svid.parsePem(chainPem, legacyEncrypted), 'ERR_X509_BAD_KEY', /encrypted/);
  assertFails(() => X509Svid.parsePem(chainPem, encodePem('PRIVATE KEY', Buffer.from('3003020100', 'hex'))), 'ERR_X509_BAD_KEY', /not a valid PKCS8/);
  assertFails(() => X509Svid.parseDer(Buffer.alloc(0), derKey(leaf, 'pkcs8')), 'ERR_X509_EMPTY_CHAIN');
  assertFails(() => X509Svid.parseDer(chainDer.subarray(0, chainDer.length - 1), derKey(leaf, 'pkcs8')), 'ERR_X509_BAD_CERT', /cannot be split/);
  assertFails(() => X509Svid.parseDer(chainDer, Buffer.alloc(0)), 'ERR_X509_BAD_KEY', /empty/);
  assertFails(() => X509Svid.parseDer(chainDer, Buffer.from('300a', 'hex')), 'ERR_X509_BAD_KEY', /PKCS8, SEC1, PKCS1/);
  assertFails(() => X509Svid.fromParts([], leaf.keys.privateKey), 'ERR_X509_EMPTY_CHAIN');
});
