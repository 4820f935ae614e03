/**
 * The bundle the agent trusts the server with on its first start (trust_bundle_path or
 * insecure_bootstrap). Later starts use the bundle kept in agent-data.json instead.
 */
import { readFile as fsReadFile } from 'node:fs/promises';
import { SpiffeBundle, X509Bundle, type TrustDomain } from '@tspire/spiffe';
import type { TrustBundleSource } from '../config/types.js';
import { ManagerError } from './errors.js';

/**
 * The bootstrap bundle; undefined for insecure_bootstrap (the first connection does not
 * authenticate the server; the agent then trusts what GetBundle returned).
 * @throws ManagerError ERR_AGENT_BOOTSTRAP when the file is unreadable, malformed or empty, or for a URL source.
 */
export async function loadBootstrapBundle(
  trustDomain: TrustDomain,
  source: TrustBundleSource,
  readFile: (path: string) => Promise<Uint8Array> = fsReadFile,
): Promise<X509Bundle | undefined> {
  if (source.kind === 'insecure') return undefined;
  if (source.kind === 'url') {
    throw new ManagerError('ERR_AGENT_BOOTSTRAP', `trust_bundle_url ${JSON.stringify(source.url)} is not supported yet; use trust_bundle_path or insecure_bootstrap`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFile(source.path);
  } catch (err) {
    throw new ManagerError('ERR_AGENT_BOOTSTRAP', `cannot read trust_bundle_path ${source.path}: ${(err as Error).message}`, { cause: err });
  }
  let bundle: X509Bundle;
  try {
    bundle = source.format === 'spiffe' ? SpiffeBundle.parse(trustDomain, bytes).x509Bundle() : X509Bundle.parsePem(trustDomain, bytes);
  } catch (err) {
    throw new ManagerError('ERR_AGENT_BOOTSTRAP', `trust_bundle_path ${source.path} is not a valid ${source.format} bundle: ${(err as Error).message}`, { cause: err });
  }
  if (bundle.empty) throw new ManagerError('ERR_AGENT_BOOTSTRAP', `trust_bundle_path ${source.path} holds no certificate`);
  return bundle;
}
