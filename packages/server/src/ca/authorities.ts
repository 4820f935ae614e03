/**
 * One slot's authority (X.509 CA or JWT key): loading it from a journal entry plus the key
 * manager, and minting a new one. A loaded authority can sign only when its key survived.
 */
import type { KeyManager, KeyType, ManagedKey } from '../keymanager/index.js';
import { KEY_IDS } from '../keymanager/index.js';
import type { RandomBytes } from './certificate-builder.js';
import { createCaCertificate } from './ca-certificate.js';
import { subjectKeyIdFromSpki } from './extensions.js';
import { newKeyId, JwtSvidSigner } from './jwt-svid-signer.js';
import type { AuthorityStatus, JwtJournalEntry, SlotName, X509JournalEntry } from './journal.js';
import type { UpstreamAuthority } from './upstream-authority.js';
import { X509SvidSigner } from './x509-svid-signer.js';
import type { DistinguishedName } from './x509-name.js';

export interface X509Authority {
  entry: X509JournalEntry;
  /** Present when the slot's key is in the key manager and matches the certificate. */
  signer?: X509SvidSigner;
  key?: ManagedKey;
}

export interface JwtAuthority {
  entry: JwtJournalEntry;
  signer?: JwtSvidSigner;
  key?: ManagedKey;
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0;

export function loadX509Authority(entry: X509JournalEntry, keyManager: KeyManager, trustDomain: string): X509Authority {
  const key = keyManager.getKey(KEY_IDS.x509Ca(entry.slot));
  const authority: X509Authority = { entry };
  if (key === undefined) return authority;
  const signer = new X509SvidSigner({ trustDomain, caCertificate: entry.certificate, caPrivateKey: key.privateKey });
  if (!sameBytes(signer.ca.spkiDer, key.publicKeyDer)) return authority; // the slot's key was replaced
  return { entry, signer, key };
}

export function loadJwtAuthority(entry: JwtJournalEntry, keyManager: KeyManager, trustDomain: string, issuer: string | undefined): JwtAuthority {
  const key = keyManager.getKey(KEY_IDS.jwtSigner(entry.slot));
  if (key === undefined || !sameBytes(key.publicKeyDer, entry.publicKeyDer)) return { entry };
  return { entry, key, signer: jwtSigner(entry, key, trustDomain, issuer) };
}

function jwtSigner(entry: JwtJournalEntry, key: ManagedKey, trustDomain: string, issuer: string | undefined): JwtSvidSigner {
  return new JwtSvidSigner({ trustDomain, privateKey: key.privateKey, keyId: entry.keyId, notAfter: entry.notAfter, ...(issuer === undefined ? {} : { issuer }) });
}

export interface MintContext {
  keyManager: KeyManager;
  trustDomain: string;
  /** Unix seconds. */
  now: number;
  ttlSeconds: number;
  randomBytes: RandomBytes;
}

export interface MintedX509 {
  authority: X509Authority;
  /** Certificates to publish in the trust bundle (our CA, or the upstream roots). */
  bundleCertificates: Uint8Array[];
}

/** Generates the slot's key and its CA certificate (self-signed or from the upstream). */
export async function mintX509Authority(
  ctx: MintContext & { keyType: KeyType; subject: DistinguishedName; upstream: UpstreamAuthority | undefined },
  slot: SlotName,
  status: AuthorityStatus,
): Promise<MintedX509> {
  const key = await ctx.keyManager.generateKey(KEY_IDS.x509Ca(slot), ctx.keyType);
  const request = { trustDomain: ctx.trustDomain, spkiDer: key.publicKeyDer, subject: ctx.subject, ttlSeconds: ctx.ttlSeconds, now: ctx.now, randomBytes: ctx.randomBytes };
  let certificate: Uint8Array;
  let chain: Uint8Array[] = [];
  let bundleCertificates: Uint8Array[];
  let upstreamAuthorityId: string | undefined;
  if (ctx.upstream === undefined) {
    certificate = createCaCertificate(request, key.privateKey);
    bundleCertificates = [certificate];
  } else {
    const minted = await ctx.upstream.mintX509Ca(request);
    certificate = minted.certificate;
    chain = [certificate, ...minted.upstreamIntermediates];
    bundleCertificates = minted.upstreamRoots;
    upstreamAuthorityId = minted.upstreamAuthorityId;
  }
  const signer = new X509SvidSigner({ trustDomain: ctx.trustDomain, caCertificate: certificate, caPrivateKey: key.privateKey });
  const entry: X509JournalEntry = {
    slot,
    status,
    certificate,
    chain,
    authorityId: Buffer.from(signer.ca.subjectKeyId ?? subjectKeyIdFromSpki(key.publicKeyDer)).toString('hex'),
    issuedAt: signer.ca.notBefore,
    notAfter: signer.ca.notAfter,
    ...(upstreamAuthorityId === undefined ? {} : { upstreamAuthorityId }),
  };
  return { authority: { entry, signer, key }, bundleCertificates };
}

/** Generates the slot's JWT key with a fresh random `kid`; it expires after `ttlSeconds` (ca_ttl). */
export async function mintJwtAuthority(
  ctx: MintContext & { keyType: KeyType; issuer: string | undefined },
  slot: SlotName,
  status: AuthorityStatus,
): Promise<JwtAuthority> {
  const key = await ctx.keyManager.generateKey(KEY_IDS.jwtSigner(slot), ctx.keyType);
  const now = Math.floor(ctx.now);
  const entry: JwtJournalEntry = {
    slot,
    status,
    keyId: newKeyId(ctx.randomBytes),
    publicKeyDer: key.publicKeyDer,
    issuedAt: now,
    notAfter: now + ctx.ttlSeconds,
  };
  return { entry, key, signer: jwtSigner(entry, key, ctx.trustDomain, ctx.issuer) };
}
