import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { nodeAtomicWriteFs, writeFileAtomic, type AtomicWriteFs } from './atomic-write.js';

test('writeFileAtomic replaces the file with the exact mode and leaves no temp file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tspire-atomic-'));
  try {
    const path = join(dir, 'keys.json');
    await writeFile(path, 'old');
    await writeFileAtomic(path, 'new', { mode: 0o600 });
    assert.equal(await readFile(path, 'utf8'), 'new');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    await writeFileAtomic(join(dir, 'cert.pem'), new Uint8Array([1, 2]), { mode: 0o644 });
    assert.equal((await stat(join(dir, 'cert.pem'))).mode & 0o777, 0o644);
    assert.deepEqual((await readdir(dir)).sort(), ['cert.pem', 'keys.json']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('writeFileAtomic fsyncs the data before the rename and the directory after it', async () => {
  const steps: string[] = [];
  const fs: AtomicWriteFs = {
    open: async (path, flags) => {
      steps.push(`open ${path} ${flags}`);
      return {
        writeFile: async () => void steps.push('write'),
        chmod: async () => void steps.push('chmod'),
        sync: async () => void steps.push('sync'),
        close: async () => void steps.push('close'),
      };
    },
    rename: async () => void steps.push('rename'),
    unlink: async () => void steps.push('unlink'),
  };
  await writeFileAtomic('/d/f', 'x', { fs, tempSuffix: () => 's' });
  assert.deepEqual(steps, ['open /d/.f.s.tmp wx', 'chmod', 'write', 'sync', 'close', 'rename', 'open /d r', 'sync', 'close']);
});

test('a failed write or rename removes the temp file and keeps the old content', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tspire-atomic-'));
  try {
    const path = join(dir, 'agent-data.json');
    await writeFile(path, 'old');
    const failingRename: AtomicWriteFs = { ...nodeAtomicWriteFs, rename: () => Promise.reject(new Error('EXDEV')) };
    await assert.rejects(writeFileAtomic(path, 'new', { fs: failingRename }), /EXDEV/);
    assert.equal(await readFile(path, 'utf8'), 'old');
    assert.deepEqual(await readdir(dir), ['agent-data.json']);
    await assert.rejects(writeFileAtomic(join(dir, 'missing', 'x'), 'y'), /ENOENT/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
