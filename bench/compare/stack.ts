/**
 * One server + agent "stack" per side for the comparison: the real SPIRE binaries or tspire's
 * `spire-server` / `spire-agent` (node, packages/cli/dist), started from the SAME server.conf and
 * agent.conf texts (SPIRE's format, which both accept): SQLite datastore, in-memory key managers,
 * join_token attestation, unix workload attestor, log level WARN, 127.0.0.1. Only the binary differs.
 * Admin calls go over the admin UNIX sockets with connect-node (the same client for both sides).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { createClient, type Client } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { agentdebugv1, agentv1, bundlev1, entryv1 } from '@tspire/proto';
import { TrustDomain, X509Bundle } from '@tspire/spiffe';
import { freePort, TRUST_DOMAIN } from '../lib/admin-server.js';
import { procCpuMs, procMemory, type ProcMemory } from '../lib/proc-memory.js';
import { repoRoot } from './peers.js';

export type Side = 'spire' | 'tspire';
export const SIDES: readonly Side[] = ['spire', 'tspire'];
export const TD = TrustDomain.parse(TRUST_DOMAIN);

/** The command line that runs each side's binaries. */
export interface Binaries {
  readonly server: readonly string[];
  readonly agent: readonly string[];
}

/**
 * tspire's CLI under this node. COMPARE_TSPIRE_NODE_ARGS adds node flags to both, e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof` (profiles are written when the processes exit on SIGTERM).
 */
