/**
 * What spiffe-helper writes, as bytes, from Workload API updates (pure functions, no I/O):
 * the SVID chain, the PKCS#8 key and the CA bundle from an X509Context; the JWT bundle JSON.
 */
import type { X509Certificate } from 'node:crypto';
import type { JwtBundleSet, X509Svid } from '@tspire/spiffe';
import type { X509Context } from '@tspire/workload';

export interface X509OutputOptions {
  /** Pick the SVID whose hint matches (default: the first). */
  readonly hint?: string | undefined;
  readonly addIntermediatesToBundle: boolean;
  readonly includeFederatedDomains: boolean;
  readonly omitExpired: boolean;
}

export interface X509Contents {
  readonly svid: X509Svid;
  /** Leaf (+ intermediates unless moved to the bundle), PEM. */
  readonly certificates: string;
  /** PKCS#8 `PRIVATE KEY` PEM. */
  readonly privateKey: string;
  /** Own trust domain roots (+ federated roots, + intermediates when moved), PEM. */
  readonly bundle: string;
}

/** Chooses the SVID: by hint when one is configured (none matching is an error), else the first. */
export function selectSvid(context: X509Context, hint: string | undefined): X509Svid {
  if (hint === undefined) {
    const first = context.svids[0];
    if (first === undefined) throw new Error('the Workload API returned no X509-SVID');
    return first;
  }
  const hinted = context.svids.find((svid) => svid.hint === hint);
  if (hinted === undefined) throw new Error(`no X509-SVID has the hint ${JSON.stringify(hint)}`);
  return hinted;
}

/** The three X.509 files' contents, in the original's order (roots, federated roots, intermediates). */
export function x509Contents(context: X509Context, options: X509OutputOptions, now: Date): X509Contents {
  const svid = selectSvid(context, options.hint);
  const trustDomain = svid.id.trustDomain;
  const own = context.bundles.get(trustDomain);
  if (own === undefined) throw new Error(`the Workload API sent no bundle for the SVID's trust domain ${trustDomain.name}`);
  let certs: X509Certificate[] = [...svid.certificates];
  let bundle: X509Certificate[] = [...own.x509Authorities()];
  if (options.includeFederatedDomains) {
    for (const federated of context.bundles.bundles()) {
      if (federated.trustDomain.name !== trustDomain.name) bundle.push(...federated.x509Authorities());
    }
  }
  if (options.addIntermediatesToBundle) {
    bundle.push(...certs.slice(1));
    certs = certs.slice(0, 1);
  }
  if (options.omitExpired) {
    const valid = (cert: X509Certificate): boolean => new Date(cert.validTo).getTime() >= now.getTime();
    certs = certs.filter(valid);
    bundle = bundle.filter(valid);
  }
  return {
    svid,
    certificates: toPem(certs),
    privateKey: svid.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    bundle: toPem(bundle),
  };
}

function toPem(certs: readonly X509Certificate[]): string {
  return certs.map((cert) => cert.toString().trimEnd() + '\n').join('');
}

/** `{"<trust domain>": "<base64 of the JWKS JSON>"}`, keys sorted (what Go marshals for map[string][]byte). */
export function jwtBundleFileContent(bundles: JwtBundleSet): string {
  const entries = bundles.bundles().map((bundle) => [bundle.trustDomain.name, Buffer.from(bundle.marshal()).toString('base64')] as const);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(Object.fromEntries(entries));
}

/** When to fetch a JWT-SVID again: half its remaining lifetime, plus one second. */
export function jwtRefreshDelayMs(expiry: Date, now: Date): number {
  return Math.max(0, (expiry.getTime() - now.getTime()) / 2) + 1000;
}
