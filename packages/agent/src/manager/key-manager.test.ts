import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ManagerError } from './errors.js';
import { diskKeyManager, memoryKeyManager, otherKeyId } from './key-manager.js';

const newKey = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const der = (key: ReturnType<typeof newKey> | undefined) => key?.export({ format: 'der', type: 'pkcs8' }).toString('base64');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tspire-keys-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('agent KeyManager', () => {
  it('alternates between the A and B slots', () => {
    assert.equal(otherKeyId('agent-svid-A'), 'agent-svid-B');
    assert.equal(otherKeyId('agent-svid-B'), 'agent-svid-A');
  });

  it('disk: stores keys in keys.json (0600), survives a new instance, leaves no temp file', async () => {
    const keys = diskKeyManager(join(dir, 'sub'));
    const a = newKey();
    const b = newKey();
    assert.equal(await keys.load('agent-svid-A'), undefined);
    await Promise.all([keys.store('agent-svid-A', a), keys.store('agent-svid-B', b)]);
    const reopened = diskKeyManager(join(dir, 'sub'));
    assert.equal(der(await reopened.load('agent-svid-A')), der(a));
    assert.equal(der(await reopened.load('agent-svid-B')), der(b));
    assert.equal((await stat(join(dir, 'sub', 'keys.json'))).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(join(dir, 'sub')), ['keys.json']);
    assert.deepEqual(Object.keys(JSON.parse(await readFile(join(dir, 'sub', 'keys.json'), 'utf8')) as object).sort(), ['agent-svid-A', 'agent-svid-B']);
  });

  it('disk: a malformed key file is a clear ERR_AGENT_STATE', async () => {
    await writeFile(join(dir, 'keys.json'), '[1]');
    await assert.rejects(diskKeyManager(dir).load('agent-svid-A'), (err: unknown) => err instanceof ManagerError && err.code === 'ERR_AGENT_STATE' && err.message.includes('keys.json'));
    await writeFile(join(dir, 'keys.json'), JSON.stringify({ 'agent-svid-A': 'bm90IGEga2V5' }));
    await assert.rejects(diskKeyManager(dir).load('agent-svid-A'), /not a PKCS#8 private key/);
  });

  it('memory: keeps keys per instance only', async () => {
    const keys = memoryKeyManager();
    const a = newKey();
    await keys.store('agent-svid-A', a);
    assert.equal(await keys.load('agent-svid-A'), a);
    assert.equal(await memoryKeyManager().load('agent-svid-A'), undefined);
  });
});
