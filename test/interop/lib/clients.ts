/**
 * Runs the peer workload clients (test/interop/go/workloadclient with go-spiffe, and
 * test/interop/py/client.py with py-spiffe) and parses their JSON reports.
 */
import { join } from 'node:path';
import { repoRoot } from '../../e2e/lib/processes.js';
import { peerPath, runNative } from './peers.js';

export const AUDIENCE = 'spiffe://example.org/interop-audience';

export interface GoClientReport {
  context_svids: { id: string; hint: string; chain_length: number; has_key: boolean; verified_id?: string; external_verified_id?: string }[] | null;
  context_bundles: { trust_domain: string; authorities: number }[] | null;
  x509_bundles: { trust_domain: string; authorities: number }[] | null;
  jwt_svid?: { id: string; audience: string[]; expiry: string; local_validated_id?: string; api_validated_id?: string };
  jwt_bundles: { trust_domain: string; key_ids: string[] }[] | null;
  errors: Record<string, string>;
}

export interface PyClientReport {
  x509_svids: { id: string; chain_length: number; verified: boolean }[];
  x509_bundles: { trust_domain: string; authorities: number }[];
  jwt_bundles: { trust_domain: string; key_ids: string[] }[];
  jwt_svid: { id: string; audience: string[]; expiry: number; local_validated_id?: string; api_validated_id?: string; tampered_rejected?: boolean } | null;
  errors: Record<string, string>;
}

export interface ClientRun<T> {
  readonly code: number | null;
  readonly report: T | undefined;
  /** stdout + stderr, for assertion messages */
  readonly text: string;
}

function parse<T>(stdout: string): T | undefined {
  try {
    return JSON.parse(stdout) as T;
  } catch {
    return undefined;
  }
}

/** go-spiffe workloadclient against `socket`; `bundlePem` adds a check against that PEM file. */
export async function runGoClient(socket: string, options: { x509Only?: boolean; bundlePem?: string } = {}): Promise<ClientRun<GoClientReport>> {
  const args = ['-socket', socket, '-audience', AUDIENCE, '-timeout', '10s'];
  if (options.x509Only) args.push('-x509-only');
  if (options.bundlePem) args.push('-bundle-pem', options.bundlePem);
  const result = await runNative(peerPath('go-spiffe:workloadclient'), args, { timeoutMs: 20_000 });
  return { code: result.code, report: parse<GoClientReport>(result.stdout), text: `exit ${result.code}\n${result.stdout}\n${result.stderr}` };
}

/** py-spiffe client.py against `socket`. */
export async function runPyClient(socket: string): Promise<ClientRun<PyClientReport>> {
  const script = join(repoRoot, 'test/interop/py/client.py');
  const result = await runNative(peerPath('py-spiffe'), [script, socket, AUDIENCE], { timeoutMs: 30_000 });
  return { code: result.code, report: parse<PyClientReport>(result.stdout), text: `exit ${result.code}\n${result.stdout}\n${result.stderr}` };
}

/** The SPIFFE IDs of the X509-SVIDs a go client run received (empty when it failed). */
export const goSvidIds = (run: ClientRun<GoClientReport>): string[] => (run.report?.context_svids ?? []).map((s) => s.id).sort();
