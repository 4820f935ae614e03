// A small PKI for x509pop tests (roots, intermediates, EC and RSA leaves with the fields the
// attestor reads) and a compact in-test agent responder for the challenge.
import { KeyObject, constants, randomBytes, sign, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { encodePem } from '@tspire/spiffe';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKeyPair = webcrypto.CryptoKeyPair;
export type TestKeyType = 'ec-p256' | 'ec-p384' | 'rsa-2048';

const ALGORITHMS: Record<TestKeyType, webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams> = {
  'ec-p256': { name: 'ECDSA', namedCurve: 'P-256' },
  'ec-p384': { name: 'ECDSA', namedCurve: 'P-384' },
  'rsa-2048': { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
};

export interface TestCert {
  der: Uint8Array;
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
  /** The private key as node:crypto sees it (for the responder). */
  privateKey: KeyObject;
}

export interface IssueOptions {
  /** Subject DN, e.g. `CN=node-1`; default `CN=<random>`. */
  subject?: string;
  /** Hex serial; default random. */
  serial?: string;
  ca?: boolean;
  pathLength?: number;
  /** KeyUsage flags; null = no KeyUsage extension. Default: digitalSignature (leaf) / keyCertSign (CA). */
  keyUsage?: number | null;
  uris?: string[];
  ips?: string[];
  /** Unix seconds; default now-3600 .. now+86400. */
  notBefore?: number;
  notAfter?: number;
  keyType?: TestKeyType;
}

/** Unix seconds the tests pretend it is (certificates are valid around it). */
export const PKI_NOW = 1_700_000_000;

async function keyPair(type: TestKeyType): Promise<CryptoKeyPair> {
  const algorithm = ALGORITHMS[type];
  return await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']) as CryptoKeyPair;
}

function signingAlgorithm(keys: CryptoKeyPair): webcrypto.EcdsaParams | webcrypto.Algorithm {
  return keys.privateKey.algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5' };
}

function extensions(options: IssueOptions, isCa: boolean): x509.Extension[] {
  const list: x509.Extension[] = [];
  if (isCa) list.push(new x509.BasicConstraintsExtension(true, options.pathLength, true));
  const usage = options.keyUsage === undefined
    ? (isCa ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign : x509.KeyUsageFlags.digitalSignature)
    : options.keyUsage;
  if (usage !== null) list.push(new x509.KeyUsagesExtension(usage, true));
  const names = [
    ...(options.uris ?? []).map((value) => ({ type: 'url' as const, value })),
    ...(options.ips ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  if (names.length > 0) list.push(new x509.SubjectAlternativeNameExtension(names));
  return list;
}

const randomSerial = (): string => `0${randomBytes(8).toString('hex').slice(1)}`;
const validity = (o: IssueOptions) => ({
  notBefore: new Date((o.notBefore ?? PKI_NOW - 3600) * 1000),
  notAfter: new Date((o.notAfter ?? PKI_NOW + 86_400) * 1000),
});

async function finish(cert: x509.X509Certificate, keys: CryptoKeyPair): Promise<TestCert> {
  return { der: new Uint8Array(cert.rawData), cert, keys, privateKey: KeyObject.from(keys.privateKey) };
}

/** A self-signed root CA. */
export async function createRoot(subject = 'CN=test root', options: IssueOptions = {}): Promise<TestCert> {
  const keys = await keyPair(options.keyType ?? 'ec-p256');
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: options.serial ?? randomSerial(), name: subject, ...validity(options), keys,
    signingAlgorithm: signingAlgorithm(keys), extensions: extensions(options, true),
  });
  return finish(cert, keys);
}

/** A certificate signed by `issuer` (a CA when options.ca). */
export async function issue(issuer: TestCert, options: IssueOptions = {}): Promise<TestCert> {
  const keys = await keyPair(options.keyType ?? 'ec-p256');
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: options.serial ?? randomSerial(), subject: options.subject ?? `CN=${randomBytes(4).toString('hex')}`,
    issuer: issuer.cert.subject, ...validity(options), publicKey: keys.publicKey, signingKey: issuer.keys.privateKey,
    signingAlgorithm: signingAlgorithm(issuer.keys), extensions: extensions(options, options.ca === true),
  });
  return finish(cert, keys);
}

/** The attestation payload for `chain` (leaf first), as the agent plugin sends it. */
export function payloadOf(chain: readonly TestCert[]): Uint8Array {
  return Buffer.from(JSON.stringify({ certificates: chain.map((c) => Buffer.from(c.der).toString('base64')) }));
}

export function pemOf(certs: readonly TestCert[]): string {
  return certs.map((c) => encodePem('CERTIFICATE', c.der)).join('');
}

export interface RespondOptions {
  /** The agent's nonce (default 32 random bytes). */
  nonce?: Uint8Array;
  /** Sign over this instead of the challenge's nonce (a replayed or mismatched answer). */
  challengeNonce?: Uint8Array;
}

/**
 * The agent side of the challenge: sign SHA-256(challenge nonce || own nonce) with the leaf key
 * (ECDSA r/s as minimal big-endian integers, or RSA-PSS SHA-256 with the longest salt, as Go's
 * SignPSS with nil options) and answer with both keys present.
 */
export function respond(privateKey: KeyObject, challenge: Uint8Array, options: RespondOptions = {}): Uint8Array {
  const parsed = JSON.parse(Buffer.from(challenge).toString('utf8')) as Record<string, { nonce: string } | null>;
  const rsa = privateKey.asymmetricKeyType === 'rsa';
  const part = parsed[rsa ? 'rsa_signature' : 'ecdsa_signature'];
  const challengeNonce = options.challengeNonce ?? Buffer.from(part?.nonce ?? '', 'base64');
  const nonce = Buffer.from(options.nonce ?? randomBytes(32));
  const signed = Buffer.concat([challengeNonce, nonce]);
  if (rsa) {
    const signature = sign('sha256', signed, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_MAX_SIGN });
    return Buffer.from(JSON.stringify({ rsa_signature: { nonce: nonce.toString('base64'), signature: signature.toString('base64') }, ecdsa_signature: null }));
  }
  const p1363 = sign('sha256', signed, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  const half = p1363.length / 2;
  const minimal = (b: Buffer): string => b.subarray(b.findIndex((x) => x !== 0)).toString('base64');
  return Buffer.from(JSON.stringify({
    rsa_signature: null,
    ecdsa_signature: { nonce: nonce.toString('base64'), r: minimal(p1363.subarray(0, half)), s: minimal(p1363.subarray(half)) },
  }));
}
