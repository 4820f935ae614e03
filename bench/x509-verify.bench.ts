/**
 * verifyX509Svid throughput on a P-256 chain of 2: an SPIRE-shaped leaf (one URI SAN, keyUsage
 * digitalSignature|keyEncipherment|keyAgreement, EKU server+client auth) issued directly by a
 * CA that is in the trust domain's bundle.
 *
 * `x509-verify` passes the same leaf X509Certificate object each time: the leaf checks, the
 * path search and the ECDSA signature verification run on every call; only the per-object
 * extension-info cache hits (in a TLS handshake node's `getPeerX509Certificate()` gives a new
 * object without re-parsing DER, so our DER pass of the leaf, ~10 us, is added there).
 * `x509-verify-der` passes the leaf as DER, so each call also pays node's own certificate
 * parse (`new X509Certificate`, which is slow under OpenSSL 3) plus our DER pass: the upper bound.
 */
import { X509Certificate, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { TrustDomain, X509Bundle, verifyX509Svid } from '@tspire/spiffe';
import { runBench } from './lib/harness.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const now = new Date('2030-01-01T00:00:00Z');
const ecdsa = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const caKeys = (await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
const leafKeys = (await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;

const ca = await x509.X509CertificateGenerator.createSelfSigned({
  name: 'C=US, O=SPIFFE',
  keys: caKeys,
  signingAlgorithm: ecdsa,
  notBefore: new Date('2029-12-31T00:00:00Z'),
  notAfter: new Date('2030-01-02T00:00:00Z'),
  extensions: [
    new x509.BasicConstraintsExtension(true, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    new x509.SubjectAlternativeNameExtension([{ type: 'url', value: 'spiffe://example.org' }]),
    await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
  ],
});
const leaf = await x509.X509CertificateGenerator.create({
  subject: 'C=US, O=SPIRE',
  issuer: 'C=US, O=SPIFFE',
  publicKey: leafKeys.publicKey,
  signingKey: caKeys.privateKey,
  signingAlgorithm: ecdsa,
  notBefore: new Date('2029-12-31T23:00:00Z'),
  notAfter: new Date('2030-01-01T01:00:00Z'),
  extensions: [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyAgreement,
      true,
    ),
    new x509.ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']),
    new x509.SubjectAlternativeNameExtension([{ type: 'url', value: 'spiffe://example.org/ns/payments/sa/billing-api' }]),
    await x509.SubjectKeyIdentifierExtension.create(leafKeys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
  ],
});

const bundle = new X509Bundle(TrustDomain.parse('example.org'), [new X509Certificate(Buffer.from(ca.rawData))]);
const leafDer = new Uint8Array(leaf.rawData);
const leafCert = new X509Certificate(leafDer);

let verified = 0;

await runBench({
  name: 'x509-verify',
  warmupMs: 1000,
  durationMs: 4000,
  batch: 10,
  op: () => {
    verified += verifyX509Svid([leafCert], bundle, { now }).verifiedChain.length; // keeps the result alive
  },
});

await runBench({
  name: 'x509-verify-der',
  warmupMs: 500,
  durationMs: 3000,
  batch: 10,
  op: () => {
    verified += verifyX509Svid([leafDer], bundle, { now }).verifiedChain.length;
  },
});

if (verified === 0) throw new Error('x509-verify: no chain was verified');
