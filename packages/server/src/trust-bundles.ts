/**
 * The X.509 roots of every trust domain the server knows (its own and federated ones), held in
 * memory for the TCP endpoint, which verifies client certificates synchronously during the
 * handshake. Reloaded from the datastore by the server's ticker and right after the CA publishes
 * a new authority, so a prepared CA is trusted before any SVID it signs is presented.
 */
import { X509Certificate } from 'node:crypto';
import { TrustDomain, X509Bundle } from '@tspire/spiffe';
import type { DataStore } from './datastore/datastore.js';
import type { Bundle } from './datastore/types.js';

export interface TrustBundles {
  /** The X.509 bundle of `trustDomain` (name, e.g. `example.org`), if the server has one. */
  x509Bundle(trustDomain: string): X509Bundle | undefined;
  /** Re-reads every bundle from the datastore. */
  reload(): Promise<void>;
}

const PAGE_SIZE = 500;

export async function loadTrustBundles(datastore: Pick<DataStore, 'listBundles'>): Promise<TrustBundles> {
  let bundles = new Map<string, X509Bundle>();
  const reload = async (): Promise<void> => {
    const next = new Map<string, X509Bundle>();
    let pageToken = '';
    do {
      const page = await datastore.listBundles({ pageSize: PAGE_SIZE, pageToken });
      for (const bundle of page.bundles) {
        const x509 = toX509Bundle(bundle);
        if (x509) next.set(x509.trustDomain.name, x509);
      }
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    bundles = next;
  };
  await reload();
  return { x509Bundle: (trustDomain) => bundles.get(trustDomain), reload };
}

/** Bundles with an unparseable trust domain or certificate are skipped: they verify nothing. */
function toX509Bundle(bundle: Bundle): X509Bundle | undefined {
  let trustDomain: TrustDomain;
  try {
    trustDomain = TrustDomain.parse(bundle.trustDomain);
  } catch {
    return undefined;
  }
  const roots: X509Certificate[] = [];
  for (const authority of bundle.x509Authorities) {
    try {
      roots.push(new X509Certificate(authority.der));
    } catch {
      // a malformed stored certificate cannot anchor anything
    }
  }
  return new X509Bundle(trustDomain, roots);
}
