/**
 * The real SPIRE binaries the comparison runs against, as scripts/interop/install.mjs left them
 * in .interop/ (status.json says which peers are usable and where), plus the versions to record:
 * SPIRE's own `-version`, the Go toolchain the binaries were built with, and the pin.
 * Nothing is installed from here: without the peers the benchmark prints a skip and exits 0.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const interopDir = process.env['TSPIRE_INTEROP_DIR'] ?? join(repoRoot, '.interop');

export interface SpirePeers {
  readonly serverBin: string;
  readonly agentBin: string;
  /** What `spire-server -version` prints, e.g. `1.15.3`. */
  readonly spireVersion: string;
  /** The pin in scripts/interop/versions.json, e.g. `v1.15.3`. */
  readonly pinnedVersion: string;
  /** The Go toolchain the server binary was built with (`go version <binary>`), or `unknown`. */
  readonly goVersion: string;
}

interface PeerStatus {
  readonly ok?: boolean;
  readonly path?: string;
  readonly reason?: string;
}

/** Why a status.json cannot be used for `name`, or its binary path. */
export function peerFromStatus(peers: Record<string, PeerStatus> | undefined, name: string, fileExists: (p: string) => boolean): { path: string } | { missing: string } {
  const peer = peers?.[name];
  if (peer === undefined) return { missing: `${name} is not in ${join(interopDir, 'status.json')}` };
  if (peer.ok !== true) return { missing: `${name} is unavailable: ${peer.reason ?? 'no reason recorded'}` };
  if (peer.path === undefined || !fileExists(peer.path)) return { missing: `${name}: ${peer.path ?? '(no path)'} does not exist` };
  return { path: peer.path };
}

/** The SPIRE peers, or the reason they cannot be used (the skip message). */
export function findSpirePeers(): SpirePeers | { skip: string } {
  const statusFile = join(interopDir, 'status.json');
  const hint = 'run `node scripts/interop/install.mjs` (npm run test:interop does) to build SPIRE into .interop/';
  if (!existsSync(statusFile)) return { skip: `the real SPIRE is not installed (${statusFile} missing): ${hint}` };
  let peers: Record<string, PeerStatus> | undefined;
  try {
    peers = (JSON.parse(readFileSync(statusFile, 'utf8')) as { peers?: Record<string, PeerStatus> }).peers;
  } catch (err) {
    return { skip: `${statusFile} is not valid JSON (${(err as Error).message}): ${hint}` };
  }
  const server = peerFromStatus(peers, 'spire-server', existsSync);
  const agent = peerFromStatus(peers, 'spire-agent', existsSync);
  const missing = [server, agent].flatMap((p) => ('missing' in p ? [p.missing] : []));
  if (!('path' in server) || !('path' in agent)) return { skip: `${missing.join('; ')}: ${hint}` };
  return {
    serverBin: server.path,
    agentBin: agent.path,
    spireVersion: commandOutput(server.path, ['-version']) ?? 'unknown',
    pinnedVersion: pinnedSpireVersion(),
    goVersion: goVersionOf(server.path),
  };
}

function pinnedSpireVersion(): string {
  try {
    const versions = JSON.parse(readFileSync(join(repoRoot, 'scripts/interop/versions.json'), 'utf8')) as { spire?: { version?: string } };
    return versions.spire?.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** `go version <binary>` prints `<path>: go1.26.8`; the toolchain's own version when that fails. */
function goVersionOf(binary: string): string {
  const fromBinary = commandOutput('go', ['version', binary]);
  const match = fromBinary === undefined ? null : /:\s*(go\S+)/.exec(fromBinary);
  if (match?.[1]) return match[1];
  return commandOutput('go', ['env', 'GOVERSION']) ?? 'unknown';
}

/** Trimmed stdout+stderr of a short command, or undefined when it cannot run. */
function commandOutput(file: string, args: string[]): string | undefined {
  const result = spawnSync(file, args, { encoding: 'utf8', timeout: 10_000 });
  if (result.error || result.status !== 0) return undefined;
  const text = `${result.stdout}${result.stderr}`.trim();
  return text === '' ? undefined : text;
}
