/**
 * Shared fixtures for the CA tests (not a test file itself): in-memory stores, an X509-SVID
 * leaf rule checker and an openssl wrapper that reports when openssl is missing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate, createHash, webcrypto, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import type { CaBundle, CaBundleStore } from './bundle-store.js';
import { parseCertificate, type CertificateInfo } from './certificate-info.js';
import { subjectPublicKeyBits } from './extensions.js';
import type { CaJournalStore } from './journal.js';
import { KEY_USAGE, OID } from './oids.js';
import { encodePem } from '@tspire/spiffe';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** A keyed journal store over a Map (survives "restarts" within a test); `latest()` is the last journal written. */
export function memoryJournalStore(map = new Map<string, Uint8Array>()): CaJournalStore & { map: Map<string, Uint8Array>; latest(): Uint8Array | null } {
  let last: string | undefined;
  return {
    map,
    latest: () => (last === undefined ? null : map.get(last) ?? null),
    fetchCaJournal: async (key) => map.get(key) ?? null,
    setCaJournal: async (data, key) => { last = key; map.set(key, Uint8Array.from(data)); },
    deleteCaJournal: async (key) => void map.delete(key),
  };
}

/** A bundle store merging authorities by DER / key id, as the datastore's AppendBundle does. */
export function memoryBundleStore(): CaBundleStore & { bundles: Map<string, CaBundle>; appends: number } {
  const bundles = new Map<string, CaBundle>();
  const store = {
    bundles,
    appends: 0,
    async appendBundle(bundle: CaBundle): Promise<CaBundle> {
      store.appends++;
      const current = bundles.get(bundle.trustDomain) ?? { ...bundle, x509Authorities: [], jwtAuthorities: [], sequenceNumber: 0n };
      const x509Authorities = [...current.x509Authorities];
      for (const a of bundle.x509Authorities) if (!x509Authorities.some((b) => Buffer.compare(a.der, b.der) === 0)) x509Authorities.push(a);
      const jwtAuthorities = [...current.jwtAuthorities];
      for (const a of bundle.jwtAuthorities) if (!jwtAuthorities.some((b) => b.keyId === a.keyId)) jwtAuthorities.push(a);
      const next = { ...current, x509Authorities, jwtAuthorities, sequenceNumber: current.sequenceNumber + 1n };
      bundles.set(bundle.trustDomain, next);
      return next;
    },
    fetchBundle: async (td: string) => bundles.get(td) ?? null,
  };
  return store;
}

/**
 * Asserts every X509-SVID leaf rule (spiffe-standards 2.1) plus SPIRE's profile, checked with
 * our parser, node's X509Certificate and @peculiar/x509.
 */
export function assertSvidLeaf(der: Uint8Array, spiffeId: string, ca: Uint8Array, caPublicKey: KeyObject): CertificateInfo {
  const info = parseCertificate(der);
  const caInfo = parseCertificate(ca);
  const node = new X509Certificate(der);
  assert.ok(node.verify(caPublicKey), 'signature verifies with the CA key');
  assert.ok(node.checkIssued(new X509Certificate(ca)), 'issuer matches the CA subject');
  assert.deepEqual(info.uris, [spiffeId], 'exactly one URI SAN, the SPIFFE ID');
  assert.equal(info.isCa, false);
  assert.ok(info.extensions.get(OID.basicConstraints)?.critical, 'basicConstraints critical');
  const ku = info.extensions.get(OID.keyUsage);
  assert.ok(ku?.critical, 'keyUsage present and critical');
  const usage = info.keyUsage ?? 0;
  assert.ok(usage & (1 << KEY_USAGE.digitalSignature), 'digitalSignature');
  assert.ok(usage & (1 << KEY_USAGE.keyEncipherment) && usage & (1 << KEY_USAGE.keyAgreement), 'SPIRE sets keyEncipherment and keyAgreement');
  assert.equal(usage & ((1 << KEY_USAGE.keyCertSign) | (1 << KEY_USAGE.cRLSign)), 0, 'no keyCertSign / cRLSign');
  assert.deepEqual(node.keyUsage?.slice().sort(), [OID.serverAuth, OID.clientAuth].sort(), 'EKU serverAuth + clientAuth');
  assert.deepEqual(info.subjectKeyId, createHash('sha1').update(subjectPublicKeyBits(info.spkiDer)).digest(), 'SKID = SHA-1 of key bits');
  assert.deepEqual(info.authorityKeyId, caInfo.subjectKeyId, 'AKID = CA SKID');
  assert.equal(info.serial[0]! & 0x80, 0, 'serial is positive');
  assert.ok(info.serial.some((b) => b !== 0) && info.serial.length <= 17, 'serial in [1, 2^128-1]');
  assert.ok(info.notAfter <= caInfo.notAfter, 'notAfter within the CA');
  const peculiar = new x509.X509Certificate(Uint8Array.from(der));
  const pku = peculiar.getExtension(x509.KeyUsagesExtension);
  assert.ok(pku?.critical);
  assert.equal(pku.usages, x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.keyAgreement);
  assert.equal(peculiar.getExtension(x509.BasicConstraintsExtension)?.ca, false);
  return info;
}

let opensslPresent: boolean | undefined;
/** True when an `openssl` binary runs here. */
export function hasOpenssl(): boolean {
  opensslPresent ??= spawnSync('openssl', ['version'], { encoding: 'utf8' }).status === 0;
  return opensslPresent;
}

/** `openssl verify -x509_strict` of `leaf` against `roots` with `intermediates` untrusted; returns the output. */
export function opensslVerify(roots: Uint8Array[], intermediates: Uint8Array[], leaf: Uint8Array, atTime?: number): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tspire-openssl-'));
  try {
    const write = (name: string, certs: Uint8Array[]): string => {
      const path = join(dir, name);
      writeFileSync(path, certs.map((c) => encodePem('CERTIFICATE', c)).join(''));
      return path;
    };
    const args = ['verify', '-x509_strict', '-CAfile', write('roots.pem', roots)];
    if (intermediates.length > 0) args.push('-untrusted', write('chain.pem', intermediates));
    if (atTime !== undefined) args.push('-attime', String(Math.floor(atTime)));
    args.push(write('leaf.pem', [leaf]));
    const run = spawnSync('openssl', args, { encoding: 'utf8' });
    return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `openssl x509 -noout -text` of a certificate. */
export function opensslText(der: Uint8Array): string {
  const run = spawnSync('openssl', ['x509', '-inform', 'DER', '-noout', '-text'], { input: Buffer.from(der), encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout;
}
