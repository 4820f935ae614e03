/**
 * Servers and admin clients for benchmarks: an in-process server (`startServer`) on a temp SQLite
 * file, the real `spire-server run` as a child process, and a connect-node gRPC client over the
 * admin UNIX socket (the same transport the CLI uses).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create } from '@bufbuild/protobuf';
import { createClient, type Client } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { nullLogger, systemClock } from '@tspire/common';
import { entryv1, types } from '@tspire/proto';
import { defaultAgentEndpointOptions, startServer, type RunningServer } from '@tspire/server';
import { TrustDomain } from '@tspire/spiffe';

export const TRUST_DOMAIN = 'example.org';
const SERVER_BIN = fileURLToPath(new URL('../../../packages/cli/dist/bin/spire-server.js', import.meta.url));

export type EntryClient = Client<typeof entryv1.Entry>;

/** An Entry service client on the admin socket; `close()` ends the HTTP/2 session. */
export function entryClient(socketPath: string): { client: EntryClient; close(): void } {
  const sessionManager = new Http2SessionManager('http://localhost', undefined, {
    createConnection: () => net.connect(socketPath),
  });
  const transport = createGrpcTransport({ baseUrl: 'http://localhost', sessionManager });
  return { client: createClient(entryv1.Entry, transport), close: () => sessionManager.abort() };
}

/** Entry number `n`: a workload under one of 100 agents, two selectors. */
export function benchEntry(n: number) {
  return create(types.EntrySchema, {
    spiffeId: { trustDomain: TRUST_DOMAIN, path: `/workload/w-${n}` },
    parentId: { trustDomain: TRUST_DOMAIN, path: `/agent/a-${n % 100}` },
    selectors: [
      { type: 'unix', value: `uid:${n}` },
      { type: 'k8s', value: `ns:team-${n % 37}` },
    ],
    x509SvidTtl: 3600,
  });
}

/** Creates entries [from, to) in batches of `batchSize`; returns their IDs in order. Fails on any non-OK result. */
export async function loadEntries(client: EntryClient, from: number, to: number, batchSize = 50): Promise<string[]> {
  const ids: string[] = [];
  for (let start = from; start < to; start += batchSize) {
    const entries = [];
    for (let n = start; n < Math.min(to, start + batchSize); n++) entries.push(benchEntry(n));
    ids.push(...(await createBatch(client, entries)));
  }
  return ids;
}

export async function createBatch(client: EntryClient, entries: ReturnType<typeof benchEntry>[]): Promise<string[]> {
  const response = await client.batchCreateEntry({ entries });
  return response.results.map((result, i) => {
    if (result.status?.code !== 0 || !result.entry) {
      throw new Error(`entry ${i} of batch not created: ${result.status?.code} ${result.status?.message}`);
    }
    return result.entry.id;
  });
}

/**
 * Stores entries [from, to) straight through the server's datastore, 500 per transaction: for
 * benchmarks that measure reads and only need a populated store quickly. Returns the IDs.
 */
export async function seedEntries(server: RunningServer, from: number, to: number): Promise<string[]> {
  const ids: string[] = [];
  for (let start = from; start < to; start += 500) {
    const batch = [];
    for (let n = start; n < Math.min(to, start + 500); n++) {
      batch.push({
        spiffeId: `spiffe://${TRUST_DOMAIN}/workload/w-${n}`,
        parentId: `spiffe://${TRUST_DOMAIN}/agent/a-${n % 100}`,
        selectors: [{ type: 'unix', value: `uid:${n}` }, { type: 'k8s', value: `ns:team-${n % 37}` }],
        x509SvidTtl: 3600,
      });
    }
    for (const result of await server.datastore.createEntries(batch)) {
      if (!result.entry) throw new Error(`seeding failed: ${result.error.message}`);
      ids.push(result.entry.id);
    }
  }
  return ids;
}

/** A temp directory removed by `cleanup()`. */
export function benchDir(prefix: string): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Starts the server in this process on `<dir>/datastore.sqlite3` with in-memory keys and no logs. */
export function startInProcessServer(dir: string): Promise<RunningServer> {
  return startServer({
    trustDomain: TrustDomain.parse(TRUST_DOMAIN),
    socketPath: join(dir, 'api.sock'),
    agentEndpoint: { ...defaultAgentEndpointOptions(), bindAddress: '127.0.0.1', bindPort: 0 },
    datastore: { databaseType: 'sqlite3', connectionString: join(dir, 'datastore.sqlite3') },
    keyManager: { kind: 'memory' },
    ca: {
      caKeyType: 'ec-p256',
      jwtKeyType: 'ec-p256',
      caSubject: { country: ['US'], organization: ['SPIFFE'] },
      caTtlSeconds: 86_400,
      defaultX509SvidTtlSeconds: 3600,
      defaultJwtSvidTtlSeconds: 300,
      agentTtlSeconds: 3600,
    },
    logger: nullLogger,
    clock: systemClock,
  });
}

/** The real `spire-server run` in a child process (SQLite, disk keys, log level WARN). */
export class ChildServer {
  private constructor(
    readonly child: ChildProcess,
    readonly socketPath: string,
    /** the agent-facing TCP endpoint on 127.0.0.1 */
    readonly tcpPort: number,
    private readonly output: () => string,
  ) {}

  /**
   * `options.tcpPort`: the agent endpoint's port (default: a free one picked here);
   * `options.serverExtra`: more `server {}` lines, e.g. `ratelimit { signing = false }`.
   */
  static async start(dir: string, options: { tcpPort?: number; serverExtra?: string } = {}): Promise<ChildServer> {
    const socketPath = join(dir, 'api.sock');
    const tcpPort = options.tcpPort ?? (await freePort());
    const conf = join(dir, 'server.conf');
    writeFileSync(
      conf,
      `server {
  trust_domain = "${TRUST_DOMAIN}"
  data_dir = ${JSON.stringify(join(dir, 'data'))}
  socket_path = ${JSON.stringify(socketPath)}
  bind_address = "127.0.0.1"
  bind_port = "${tcpPort}"
  log_level = "WARN"
${options.serverExtra ?? ''}
}
plugins {
  DataStore "sql" { plugin_data { database_type = "sqlite3" connection_string = ${JSON.stringify(join(dir, 'data', 'datastore.sqlite3'))} } }
  KeyManager "disk" { plugin_data { keys_path = ${JSON.stringify(join(dir, 'data', 'keys.json'))} } }
  NodeAttestor "join_token" { plugin_data {} }
}
`,
    );
    // e.g. TSPIRE_BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the server
    const nodeArgs = (process.env['TSPIRE_BENCH_SERVER_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, SERVER_BIN, 'run', '-config', conf], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (output += d));
    const deadline = Date.now() + 30_000;
    while (!(existsSync(socketPath) && (await canConnect(socketPath)))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`spire-server did not start:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return new ChildServer(child, socketPath, tcpPort, () => output);
  }

  /** User + system CPU time of the server process (all its threads), in milliseconds. */
  cpuMs(): number {
    const stat = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  }

  /** VmRSS and VmHWM (peak) of the server process, in bytes, from /proc. */
  memory(): { rssBytes: number; peakRssBytes: number } {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM') };
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'close');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    const [code] = (await exited) as [number | null];
    clearTimeout(timer);
    if (code !== 0) throw new Error(`spire-server exited with ${code}:\n${this.output()}`);
  }
}

/** A TCP port free on 127.0.0.1 right now (the OS picks it; released before returning). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
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
