/**
 * Test-only builder for X.509 chains (CA, intermediates, leaves) with a knob for every variant
 * the SVID rules care about. Certificates are made with @peculiar/x509 on node's webcrypto and
 * handed out as node:crypto X509Certificate + KeyObject. Never import this from library code.
 */
import { X509Certificate, createPrivateKey, webcrypto, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** The instant fixtures are valid around; pass it as `now` when verifying. */
export const FIXTURE_NOW = new Date('2030-06-01T12:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export type FixtureKeyAlgorithm = 'P-256' | 'P-384' | 'RSA' | 'RSA-PSS' | 'Ed25519';

export const KeyUsage = x509.KeyUsageFlags;
export const LEAF_KEY_USAGE = KeyUsage.digitalSignature | KeyUsage.keyEncipherment | KeyUsage.keyAgreement;
export const CA_KEY_USAGE = KeyUsage.keyCertSign | KeyUsage.cRLSign;

export interface FixtureKeys {
  readonly algorithm: FixtureKeyAlgorithm;
  readonly pair: webcrypto.CryptoKeyPair;
  readonly privateKey: KeyObject;
}

/** A certificate with its key, able to issue further certificates. */
export interface Issued {
  readonly cert: X509Certificate;
  /** The subject DN as written, so children name their issuer byte-identically. */
  readonly subjectName: string;
  readonly der: Buffer;
  readonly keys: FixtureKeys;
}

export interface CertSpec {
  /** Subject DN (`CN=x, O=y`); `''` for an empty subject. */
  readonly subject?: string;
  /** Issuer DN to write instead of the signer's subject (forgeries). */
  readonly issuerName?: string;
  readonly algorithm?: FixtureKeyAlgorithm;
  /** Reuse a key pair (e.g. a same-name CA, a mismatched key). */
  readonly keys?: FixtureKeys;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  /** basicConstraints cA; `'omit'` leaves the extension out. */
  readonly ca?: boolean | 'omit';
  readonly pathLen?: number;
  /** keyUsage flags (x509.KeyUsageFlags); `'omit'` leaves the extension out. */
  readonly keyUsage?: number | 'omit';
  readonly uris?: readonly string[];
  readonly dns?: readonly string[];
  readonly extKeyUsage?: readonly string[];
  readonly extraExtensions?: readonly x509.Extension[];
}

const EC_HASH = { 'P-256': 'SHA-256', 'P-384': 'SHA-384' } as const;

/** Generates a key pair (RSA is 2048-bit and slow: reuse it across tests). */
export async function generateKeys(algorithm: FixtureKeyAlgorithm = 'P-256'): Promise<FixtureKeys> {
  const params: webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams | webcrypto.Algorithm =
    algorithm === 'P-256' || algorithm === 'P-384'
      ? { name: 'ECDSA', namedCurve: algorithm }
      : algorithm === 'Ed25519'
        ? { name: 'Ed25519' }
        : {
            name: algorithm === 'RSA' ? 'RSASSA-PKCS1-v1_5' : 'RSA-PSS',
            modulusLength: 2048,
            publicExponent: new Uint8Array([1, 0, 1]),
            hash: 'SHA-256',
          };
  const pair = (await webcrypto.subtle.generateKey(params, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', pair.privateKey));
  return { algorithm, pair, privateKey: createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }) };
}

function signingAlgorithm(algorithm: FixtureKeyAlgorithm): webcrypto.Algorithm | webcrypto.EcdsaParams | webcrypto.RsaPssParams {
  switch (algorithm) {
    case 'P-256':
    case 'P-384':
      return { name: 'ECDSA', hash: EC_HASH[algorithm] } as webcrypto.EcdsaParams;
    case 'RSA':
      return { name: 'RSASSA-PKCS1-v1_5' };
    case 'RSA-PSS':
      return { name: 'RSA-PSS', saltLength: 32 } as webcrypto.RsaPssParams;
    case 'Ed25519':
      return { name: 'Ed25519' };
  }
}

/** A trust domain CA: self-signed, cA, keyCertSign + cRLSign, URI SAN `spiffe://example.org`. */
export async function createCa(spec: CertSpec = {}): Promise<Issued> {
  return issue(undefined, { subject: 'CN=Fixture Root CA, O=tspire', uris: ['spiffe://example.org'], ...caDefaults(), ...spec });
}

/** An intermediate CA issued by `issuer`. */
export async function createIntermediate(issuer: Issued, spec: CertSpec = {}): Promise<Issued> {
  return issue(issuer, { subject: 'CN=Fixture Intermediate CA, O=tspire', uris: ['spiffe://example.org'], ...caDefaults(), ...spec });
}

/** An X509-SVID leaf issued by `issuer`, valid one hour either side of FIXTURE_NOW. */
export async function createLeaf(issuer: Issued, spec: CertSpec = {}): Promise<Issued> {
  return issue(issuer, {
    subject: 'CN=workload, O=tspire',
    uris: ['spiffe://example.org/workload'],
    ca: false,
    keyUsage: LEAF_KEY_USAGE,
    extKeyUsage: ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'],
    notBefore: new Date(FIXTURE_NOW.getTime() - HOUR),
    notAfter: new Date(FIXTURE_NOW.getTime() + HOUR),
    ...spec,
  });
}

function caDefaults(): CertSpec {
  return {
    ca: true,
    keyUsage: CA_KEY_USAGE,
    notBefore: new Date(FIXTURE_NOW.getTime() - DAY),
    notAfter: new Date(FIXTURE_NOW.getTime() + 365 * DAY),
  };
}

/** Issues a certificate; `issuer` undefined means self-signed. */
export async function issue(issuer: Issued | undefined, spec: CertSpec): Promise<Issued> {
  const keys = spec.keys ?? (await generateKeys(spec.algorithm));
  const signer = issuer?.keys ?? keys;
  const subject = spec.subject ?? 'CN=fixture';
  const extensions: x509.Extension[] = [];
  if (spec.ca !== undefined && spec.ca !== 'omit') extensions.push(new x509.BasicConstraintsExtension(spec.ca, spec.pathLen, true));
  if (spec.keyUsage !== undefined && spec.keyUsage !== 'omit') extensions.push(new x509.KeyUsagesExtension(spec.keyUsage, true));
  if (spec.extKeyUsage !== undefined) extensions.push(new x509.ExtendedKeyUsageExtension([...spec.extKeyUsage], false));
  const names = [...(spec.uris ?? []).map((value) => ({ type: 'url' as const, value })), ...(spec.dns ?? []).map((value) => ({ type: 'dns' as const, value }))];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, subject === ''));
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(keys.pair.publicKey));
  if (issuer !== undefined) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(signer.pair.publicKey));
  extensions.push(...(spec.extraExtensions ?? []));
  const cert = await x509.X509CertificateGenerator.create({
    subject,
    issuer: spec.issuerName ?? issuer?.subjectName ?? subject,
    notBefore: spec.notBefore ?? new Date(FIXTURE_NOW.getTime() - HOUR),
    notAfter: spec.notAfter ?? new Date(FIXTURE_NOW.getTime() + HOUR),
    publicKey: keys.pair.publicKey,
    signingKey: signer.pair.privateKey,
    signingAlgorithm: signingAlgorithm(signer.algorithm),
    extensions,
  });
  const der = Buffer.from(cert.rawData);
  return { cert: new X509Certificate(der), subjectName: subject, der, keys };
}

/** A copy of `der` with one octet of the signature flipped (the last octet of the certificate). */
export function tamperSignature(der: Buffer): X509Certificate {
  const copy = Buffer.from(der);
  copy[copy.length - 1]! ^= 0x01;
  return new X509Certificate(copy);
}

/** An extension nobody processes (a private OID), critical by default. */
export function unknownExtension(critical = true): x509.Extension {
  return new x509.Extension('1.3.6.1.4.1.55555.1', critical, Buffer.from([0x05, 0x00]));
}
