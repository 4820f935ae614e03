/**
 * A real `spire-server run` in a temp directory for end-to-end tests: writes a server.conf
 * (SQLite or PostgreSQL datastore, disk key manager, join_token attestor, admin socket and health
 * listener on 127.0.0.1:0), starts the compiled bin, and runs CLI commands against its socket.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon, bins, run, waitForSocket, type RunResult } from './processes.js';

export type DatastoreChoice = { kind: 'sqlite3' } | { kind: 'postgres'; connectionString: string };

export interface ServerConfOptions {
  readonly datastore?: DatastoreChoice;
  /** Text added inside `server {}` (tests of bad configs). */
  readonly serverExtra?: string;
  /** Text added inside `plugins {}` (more node attestors). */
  readonly pluginsExtra?: string;
}

/** Paths of one server's files inside `dir`. */
export function serverPaths(dir: string) {
  return {
    conf: join(dir, 'server.conf'),
    socket: join(dir, 'api.sock'),
    dataDir: join(dir, 'data'),
    sqlite: join(dir, 'data', 'datastore.sqlite3'),
    keys: join(dir, 'data', 'keys.json'),
  };
}

const hclString = (value: string): string => JSON.stringify(value);

/** The server.conf the e2e tests use, as text. */
export function serverConfText(dir: string, options: ServerConfOptions = {}): string {
  const paths = serverPaths(dir);
  const ds = options.datastore ?? { kind: 'sqlite3' };
  const connection = ds.kind === 'sqlite3' ? paths.sqlite : ds.connectionString;
  return `server {
    bind_address = "127.0.0.1"
    bind_port = "0"
    socket_path = ${hclString(paths.socket)}
    trust_domain = "example.org"
    data_dir = ${hclString(paths.dataDir)}
    log_level = "INFO"
${options.serverExtra ?? ''}
}

plugins {
    DataStore "sql" {
        plugin_data {
            database_type = ${hclString(ds.kind)}
            connection_string = ${hclString(connection)}
        }
    }
    KeyManager "disk" {
        plugin_data {
            keys_path = ${hclString(paths.keys)}
        }
    }
    NodeAttestor "join_token" {
        plugin_data {}
    }
${options.pluginsExtra ?? ''}
}

health_checks {
    listener_enabled = true
    bind_address = "127.0.0.1"
    bind_port = "0"
    live_path = "/live"
    ready_path = "/ready"
}
`;
}

/** Writes `<dir>/server.conf` and returns its path. */
export function writeServerConf(dir: string, options: ServerConfOptions = {}): string {
  const path = serverPaths(dir).conf;
  writeFileSync(path, serverConfText(dir, options));
  return path;
}

/** Resolves once `pattern` appears in the daemon's output; rejects if it exits or time runs out. */
export async function waitForOutput(daemon: Daemon, pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = daemon.output.match(pattern);
    if (match) return match;
    if (!daemon.running) throw new Error(`server exited before logging ${pattern}:\n${daemon.output}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${daemon.output}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A running `spire-server run -config <dir>/server.conf`. */
export class ServerProcess {
  private constructor(
    readonly dir: string,
    readonly daemon: Daemon,
    readonly healthPort: number,
    /** the agent-facing TCP endpoint's port (bind_port 0 = chosen by the OS) */
    readonly tcpPort: number,
  ) {}

  get socketPath(): string {
    return serverPaths(this.dir).socket;
  }

  /** Starts the server with `<dir>/server.conf` (written beforehand) and waits until it serves. */
  static async start(dir: string): Promise<ServerProcess> {
    const paths = serverPaths(dir);
    const daemon = new Daemon(bins.spireServer, ['run', '-config', paths.conf], { cwd: dir });
    try {
      await waitForSocket(paths.socket, daemon);
      const match = await waitForOutput(daemon, /Serving health checks.*address="?127\.0\.0\.1:(\d+)/);
      const tcp = await waitForOutput(daemon, /Starting Server APIs.*address="?127\.0\.0\.1:(\d+)/);
      await waitForOutput(daemon, /Server started/);
      return new ServerProcess(dir, daemon, Number(match[1]), Number(tcp[1]));
    } catch (err) {
      await daemon.stop('SIGKILL');
      throw err;
    }
  }

  /** Runs `spire-server <args> -socketPath <socket>` to completion. */
  cli(...args: string[]): Promise<RunResult> {
    return run(bins.spireServer, [...args, '-socketPath', this.socketPath], { cwd: this.dir });
  }

  /** SIGTERM (graceful) and wait. */
  stop(): Promise<[number | null, NodeJS.Signals | null]> {
    return this.daemon.stop('SIGTERM');
  }

  /** SIGKILL: no chance to clean up, as in a crash or power loss of the process. */
  kill(): Promise<[number | null, NodeJS.Signals | null]> {
    return this.daemon.stop('SIGKILL');
  }

  get socketExists(): boolean {
    return existsSync(this.socketPath);
  }
}

/** Fails with the command's output when it did not exit 0. */
export function assertOk(result: RunResult, what: string): RunResult {
  if (result.code !== 0) {
    throw new Error(`${what}: exit ${result.code ?? result.signal}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  }
  return result;
}
