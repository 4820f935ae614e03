/**
 * Test fixtures: self-signed CA certificates made with @peculiar/x509 (dev dependency, tests
 * only; never imported by library code).
 */
import { X509Certificate, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export type TestKeyKind = 'ec-p256' | 'ec-p384' | 'rsa-2048' | 'ed25519';

type GenParams = webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams | webcrypto.Algorithm;
type SignParams = webcrypto.EcdsaParams | webcrypto.Algorithm;

const ALGORITHMS: Record<TestKeyKind, { gen: GenParams; sign: SignParams }> = {
  'ec-p256': { gen: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } },
  'ec-p384': { gen: { name: 'ECDSA', namedCurve: 'P-384' }, sign: { name: 'ECDSA', hash: 'SHA-384' } },
  'rsa-2048': {
    gen: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    sign: { name: 'RSASSA-PKCS1-v1_5' },
  },
  ed25519: { gen: { name: 'Ed25519' }, sign: { name: 'Ed25519' } },
};

let serial = 1;

/** A self-signed CA certificate for `trustDomain` (URI SAN spiffe://<td>), as node:crypto X509Certificate. */
export async function makeCaCert(trustDomain: string, kind: TestKeyKind = 'ec-p256'): Promise<X509Certificate> {
  const { gen, sign } = ALGORITHMS[kind];
  const keys = (await webcrypto.subtle.generateKey(gen as webcrypto.EcKeyGenParams, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: (serial++).toString(16).padStart(2, '0'),
    name: `CN=${trustDomain} CA ${serial}, O=tspire test`,
    notBefore: new Date('2024-01-01T00:00:00Z'),
    notAfter: new Date('2034-01-01T00:00:00Z'),
    keys,
    signingAlgorithm: sign,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `spiffe://${trustDomain}` }]),
    ],
  });
  return new X509Certificate(new Uint8Array(cert.rawData));
}
