/**
 * examples/postgres end to end: a real tspire server and agent, a PostgreSQL cluster of its own
 * (Debian's binaries, started here on 127.0.0.1 as user postgres) whose TLS certificate, key and
 * CA bundle come from a spiffe-helper running as postgres, and a client whose certificate,
 * written by a second (one-shot) spiffe-helper, is its only credential (`hostssl ... cert`).
 * A self-signed client is refused; after the server SVID rotates, the helper's SIGHUP (through
 * postmaster.pid) makes PostgreSQL reload, and new connections get the new certificate.
 * Skipped, with the reason, where PostgreSQL binaries, root or the postgres user are missing.
 */
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { TrustDomain, X509Bundle, verifyX509Svid } from '@tspire/spiffe';
import { Daemon, bins, repoRoot, run, tempDir, waitForSocket } from './lib/processes.js';
import { ServerProcess, assertOk, waitForOutput, writeServerConf } from './lib/server-fixture.js';
import { otherUidSkipReason } from './lib/other-uids.js';

const exec = promisify(execFile);
const helperBin = join(repoRoot, 'packages/cli/dist/bin/spiffe-helper.js');
const example = (name: string): string => readFileSync(join(repoRoot, 'examples/postgres', name), 'utf8');
const NODE_ID = 'spiffe://example.org/agent/pg-host';
const TD = TrustDomain.parse('example.org');

/** The newest /usr/lib/postgresql/<version>/bin with initdb and pg_ctl, or why the test cannot run. */
function findPostgres(): { bin: string; uid: number; gid: number } | string {
  if (process.getuid?.() !== 0) return 'needs root (PostgreSQL runs as user postgres, started with runuser/setpriv)';
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions[0] === undefined) return 'PostgreSQL binaries are absent (/usr/lib/postgresql/*/bin/initdb); install Debian\'s `postgresql` (scripts/ci-postgres.sh does)';
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n').find((line) => line.startsWith('postgres:'));
  const [, , uid, gid] = passwd?.split(':') ?? [];
  if (uid === undefined || gid === undefined) return 'the postgres user does not exist';
  for (const tool of ['/usr/bin/setpriv', '/usr/sbin/runuser', '/usr/bin/psql', '/usr/bin/openssl']) {
    if (!existsSync(tool)) return `${tool} is missing`;
  }
  const unreachable = otherUidSkipReason(Number(uid), Number(gid));
  if (unreachable) return unreachable;
  return { bin: join(base, versions[0], 'bin'), uid: Number(uid), gid: Number(gid) };
}

const found = findPostgres();
const skip = typeof found === 'string' ? `skipped: ${found}` : false;

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

