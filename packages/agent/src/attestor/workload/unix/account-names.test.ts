import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readSmallFile } from '../../../util/read-small-file.js';
import { cachedAccountNames, namesById, statFingerprint } from './account-names.js';

test('namesById: first line per id wins; comments, NIS lines and malformed lines are skipped', () => {
  const names = namesById('# c\n+nis\nroot:x:0:0::/root:/bin/sh\nalias:x:0:0\nbad:x:notanumber\n\nalice:x:1000:1000\n');
  assert.deepEqual([...names], [['0', 'root'], ['1000', 'alice']]);
});

test('cachedAccountNames re-reads the files only when one of them changes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tspire-accounts-'));
  try {
    const paths = { passwd: join(dir, 'passwd'), group: join(dir, 'group') };
    await writeFile(paths.passwd, 'alice:x:1000:1000\n');
    await writeFile(paths.group, 'staff:x:50:\n');
    let reads = 0;
    const readFile = (path: string): Promise<string> => {
      reads++;
      return readSmallFile(path);
    };
    const load = cachedAccountNames(readFile, paths, () => assert.fail('no read error expected'), statFingerprint);
    assert.equal((await load()).userName(1000), 'alice');
    assert.equal((await load()).groupName(50), 'staff');
    assert.equal(reads, 2, 'the second lookup is served from the cache');
    await writeFile(paths.passwd, 'bob:x:1000:1000\nalice:x:1001:1001\n'); // size changes too
    assert.equal((await load()).userName(1000), 'bob', 'a changed file is read again');
    assert.equal(reads, 4);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('cachedAccountNames without a fingerprint (or with a missing file) reads every time and reports errors', async () => {
  const errors: string[] = [];
  let reads = 0;
  const readFile = (path: string): Promise<string> => {
    reads++;
    return path.endsWith('passwd') ? Promise.resolve('root:x:0:0\n') : Promise.reject(Object.assign(new Error('gone'), { code: 'ENOENT' }));
  };
  const paths = { passwd: '/nonexistent/passwd', group: '/nonexistent/group' };
  const uncached = cachedAccountNames(readFile, paths, (path) => errors.push(path));
  await uncached();
  await uncached();
  assert.equal(reads, 4);
  const missing = cachedAccountNames(readFile, paths, (path) => errors.push(path), statFingerprint);
  assert.equal((await missing()).userName(0), 'root');
  assert.equal((await missing()).groupName(0), undefined);
  assert.equal(reads, 8, 'files that cannot be stat-ed are never cached');
  assert.deepEqual(errors, Array(4).fill('/nonexistent/group'));
});
