// A tiny CA for tests: signs X509-SVIDs with @peculiar/x509 and JWT-SVIDs with jose, and
// builds CSRs. Not for production (the CA manager in ca/ is).
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { SignJWT } from 'jose';
import type { MintAuthority, MintJwtSvidRequest, MintX509SvidRequest } from '../deps.js';

type CryptoKeyPair = webcrypto.CryptoKeyPair;

const EC: webcrypto.EcKeyGenParams & webcrypto.EcKeyImportParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGN: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };

export interface TestCa extends MintAuthority {
  caCertDer: Uint8Array;
  minted: { x509: MintX509SvidRequest[]; jwt: MintJwtSvidRequest[] };
}

export async function createTestCa(trustDomain: string, nowSeconds: () => number): Promise<TestCa> {
  const caKeys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']) as CryptoKeyPair;
  const notBefore = new Date((nowSeconds() - 60) * 1000);
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01', name: 'CN=test ca', notBefore, notAfter: new Date((nowSeconds() + 86400) * 1000), keys: caKeys, signingAlgorithm: SIGN,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  const minted: TestCa['minted'] = { x509: [], jwt: [] };
  let serial = 1;
  return {
    caCertDer: new Uint8Array(caCert.rawData),
    minted,
    async mintX509Svid(req) {
      minted.x509.push(req);
      const publicKey = await webcrypto.subtle.importKey('spki', req.publicKeyDer, EC, true, ['verify']);
      const expiresAt = nowSeconds() + (req.ttlSeconds === 0 ? 3600 : req.ttlSeconds);
      serial += 1;
      const leaf = await x509.X509CertificateGenerator.create({
        serialNumber: serial.toString(16).padStart(2, '0'), subject: 'O=SPIRE', issuer: caCert.subject,
        notBefore, notAfter: new Date(expiresAt * 1000), publicKey, signingKey: caKeys.privateKey, signingAlgorithm: SIGN,
        extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: req.spiffeId }, ...req.dnsNames.map((value) => ({ type: 'dns' as const, value }))])],
      });
      return { certChainDer: [new Uint8Array(leaf.rawData)], expiresAt };
    },
    async mintJwtSvid(req) {
      minted.jwt.push(req);
      const issuedAt = nowSeconds();
      const expiresAt = issuedAt + (req.ttlSeconds === 0 ? 300 : req.ttlSeconds);
      const token = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'test' }).setSubject(req.spiffeId)
        .setAudience(req.audience).setIssuedAt(issuedAt).setExpirationTime(expiresAt).sign(caKeys.privateKey);
      return { token, issuedAt, expiresAt };
    },
  };
}

/** A DER CSR for a fresh P-256 key with the given SANs. */
export async function createCsr(sans: { uris?: string[]; dnsNames?: string[] }): Promise<Uint8Array> {
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']) as CryptoKeyPair;
  const names = [
    ...(sans.uris ?? []).map((value) => ({ type: 'url' as const, value })),
    ...(sans.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
  ];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'O=SPIRE', keys, signingAlgorithm: SIGN,
    extensions: names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : [],
  });
  return new Uint8Array(csr.rawData);
}

/** A self-signed CA certificate (DER), e.g. a federated trust domain's root. */
export async function createRootCert(cn: string): Promise<Uint8Array> {
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '0a', name: `CN=${cn}`, notBefore: new Date(0), notAfter: new Date(4102444800000), keys, signingAlgorithm: SIGN,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
  });
  return new Uint8Array(cert.rawData);
}

/** PKIX DER of a fresh P-256 public key (a JWT authority). */
export async function createJwtPublicKeyDer(): Promise<Uint8Array> {
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']) as CryptoKeyPair;
  return new Uint8Array(await webcrypto.subtle.exportKey('spki', keys.publicKey));
}
