#!/usr/bin/env node
// `npm start`: a local tspire on embedded SQLite under ./.tspire (reused by the next start).
// Today it runs the server, registers a workload entry for the current uid with a join token
// for its agent, and mints that workload's X509-SVID through the admin API (MintX509SVID), the
// way `spire-server x509 mint` does. The agent and the Workload API arrive with issue 6; then
// this script starts the agent too and the workload fetches its SVID over the Workload API.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = resolve(process.env.TSPIRE_HOME ?? join(root, '.tspire'));
const socketPath = join(dataDir, 'server', 'api.sock');
const bin = join(root, 'packages/cli/dist/bin/spire-server.js');
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
if (firstRun) {
  // Only once: `token generate -spiffeID` also registers the agent's alias entry.
  const token = step('token generate', cli('token', 'generate', '-spiffeID', agentId, '-ttl', '3600')).trim();
  say(`join token for the agent ${agentId}: ${token.replace(/^Token: /, '')} (valid 1h)`);
}
const created = cli('entry', 'create', '-parentID', agentId, '-spiffeID', workloadId, '-selector', `unix:uid:${uid}`);
if (created.status === 0) say(`registered ${workloadId} for selector unix:uid:${uid}`);
else if (/similar entry already exists/.test(created.stderr)) say(`entry for ${workloadId} already registered`);
else step('entry create', created);

const svidDir = join(dataDir, 'svids');
mkdirSync(svidDir, { recursive: true, mode: 0o700 });
const mint = () => {
  step('x509 mint', cli('x509', 'mint', '-spiffeID', workloadId, '-write', svidDir));
  const text = spawnSync('openssl', ['x509', '-in', join(svidDir, 'svid.pem'), '-noout', '-enddate'], { encoding: 'utf8' });
  say(`workload SVID ${workloadId} written to ${svidDir} ${text.status === 0 ? `(${text.stdout.trim()})` : ''}`);
};
mint();
say(`server admin socket: ${socketPath}`);
say(`try: node ${bin} entry show -socketPath ${socketPath}`);
say('the agent and Workload API are not built yet (issue 6): the SVID above was minted through the admin API.');
say('renewing the workload SVID every 30 minutes; Ctrl-C stops the server');
const renew = setInterval(mint, 30 * 60 * 1000);

function stop(code = 0) {
  stopping = true;
  clearInterval(renew);
  server.once('exit', () => process.exit(code));
  server.kill('SIGTERM');
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
