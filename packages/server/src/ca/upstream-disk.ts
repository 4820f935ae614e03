/**
 * UpstreamAuthority "disk": signs our CA with a CA certificate and key read from files.
 * Files are read on every mint, so replacing them on disk takes effect at the next rotation.
 */
import * as fsp from 'node:fs/promises';
import { X509Certificate, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { decodePem } from '@tspire/spiffe';
import { createCaCertificate } from './ca-certificate.js';
import { parseCertificate, type CertificateInfo } from './certificate-info.js';
import { CaError } from './errors.js';
import { subjectKeyIdFromSpki } from './extensions.js';
import { KEY_USAGE } from './oids.js';
import type { UpstreamAuthority, UpstreamMintRequest, UpstreamMintResult } from './upstream-authority.js';

export interface DiskUpstreamOptions {
  /** `cert_file_path`: the upstream CA certificate, optionally followed by its intermediates. */
  certFilePath: string;
  /** `key_file_path`: EC or RSA key in PKCS#1, PKCS#8 or SEC1 PEM. */
  keyFilePath: string;
  /** `bundle_file_path`: upstream roots; omit when the upstream CA is self-signed. */
  bundleFilePath?: string;
  fs?: Pick<typeof fsp, 'readFile'>;
}

interface LoadedUpstream {
  signer: CertificateInfo;
  privateKey: KeyObject;
  intermediates: Uint8Array[];
  roots: Uint8Array[];
}

/**
 * @example
 * const upstream = createDiskUpstreamAuthority({ certFilePath: 'ca.crt', keyFilePath: 'ca.key' });
 */
export function createDiskUpstreamAuthority(options: DiskUpstreamOptions): UpstreamAuthority {
  const fs = options.fs ?? fsp;
  return {
    name: 'disk',
    async mintX509Ca(request: UpstreamMintRequest): Promise<UpstreamMintResult> {
      const upstream = await loadUpstream(fs, options, request.now);
      const certificate = createCaCertificate(request, upstream.privateKey, upstream.signer);
      const skid = upstream.signer.subjectKeyId ?? subjectKeyIdFromSpki(upstream.signer.spkiDer);
      return {
        certificate,
        upstreamIntermediates: upstream.intermediates,
        upstreamRoots: upstream.roots,
        upstreamAuthorityId: Buffer.from(skid).toString('hex'),
      };
    },
  };
}

const fail = (message: string, cause?: unknown): CaError => new CaError('ERR_CA_UPSTREAM', `UpstreamAuthority "disk": ${message}`, { cause });

/** The CERTIFICATE blocks of a PEM file (other blocks skipped); a malformed block fails naming the file. */
function pemCertificates(text: string, key: string, path: string): Buffer[] {
  try {
    return decodePem(text, { code: 'ERR_X509_BAD_PEM', what: `${key} ${path}` }).filter((b) => b.type === 'CERTIFICATE').map((b) => b.bytes);
  } catch (err) {
    throw fail((err as Error).message, err);
  }
}

async function readText(fs: Pick<typeof fsp, 'readFile'>, path: string, key: string): Promise<string> {
  try {
    return await fs.readFile(path, 'utf8');
  } catch (err) {
    throw fail(`cannot read ${key} ${path}: ${(err as Error).message}`, err);
  }
}

async function loadUpstream(fs: Pick<typeof fsp, 'readFile'>, options: DiskUpstreamOptions, now: number): Promise<LoadedUpstream> {
  const chain = pemCertificates(await readText(fs, options.certFilePath, 'cert_file_path'), 'cert_file_path', options.certFilePath);
  if (chain.length === 0) throw fail(`no CERTIFICATE block in cert_file_path ${options.certFilePath}`);
  const privateKey = loadKey(await readText(fs, options.keyFilePath, 'key_file_path'), options.keyFilePath);
  const signer = parseCertificate(chain[0]!, `upstream certificate in ${options.certFilePath}`);
  checkSigner(signer, privateKey, options.certFilePath, now);
  let roots: Uint8Array[];
  if (options.bundleFilePath !== undefined) {
    roots = pemCertificates(await readText(fs, options.bundleFilePath, 'bundle_file_path'), 'bundle_file_path', options.bundleFilePath);
    if (roots.length === 0) throw fail(`no CERTIFICATE block in bundle_file_path ${options.bundleFilePath}`);
  } else {
    if (!isSelfSigned(chain[0]!)) throw fail(`${options.certFilePath} is not self-signed, so bundle_file_path is required`);
    roots = [chain[0]!];
  }
  const isRoot = (der: Uint8Array): boolean => roots.some((root) => Buffer.compare(root, der) === 0);
  const intermediates = chain.filter((der) => !isRoot(der));
  checkChain(chain.filter((der) => !isRoot(der) || der === chain[0]), roots, options.certFilePath);
  return { signer, privateKey, intermediates, roots };
}

function loadKey(pem: string, path: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw fail(`key_file_path ${path} holds no readable private key: ${(err as Error).message}`, err);
  }
  if (key.asymmetricKeyType !== 'ec' && key.asymmetricKeyType !== 'rsa') {
    throw fail(`key_file_path ${path} holds a ${key.asymmetricKeyType} key; EC or RSA is required`);
  }
  return key;
}

function checkSigner(signer: CertificateInfo, privateKey: KeyObject, path: string, now: number): void {
  const publicDer = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  if (Buffer.compare(publicDer, signer.spkiDer) !== 0) throw fail(`the key in key_file_path does not match the first certificate in ${path}`);
  if (!signer.isCa) throw fail(`the certificate in ${path} is not a CA (basicConstraints CA:true missing)`);
  if (signer.keyUsage !== undefined && (signer.keyUsage & (1 << KEY_USAGE.keyCertSign)) === 0) {
    throw fail(`the certificate in ${path} lacks the keyCertSign key usage`);
  }
  if (signer.notAfter <= now) throw fail(`the certificate in ${path} expired at ${new Date(signer.notAfter * 1000).toISOString()}`);
}

function isSelfSigned(der: Uint8Array): boolean {
  const cert = new X509Certificate(der);
  return cert.checkIssued(cert) && cert.verify(cert.publicKey);
}

/** Each certificate must be signed by the next, and the last by one of the roots. */
function checkChain(chain: Uint8Array[], roots: Uint8Array[], path: string): void {
  const certs = chain.map((der) => new X509Certificate(der));
  const anchors = roots.map((der) => new X509Certificate(der));
  for (let i = 0; i < certs.length; i++) {
    const cert = certs[i]!;
    const next = certs[i + 1];
    const issuers = next === undefined ? anchors : [next];
    if (!issuers.some((issuer) => cert.checkIssued(issuer) && cert.verify(issuer.publicKey))) {
      const target = next === undefined ? 'any certificate in bundle_file_path' : `the next certificate in ${path}`;
      throw fail(`certificate ${i + 1} in ${path} (${cert.subject.replace(/\n/g, ', ')}) is not signed by ${target}`);
    }
  }
}
