import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSmallFile } from './read-small-file.js';

describe('readSmallFile', () => {
  it('reads a file as UTF-8, and /proc files whose size the kernel reports as 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tspire-small-file-'));
    try {
      await writeFile(join(dir, 'passwd'), 'root:x:0:0:root:/root:/bin/bash\nzoë:x:1000:1000::/home/z:/bin/sh\n');
      assert.equal(await readSmallFile(join(dir, 'passwd')), 'root:x:0:0:root:/root:/bin/bash\nzoë:x:1000:1000::/home/z:/bin/sh\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const status = await readSmallFile(`/proc/${process.pid}/status`);
    assert.match(status, new RegExp(`^Pid:\\t${process.pid}$`, 'm'));
    assert.match(status, /^Groups:/m);
  });

  it('rejects with the fs error code (ENOENT for a process that is gone), never throws', async () => {
    let pending: Promise<string> | undefined;
    assert.doesNotThrow(() => {
      pending = readSmallFile('/proc/0/status-does-not-exist');
    });
    await assert.rejects(pending!, (err: NodeJS.ErrnoException) => err.code === 'ENOENT');
    await assert.rejects(readSmallFile(tmpdir()), (err: NodeJS.ErrnoException) => err.code === 'EISDIR');
  });
});
