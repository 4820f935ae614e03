import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { SpiffeError } from '../errors.js';
import { assertFails } from './testing/assert-fails.js';
import { TrustDomain } from '../id/trust-domain.js';
import { X509Bundle } from '../bundle/x509-bundle.js';
import type { X509BundleSource } from '../bundle/source.js';
import { verifyX509Svid } from './x509-verify.js';
import { MAX_PATH_LENGTH, MAX_SIGNATURE_CHECKS } from './x509-path.js';
import {
  FIXTURE_NOW,
  KeyUsage,
  LEAF_KEY_USAGE,
  createCa,
  createIntermediate,
  createLeaf,
  generateKeys,
  tamperSignature,
  unknownExtension,
  type Issued,
} from './testing/x509-fixtures.js';

const td = TrustDomain.parse('example.org');
const now = FIXTURE_NOW;
const HOUR = 3_600_000;

const root = await createCa();
const leaf = await createLeaf(root);
const bundle = new X509Bundle(td, [root.cert]);

function bundleOf(...cas: Issued[]): X509Bundle {
  return new X509Bundle(td, cas.map((ca) => ca.cert));
}

test('a leaf issued directly by a bundle CA verifies', () => {
  const result = verifyX509Svid([leaf.cert], bundle, { now });
  assert.equal(result.id.toString(), 'spiffe://example.org/workload');
  assert.deepEqual(result.verifiedChain, [leaf.cert, root.cert]);
});

test('DER input (Uint8Array chain) verifies the same', () => {
  const result = verifyX509Svid([leaf.der], bundle, { now });
  assert.equal(result.id.toString(), 'spiffe://example.org/workload');
  assert.equal(result.verifiedChain.length, 2);
  assert.deepEqual(result.verifiedChain[1], root.cert);
});

test('a leaf via intermediates verifies, whatever order the intermediates come in', async () => {
  const upper = await createIntermediate(root, { subject: 'CN=upper' });
  const lower = await createIntermediate(upper, { subject: 'CN=lower' });
  const deepLeaf = await createLeaf(lower);
  for (const chain of [[deepLeaf.cert, lower.cert, upper.cert], [deepLeaf.cert, upper.cert, lower.cert]]) {
    const { verifiedChain } = verifyX509Svid(chain, bundle, { now });
    assert.deepEqual(verifiedChain, [deepLeaf.cert, lower.cert, upper.cert, root.cert]);
  }
  // Extra, unrelated certificates are tolerated; a root sent by the peer is not trusted by itself.
  const stranger = await createCa({ subject: 'CN=stranger' });
  const result = verifyX509Svid([deepLeaf.cert, stranger.cert, upper.cert, lower.cert, root.cert], bundle, { now });
  assert.equal(result.verifiedChain.length, 4);
  assertFails(() => verifyX509Svid([deepLeaf.cert, upper.cert], bundle, { now }), 'ERR_X509_UNKNOWN_AUTHORITY', /CN=workload.*issued by "CN=lower"/);
});

test('a bundle certificate need not be self-signed: an intermediate can be the trust anchor', async () => {
  const intermediate = await createIntermediate(root);
  const underIntermediate = await createLeaf(intermediate);
  const { verifiedChain } = verifyX509Svid([underIntermediate.cert], bundleOf(intermediate), { now });
  assert.deepEqual(verifiedChain, [underIntermediate.cert, intermediate.cert]);
});

test('validity windows are checked for every certificate at the injected time', async () => {
  assertFails(() => verifyX509Svid([leaf.cert], bundle, { now: new Date(now.getTime() + 2 * HOUR) }), 'ERR_X509_EXPIRED', /leaf certificate "CN=workload, O=tspire" expired at/);
  assertFails(() => verifyX509Svid([leaf.cert], bundle, { now: new Date(now.getTime() - 2 * HOUR) }), 'ERR_X509_NOT_YET_VALID', /not valid before/);
  // The boundaries themselves are inside the window.
  assert.equal(verifyX509Svid([leaf.cert], bundle, { now: new Date(now.getTime() + HOUR) }).verifiedChain.length, 2);
  const expiredIntermediate = await createIntermediate(root, { notAfter: new Date(now.getTime() - 1000) });
  const underExpired = await createLeaf(expiredIntermediate);
  assertFails(
    () => verifyX509Svid([underExpired.cert, expiredIntermediate.cert], bundle, { now }),
    'ERR_X509_EXPIRED',
    /intermediate certificate "CN=Fixture Intermediate CA, O=tspire" expired/,
  );
  const expiredRoot = await createCa({ subject: 'CN=old root', notAfter: new Date(now.getTime() - 1000) });
  const underOld = await createLeaf(expiredRoot);
  assertFails(() => verifyX509Svid([underOld.cert], bundleOf(expiredRoot), { now }), 'ERR_X509_EXPIRED', /trust anchor "CN=old root"/);
});

