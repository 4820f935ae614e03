import { test } from 'node:test';
import assert from 'node:assert/strict';
import { debugv1 } from '@tspire/proto';
import { startFakeAdminServer } from '../../testing/fake-admin-server.js';
import { runCli } from '../../testing/run-cli.js';

const info = {
  uptime: 3725,
  agentsCount: 2,
  entriesCount: 17,
  federatedBundlesCount: 1,
  svidChain: [
    { id: { trustDomain: 'example.org', path: '/spire/server' }, subject: 'O=SPIRE,C=US', expiresAt: 1704164645n },
    { subject: 'O=SPIRE,C=US,CN=root', expiresAt: 1704251045n },
  ],
};

test('debug getinfo: aligned pretty output, Go uptime, RFC 3339 expiry; JSON is the response', async () => {
  let reply: typeof info | { uptime: number } = info;
  const server = await startFakeAdminServer((r) => r.service(debugv1.Debug, { getInfo: () => reply }));
  try {
    const run = await runCli(['debug', 'getinfo'], [], { socketPath: server.socketPath });
    assert.deepEqual(run, {
      code: 0,
      stderr: '',
      stdout: [
        'Server Debug Info:',
        '  Uptime:                  1h2m5s',
        '  Registered Agents:       2',
        '  Registration Entries:    17',
        '  Federated Bundles:       1',
        '  SVID Chain:',
        '    [0] SPIFFE ID:  spiffe://example.org/spire/server',
        '        Subject:    O=SPIRE,C=US',
        '        Expires At: 2024-01-02T03:04:05Z',
        '    [1] SPIFFE ID:  (none)',
        '        Subject:    O=SPIRE,C=US,CN=root',
        '        Expires At: 2024-01-03T03:04:05Z',
        '',
      ].join('\n'),
    });
    reply = { uptime: 0 };
    const bare = await runCli(['debug', 'getinfo'], [], { socketPath: server.socketPath });
    assert.equal(bare.stdout, 'Server Debug Info:\n  Uptime:                  0s\n  Registered Agents:       0\n  Registration Entries:    0\n  Federated Bundles:       0\n');
    reply = info;
    const json = await runCli(['debug', 'getinfo'], ['-output', 'json'], { socketPath: server.socketPath });
    assert.equal(
      json.stdout,
      '{"agents_count":2,"entries_count":17,"federated_bundles_count":1,"svid_chain":[' +
        '{"expires_at":"1704164645","id":{"path":"/spire/server","trust_domain":"example.org"},"subject":"O=SPIRE,C=US"},' +
        '{"expires_at":"1704251045","subject":"O=SPIRE,C=US,CN=root"}],"uptime":3725}\n',
    );
  } finally {
    await server.close();
  }
});
