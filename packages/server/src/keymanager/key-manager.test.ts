import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile, readdir } from 'node:fs/promises';
import * as fsp from 'node:fs/promises';
import type { PathLike } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { verify } from 'node:crypto';
import { createDiskKeyManager } from './disk-key-manager.js';
import { createMemoryKeyManager } from './memory-key-manager.js';
import { KeyManagerError } from './errors.js';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tspire-km-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('memory key manager generates, replaces and lists keys', async () => {
  const km = createMemoryKeyManager();
  const a = await km.generateKey('x509-CA-A', 'ec-p256');
  assert.equal(a.type, 'ec-p256');
  assert.equal(km.getKey('x509-CA-A'), a);
  const b = await km.generateKey('x509-CA-A', 'ec-p384');
  assert.notEqual(km.getKey('x509-CA-A'), a);
  assert.equal(b.hash, 'sha384');
  assert.equal(km.getKeys().length, 1);
  assert.equal(km.getKey('nope'), undefined);
});

test('managed keys sign with their digest and never print key material', async () => {
  const km = createMemoryKeyManager();
  const key = await km.generateKey('JWT-Signer-A', 'ec-p256');
  const data = Buffer.from('hello');
  assert.ok(verify('sha256', data, key.publicKey, key.sign(data)));
  const raw = key.sign(data, 'ieee-p1363');
  assert.equal(raw.length, 64);
  assert.ok(verify('sha256', data, { key: key.publicKey, dsaEncoding: 'ieee-p1363' }, raw));
  const pkcs8 = key.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
  assert.ok(!JSON.stringify({ key }).includes(pkcs8.slice(0, 40)));
  assert.ok(!inspect(key, { depth: 5 }).includes('BEGIN'));
  assert.deepEqual(JSON.parse(JSON.stringify(key)), { id: 'JWT-Signer-A', type: 'ec-p256' });
});

test('bad key ids and key types are rejected', async () => {
  const km = createMemoryKeyManager();
  await assert.rejects(km.generateKey('', 'ec-p256'), { code: 'ERR_KEYMANAGER_BAD_KEY_ID' });
  await assert.rejects(km.generateKey('a/b', 'ec-p256'), { code: 'ERR_KEYMANAGER_BAD_KEY_ID' });
  await assert.rejects(km.generateKey('ok', 'ed25519' as never), { code: 'ERR_KEYMANAGER_UNSUPPORTED_KEY_TYPE' });
});

test('disk key manager writes mode 0600 and reloads the same keys', async (t) => {
  const dir = await tempDir(t);
  const keysPath = join(dir, 'sub', 'keys.json');
  const km = await createDiskKeyManager({ keysPath });
  const a = await km.generateKey('x509-CA-A', 'ec-p256');
  const j = await km.generateKey('JWT-Signer-A', 'rsa-2048');
  assert.equal((await stat(keysPath)).mode & 0o777, 0o600);
  const again = await createDiskKeyManager({ keysPath });
  assert.deepEqual(again.getKeys().map((k) => k.id).sort(), ['JWT-Signer-A', 'x509-CA-A']);
  assert.deepEqual(Buffer.from(again.getKey('x509-CA-A')!.publicKeyDer), Buffer.from(a.publicKeyDer));
  assert.deepEqual(Buffer.from(again.getKey('JWT-Signer-A')!.publicKeyDer), Buffer.from(j.publicKeyDer));
  assert.equal(again.getKey('JWT-Signer-A')!.type, 'rsa-2048');
  // A signature from the reloaded key verifies under the original public key.
  const data = Buffer.from('x');
  assert.ok(verify('sha256', data, a.publicKey, again.getKey('x509-CA-A')!.sign(data)));
  assert.deepEqual(await readdir(join(dir, 'sub')), ['keys.json']); // no temp files left
});

test('disk key manager: concurrent generations both persist', async (t) => {
  const dir = await tempDir(t);
  const keysPath = join(dir, 'keys.json');
  const km = await createDiskKeyManager({ keysPath });
  await Promise.all([km.generateKey('x509-CA-A', 'ec-p256'), km.generateKey('x509-CA-B', 'ec-p256'), km.generateKey('JWT-Signer-A', 'ec-p384')]);
  const again = await createDiskKeyManager({ keysPath });
  assert.equal(again.getKeys().length, 3);
});

test('a failed atomic write leaves the old file intact and the key unused', async (t) => {
  const dir = await tempDir(t);
  const keysPath = join(dir, 'keys.json');
  const first = await createDiskKeyManager({ keysPath });
  const a = await first.generateKey('x509-CA-A', 'ec-p256');
  const before = await readFile(keysPath);
  let failRename = true;
  const fs = {
    ...fsp,
    rename: async (from: PathLike, to: PathLike) => {
      if (failRename) throw Object.assign(new Error('simulated crash before rename'), { code: 'EIO' });
      return fsp.rename(from, to);
    },
  };
  const km = await createDiskKeyManager({ keysPath, fs });
  await assert.rejects(km.generateKey('x509-CA-A', 'ec-p256'), (err: unknown) => {
    assert.ok(err instanceof KeyManagerError);
    assert.equal(err.code, 'ERR_KEYMANAGER_PERSIST_FAILED');
    assert.match(err.message, /keys\.json/);
    return true;
  });
  assert.deepEqual(await readFile(keysPath), before);
  assert.deepEqual(await readdir(dir), ['keys.json']); // temp file cleaned up
  // The in-memory view still holds the durable key, not the discarded one.
  assert.deepEqual(Buffer.from(km.getKey('x509-CA-A')!.publicKeyDer), Buffer.from(a.publicKeyDer));
  failRename = false;
  await km.generateKey('x509-CA-B', 'ec-p256');
  assert.equal((await createDiskKeyManager({ keysPath })).getKeys().length, 2);
});

test('a corrupt keys file fails start with its path and is not overwritten', async (t) => {
  const dir = await tempDir(t);
  const keysPath = join(dir, 'keys.json');
  const cases = ['{not json', '{"nokeys":1}', '{"keys":{"a":{"type":"ec-p256","pkcs8":"AAAA"}}}', '{"keys":{"a":{"type":"dsa","pkcs8":"AAAA"}}}'];
  for (const content of cases) {
    await writeFile(keysPath, content);
    await assert.rejects(createDiskKeyManager({ keysPath }), (err: unknown) => {
      assert.ok(err instanceof KeyManagerError);
      assert.equal(err.code, 'ERR_KEYMANAGER_CORRUPT_KEYS_FILE');
      assert.ok(err.message.includes(keysPath));
      return true;
    });
    assert.equal(await readFile(keysPath, 'utf8'), content);
  }
});

test('a key stored under the wrong type is reported as corrupt', async (t) => {
  const dir = await tempDir(t);
  const keysPath = join(dir, 'keys.json');
  const km = await createDiskKeyManager({ keysPath });
  await km.generateKey('k', 'ec-p256');
  const file = JSON.parse(await readFile(keysPath, 'utf8'));
  file.keys.k.type = 'ec-p384';
  await writeFile(keysPath, JSON.stringify(file));
  await assert.rejects(createDiskKeyManager({ keysPath }), /is ec-p256, expected ec-p384/);
});
