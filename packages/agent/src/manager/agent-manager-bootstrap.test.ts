import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { types } from '@tspire/proto';
import { encodePem } from '@tspire/spiffe';
import { AGENT_STATE_FILE } from './agent-state.js';
import { ManagerError } from './errors.js';
import { fakeEntry } from './fake-server-client.test-helper.js';
import { managerFixture, UID_1000, type ManagerFixture } from './manager-fixture.test-helper.js';

const HOUR = 3_600_000;
let f: ManagerFixture;
beforeEach(async () => {
  f = await managerFixture();
  f.fake.entries.set('e1', fakeEntry('e1', '/web'));
});
afterEach(() => f.cleanup());

async function keysFile(): Promise<Record<string, string>> {
  return JSON.parse(await readFile(join(f.dir, 'keys', 'keys.json'), 'utf8')) as Record<string, string>;
}

describe('agent manager: bootstrap and persistence', () => {
  it('attests with the join token, saves SVID, bundle and key, and syncs', async () => {
    const manager = f.manager();
    await manager.start();
    assert.deepEqual(f.fake.attestations, [{ type: 'join_token', payload: 'token-1' }]);
    assert.equal(manager.agentSpiffeId, 'spiffe://example.org/spire/agent/join_token/token-1');
    // The first connection verified the server with the bootstrap bundle, without a client SVID.
    assert.ok(f.fake.connections[0]!.trustBundle?.hasX509Authority(f.fake.ca.cert));
    assert.equal(f.fake.connections[0]!.svid, undefined);
    const state = JSON.parse(await readFile(join(f.dir, AGENT_STATE_FILE), 'utf8')) as { svid: string[]; bundle: string[]; reattestable: boolean };
    assert.equal(state.svid.length, 1);
    assert.deepEqual(state.bundle, [f.fake.ca.der.toString('base64')]);
    assert.equal(state.reattestable, false);
    assert.deepEqual(Object.keys(await keysFile()), ['agent-svid-A']);
    assert.equal((await stat(join(f.dir, 'keys', 'keys.json'))).mode & 0o777, 0o600);
    const update = manager.identities.matchingIdentities(UID_1000);
    assert.equal(update.identities.length, 1);
    assert.equal(update.identities[0]!.svid?.id.toString(), 'spiffe://example.org/web');
    assert.ok(update.bundle.hasX509Authority(f.fake.ca.cert));
    assert.equal(f.fake.count('postStatus'), 1);
    // The agent ID of a join-token agent holds the token: it is not logged.
    assert.equal(f.logger.find('Node attestation was successful')[0]?.fields['spiffe_id'], 'spiffe://example.org/spire/agent/join_token/[redacted]');
    assert.ok(!JSON.stringify(f.logger.entries).includes('token-1'));
  });

  it('stop waits for the cycle in flight, closes the connection and leaves no timer', async () => {
    const manager = f.manager();
    await manager.start();
    f.clock.advance(5_000);
    await manager.stop();
    assert.equal(manager.status, 'stopped');
    assert.equal(f.clock.pendingTimers(), 0);
    assert.equal(f.fake.openClients, 0);
    await assert.rejects(manager.identities.fetchJwtSvid(manager.identities.matchingIdentities(UID_1000).identities[0]!, ['a'], new AbortController().signal), /not connected/);
  });

  it('restarts without a token using the stored SVID', async () => {
    await f.manager().start();
    const attestations = f.fake.attestations.length;
    const restarted = f.manager({ joinToken: undefined, trustBundle: { kind: 'insecure' } });
    await restarted.start();
    assert.equal(f.fake.attestations.length, attestations);
    assert.equal(restarted.agentSpiffeId, 'spiffe://example.org/spire/agent/join_token/token-1');
    // The stored bundle (not insecure bootstrap) authenticates the server.
    assert.ok(f.fake.connections.at(-1)!.trustBundle?.hasX509Authority(f.fake.ca.cert));
    assert.equal(restarted.identities.matchingIdentities(UID_1000).identities[0]?.svid?.id.toString(), 'spiffe://example.org/web');
  });

  it('fetches trust_bundle_url only to bootstrap: a restart with stored data does not', async () => {
    const fetched: string[] = [];
    const fetchTrustBundle = async ({ url }: { url: string }) => {
      fetched.push(url);
      return new Uint8Array(Buffer.from(encodePem('CERTIFICATE', f.fake.ca.der)));
    };
    const trustBundle = { kind: 'url', url: 'https://bundles.example.org/ca.pem', format: 'pem' } as const;
    await f.manager({ trustBundle, fetchTrustBundle }).start();
    assert.deepEqual(fetched, ['https://bundles.example.org/ca.pem']);
    assert.ok(f.fake.connections[0]!.trustBundle?.hasX509Authority(f.fake.ca.cert));
    await f.manager({ trustBundle, fetchTrustBundle, joinToken: undefined }).start();
    assert.equal(fetched.length, 1);
  });

  it('fails to bootstrap, naming the URL, when trust_bundle_url cannot be fetched', async () => {
    const manager = f.manager({
      trustBundle: { kind: 'url', url: 'https://bundles.example.org/ca.pem', format: 'pem' },
      fetchTrustBundle: async () => {
        throw new Error('unexpected status code 404');
      },
    });
    await assert.rejects(manager.start(), (err: unknown) => err instanceof ManagerError && err.code === 'ERR_AGENT_BOOTSTRAP' && /trust_bundle_url "https:\/\/bundles.example.org\/ca.pem": unexpected status code 404/.test(err.message));
    assert.equal(f.fake.attestations.length, 0);
  });

  it('refuses to start without a token once the stored SVID expired', async () => {
    await (f.manager()).start();
    f.clock.setMs(f.clock.nowMs() + 2 * HOUR);
    const restarted = f.manager({ joinToken: undefined });
    await assert.rejects(restarted.start(), (err: unknown) => err instanceof ManagerError && err.code === 'ERR_AGENT_BOOTSTRAP' && /join token/.test(err.message));
  });

  it('insecure bootstrap trusts the bundle the server returns and keeps it', async () => {
    const manager = f.manager({ trustBundle: { kind: 'insecure' } });
    await manager.start();
    assert.equal(f.fake.connections[0]!.trustBundle, undefined);
    assert.ok(f.fake.connections[1]!.trustBundle?.hasX509Authority(f.fake.ca.cert));
  });

  it('a banned agent fails to start with a clear error', async () => {
    f.fake.banned = true;
    await assert.rejects(f.manager().start(), (err: unknown) => err instanceof ManagerError && err.code === 'ERR_AGENT_BANNED');
  });
});

