/**
 * The real `spire-agent run` in a child process for benchmarks, attested with a join token to a
 * real `spire-server run` (ChildServer), with the unix workload attestor and an in-memory key
 * manager. `benchCluster` starts both and hands back an Entry client on the admin socket.
 *
 * TSPIRE_BENCH_AGENT_NODE_ARGS adds node flags to the agent, e.g.
 * `TSPIRE_BENCH_AGENT_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"` to profile it (the
 * profile is written when the agent exits on SIGTERM).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { agentv1, bundlev1 } from '@tspire/proto';
import { ChildServer, TRUST_DOMAIN, entryClient, type EntryClient } from './admin-server.js';
import { procCpuMs, procMemory, type ProcMemory } from './proc-memory.js';

const AGENT_BIN = fileURLToPath(new URL('../../../packages/cli/dist/bin/spire-agent.js', import.meta.url));

export interface ChildAgentOptions {
  /** Default WARN (nothing per call). */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN';
  /** More `agent {}` lines, e.g. `experimental { sync_interval = "200ms" }`. */
  readonly agentExtra?: string;
}

/** DER certificates as one PEM text. */
export function certsToPem(ders: readonly Uint8Array[]): string {
  return ders
    .map((der) => {
      const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
      return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
    })
    .join('');
}

/** The agent.conf the benchmarks use, as text. */
export function agentConfText(dir: string, serverPort: number, options: ChildAgentOptions = {}): string {
  return `agent {
  data_dir = ${JSON.stringify(join(dir, 'agent-data'))}
  log_level = "${options.logLevel ?? 'WARN'}"
  server_address = "127.0.0.1"
  server_port = "${serverPort}"
  socket_path = ${JSON.stringify(join(dir, 'public', 'api.sock'))}
  trust_bundle_path = ${JSON.stringify(join(dir, 'bootstrap.crt'))}
  trust_domain = "${TRUST_DOMAIN}"
${options.agentExtra ?? ''}
}
plugins {
  NodeAttestor "join_token" { plugin_data {} }
  KeyManager "memory" { plugin_data {} }
  WorkloadAttestor "unix" { plugin_data {} }
}
`;
}

export class ChildAgent {
  private constructor(
    readonly child: ChildProcess,
    readonly socketPath: string,
    private readonly log: { text: string },
  ) {}

  /** Everything the agent printed so far. */
  get output(): string {
    return this.log.text;
  }

  /**
   * Starts the agent with `<dir>/bootstrap.crt` (written beforehand) and `joinToken`; resolves
   * once the Workload API accepts connections (the agent opens it after its first sync).
   */
  static async start(dir: string, serverPort: number, joinToken: string, options: ChildAgentOptions = {}): Promise<ChildAgent> {
    const conf = join(dir, 'agent.conf');
    writeFileSync(conf, agentConfText(dir, serverPort, options));
    const nodeArgs = (process.env['TSPIRE_BENCH_AGENT_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, AGENT_BIN, 'run', '-config', conf, '-joinToken', joinToken], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = { text: '' };
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (log.text += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (log.text += d));
    const socketPath = join(dir, 'public', 'api.sock');
    const deadline = Date.now() + 30_000;
    while (!(await canConnect(socketPath))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`spire-agent did not start:\n${log.text}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return new ChildAgent(child, socketPath, log);
  }

  memory(): ProcMemory {
    return procMemory(this.child.pid!);
  }

  cpuMs(): number {
    return procCpuMs(this.child.pid!);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'close');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

export interface BenchCluster {
  readonly server: ChildServer;
  readonly agent: ChildAgent;
  /** The agent's SPIFFE ID (join_token form): the parent of workload entries. */
  readonly agentId: string;
  readonly entries: EntryClient;
  close(): Promise<void>;
}

/**
 * A server and an agent in `dir`; `dir` is made traversable by every uid (0711) so workloads
 * running as other users can reach the agent socket under `<dir>/public/`.
 */
export async function benchCluster(
  dir: string,
  options: { agent?: ChildAgentOptions; serverExtra?: string } = {},
): Promise<BenchCluster> {
  chmodSync(dir, 0o711);
  mkdirSync(join(dir, 'agent-data'), { recursive: true });
  const server = await ChildServer.start(dir, options.serverExtra === undefined ? {} : { serverExtra: options.serverExtra });
  const sessionManager = new Http2SessionManager('http://localhost', undefined, { createConnection: () => net.connect(server.socketPath) });
  const transport = createGrpcTransport({ baseUrl: 'http://localhost', sessionManager });
  const entries = entryClient(server.socketPath);
  try {
    const bundle = await createClient(bundlev1.Bundle, transport).getBundle({});
    writeFileSync(join(dir, 'bootstrap.crt'), certsToPem(bundle.x509Authorities.map((a) => a.asn1)));
    const token = (await createClient(agentv1.Agent, transport).createJoinToken({ ttl: 600 })).value;
    const agent = await ChildAgent.start(dir, server.tcpPort, token, options.agent);
    return {
      server,
      agent,
      agentId: `spiffe://${TRUST_DOMAIN}/spire/agent/join_token/${token}`,
      entries: entries.client,
      async close() {
        entries.close();
        await agent.stop();
        await server.stop();
      },
    };
  } catch (err) {
    entries.close();
    await server.stop().catch(() => undefined);
    throw err;
  } finally {
    sessionManager.abort();
  }
}

function canConnect(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
