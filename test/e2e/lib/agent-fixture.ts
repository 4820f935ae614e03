/**
 * A real `spire-server run` plus a joined `spire-agent run` in one temp directory, for the agent
 * e2e tests: writes agent.conf (SPIRE's keys, bootstrap bundle from `bundle show`, join token),
 * starts both bins and creates/deletes entries with the server CLI. The server can be killed and
 * started again on the same data dir and the same agent-facing port (the agent's server_port is
 * fixed in its config).
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon, bins, tempDir, waitForSocket } from './processes.js';
import { ServerProcess, assertOk, serverPaths, waitForOutput, writeServerConf } from './server-fixture.js';

export const TRUST_DOMAIN = 'example.org';
export const NODE_ID = 'spiffe://example.org/agent/e2e-node';

export interface AgentFixtureOptions {
  /** Prefix of the temp directory. */
  readonly prefix?: string;
  /** WorkloadAttestor blocks inside `plugins {}`; default: `WorkloadAttestor "unix"`. */
  readonly workloadAttestors?: string;
  /** agent.experimental.sync_interval (e.g. "1s"); default: SPIRE's 5s. */
  readonly syncInterval?: string;
  /**
   * Mode of the temp directory: other uids need search (x) permission on it to reach the socket
   * directory the agent creates under it. Default 0700 (mkdtemp's).
   */
  readonly dirMode?: number;
}

/** One server and one agent; call stop() in `after`. */
export class AgentFixture {
  agent: Daemon | undefined;

  private constructor(
    readonly dir: string,
    private readonly cleanupDir: () => void,
    public server: ServerProcess,
    /** The Workload API socket (`<dir>/public/api.sock`: the agent creates `public/`). */
    readonly socketPath: string,
    readonly agentConf: string,
  ) {}

  static async start(options: AgentFixtureOptions = {}): Promise<AgentFixture> {
    const tmp = tempDir(options.prefix ?? 'tspire-e2e-agent-');
    if (options.dirMode !== undefined) chmodSync(tmp.path, options.dirMode);
    let server: ServerProcess | undefined;
    let agent: Daemon | undefined;
    try {
      writeServerConf(tmp.path);
      server = await ServerProcess.start(tmp.path);
      pinServerPort(tmp.path, server.tcpPort);
      const bootstrap = join(tmp.path, 'bootstrap.crt');
      writeFileSync(bootstrap, assertOk(await server.cli('bundle', 'show'), 'bundle show').stdout);
      const socketPath = join(tmp.path, 'public', 'api.sock');
      const agentConf = join(tmp.path, 'agent.conf');
      writeFileSync(agentConf, agentConfText(tmp.path, server.tcpPort, socketPath, bootstrap, options));
      const fixture = new AgentFixture(tmp.path, tmp.cleanup, server, socketPath, agentConf);
      const generated = assertOk(await server.cli('token', 'generate', '-spiffeID', NODE_ID), 'token generate');
      const token = /^Token: (\S+)$/m.exec(generated.stdout)?.[1];
      if (token === undefined) throw new Error(`token generate printed no token: ${generated.stdout}`);
      agent = new Daemon(bins.spireAgent, ['run', '-config', agentConf, '-joinToken', token], { cwd: tmp.path });
      fixture.agent = agent;
      await waitForSocket(socketPath, agent);
      await waitForOutput(agent, /Agent started/);
      return fixture;
    } catch (err) {
      await agent?.stop('SIGKILL');
      await server?.kill();
      tmp.cleanup();
      throw err;
    }
  }

  /** The agent's log so far ('' before it started). */
  get agentLog(): string {
    return this.agent?.output ?? '';
  }

  /** `spire-server entry create -parentID <node> -spiffeID <id> -selector ...`; returns the entry ID. */
  async createEntry(spiffeId: string, selectors: readonly string[], ...extra: string[]): Promise<string> {
    const args = ['entry', 'create', '-parentID', NODE_ID, '-spiffeID', spiffeId, ...selectors.flatMap((s) => ['-selector', s]), ...extra];
    const created = assertOk(await this.server.cli(...args), `entry create ${spiffeId}`);
    const id = /^Entry ID\s*:\s*(\S+)$/m.exec(created.stdout)?.[1];
    if (id === undefined) throw new Error(`entry create printed no Entry ID: ${created.stdout}`);
    return id;
  }

  async deleteEntry(entryId: string): Promise<void> {
    assertOk(await this.server.cli('entry', 'delete', '-entryID', entryId), `entry delete ${entryId}`);
  }

  /** Starts the server again on the same data dir and agent-facing port (after kill/stop). */
  async restartServer(): Promise<void> {
    const port = this.server.tcpPort;
    this.server = await ServerProcess.start(this.dir);
    if (this.server.tcpPort !== port) throw new Error(`the restarted server listens on ${this.server.tcpPort}, not ${port}`);
  }

  async stop(): Promise<void> {
    await this.agent?.stop();
    await this.server.stop();
    this.cleanupDir();
  }
}

/** Rewrites server.conf so a restart binds the agent-facing port the agent was configured with. */
function pinServerPort(dir: string, port: number): void {
  const conf = serverPaths(dir).conf;
  const text = readFileSync(conf, 'utf8');
  // The first bind_port is the one in `server {}`; health_checks keeps port 0.
  writeFileSync(conf, text.replace('bind_port = "0"', `bind_port = "${port}"`));
}

function agentConfText(dir: string, port: number, socketPath: string, bootstrap: string, options: AgentFixtureOptions): string {
  const dataDir = join(dir, 'agent-data');
  mkdirSync(dataDir, { recursive: true });
  const q = (value: string): string => JSON.stringify(value);
  const experimental = options.syncInterval === undefined ? '' : `    experimental {\n        sync_interval = ${q(options.syncInterval)}\n    }\n`;
  return `agent {
    data_dir = ${q(dataDir)}
    log_level = "DEBUG"
    server_address = "127.0.0.1"
    server_port = "${port}"
    socket_path = ${q(socketPath)}
    trust_bundle_path = ${q(bootstrap)}
    trust_domain = ${q(TRUST_DOMAIN)}
${experimental}}

plugins {
    NodeAttestor "join_token" {
        plugin_data {}
    }
    KeyManager "disk" {
        plugin_data {
            directory = ${q(dataDir)}
        }
    }
${options.workloadAttestors ?? '    WorkloadAttestor "unix" {\n        plugin_data {}\n    }'}
}
`;
}
