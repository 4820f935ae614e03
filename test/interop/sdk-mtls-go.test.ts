/**
 * Our SDK's mTLS against a real go-spiffe v2 spiffetls peer, in both roles (issue 8, item 5).
 * Both sides hold SVIDs from tspire's agent: the SDK runs in this process (uid 0, its own entry)
 * through X509Source, and the go-spiffe program runs as another uid through setpriv, so the two
 * present different SPIFFE IDs and each authorizes the other's.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { authorizeId, isSpiffeError } from '@tspire/spiffe';
import { X509Source, mtlsClientOptions, mtlsServerOptions, peerSpiffeId } from '@tspire/workload';
import type { Daemon } from '../e2e/lib/processes.js';
import { tempDir } from '../e2e/lib/processes.js';
import { ServerProcess, assertOk, waitForOutput, writeServerConf } from '../e2e/lib/server-fixture.js';
import { NativeDaemon, missingPeers, peerPath, pollUntil, runNative } from './lib/peers.js';
import { agentConfText, agentDirs, parseToken, startTspireAgent, tspireAgentCli, uid } from './lib/stacks.js';
import { otherUidSkipReason } from '../e2e/lib/other-uids.js';

const NODE_ID = 'spiffe://example.org/agent/sdk-mtls';
const SDK_ID = 'spiffe://example.org/workload/tspire-sdk';
const GO_ID = 'spiffe://example.org/workload/go-spiffe';
const OTHER_ID = 'spiffe://example.org/workload/someone-else';
const GO_UID = 65534; // nobody: the go-spiffe peer's own workload identity
const skip = missingPeers('go-spiffe:mtls', 'go-spiffe:workloadclient') || otherUidSkipReason(GO_UID);
const tmp = tempDir('tspire-interop-sdk-mtls-');
const agentFiles = agentDirs(tmp.path, 'agent');
let server: ServerProcess | undefined;
let agent: Daemon | undefined;
let source: X509Source | undefined;

/** The go-spiffe mTLS program as GO_UID. */
function goArgs(...args: string[]): string[] {
  return [`--reuid=${GO_UID}`, `--regid=${GO_UID}`, '--clear-groups', peerPath('go-spiffe:mtls'), '-socket', agentFiles.socket, ...args];
}

/** The JSON lines a go-spiffe peer printed. */
function jsonLines(output: string): Record<string, string>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, string>);
}

before(async () => {
  if (skip) return;
  writeServerConf(tmp.path);
  server = await ServerProcess.start(tmp.path);
  writeFileSync(agentFiles.bundle, assertOk(await server.cli('bundle', 'show'), 'bundle show').stdout);
  const token = parseToken(await server.cli('token', 'generate', '-spiffeID', NODE_ID));
  assertOk(await server.cli('entry', 'create', '-parentID', NODE_ID, '-spiffeID', SDK_ID, '-selector', `unix:uid:${uid()}`), 'entry create sdk');
  assertOk(await server.cli('entry', 'create', '-parentID', NODE_ID, '-spiffeID', GO_ID, '-selector', `unix:uid:${GO_UID}`), 'entry create go');
  writeFileSync(agentFiles.conf, agentConfText({ ...agentFiles, serverPort: server.tcpPort, keyManager: 'memory' }));
  agent = await startTspireAgent(agentFiles.conf, agentFiles.socket, token, agentFiles.dir);
  // The agent syncs every 5 s: wait (bounded) until it serves both uids.
  await pollUntil('our agent to serve the SDK SVID', async () => {
    const fetched = await tspireAgentCli(agentFiles.socket, 'api', 'fetch', 'x509');
    return fetched.code === 0 && fetched.stdout.includes(SDK_ID) ? true : undefined;
  });
  await pollUntil('our agent to serve the go-spiffe uid', async () => {
    const args = [`--reuid=${GO_UID}`, `--regid=${GO_UID}`, '--clear-groups', peerPath('go-spiffe:workloadclient'), '-socket', agentFiles.socket, '-x509-only'];
    const fetched = await runNative('setpriv', args, { timeoutMs: 15_000 });
    return fetched.code === 0 && fetched.stdout.includes(GO_ID) ? true : undefined;
  });
  source = await X509Source.create({ clientOptions: { address: `unix://${agentFiles.socket}` }, timeoutMs: 15_000 });
  assert.equal(source.getX509Svid().id.toString(), SDK_ID);
});

after(async () => {
  await source?.close();
  await agent?.stop();
  await server?.stop();
  tmp.cleanup();
});