export function tspireBinaries(): Binaries {
  const cli = join(repoRoot, 'packages/cli/dist/bin');
  const nodeArgs = (process.env['COMPARE_TSPIRE_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  return { server: [process.execPath, ...nodeArgs, join(cli, 'spire-server.js')], agent: [process.execPath, ...nodeArgs, join(cli, 'spire-agent.js')] };
}

/** Lines added inside `server {}` / `agent {}`. */
export interface StackConfig {
  readonly serverExtra?: string;
  readonly agentExtra?: string;
}

/**
 * Rate limits off on both sides: SPIRE's defaults (1 attestation/s and 500 signed SVIDs/s per
 * source IP) would measure the limiter, and every load here comes from one IP. tspire has the
 * same switches with the same defaults.
 */
export const NO_RATE_LIMITS = 'ratelimit {\n    attestation = false\n    signing = false\n  }';

export function serverConfText(dir: string, port: number, extra = ''): string {
  return `server {
  bind_address = "127.0.0.1"
  bind_port = "${port}"
  socket_path = ${JSON.stringify(join(dir, 'admin', 'api.sock'))}
  trust_domain = "${TRUST_DOMAIN}"
  data_dir = ${JSON.stringify(join(dir, 'data'))}
  log_level = "WARN"
  ${NO_RATE_LIMITS}
  ${extra}
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

export function agentConfText(dir: string, serverPort: number, extra = ''): string {
  return `agent {
  data_dir = ${JSON.stringify(join(dir, 'data'))}
  log_level = "WARN"
  server_address = "127.0.0.1"
  server_port = "${serverPort}"
  socket_path = ${JSON.stringify(join(dir, 'public', 'api.sock'))}
  admin_socket_path = ${JSON.stringify(join(dir, 'private', 'admin.sock'))}
  trust_bundle_path = ${JSON.stringify(join(dir, 'bootstrap.crt'))}
  trust_domain = "${TRUST_DOMAIN}"
  ${extra}
}

plugins {
  NodeAttestor "join_token" {
    plugin_data {}
  }
  KeyManager "memory" {
    plugin_data {}
  }
  WorkloadAttestor "unix" {
    plugin_data {}
  }
}
`;
}

/** A child process with its output kept (the last 256 KiB) for error messages. */
export class Proc {
  readonly child: ChildProcess;
  private text = '';

  constructor(command: readonly string[], cwd: string) {
    const [file, ...args] = command;
    if (file === undefined) throw new Error('empty command');
    this.child = spawn(file, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: string) => {
      this.text += d;
      if (this.text.length > 512 * 1024) this.text = this.text.slice(-256 * 1024);
    };
    this.child.stdout?.setEncoding('utf8').on('data', keep);
    this.child.stderr?.setEncoding('utf8').on('data', keep);
  }

  get output(): string {
    return this.text;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  memory(): ProcMemory {
    return procMemory(this.child.pid!);
  }

  cpuMs(): number {
    return procCpuMs(this.child.pid!);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    const exited = once(this.child, 'close');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

function uds<S extends Parameters<typeof createClient>[0]>(service: S, socketPath: string) {
  const sessionManager = new Http2SessionManager('http://localhost', undefined, { createConnection: () => net.connect(socketPath) });
  const transport = createGrpcTransport({ baseUrl: 'http://localhost', sessionManager });
  return { client: createClient(service, transport) as Client<S>, close: () => sessionManager.abort() };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retries `attempt` every 100 ms until it resolves; fails with the process output after `timeoutMs`. */
export async function until<T>(what: string, proc: Proc, attempt: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (!proc.running) throw new Error(`${what}: the process exited (${proc.child.exitCode ?? proc.child.signalCode}):\n${proc.output.slice(-4000)}`);
      if (Date.now() > deadline) throw new Error(`${what}: timed out (${(err as Error).message}):\n${proc.output.slice(-4000)}`);
      await sleep(100);
    }
  }
}

function tcpConnect(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

export class ServerStack {
  private constructor(
    readonly side: Side,
    readonly dir: string,
    readonly proc: Proc,
    readonly port: number,
    readonly bundle: X509Bundle,
    readonly entries: Client<typeof entryv1.Entry>,
    readonly agents: Client<typeof agentv1.Agent>,
    /** From spawn to the admin API answering and the agent port accepting connections. */
    readonly startMs: number,
    private readonly closeClients: () => void,
  ) {}

  /** Starts the server in `dir` and waits until both endpoints serve. */
  static async start(side: Side, bins: Binaries, dir: string, config: StackConfig = {}): Promise<ServerStack> {
    mkdirSync(join(dir, 'data'), { recursive: true });
    mkdirSync(join(dir, 'admin'), { recursive: true });
    const port = await freePort();
    const conf = join(dir, 'server.conf');
    writeFileSync(conf, serverConfText(dir, port, config.serverExtra));
    const t0 = performance.now();
    const proc = new Proc([...bins.server, 'run', '-config', conf], dir);
    const socket = join(dir, 'admin', 'api.sock');
    const bundles = uds(bundlev1.Bundle, socket);
    try {
      const served = await until(`${side} server admin API`, proc, () => bundles.client.getBundle({}));
      await until(`${side} server agent port`, proc, () => tcpConnect(port));
      const startMs = performance.now() - t0;
      const bundle = X509Bundle.parseDer(TD, Buffer.concat(served.x509Authorities.map((a) => a.asn1)));
      const entries = uds(entryv1.Entry, socket);
      const agents = uds(agentv1.Agent, socket);
      return new ServerStack(side, dir, proc, port, bundle, entries.client, agents.client, startMs, () => {
        entries.close();
        agents.close();
      });
    } catch (err) {
      await proc.stop();
      throw err;
    } finally {
      bundles.close();
    }
  }

  async joinToken(): Promise<string> {
    return (await this.agents.createJoinToken({ ttl: 600 })).value;
  }

  async stop(): Promise<void> {
    this.closeClients();
    await this.proc.stop();
  }
}

export class AgentStack {
  private constructor(
    readonly side: Side,
    readonly proc: Proc,
    readonly socketPath: string,
    /** The agent's SPIFFE ID: the parent of workload entries. */
    readonly agentId: string,
    readonly startMs: number,
    private readonly debug: { client: Client<typeof agentdebugv1.Debug>; close(): void },
  ) {}

  /**
   * Starts an agent in `dir` attested to `server` with a fresh join token; resolves once its
   * Workload API accepts connections. `dir` is made traversable (0711) by any uid.
   */
  static async start(server: ServerStack, bins: Binaries, dir: string, config: StackConfig = {}): Promise<AgentStack> {
    mkdirSync(join(dir, 'data'), { recursive: true });
    chmodSync(dir, 0o711);
    writeFileSync(join(dir, 'bootstrap.crt'), server.bundle.toPem());
    const conf = join(dir, 'agent.conf');
    writeFileSync(conf, agentConfText(dir, server.port, config.agentExtra));
    const token = await server.joinToken();
    const t0 = performance.now();
    const proc = new Proc([...bins.agent, 'run', '-config', conf, '-joinToken', token], dir);
    const socketPath = join(dir, 'public', 'api.sock');
    const debug = uds(agentdebugv1.Debug, join(dir, 'private', 'admin.sock'));
    try {
      await until(`${server.side} agent Workload API socket`, proc, () => unixConnect(socketPath));
      await until(`${server.side} agent admin API`, proc, () => debug.client.getInfo({}));
    } catch (err) {
      debug.close();
      await proc.stop();
      throw err;
    }
    const agentId = `spiffe://${TRUST_DOMAIN}/spire/agent/join_token/${token}`;
    return new AgentStack(server.side, proc, socketPath, agentId, performance.now() - t0, debug);
  }

  /** Debug.GetInfo's cached X509-SVID count (SPIRE answers from a copy refreshed every few seconds). */
  async cachedX509Svids(): Promise<number> {
    return (await this.debug.client.getInfo({})).cachedX509SvidsCount;
  }

  async stop(): Promise<void> {
    this.debug.close();
    await this.proc.stop();
  }
}

function unixConnect(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}
