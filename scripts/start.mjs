#!/usr/bin/env node
// `npm start`: a local tspire on embedded SQLite under ./.tspire (reused by the next start):
// the server, an agent joined with a join token (only while it has no stored identity), an entry
// for the current uid, and a workload (`spire-agent api fetch x509`, then `api watch`) getting
// its SVID over the Workload API, printing every rotation until Ctrl-C stops everything.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = resolve(process.env.TSPIRE_HOME ?? join(root, '.tspire'));
const socketPath = join(dataDir, 'server', 'api.sock');
const bin = join(root, 'packages/cli/dist/bin/spire-server.js');
const agentBin = join(root, 'packages/cli/dist/bin/spire-agent.js');
const agentDir = join(dataDir, 'agent');
const agentSocket = join(dataDir, 'agent.sock');
const agentConf = join(dataDir, 'agent.conf');
const bootstrapBundle = join(dataDir, 'bootstrap.crt');
const td = 'example.org';
const uid = process.getuid?.() ?? 1000;
const workloadId = `spiffe://${td}/workload/uid-${uid}`;
const agentId = `spiffe://${td}/agent/local`;

mkdirSync(join(dataDir, 'server'), { recursive: true, mode: 0o700 });
const configPath = join(dataDir, 'server.conf');
const firstRun = !existsSync(configPath);
if (firstRun) {
  writeFileSync(configPath, `server {
    bind_address = "127.0.0.1"
    bind_port = "8081"
    socket_path = "${socketPath}"
    trust_domain = "${td}"
    data_dir = "${join(dataDir, 'server')}"
    log_level = "INFO"
}

plugins {
    DataStore "sql" {
        plugin_data {
            database_type = "sqlite3"
            connection_string = "${join(dataDir, 'server', 'datastore.sqlite3')}"
        }
    }
    KeyManager "disk" {
        plugin_data {
            keys_path = "${join(dataDir, 'server', 'keys.json')}"
        }
    }
    NodeAttestor "join_token" {
        plugin_data {}
    }
}
`);
}

const cli = (...args) => spawnSync(process.execPath, [bin, ...args, '-socketPath', socketPath], { encoding: 'utf8' });
const say = (text) => process.stdout.write(`tspire: ${text}\n`);

say(`data in ${dataDir} (config ${configPath})`);
const server = spawn(process.execPath, [bin, 'run', '-config', configPath], { stdio: ['ignore', 'inherit', 'inherit'] });
let stopping = false;
server.on('exit', (code, signal) => {
  if (!stopping) {
    say(`server exited unexpectedly (code ${code}, signal ${signal})`);
    process.exit(1);
  }
});

function canConnect(path) {
  return new Promise((done) => {
    const s = connect(path);
    s.once('connect', () => (s.destroy(), done(true)));
    s.once('error', () => done(false));
  });
}

for (let i = 0; !(existsSync(socketPath) && (await canConnect(socketPath))); i++) {
  if (i > 300) {
    say('the server did not open its admin socket within 30s');
    server.kill('SIGTERM');
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 100));
}

const step = (title, result, okCodes = [0]) => {
  if (!okCodes.includes(result.status)) {
    say(`${title} failed:\n${result.stdout}${result.stderr}`);
    stop(1);
  }
  return result.stdout;
};

step('healthcheck', cli('healthcheck'));
const created = cli('entry', 'create', '-parentID', agentId, '-spiffeID', workloadId, '-selector', `unix:uid:${uid}`);
if (created.status === 0) say(`registered ${workloadId} for selector unix:uid:${uid}`);
else if (/similar entry already exists/.test(created.stderr)) say(`entry for ${workloadId} already registered`);
else step('entry create', created);

// The agent: bootstrap trust from the server's bundle; a join token only while it has no identity.
mkdirSync(agentDir, { recursive: true, mode: 0o700 });
writeFileSync(bootstrapBundle, step('bundle show', cli('bundle', 'show')));
writeFileSync(agentConf, `agent {
    data_dir = "${agentDir}"
    log_level = "INFO"
    server_address = "127.0.0.1"
    server_port = "8081"
    socket_path = "${agentSocket}"
    trust_bundle_path = "${bootstrapBundle}"
    trust_domain = "${td}"
}

plugins {
    NodeAttestor "join_token" {
        plugin_data {}
    }
    KeyManager "disk" {
        plugin_data {
            directory = "${agentDir}"
        }
    }
    WorkloadAttestor "unix" {
        plugin_data {}
    }
}
`);
const agentArgs = ['run', '-config', agentConf];
if (!existsSync(join(agentDir, 'agent-data.json'))) {
  // `token generate -spiffeID` also registers the alias entry the workload entry hangs under.
  const token = step('token generate', cli('token', 'generate', '-spiffeID', agentId, '-ttl', '600')).trim().replace(/^Token: /, '');
  say(`agent joins with a fresh join token (single use, 10 min) as ${agentId}`);
  agentArgs.push('-joinToken', token);
} else {
  say('agent restarts from its stored identity (no join token needed)');
}
var agent = spawn(process.execPath, [agentBin, ...agentArgs], { stdio: ['ignore', 'inherit', 'inherit'] });
agent.on('exit', (code, signal) => {
  if (!stopping) {
    say(`agent exited unexpectedly (code ${code}, signal ${signal})`);
    stop(1);
  }
});

// The workload: fetch over the Workload API until the agent has synced its SVID.
const svidDir = join(dataDir, 'svids');
mkdirSync(svidDir, { recursive: true, mode: 0o700 });
const agentCli = (...args) => spawnSync(process.execPath, [agentBin, ...args, '-socketPath', agentSocket], { encoding: 'utf8' });
let fetched;
for (let i = 0; ; i++) {
  fetched = existsSync(agentSocket) ? agentCli('api', 'fetch', 'x509', '-write', svidDir) : undefined;
  if (fetched?.status === 0) break;
  if (i > 240) {
    say(`the workload got no SVID within 60s:\n${fetched?.stdout ?? ''}${fetched?.stderr ?? ''}`);
    stop(1);
    break;
  }
  await new Promise((r) => setTimeout(r, 250));
}
const until = /SVID Valid Until:\t(.+)/.exec(fetched.stdout)?.[1] ?? '?';
say(`workload (uid ${uid}) got ${workloadId} over the Workload API, valid until ${until}`);
say(`files: ${svidDir}/svid.0.pem, svid.0.key, bundle.0.pem`);
say(`Workload API socket: ${agentSocket}`);
say(`try: node ${agentBin} api fetch x509 -socketPath ${agentSocket}`);
say(`     node ${bin} entry show -socketPath ${socketPath}`);
say('watching the SVID (the agent rotates it at half life); Ctrl-C stops the workload, agent and server');
var watch = spawn(process.execPath, [agentBin, 'api', 'watch', '-socketPath', agentSocket], { stdio: ['ignore', 'pipe', 'inherit'] });
watch.stdout.setEncoding('utf8').on('data', (text) => {
  for (const line of text.split('\n')) if (line.startsWith('SPIFFE ID:') || line.startsWith('SVID Valid Until:')) say(`watch: ${line.replace(/\t+/g, ' ')}`);
});

function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  watch?.kill('SIGTERM');
  const stopServer = () => {
    server.once('exit', () => process.exit(code));
    server.kill('SIGTERM');
  };
  if (agent && agent.exitCode === null && agent.signalCode === null) {
    agent.once('exit', stopServer);
    agent.kill('SIGTERM');
  } else stopServer();
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
