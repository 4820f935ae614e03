import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { svidv1 } from '@tspire/proto';
import type { AdminClient } from '../../admin-client.js';
import { startFakeAdminServer, type FakeAdminServer } from '../../testing/fake-admin-server.js';
import { runCli, type RunOptions } from '../../testing/run-cli.js';
import { jwtExpiry } from './mint.js';

const NOW = Date.parse('2024-01-02T03:04:05Z') / 1000; // runCli's clock

/** An unsigned-looking compact JWS with the given claims (the CLI never verifies it). */
function token(claims: object): string {
  const part = (v: object): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'ES256', typ: 'JWT' })}.${part(claims)}.c2ln`;
}

async function withServer(tokenText: string, fn: (server: FakeAdminServer, opts: RunOptions) => Promise<void>): Promise<void> {
  const server = await startFakeAdminServer((r) => {
    r.service(svidv1.SVID, {
      mintJWTSVID: (req) => ({ svid: { token: tokenText, id: req.id, expiresAt: BigInt(NOW + 300), issuedAt: BigInt(NOW) } }),
    });
  });
  try {
    await fn(server, { socketPath: server.socketPath });
  } finally {
    await server.close();
  }
}

test('jwt mint sends the ID, audiences and TTL and prints the token', async () => {
  const jwt = token({ sub: 'spiffe://example.org/w', exp: NOW + 300 });
  await withServer(jwt, async (server, opts) => {
    const run = await runCli(['jwt', 'mint'], ['-spiffeID', 'spiffe://example.org/w', '-audience', 'a1', '-audience', 'a2', '-ttl', '5m'], opts);
    assert.deepEqual(run, { code: 0, stdout: `${jwt}\n`, stderr: '' });
    const req = server.requests<svidv1.MintJWTSVIDRequest>('SVID/MintJWTSVID')[0];
    assert.deepEqual([req?.id?.trustDomain, req?.id?.path, req?.audience, req?.ttl], ['example.org', '/w', ['a1', 'a2'], 300]);
    const json = await runCli(['jwt', 'mint'], ['-spiffeID', 'spiffe://example.org/w', '-audience', 'a1', '-output', 'json'], opts);
    assert.equal(
      json.stdout,
      `{"svid":{"expires_at":"${NOW + 300}","hint":"","id":{"path":"/w","trust_domain":"example.org"},"issued_at":"${NOW}","token":"${jwt}"}}\n`,
    );
  });
});

test('jwt mint warns when the token expires before -ttl', async () => {
  await withServer(token({ exp: NOW + 300 }), async (_s, opts) => {
    const run = await runCli(['jwt', 'mint'], ['-spiffeID', 'spiffe://example.org/w', '-audience', 'a', '-ttl', '1h'], opts);
    assert.equal(run.code, 0);
    assert.equal(run.stderr, 'JWT-SVID lifetime was capped shorter than specified ttl; expires "2024-01-02T03:09:05Z"\n');
  });
  await withServer('not-a-jwt', async (_s, opts) => {
    const run = await runCli(['jwt', 'mint'], ['-spiffeID', 'spiffe://example.org/w', '-audience', 'a'], opts);
    assert.deepEqual(run, { code: 0, stdout: 'not-a-jwt\n', stderr: 'Unable to determine JWT-SVID lifetime: compact JWS format must have three parts\n' });
  });
  await withServer('', async (_s, opts) => {
    const run = await runCli(['jwt', 'mint'], ['-spiffeID', 'spiffe://example.org/w', '-audience', 'a'], opts);
    assert.deepEqual(run, { code: 1, stdout: '', stderr: 'Error: server response missing token\n' });
  });
});

test('jwt mint -write stores the token with mode 0600', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tspire-jwt-'));
  const jwt = token({ exp: NOW + 300 });
  try {
    await withServer(jwt, async (_s, opts) => {
      const path = join(dir, 'token');
      const run = await runCli(['jwt', 'mint'], ['-spiffeID', 'spiffe://example.org/w', '-audience', 'a', '-write', path], opts);
      assert.deepEqual(run, { code: 0, stdout: `JWT-SVID written to ${path}\n`, stderr: '' });
      assert.equal(await readFile(path, 'utf8'), jwt);
      assert.equal((await stat(path)).mode & 0o777, 0o600);
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('jwt mint validates flags before dialing', async () => {
  const dialed: string[] = [];
  const connect = async (path: string): Promise<AdminClient> => {
    dialed.push(path);
    throw new Error('dial refused');
  };
  const missingId = await runCli(['jwt', 'mint'], ['-audience', 'a'], { connect });
  assert.equal(missingId.stderr, 'Error: spiffeID must be specified\n');
  const noAudience = await runCli(['jwt', 'mint'], ['-spiffeID', 'spiffe://example.org/w'], { connect });
  assert.equal(noAudience.stderr, 'Error: at least one audience must be specified\n');
  const badId = await runCli(['jwt', 'mint'], ['-spiffeID', 'spiffe://Example.org/w', '-audience', 'a'], { connect });
  assert.match(badId.stderr, /^Error: trust domain characters are limited/);
  assert.deepEqual(dialed, []);
  assert.deepEqual([missingId.code, noAudience.code, badId.code], [1, 1, 1]);
});

test('jwtExpiry reads exp without verifying and names what is wrong', () => {
  assert.equal(jwtExpiry(token({ exp: 42 })), 42);
  assert.throws(() => jwtExpiry(token({ sub: 'x' })), /no expiry claim/);
  assert.throws(() => jwtExpiry('a.%%%.c'), /invalid claims encoding/);
});
