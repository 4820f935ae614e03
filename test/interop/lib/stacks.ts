/**
 * Server/agent setups shared by the interop tests: SPIRE-format server.conf/agent.conf texts that
 * both tspire and the real SPIRE accept, and start helpers for the real spire-server/spire-agent
 * (tspire's server comes from test/e2e/lib/server-fixture.ts).
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon, bins, run, waitForSocket, type RunResult } from '../../e2e/lib/processes.js';
import { assertOk, waitForOutput } from '../../e2e/lib/server-fixture.js';
import { NativeDaemon, freePort, peerPath, pollUntil, runNative } from './peers.js';

export const TRUST_DOMAIN = 'example.org';
export const uid = (): number => process.getuid!();

/** The token value out of `spire-server token generate` output (`Token: <value>`). */
export function parseToken(result: RunResult): string {
  const token = /^Token: (\S+)$/m.exec(assertOk(result, 'token generate').stdout)?.[1];
  if (!token) throw new Error(`no token in: ${result.stdout}`);
  return token;
}

/**
 * A directory other uids can traverse (the mTLS client runs as another uid) with the agent's
 * public socket in `public/`.
 */
export function agentDirs(base: string, name: string) {
  const dir = join(base, name);
  mkdirSync(dir, { recursive: true });
  chmodSync(base, 0o755);
  chmodSync(dir, 0o755);
  return { dir, dataDir: join(dir, 'data'), socket: join(dir, 'public', 'api.sock'), conf: join(dir, 'agent.conf'), bundle: join(dir, 'bootstrap.crt') };
}

/** agent.conf text in SPIRE's format (join_token, unix workload attestor). */
export function agentConfText(options: { dataDir: string; socket: string; serverPort: number; bundle: string; keyManager: 'disk' | 'memory' }): string {
  const keyManager =
    options.keyManager === 'disk' ? `KeyManager "disk" {\n        plugin_data {\n            directory = ${JSON.stringify(options.dataDir)}\n        }\n    }` : `KeyManager "memory" {\n        plugin_data {}\n    }`;
  return `agent {
    data_dir = ${JSON.stringify(options.dataDir)}
    log_level = "DEBUG"
    server_address = "127.0.0.1"
    server_port = "${options.serverPort}"
    socket_path = ${JSON.stringify(options.socket)}
    trust_bundle_path = ${JSON.stringify(options.bundle)}
    trust_domain = "${TRUST_DOMAIN}"
}

plugins {
    NodeAttestor "join_token" {
        plugin_data {}
    }
    ${keyManager}
    WorkloadAttestor "unix" {
        plugin_data {}
    }
}
`;
}

/** Starts tspire's `spire-agent run -config <conf> -joinToken <token>` and waits until it serves. */
export async function startTspireAgent(conf: string, socket: string, token: string, cwd: string): Promise<Daemon> {
  const daemon = new Daemon(bins.spireAgent, ['run', '-config', conf, '-joinToken', token], { cwd });
  try {
    await waitForSocket(socket, daemon, 45_000);
    await waitForOutput(daemon, /Agent started/);
    return daemon;
  } catch (err) {
    await daemon.stop('SIGKILL');
    throw err;
  }
}

/** tspire's `spire-agent api fetch x509 ...` against `socket`. */
export function tspireAgentCli(socket: string, ...args: string[]): Promise<RunResult> {
  return run(bins.spireAgent, [...args, '-socketPath', socket]);
}

/** Starts the real `spire-agent run` (SPIRE attests before it opens the Workload API socket). */
export async function startRealAgent(conf: string, socket: string, token: string, cwd: string): Promise<NativeDaemon> {
  const daemon = new NativeDaemon(peerPath('spire-agent'), ['run', '-config', conf, '-joinToken', token], { cwd });
  try {
    await waitForSocket(socket, daemon, 60_000);
    return daemon;
  } catch (err) {
    await daemon.stop('SIGKILL');
    throw err;
  }
}

/** A real `spire-server run` with SQLite, memory key manager and join_token, on 127.0.0.1. */
export class RealSpireServer {
  private constructor(
    readonly dir: string,
    readonly daemon: NativeDaemon,
    readonly port: number,
  ) {}

  get socketPath(): string {
    return join(this.dir, 'api.sock');
  }

  static async start(dir: string): Promise<RealSpireServer> {
    const port = await freePort();
    const conf = join(dir, 'server.conf');
    writeFileSync(conf, realServerConfText(dir, port));
    const daemon = new NativeDaemon(peerPath('spire-server'), ['run', '-config', conf], { cwd: dir });
    const server = new RealSpireServer(dir, daemon, port);
    try {
      await waitForSocket(server.socketPath, daemon, 60_000);
      await pollUntil('real spire-server healthy', async () => ((await server.cli('healthcheck')).code === 0 ? true : undefined), 60_000, 250);
      return server;
    } catch (err) {
      await daemon.stop('SIGKILL');
      throw new Error(`${String(err)}\n--- spire-server ---\n${daemon.output}`);
    }
  }

  /** Runs the real `spire-server <args> -socketPath <socket>`. */
  cli(...args: string[]): Promise<RunResult> {
    return runNative(peerPath('spire-server'), [...args, '-socketPath', this.socketPath], { cwd: this.dir });
  }

  stop(): Promise<[number | null, NodeJS.Signals | null]> {
    return this.daemon.stop('SIGTERM');
  }
}

function realServerConfText(dir: string, port: number): string {
  return `server {
    bind_address = "127.0.0.1"
    bind_port = "${port}"
    socket_path = ${JSON.stringify(join(dir, 'api.sock'))}
    trust_domain = "${TRUST_DOMAIN}"
    data_dir = ${JSON.stringify(join(dir, 'data'))}
    log_level = "DEBUG"
}

plugins {
    DataStore "sql" {
        plugin_data {
            database_type = "sqlite3"
            connection_string = ${JSON.stringify(join(dir, 'data', 'datastore.sqlite3'))}
        }
    }
    KeyManager "memory" {
        plugin_data {}
    }
    NodeAttestor "join_token" {
        plugin_data {}
    }
}
`;
}
