/**
 * The bundle the agent trusts the server with on its first start (trust_bundle_path,
 * trust_bundle_url or insecure_bootstrap), in trust_bundle_format (PEM or SPIFFE bundle JSON).
 * Later starts use the bundle kept in agent-data.json instead: the URL is fetched only then.
 */
import { readFile as fsReadFile } from 'node:fs/promises';
import { SpiffeBundle, X509Bundle, type TrustDomain } from '@tspire/spiffe';
import { createTrustBundleFetcher, type TrustBundleFetcher } from '../client/trust-bundle-fetch.js';
import type { TrustBundleFormat, TrustBundleSource } from '../config/types.js';
import { ManagerError } from './errors.js';

export interface BootstrapBundleDeps {
  readFile?: (path: string) => Promise<Uint8Array>;
  /** GETs trust_bundle_url; default: HTTPS with the default roots. */
  fetchTrustBundle?: TrustBundleFetcher;
}

/**
 * The bootstrap bundle; undefined for insecure_bootstrap (the first connection does not
 * authenticate the server; the agent then trusts what GetBundle returned).
 * @example const bundle = await loadBootstrapBundle(td, { kind: 'url', url: 'https://b.example.org/ca.pem', format: 'pem' });
 * @throws ManagerError ERR_AGENT_BOOTSTRAP naming the key when the file or URL is unreadable, malformed or empty.
 */
export async function loadBootstrapBundle(trustDomain: TrustDomain, source: TrustBundleSource, deps: BootstrapBundleDeps = {}): Promise<X509Bundle | undefined> {
  if (source.kind === 'insecure') return undefined;
  const where = source.kind === 'path' ? `trust_bundle_path ${source.path}` : `trust_bundle_url ${JSON.stringify(source.url)}`;
  let bytes: Uint8Array;
  try {
    if (source.kind === 'path') {
      bytes = await (deps.readFile ?? fsReadFile)(source.path);
    } else {
      const fetchBundle = deps.fetchTrustBundle ?? createTrustBundleFetcher();
      bytes = await fetchBundle(source.unixSocket === undefined ? { url: source.url } : { url: source.url, unixSocket: source.unixSocket });
    }
  } catch (err) {
    throw new ManagerError('ERR_AGENT_BOOTSTRAP', `cannot ${source.kind === 'path' ? 'read' : 'fetch'} ${where}: ${(err as Error).message}`, { cause: err });
  }
  return parseBundle(trustDomain, bytes, source.format, where);
}

function parseBundle(trustDomain: TrustDomain, bytes: Uint8Array, format: TrustBundleFormat, where: string): X509Bundle {
  let bundle: X509Bundle;
  try {
    bundle = format === 'spiffe' ? SpiffeBundle.parse(trustDomain, bytes).x509Bundle() : X509Bundle.parsePem(trustDomain, bytes);
  } catch (err) {
    throw new ManagerError('ERR_AGENT_BOOTSTRAP', `${where} is not a valid ${format} bundle (trust_bundle_format): ${(err as Error).message}`, { cause: err });
  }
  if (bundle.empty) throw new ManagerError('ERR_AGENT_BOOTSTRAP', `${where} holds no certificate`);
  return bundle;
}