test('leaf checks run in go order before any bundle lookup', async () => {
  const noBundle: X509BundleSource = {
    getX509BundleForTrustDomain: () => {
      throw new Error('must not be called');
    },
  };
  const asCa = await createLeaf(root, { ca: true, keyUsage: LEAF_KEY_USAGE });
  assertFails(() => verifyX509Svid([asCa.cert], noBundle, { now }), 'ERR_X509_LEAF_IS_CA', /"CN=workload, O=tspire" has the CA flag set/);
  const twoUris = await createLeaf(root, { uris: ['spiffe://example.org/a', 'spiffe://example.org/b'] });
  assertFails(() => verifyX509Svid([twoUris.cert], noBundle, { now }), 'ERR_X509_MULTIPLE_URI_SANS', /2 URI SANs/);
  const noUri = await createLeaf(root, { uris: [], dns: ['api.example.org'] });
  assertFails(() => verifyX509Svid([noUri.cert], noBundle, { now }), 'ERR_X509_NO_URI_SAN');
  const badId = await createLeaf(root, { uris: ['spiffe://Example.org/x'] });
  assertFails(() => verifyX509Svid([badId.cert], noBundle, { now }), 'ERR_X509_INVALID_SPIFFE_ID', /"spiffe:\/\/Example.org\/x"/);
  const certSign = await createLeaf(root, { keyUsage: KeyUsage.digitalSignature | KeyUsage.keyCertSign });
  assertFails(() => verifyX509Svid([certSign.cert], noBundle, { now }), 'ERR_X509_LEAF_KEY_CERT_SIGN');
  const crlSign = await createLeaf(root, { keyUsage: KeyUsage.digitalSignature | KeyUsage.cRLSign });
  assertFails(() => verifyX509Svid([crlSign.cert], noBundle, { now }), 'ERR_X509_LEAF_CRL_SIGN');
  // CA + two URIs: the URI count is checked first, as go does.
  const both = await createLeaf(root, { ca: true, uris: ['spiffe://example.org/a', 'spiffe://example.org/b'] });
  assertFails(() => verifyX509Svid([both.cert], noBundle, { now }), 'ERR_X509_MULTIPLE_URI_SANS');
  assertFails(() => verifyX509Svid([], bundle, { now }), 'ERR_X509_EMPTY_CHAIN');
  assertFails(() => verifyX509Svid([Buffer.from('3003020101', 'hex')], bundle, { now }), 'ERR_X509_BAD_CERT', /certificate 0/);
});

test('like go, verify accepts a leaf without digitalSignature or keyUsage and a root-path ID', async () => {
  for (const spec of [{ keyUsage: KeyUsage.keyAgreement }, { keyUsage: 'omit' as const }, { uris: ['spiffe://example.org'] }]) {
    const svid = await createLeaf(root, spec);
    assert.equal(verifyX509Svid([svid.cert], bundle, { now }).verifiedChain.length, 2);
  }
});

test('only the bundle of the leaf trust domain is used', async () => {
  const otherLeaf = await createLeaf(root, { uris: ['spiffe://other.org/workload'] });
  assertFails(() => verifyX509Svid([otherLeaf.cert], bundle, { now }), 'ERR_X509_NO_BUNDLE', /"other.org"/);
  // A source holding the issuing CA only under another trust domain does not help.
  const otherRoot = await createCa({ subject: 'CN=other root' });
  const bundles = new Map([
    ['example.org', bundleOf(otherRoot)],
    ['other.org', new X509Bundle(TrustDomain.parse('other.org'), [root.cert])],
  ]);
  const source: X509BundleSource = {
    getX509BundleForTrustDomain: (trustDomain) => {
      const found = bundles.get(trustDomain.name);
      if (!found) throw new SpiffeError('ERR_BUNDLE_NOT_FOUND', 'none');
      return found;
    },
  };
  assertFails(() => verifyX509Svid([leaf.cert], source, { now }), 'ERR_X509_UNKNOWN_AUTHORITY', /trust domain "example.org"/);
  // A source answering with a bundle of the wrong trust domain is refused.
  const liar: X509BundleSource = { getX509BundleForTrustDomain: () => new X509Bundle(TrustDomain.parse('other.org'), [root.cert]) };
  assertFails(() => verifyX509Svid([leaf.cert], liar, { now }), 'ERR_X509_NO_BUNDLE');
  assertFails(() => verifyX509Svid([leaf.cert], new X509Bundle(td), { now }), 'ERR_X509_UNKNOWN_AUTHORITY');
});