describe('agent manager: agent SVID renewal', () => {
  it('renews with RenewAgent at half life into the other key slot', async () => {
    const manager = f.manager();
    await manager.start();
    const keyA = (await keysFile())['agent-svid-A'];
    await f.tick(5_000, manager);
    assert.equal(f.fake.count('renewAgent'), 0);
    // The tick that falls due after half life renews.
    await f.tick(HOUR / 2 - 5_000, manager);
    assert.equal(f.fake.count('renewAgent'), 0);
    await f.tick(5_000, manager);
    assert.equal(f.fake.count('renewAgent'), 1);
    const keys = await keysFile();
    assert.equal(keys['agent-svid-A'], keyA);
    assert.ok(keys['agent-svid-B'] !== undefined && keys['agent-svid-B'] !== keyA);
    assert.equal(manager.agentSpiffeId, 'spiffe://example.org/spire/agent/join_token/renewed');
    // The old connection is closed; the new one presents the renewed SVID.
    assert.equal(f.fake.openClients, 1);
    assert.deepEqual(f.fake.connections.at(-1)!.svid?.()?.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'), keys['agent-svid-B']);
    // A restart finds the renewed SVID's key in slot B.
    await manager.stop();
    const restarted = f.manager({ joinToken: undefined });
    await restarted.start();
    assert.equal(restarted.agentSpiffeId, 'spiffe://example.org/spire/agent/join_token/renewed');
  });

  it('re-attests instead of renewing when the agent is reattestable', async () => {
    f.fake.reattestable = true;
    const manager = f.manager({ joinToken: undefined, nodeAttestor: { type: 'x509pop', begin: async () => ({ payload: new Uint8Array(Buffer.from('pop')) }) } });
    await manager.start();
    await f.tick(HOUR / 2, manager);
    await f.tick(5_000, manager);
    assert.equal(f.fake.count('renewAgent'), 0);
    assert.deepEqual(f.fake.attestations.map((a) => a.type), ['x509pop', 'x509pop']);
  });

  it('re-attests when the server says NOT_ATTESTED', async () => {
    const manager = f.manager();
    await manager.start();
    f.fake.denyNext = types.PermissionDeniedDetails_Reason.AGENT_NOT_ATTESTED;
    await f.tick(5_000, manager);
    assert.equal(f.fake.attestations.length, 2);
    assert.deepEqual(Object.keys(await keysFile()).sort(), ['agent-svid-A', 'agent-svid-B']);
    assert.equal(f.fatal.length, 0);
    assert.equal(manager.status, 'running');
  });

  it('stops with ERR_AGENT_BANNED when the server bans the agent', async () => {
    const manager = f.manager();
    await manager.start();
    f.fake.banned = true;
    await f.tick(5_000, manager);
    assert.equal(manager.status, 'failed');
    assert.equal(f.fatal.length, 1);
    assert.ok(f.fatal[0] instanceof ManagerError && f.fatal[0].code === 'ERR_AGENT_BANNED');
    assert.equal(f.clock.pendingTimers(), 0);
    assert.equal(f.fake.openClients, 0);
    assert.equal(f.logger.find('Agent stopped').length, 1);
  });
});
