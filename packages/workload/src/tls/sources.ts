/**
 * What the TLS options read from their sources: the current SVID, the bundle of a peer's trust
 * domain, and (for node's own chain check, see client-options.ts) every trust anchor known.
 * Sources are read again for each new connection, so static values and live sources both work.
 */
import type { X509Certificate } from 'node:crypto';
import type { X509Bundle, X509BundleSet, X509BundleSource, X509Svid, X509SvidSource } from '@tspire/spiffe';
import { WorkloadError } from '../errors.js';

/** An X509Source-like value: it gives both our SVID and the bundles to verify peers with. */
export type X509SvidAndBundleSource = X509SvidSource & X509BundleSource;

/**
 * Optional ways for a bundle source to list every bundle it holds. X509Bundle, X509BundleSet,
 * SpiffeBundleSet, X509Source (`getX509BundleSet()`), BundleSource (`getBundleSets()`) and
 * anything with `getX509Context()` qualify.
 */
interface EnumerableBundles {
  x509Authorities?(): readonly X509Certificate[];
  bundles?(): readonly unknown[];
  getX509BundleSet?(): X509BundleSet;
  getBundleSets?(): { readonly x509: X509BundleSet };
  getX509Context?(): { readonly bundles: X509BundleSet };
}

/** Throws ERR_WORKLOAD_BAD_REQUEST unless `value` has the named method. */
export function requireMethod(value: unknown, method: string, what: string): void {
  const fn = value == null ? undefined : (value as Record<string, unknown>)[method];
  if (typeof fn !== 'function') {
    throw new WorkloadError('ERR_WORKLOAD_BAD_REQUEST', `${what} must have a ${method}() method (an X509Source, a static value or a set)`);
  }
}

/** Every X.509 authority of every trust domain the source holds (deduplicated, order kept). */
export function listTrustAnchors(bundleSource: X509BundleSource): X509Certificate[] {
  const source = bundleSource as X509BundleSource & EnumerableBundles;
  let bundles: readonly unknown[];
  if (typeof source.getX509BundleSet === 'function') bundles = source.getX509BundleSet().bundles();
  else if (typeof source.getBundleSets === 'function') bundles = source.getBundleSets().x509.bundles();
  else if (typeof source.getX509Context === 'function') bundles = source.getX509Context().bundles.bundles();
  else if (typeof source.bundles === 'function') bundles = source.bundles();
  else if (typeof source.x509Authorities === 'function') bundles = [source];
  else {
    throw new WorkloadError(
      'ERR_WORKLOAD_BAD_REQUEST',
      'the bundle source cannot list its trust anchors: pass an X509Source, a BundleSource, an X509Bundle or an X509BundleSet ' +
        '(node checks the chain against them before the SPIFFE verification runs)',
    );
  }
  const anchors: X509Certificate[] = [];
  const seen = new Set<string>();
  for (const bundle of bundles) {
    const authorities = (bundle as Partial<X509Bundle>).x509Authorities?.() ?? [];
    for (const cert of authorities) {
      if (seen.has(cert.fingerprint256)) continue;
      seen.add(cert.fingerprint256);
      anchors.push(cert);
    }
  }
  return anchors;
}

/** True when both lists hold the same certificates (same objects or same DER), in order. */
export function sameCertificates(a: readonly X509Certificate[], b: readonly X509Certificate[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  return a.every((cert, index) => cert === b[index] || cert.raw.equals(b[index]!.raw));
}

/** The SVID's chain and key as node:tls wants them (PEM chain, KeyObject exported to PEM). */
export function svidCredentials(svid: X509Svid): { cert: string; key: string } {
  const { certificates, privateKey } = svid.marshalPem();
  return { cert: certificates, key: privateKey };
}

/** Reads the current SVID; a source with nothing to give is a clear error, not a TypeError. */
export function currentSvid(svidSource: X509SvidSource): X509Svid {
  const svid = svidSource.getX509Svid();
  if (svid == null || !Array.isArray(svid.certificates) || svid.certificates.length === 0) {
    throw new WorkloadError('ERR_WORKLOAD_BAD_REQUEST', 'the SVID source gave no X509-SVID');
  }
  return svid;
}
