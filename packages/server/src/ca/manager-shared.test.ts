// Several servers of one trust domain sharing one datastore, each with its own CA keys: every
// server must find its own journal again (regression: they overwrote one shared journal).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatastore } from '../datastore/open.js';
import { createDiskKeyManager } from '../keymanager/disk-key-manager.js';
import { createCaManager, type CaManager } from './manager.js';

const T0 = Date.UTC(2031, 0, 1) / 1000;

test('two CA managers sharing one SQLite datastore keep their own CA across alternating restarts', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tspire-ca-shared-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const clock = { seconds: T0 };
  const dbPath = join(dir, 'datastore.sqlite3');
  const start = async (name: 'a' | 'b'): Promise<{ ca: CaManager; close: () => Promise<void> }> => {
    const datastore = await openDatastore({ databaseType: 'sqlite3', connectionString: dbPath, now: () => clock.seconds });
    const ca = await createCaManager({
      trustDomain: 'example.org',
      keyManager: await createDiskKeyManager({ keysPath: join(dir, `keys-${name}.json`) }),
      journalStore: datastore,
      legacyJournalKey: 'spiffe://example.org',
      bundleStore: datastore,
      now: () => clock.seconds * 1000,
    });
    return { ca, close: () => datastore.close() };
  };

  const a = await start('a');
  const b = await start('b');
  const idA = a.ca.x509Ca().authorityId;
  const idB = b.ca.x509Ca().authorityId;
  assert.notEqual(idA, idB);
  await a.close();
  await b.close();

  for (const name of ['a', 'b', 'a', 'b'] as const) {
    clock.seconds += 60;
    const server = await start(name);
    assert.equal(server.ca.x509Ca().authorityId, name === 'a' ? idA : idB, `server ${name} keeps its CA`);
    const bundle = await server.ca.bundle();
    assert.equal(bundle.x509Authorities.length, 2, 'the bundle holds exactly the two CAs');
    assert.equal(bundle.jwtAuthorities.length, 2, 'and exactly the two JWT keys');
    await server.close();
  }
});