async function until<T>(what: string, attempt: () => Promise<T | undefined>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('examples/postgres: PostgreSQL with SVIDs from spiffe-helper', { skip }, () => {
  const pgInfo = found as Exclude<typeof found, string>;
  const tmp = tempDir('tspire-e2e-pg-');
  const agentSocket = join(tmp.path, 'agent.sock');
  const pgDir = join(tmp.path, 'pg');
  const pgData = join(pgDir, 'data');
  const pgSock = join(pgDir, 'sock');
  const serverSvids = join(pgDir, 'svids');
  const clientSvids = join(tmp.path, 'client');
  let port = 0;
  let server: ServerProcess | undefined;
  let agent: Daemon | undefined;
  let serverHelper: ChildProcess | undefined;
  let serverHelperOutput = '';
  let pgStarted = false;

  const asPostgres = (cmd: string, args: string[]) => exec('/usr/sbin/runuser', ['-u', 'postgres', '--', cmd, ...args], { cwd: pgDir });
  const pgLog = (): string => (existsSync(join(pgDir, 'pg.log')) ? readFileSync(join(pgDir, 'pg.log'), 'utf8') : '');

  /** psql as the client over TCP with verify-full; resolves with exit code and output. */
  async function psql(files: { cert: string; key: string; root: string }, sql: string) {
    const conn = `host=localhost hostaddr=127.0.0.1 port=${port} dbname=postgres user=app sslmode=verify-full sslrootcert=${files.root} sslcert=${files.cert} sslkey=${files.key} connect_timeout=10`;
    try {
      const { stdout } = await exec('/usr/bin/psql', [conn, '-X', '-tAc', sql], { env: { ...process.env, PGPASSWORD: '' } });
      return { code: 0, out: stdout.trim() };
    } catch (err) {
      const e = err as { code?: number; stderr?: string };
      return { code: e.code ?? -1, out: e.stderr ?? String(err) };
    }
  }

  /** The leaf PostgreSQL presents, read with `openssl s_client -starttls postgres`. */
  async function presentedLeaf(): Promise<X509Certificate | undefined> {
    try {
      const pending = exec('/usr/bin/openssl', ['s_client', '-starttls', 'postgres', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost'], { timeout: 10_000 });
      pending.child.stdin?.end(); // s_client stays connected until its stdin closes
      const { stdout } = await pending;
      const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(stdout)?.[0];
      return pem === undefined ? undefined : new X509Certificate(pem);
    } catch {
      return undefined;
    }
  }

  const clientFiles = { cert: join(clientSvids, 'postgresql.crt'), key: join(clientSvids, 'postgresql.key'), root: join(clientSvids, 'root.crt') };

  before(async () => {
    chmodSync(tmp.path, 0o755); // postgres must reach the agent socket and its own directory
    port = await freePort();
    writeServerConf(tmp.path);
    server = await ServerProcess.start(tmp.path);
    writeFileSync(join(tmp.path, 'bootstrap.crt'), assertOk(await server.cli('bundle', 'show'), 'bundle show').stdout);
    writeFileSync(join(tmp.path, 'agent.conf'), `agent {
    data_dir = ${JSON.stringify(join(tmp.path, 'agent-data'))}
    log_level = "DEBUG"
    server_address = "127.0.0.1"
    server_port = "${server.tcpPort}"
    socket_path = ${JSON.stringify(agentSocket)}
    trust_bundle_path = ${JSON.stringify(join(tmp.path, 'bootstrap.crt'))}
    trust_domain = "example.org"
}
plugins {
    NodeAttestor "join_token" { plugin_data {} }
    KeyManager "memory" { plugin_data {} }
    WorkloadAttestor "unix" { plugin_data {} }
}
`);
    const generated = assertOk(await server.cli('token', 'generate', '-spiffeID', NODE_ID), 'token generate');
    const token = /^Token: (\S+)$/m.exec(generated.stdout)?.[1] ?? '';
    // The database server: uid postgres, CN/SAN localhost, a short TTL so it rotates during the test.
    assertOk(await server.cli('entry', 'create', '-parentID', NODE_ID, '-spiffeID', 'spiffe://example.org/db/postgres', '-selector', `unix:uid:${pgInfo.uid}`, '-dns', 'localhost', '-x509SVIDTTL', '20'), 'entry create (db)');
    // The client: this process's uid; its first DNS name becomes the CN that pg_ident maps to role "app".
    assertOk(await server.cli('entry', 'create', '-parentID', NODE_ID, '-spiffeID', 'spiffe://example.org/db/client/app', '-selector', `unix:uid:${process.getuid!()}`, '-dns', 'app.clients.example.org'), 'entry create (client)');
    agent = new Daemon(bins.spireAgent, ['run', '-config', join(tmp.path, 'agent.conf'), '-joinToken', token], { cwd: tmp.path });
    await waitForSocket(agentSocket, agent);
    await waitForOutput(agent, /Agent started/);

    // The cluster: initdb as postgres, then the example's SSL settings, pg_hba.conf and pg_ident.conf.
    for (const dir of [pgDir, serverSvids]) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chownSync(dir, pgInfo.uid, pgInfo.gid);
    }
    await asPostgres(join(pgInfo.bin, 'initdb'), ['-D', pgData, '-U', 'postgres', '--auth=trust', '--no-sync', '--no-instructions']);
    mkdirSync(pgSock);
    chownSync(pgSock, pgInfo.uid, pgInfo.gid);
    const paths = (text: string): string =>
      text
        .replaceAll('/tmp/spire-agent/public/api.sock', agentSocket)
        .replaceAll('/var/lib/postgresql/svids', serverSvids)
        .replaceAll('/var/lib/postgresql/data', pgData)
        .replaceAll('/home/app/.postgresql', clientSvids);
    appendFileSync(join(pgData, 'postgresql.conf'), `\nlisten_addresses = '127.0.0.1'\nport = ${port}\nunix_socket_directories = '${pgSock}'\nfsync = off\n${paths(example('postgresql-ssl.conf'))}`);
    writeFileSync(join(pgData, 'pg_hba.conf'), `local all postgres trust\n${example('pg_hba.conf')}`);
    writeFileSync(join(pgData, 'pg_ident.conf'), example('pg_ident.conf'));

    // The server-side helper runs as postgres, so the key it writes (0600) belongs to postgres.
    writeFileSync(join(tmp.path, 'helper-server.conf'), paths(example('helper-server.conf')));
    serverHelper = spawn('/usr/bin/setpriv', [`--reuid=${pgInfo.uid}`, `--regid=${pgInfo.gid}`, '--clear-groups', process.execPath, helperBin, '-config', join(tmp.path, 'helper-server.conf')], {
      cwd: pgDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    serverHelper.stdout?.setEncoding('utf8').on('data', (d: string) => (serverHelperOutput += d));
    serverHelper.stderr?.setEncoding('utf8').on('data', (d: string) => (serverHelperOutput += d));
    await until('the server helper to write server.crt', async () => {
      if (serverHelper?.exitCode !== null) throw new Error(`server helper exited:\n${serverHelperOutput}`);
      return existsSync(join(serverSvids, 'root.crt')) ? true : undefined;
    });
    await asPostgres(join(pgInfo.bin, 'pg_ctl'), ['-D', pgData, '-l', join(pgDir, 'pg.log'), '-w', '-t', '30', 'start']).catch((err: Error) => {
      throw new Error(`pg_ctl start failed: ${err.message}\n${pgLog()}`);
    });
    pgStarted = true;
    await asPostgres('/usr/bin/psql', ['-h', pgSock, '-p', String(port), '-d', 'postgres', '-X', '-qc', 'CREATE ROLE app LOGIN']);

    // The client-side helper: one-shot (init container style), as this process's uid.
    mkdirSync(clientSvids, { mode: 0o700 });
    writeFileSync(join(tmp.path, 'helper-client.conf'), paths(example('helper-client.conf')));
    const oneShot = await run(helperBin, ['-config', join(tmp.path, 'helper-client.conf'), '-daemon-mode=false'], { cwd: tmp.path, timeoutMs: 60_000 });
    assertOk(oneShot, 'client spiffe-helper -daemon-mode=false');
  });

  after(async () => {
    if (pgStarted) await asPostgres(join(pgInfo.bin, 'pg_ctl'), ['-D', pgData, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    if (serverHelper && serverHelper.exitCode === null) {
      serverHelper.kill('SIGTERM');
      await once(serverHelper, 'exit');
    }
    await agent?.stop();
    await server?.stop();
    tmp.cleanup();
  });

  test('the client connects with verify-full, authenticated by its SVID and mapped to role app', async () => {
    const keyMode = (await exec('/usr/bin/stat', ['-c', '%a %U', join(serverSvids, 'server.key')])).stdout.trim();
    assert.equal(keyMode, '600 postgres', 'the server key is private to postgres');
    const result = await psql(clientFiles, "SELECT current_user || ' ' || ssl::text || ' ' || client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
    assert.equal(result.code, 0, result.out);
    assert.match(result.out, /^app true .*CN=app\.clients\.example\.org/);
  });

  test('a client with a self-signed certificate for the same CN is refused, as is one without a certificate', async (t) => {
    const bad = join(tmp.path, 'bad');
    mkdirSync(bad, { mode: 0o700 });
    await exec('/usr/bin/openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=app.clients.example.org', '-days', '1', '-keyout', join(bad, 'key.pem'), '-out', join(bad, 'cert.pem')]);
    chmodSync(join(bad, 'key.pem'), 0o600);
    const forged = await psql({ cert: join(bad, 'cert.pem'), key: join(bad, 'key.pem'), root: clientFiles.root }, 'SELECT 1');
    assert.notEqual(forged.code, 0);
    t.diagnostic(`self-signed: ${forged.out.trim()}`);
    assert.match(forged.out, /unknown ca|certificate verify failed/i);
    const none = await psql({ cert: join(bad, 'missing.crt'), key: join(bad, 'missing.key'), root: clientFiles.root }, 'SELECT 1');
    assert.notEqual(none.code, 0);
    t.diagnostic(`no certificate: ${none.out.trim()}`);
    assert.match(none.out, /requires a valid client certificate/);
  });

  test('after the server SVID rotates, the helper SIGHUPs postgres and new connections get the new certificate', async () => {
    const before = await presentedLeaf();
    assert.ok(before, 'postgres presents a certificate');
    // TTL 20 s: the agent rotates at half life, the helper rewrites server.crt and SIGHUPs the postmaster.
    const presented = await until('postgres to present a rotated certificate', async () => {
      const leaf = await presentedLeaf();
      return leaf !== undefined && leaf.serialNumber !== before.serialNumber ? leaf : undefined;
    });
    const bundle = X509Bundle.parsePem(TD, readFileSync(join(serverSvids, 'root.crt')));
    assert.equal(verifyX509Svid([presented], bundle).id.toString(), 'spiffe://example.org/db/postgres');
    assert.ok(new Date(presented.validTo).getTime() > new Date(before.validTo).getTime(), 'the new certificate outlives the old one');
    assert.match(pgLog(), /received SIGHUP, reloading configuration files/);
    assert.match(serverHelperOutput, /Signalled process from pid file/);
    const result = await psql(clientFiles, 'SELECT current_user');
    assert.deepEqual(result, { code: 0, out: 'app' });
  });
});