test('unknown CAs and bad signatures are refused', async () => {
  const unknownRoot = await createCa({ subject: 'CN=unknown root' });
  const foreign = await createLeaf(unknownRoot);
  assertFails(() => verifyX509Svid([foreign.cert], bundle, { now }), 'ERR_X509_UNKNOWN_AUTHORITY', /issued by "CN=unknown root"/);
  assertFails(() => verifyX509Svid([tamperSignature(leaf.der)], bundle, { now }), 'ERR_X509_BAD_SIGNATURE', /"CN=workload, O=tspire" does not verify with the public key of trust anchor "CN=Fixture Root CA, O=tspire"/);
  // A CA with the same name but another key did not sign the leaf.
  const impostor = await createCa();
  const forged = await createLeaf(impostor);
  assertFails(() => verifyX509Svid([forged.cert], bundle, { now }), 'ERR_X509_BAD_SIGNATURE');
});

test('several same-named anchors (CA rotation): the one whose key signed is used', async () => {
  const rotated = await createCa();
  const newLeaf = await createLeaf(rotated);
  const { verifiedChain } = verifyX509Svid([newLeaf.cert], bundleOf(root, rotated), { now });
  assert.equal(verifiedChain[1], rotated.cert);
  assert.equal(verifyX509Svid([leaf.cert], bundleOf(rotated, root), { now }).verifiedChain[1], root.cert);
});

/** A fresh leaf under `issuer`, followed by the given intermediates. */
async function chainUnder(issuer: Issued, ...intermediates: Issued[]): Promise<X509Certificate[]> {
  return [(await createLeaf(issuer)).cert, ...intermediates.map((ca) => ca.cert)];
}

test('issuers must be CAs with keyCertSign', async () => {
  const noCertSign = await createCa({ subject: 'CN=no certsign', keyUsage: KeyUsage.digitalSignature | KeyUsage.cRLSign });
  const underNoCertSign = await chainUnder(noCertSign);
  assertFails(() => verifyX509Svid(underNoCertSign, bundleOf(noCertSign), { now }), 'ERR_X509_ISSUER_NO_KEY_CERT_SIGN', /trust anchor "CN=no certsign"/);
  const notCa = await createIntermediate(root, { subject: 'CN=not a ca', ca: false });
  const underNotCa = await chainUnder(notCa, notCa);
  assertFails(() => verifyX509Svid(underNotCa, bundle, { now }), 'ERR_X509_ISSUER_NOT_CA', /intermediate certificate "CN=not a ca"/);
  const noConstraints = await createIntermediate(root, { subject: 'CN=no bc', ca: 'omit' });
  const underNoConstraints = await chainUnder(noConstraints, noConstraints);
  assertFails(() => verifyX509Svid(underNoConstraints, bundle, { now }), 'ERR_X509_ISSUER_NOT_CA');
  // keyUsage absent on a CA is allowed (only its bits are checked when present).
  const noKeyUsage = await createIntermediate(root, { subject: 'CN=no ku', keyUsage: 'omit' });
  assert.equal(verifyX509Svid(await chainUnder(noKeyUsage, noKeyUsage), bundle, { now }).verifiedChain.length, 3);
});

test('pathLenConstraint is honoured', async () => {
  const strictRoot = await createCa({ subject: 'CN=pathlen 0', pathLen: 0 });
  const below = await createIntermediate(strictRoot);
  const underBelow = await chainUnder(below, below);
  assertFails(() => verifyX509Svid(underBelow, bundleOf(strictRoot), { now }), 'ERR_X509_PATH_LEN_EXCEEDED', /allows 0 intermediate\(s\) below it .* the path has 1/);
  assert.equal(verifyX509Svid(await chainUnder(strictRoot), bundleOf(strictRoot), { now }).verifiedChain.length, 2);
  const oneRoot = await createCa({ subject: 'CN=pathlen 1', pathLen: 1 });
  const first = await createIntermediate(oneRoot, { subject: 'CN=first', pathLen: 0 });
  assert.equal(verifyX509Svid(await chainUnder(first, first), bundleOf(oneRoot), { now }).verifiedChain.length, 3);
  const second = await createIntermediate(first, { subject: 'CN=second' });
  const underSecond = await chainUnder(second, second, first);
  assertFails(() => verifyX509Svid(underSecond, bundleOf(oneRoot), { now }), 'ERR_X509_PATH_LEN_EXCEEDED', /"CN=first"/);
});

