import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIXTURE_NOW } from '@tspire/spiffe/testing';
import { UID_1000, idOf, runAgentCli, withAgentCli } from '../../agent-cli/workload-fixture.test-helper.js';
import { commaList } from './fetch-jwt.js';
import { compactProtoJson } from './validate-jwt.js';

const claimsOf = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

test('api fetch jwt prints a token per identity, hints, and the JWT bundles', async () => {
  await withAgentCli(async (f) => {
    const svid = await f.svid('/api');
    f.source.setEntry({ entryId: 'a', spiffeId: idOf('/api'), selectors: UID_1000, svid, hint: 'internal' });
    f.source.setEntry({ entryId: 'b', spiffeId: idOf('/db'), selectors: UID_1000, svid: await f.svid('/db') });
    const run = await f.run(['api', 'fetch', 'jwt', '-audience', 'openbao,vault']);
    assert.equal(run.code, 0, run.stderr);
    const match = /^token\(spiffe:\/\/example\.org\/api\):\n\t(\S+)\nhint\(spiffe:\/\/example\.org\/api\):\n\tinternal\ntoken\(spiffe:\/\/example\.org\/db\):\n\t(\S+)\nbundle\(spiffe:\/\/example\.org\):\n\t(\{\n[^]*\n\})\n$/.exec(run.stdout);
    assert.ok(match, run.stdout);
    assert.deepEqual(claimsOf(match[1] ?? '').aud, ['openbao', 'vault']);
    assert.equal(claimsOf(match[2] ?? '').sub, 'spiffe://example.org/db');
    const jwks = JSON.parse(match[3] ?? '') as { keys: { kid: string }[] };
    assert.deepEqual(jwks.keys.map((k) => k.kid), ['example.org-k1']);

    const one = await f.run(['api', 'fetch', 'jwt', '-audience', 'x', '-spiffeID', 'spiffe://example.org/db']);
    assert.match(one.stdout, /^token\(spiffe:\/\/example\.org\/db\):\n\t\S+\nbundle\(/);
  });
});

test('api fetch jwt -output json (or -format json) prints [JWTSVIDResponse, JWTBundlesResponse]', async () => {
  await withAgentCli(async (f) => {
    f.source.setEntry({ entryId: 'a', spiffeId: idOf('/api'), selectors: UID_1000, svid: await f.svid('/api') });
    for (const flag of ['-output', '-format']) {
      const run = await f.run(['api', 'fetch', 'jwt', '-audience', 'a', flag, 'json']);
      assert.equal(run.code, 0, run.stderr);
      const [svids, bundles] = JSON.parse(run.stdout) as [{ svids: Record<string, string>[] }, { bundles: Record<string, string> }];
      assert.deepEqual(Object.keys(svids.svids[0] ?? {}), ['hint', 'spiffe_id', 'svid']);
      assert.equal(svids.svids[0]?.spiffe_id, 'spiffe://example.org/api');
      const jwks = JSON.parse(Buffer.from(bundles.bundles['spiffe://example.org'] ?? '', 'base64').toString('utf8')) as { keys: unknown[] };
      assert.equal(jwks.keys.length, 1);
    }
    const clash = await f.run(['api', 'fetch', 'jwt', '-audience', 'a', '-output', 'json', '-format', 'pretty']);
    assert.equal(clash.code, 1);
    assert.match(clash.stderr, /^invalid value "pretty" for flag -output: the output format has already been set to "json"\n/);
  });
});

test('api fetch jwt needs -audience (checked before any dial) and reports RPC errors bare', async () => {
  const run = await runAgentCli(['api', 'fetch', 'jwt', '-socketPath', '/nonexistent/api.sock']);
  assert.deepEqual(run, { code: 1, stdout: '', stderr: 'audience must be specified\n' });
  await withAgentCli(async (f) => {
    const denied = await f.run(['api', 'fetch', 'jwt', '-audience', 'a']);
    assert.deepEqual(denied, { code: 1, stdout: '', stderr: 'rpc error: code = PermissionDenied desc = no identity issued\n' });
  });
  assert.deepEqual(commaList([]), []);
  assert.deepEqual(commaList(['a,b', 'c']), ['c']);
});

test('api validate jwt prints the SPIFFE ID and claims; invalid tokens read "SVID is not valid"', async () => {
  await withAgentCli(async (f) => {
    f.source.setEntry({ entryId: 'a', spiffeId: idOf('/api'), selectors: UID_1000, svid: await f.svid('/api') });
    const now = Math.floor(FIXTURE_NOW.getTime() / 1000);
    const token = f.jwt({ sub: 'spiffe://example.org/api', aud: ['openbao'], exp: now + 300, iat: now });
    const run = await f.run(['api', 'validate', 'jwt', '-audience', 'openbao', '-svid', token]);
    assert.deepEqual(run, {
      code: 0,
      stderr: '',
      stdout: `SVID is valid.\nSPIFFE ID : spiffe://example.org/api\nClaims    : {"aud":["openbao"],"exp":${now + 300},"iat":${now},"sub":"spiffe://example.org/api"}\n`,
    });
    const json = await f.run(['api', 'validate', 'jwt', '-audience', 'openbao', '-svid', token, '-output', 'json']);
    assert.equal(json.stdout, `{"claims":{"aud":["openbao"],"exp":${now + 300},"iat":${now},"sub":"spiffe://example.org/api"},"spiffe_id":"spiffe://example.org/api"}\n`);

    const wrongAudience = await f.run(['api', 'validate', 'jwt', '-audience', 'other', '-svid', token]);
    assert.equal(wrongAudience.code, 1);
    assert.match(wrongAudience.stderr, /^SVID is not valid: .+\n$/);
    const forged = await f.run(['api', 'validate', 'jwt', '-audience', 'openbao', '-svid', f.jwt({ sub: 'spiffe://example.org/api', aud: ['openbao'], exp: now + 300 }, f.other)]);
    assert.match(forged.stderr, /^SVID is not valid: /);
  });
  assert.deepEqual(await runAgentCli(['api', 'validate', 'jwt']), { code: 1, stdout: '', stderr: 'audience must be specified\n' });
  assert.deepEqual(await runAgentCli(['api', 'validate', 'jwt', '-audience', 'a']), { code: 1, stdout: '', stderr: 'svid must be specified\n' });
});

test('compactProtoJson sorts keys at every level and adds no spaces', () => {
  assert.equal(compactProtoJson({ b: 1, a: [{ d: true, c: null }], e: 'x<' }), '{"a":[{"c":null,"d":true}],"b":1,"e":"x<"}');
});