describe('tspire SDK mTLS server with a go-spiffe spiffetls client', { skip }, () => {
  /** A node:tls server with our mTLS options authorizing `clientId`; answers one line per connection. */
  async function sdkServer(clientId: string) {
    const seen: string[] = [];
    const refusals: Error[] = [];
    const options = mtlsServerOptions(source!, authorizeId(clientId));
    const tlsServer = options.attach(
      tls.createServer(options, (socket) => {
        socket.setEncoding('utf8');
        let buffered = '';
        socket.on('data', (chunk: string) => {
          buffered += chunk;
          if (!buffered.includes('\n')) return;
          const peer = peerSpiffeId(socket).toString();
          seen.push(`${peer} said ${buffered.trim()}`);
          socket.end(`hello ${peer}\n`);
        });
        socket.on('error', () => undefined);
      }),
    );
    tlsServer.on('tlsClientError', (err: Error) => refusals.push(err));
    tlsServer.listen(0, '127.0.0.1');
    await once(tlsServer, 'listening');
    const addr = `127.0.0.1:${(tlsServer.address() as AddressInfo).port}`;
    const close = () => new Promise<void>((resolve) => tlsServer.close(() => resolve()));
    return { addr, seen, refusals, close };
  }

  test('the go client and our server authenticate each other by SPIFFE ID', async () => {
    const sdk = await sdkServer(GO_ID);
    try {
      const run = await runNative('setpriv', goArgs('-mode', 'client', '-authorize', SDK_ID, '-addr', sdk.addr));
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.deepEqual(JSON.parse(run.stdout), { own_id: GO_ID, peer_id: SDK_ID, reply: `hello ${GO_ID}` });
      assert.deepEqual(sdk.seen, [`${GO_ID} said ping from ${GO_ID}`]);
      assert.deepEqual(sdk.refusals, []);
    } finally {
      await sdk.close();
    }
  });

  test('our server refuses a go client whose ID it does not authorize; the handler never runs', async () => {
    const sdk = await sdkServer(OTHER_ID);
    try {
      const run = await runNative('setpriv', goArgs('-mode', 'client', '-authorize', SDK_ID, '-addr', sdk.addr));
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.ok('error' in JSON.parse(run.stdout), run.stdout);
      await pollUntil('our server to report the refusal', async () => (sdk.refusals.length > 0 ? true : undefined), 10_000, 50);
      const refusal = sdk.refusals[0]!;
      assert.ok(isSpiffeError(refusal, 'ERR_ID_NOT_AUTHORIZED'), String(refusal));
      assert.match(refusal.message, new RegExp(GO_ID));
      assert.deepEqual(sdk.seen, []);
    } finally {
      await sdk.close();
    }
  });

  test('the go client refuses our server when it authorizes another ID', async () => {
    const sdk = await sdkServer(GO_ID);
    try {
      const run = await runNative('setpriv', goArgs('-mode', 'client', '-authorize', OTHER_ID, '-addr', sdk.addr));
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.match(JSON.parse(run.stdout).error, new RegExp(`unexpected ID "${SDK_ID}"`));
      assert.deepEqual(sdk.seen, []);
    } finally {
      await sdk.close();
    }
  });
});

describe('tspire SDK mTLS client with a go-spiffe spiffetls server', { skip }, () => {
  /** Connects with our client options authorizing `serverId`, sends one line, returns the reply. */
  async function sdkExchange(addr: string, serverId: string): Promise<{ reply: string; peer: string }> {
    const [host, port] = addr.split(':') as [string, string];
    const socket = tls.connect({ host, port: Number(port), ...mtlsClientOptions(source!, authorizeId(serverId)) });
    try {
      await once(socket, 'secureConnect');
      const peer = peerSpiffeId(socket).toString();
      socket.setEncoding('utf8');
      socket.write(`ping from ${SDK_ID}\n`);
      let reply = '';
      for await (const chunk of socket) reply += chunk as string;
      return { reply: reply.trim(), peer };
    } finally {
      socket.destroy();
    }
  }

  test('our client and the go server authenticate each other; our client refuses another server ID', async () => {
    const goServer = new NativeDaemon('setpriv', goArgs('-mode', 'server', '-authorize', SDK_ID, '-count', '2'));
    try {
      const addr = (await waitForOutput(goServer, /"listening":"([^"]+)"/))[1]!;
      assert.match(goServer.output, new RegExp(`"own_id":"${GO_ID}"`));

      assert.deepEqual(await sdkExchange(addr, GO_ID), { reply: `hello ${SDK_ID}`, peer: GO_ID });
      await waitForOutput(goServer, /"peer_id"/);
      assert.deepEqual(jsonLines(goServer.output)[1], { peer_id: SDK_ID, received: `ping from ${SDK_ID}` });

      // Our client refuses the go server when it expects another ID; the go server sees the abort.
      await assert.rejects(sdkExchange(addr, OTHER_ID), (err: Error) => {
        assert.ok(isSpiffeError(err, 'ERR_ID_NOT_AUTHORIZED'), String(err));
        assert.match(err.message, new RegExp(GO_ID));
        return true;
      });
      await waitForOutput(goServer, /"conn_error"/);
      const [code] = await goServer.exited;
      assert.equal(code, 0, goServer.output);
      assert.equal(jsonLines(goServer.output).filter((l) => 'peer_id' in l).length, 1, goServer.output);
    } finally {
      await goServer.stop();
    }
  });
});