test('unknown critical extensions are refused anywhere in the path; non-critical ones are ignored', async () => {
  const criticalLeaf = await createLeaf(root, { extraExtensions: [unknownExtension(true)] });
  assertFails(() => verifyX509Svid([criticalLeaf.cert], bundle, { now }), 'ERR_X509_UNHANDLED_CRITICAL_EXTENSION', /1\.3\.6\.1\.4\.1\.55555\.1/);
  const criticalIntermediate = await createIntermediate(root, { extraExtensions: [unknownExtension(true)] });
  const underCritical = await chainUnder(criticalIntermediate, criticalIntermediate);
  assertFails(() => verifyX509Svid(underCritical, bundle, { now }), 'ERR_X509_UNHANDLED_CRITICAL_EXTENSION', /intermediate certificate/);
  const relaxed = await createLeaf(root, { extraExtensions: [unknownExtension(false)] });
  assert.equal(verifyX509Svid([relaxed.cert], bundle, { now }).verifiedChain.length, 2);
});

test('RSA PKCS#1 v1.5, RSA-PSS, P-384 and Ed25519 chains verify', async () => {
  const rsaRoot = await createCa({ subject: 'CN=rsa root', algorithm: 'RSA' });
  const rsaLeaf = await createLeaf(rsaRoot, { algorithm: 'RSA' });
  assert.equal(verifyX509Svid([rsaLeaf.cert], bundleOf(rsaRoot), { now }).verifiedChain.length, 2);
  const pssRoot = await createCa({ subject: 'CN=pss root', algorithm: 'RSA-PSS' });
  const pssLeaf = await createLeaf(pssRoot);
  assert.equal(verifyX509Svid([pssLeaf.cert], bundleOf(pssRoot), { now }).verifiedChain.length, 2);
  const p384Root = await createCa({ subject: 'CN=p384 root', algorithm: 'P-384' });
  const p384Intermediate = await createIntermediate(p384Root, { algorithm: 'P-384' });
  const p384Leaf = await createLeaf(p384Intermediate, { algorithm: 'P-384' });
  assert.equal(verifyX509Svid([p384Leaf.cert, p384Intermediate.cert], bundleOf(p384Root), { now }).verifiedChain.length, 3);
  const edRoot = await createCa({ subject: 'CN=ed root', algorithm: 'Ed25519' });
  const edLeaf = await createLeaf(edRoot, { algorithm: 'Ed25519' });
  assert.equal(verifyX509Svid([edLeaf.cert], bundleOf(edRoot), { now }).verifiedChain.length, 2);
  assertFails(() => verifyX509Svid([tamperSignature(rsaLeaf.der)], bundleOf(rsaRoot), { now }), 'ERR_X509_BAD_SIGNATURE');
});

test('hostile chains end: a cycle of same-named CAs and over-long paths', async () => {
  // Each CA is named "CN=loop" and signed by the next one's key; the last by the first's.
  const count = MAX_PATH_LENGTH + 2;
  const keys = await Promise.all(Array.from({ length: count }, () => generateKeys()));
  const cycle: X509Certificate[] = [];
  for (let i = 0; i < count; i++) {
    const signer: Issued = { cert: root.cert, der: root.der, subjectName: 'CN=loop', keys: keys[(i + 1) % count]! };
    cycle.push((await createIntermediate(signer, { subject: 'CN=loop', keys: keys[i]! })).cert);
  }
  const victim = await createLeaf({ cert: root.cert, der: root.der, subjectName: 'CN=loop', keys: keys[0]! });
  assertFails(() => verifyX509Svid([victim.cert, ...cycle], bundle, { now }), 'ERR_X509_PATH_TOO_LONG');
  assertFails(() => verifyX509Svid([victim.cert, ...cycle.slice(0, 3)], bundle, { now }), 'ERR_X509_UNKNOWN_AUTHORITY');
});

test('hostile chains end: many same-named impostors exhaust the signature budget', async () => {
  const realIntermediate = await createIntermediate(root);
  const victim = await createLeaf(realIntermediate);
  const impostor = await createIntermediate(root); // same name, other key
  const impostors = Array.from({ length: MAX_SIGNATURE_CHECKS + 1 }, () => new X509Certificate(impostor.der));
  assertFails(() => verifyX509Svid([victim.cert, ...impostors], bundle, { now }), 'ERR_X509_PATH_TOO_LONG', /gave up after 100 signature checks/);
  // Fewer impostors than the budget: the real intermediate after them is still found.
  const some = impostors.slice(0, 10);
  assert.equal(verifyX509Svid([victim.cert, ...some, realIntermediate.cert], bundle, { now }).verifiedChain[1], realIntermediate.cert);
});
