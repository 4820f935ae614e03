import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createAtomicWriter, nodeWriterFs } from './file-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'tspire-helper-writer-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('replaces the file with the exact mode, leaving no temp file behind', async () => {
  const path = join(dir, 'svid_key.pem');
  writeFileSync(path, 'old', { mode: 0o644 });
  const previousUmask = process.umask(0o077); // a restrictive umask must not narrow cert files either
  try {
    await createAtomicWriter()(path, 'new key', 0o600);
    await createAtomicWriter()(join(dir, 'svid.pem'), 'cert', 0o644);
  } finally {
    process.umask(previousUmask);
  }
  assert.equal(readFileSync(path, 'utf8'), 'new key');
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'svid.pem')).mode & 0o777, 0o644);
  assert.deepEqual(readdirSync(dir).sort(), ['svid.pem', 'svid_key.pem']);
});

test('writes into a temp file in the same directory, fsyncs, then renames', async () => {
  const steps: string[] = [];
  const writer = createAtomicWriter(
    {
      open: async (path, flags, mode) => {
        steps.push(`open ${path} ${flags} ${mode?.toString(8)}`);
        return {
          writeFile: async () => void steps.push('write'),
          chmod: async (m) => void steps.push(`chmod ${m.toString(8)}`),
          sync: async () => void steps.push('sync'),
          close: async () => void steps.push('close'),
        };
      },
      rename: async (from, to) => void steps.push(`rename ${from} ${to}`),
      unlink: async (path) => void steps.push(`unlink ${path}`),
    },
    () => 'abc',
  );
  await writer('/certs/key.pem', 'x', 0o600);
  assert.deepEqual(steps, ['open /certs/.key.pem.abc.tmp wx 600', 'chmod 600', 'write', 'sync', 'close', 'rename /certs/.key.pem.abc.tmp /certs/key.pem', 'open /certs r undefined', 'sync', 'close']);
});

test('a failed rename removes the temp file and keeps the old content', async () => {
  const path = join(dir, 'bundle.pem');
  writeFileSync(path, 'old bundle');
  const failing = { ...nodeWriterFs, rename: async () => Promise.reject(new Error('EXDEV')) };
  await assert.rejects(createAtomicWriter(failing)(path, 'new bundle', 0o644), /EXDEV/);
  assert.equal(readFileSync(path, 'utf8'), 'old bundle');
  assert.ok(!readdirSync(dir).some((name) => name.endsWith('.tmp')));
});

test('a missing directory is an error, not a silent skip', async () => {
  await assert.rejects(createAtomicWriter()(join(dir, 'nope', 'svid.pem'), 'x', 0o644), /ENOENT/);
});
