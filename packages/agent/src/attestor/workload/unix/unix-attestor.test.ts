/**
 * The unix workload attestor: selectors from injected /proc and /etc readers (in memory and as a
 * fake /proc tree on disk), the size-bounded hash, failures, config decoding, and one real check
 * on a child process of this test.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile, type FileHandle } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ConfigError, createCapturingLogger } from '@tspire/common';
import { WorkloadAttestorError } from '../errors.js';
import { formatSelector, type Selector } from '../workload-attestor.js';
import { decodeUnixAttestorConfig } from './config.js';
import { createUnixAttestor, type UnixAttestorDeps } from './unix-attestor.js';

const PASSWD = [
  '# local accounts',
  'root:x:0:0:root:/root:/bin/bash',
  '+nisuser::::::',
  'alice:x:1000:1000:Alice:/home/alice:/bin/sh',
  'alice2:x:1000:1000:duplicate uid, first line wins:/home/alice2:/bin/sh',
  'broken-line',
  '',
].join('\n');
const GROUP = ['root:x:0:', 'staff:x:50:alice', 'users:x:100:', 'docker:x:999:alice', 'wheel:x:10:'].join('\n');

function status(uids: string, gids: string, groups: string): string {
  return `Name:\tworkload\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t4242\nPid:\t4242\nUid:\t${uids}\nGid:\t${gids}\nFDSize:\t64\nGroups:\t${groups}\nVmPeak:\t1 kB\n`;
}

/** In-memory /proc and /etc: readFile over a map, readlink over a map. */
function memoryFs(files: Record<string, string>, links: Record<string, string> = {}) {
  const reads: string[] = [];
  const deps: UnixAttestorDeps = {
    procRoot: '/proc',
    readFile: async (path) => {
      reads.push(path);
      const content = files[path];
      if (content === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
      return content;
    },
    readlink: async (path) => {
      reads.push(path);
      const target = links[path];
      if (target === undefined) throw Object.assign(new Error(`ENOENT: readlink '${path}'`), { code: 'ENOENT' });
      return target;
    },
  };
  return { deps, reads };
}

const values = (selectors: Selector[]): string[] => selectors.map(formatSelector);

describe('unix attestor with in-memory readers', () => {
  const files = {
    '/proc/4242/status': status('1000\t1000\t1000\t1000', '1000\t100\t100\t100', '50 999 12345 '),
    '/etc/passwd': PASSWD,
    '/etc/group': GROUP,
  };

  it('yields uid, user, gid, group and each supplementary gid/group, in SPIRE order', async () => {
    const { deps } = memoryFs(files);
    const selectors = await createUnixAttestor({ discoverWorkloadPath: false, workloadSizeLimit: 0 }, deps).attest(4242);
    assert.ok(selectors.every((s) => s.type === 'unix'));
    assert.deepEqual(values(selectors), [
      'unix:uid:1000',
      'unix:user:alice',
      'unix:gid:100',
      'unix:group:users',
      'unix:supplementary_gid:50',
      'unix:supplementary_group:staff',
      'unix:supplementary_gid:999',
      'unix:supplementary_group:docker',
      'unix:supplementary_gid:12345', // no such group: the name is left out
    ]);
  });

  it('selects on the effective ids, not the real ones (a setuid binary)', async () => {
    const { deps } = memoryFs({ ...files, '/proc/4242/status': status('1000\t0\t0\t0', '100\t10\t10\t10', '') });
    const selectors = await createUnixAttestor({ discoverWorkloadPath: false, workloadSizeLimit: 0 }, deps).attest(4242);
    assert.deepEqual(values(selectors), ['unix:uid:0', 'unix:user:root', 'unix:gid:10', 'unix:group:wheel']);
  });

  it('does not look at the executable without discover_workload_path', async () => {
    const { deps, reads } = memoryFs(files, { '/proc/4242/exe': '/usr/bin/workload' });
    const selectors = await createUnixAttestor({ discoverWorkloadPath: false, workloadSizeLimit: 0 }, deps).attest(4242);
    assert.ok(!values(selectors).some((v) => v.startsWith('unix:path:') || v.startsWith('unix:sha256:')));
    assert.ok(!reads.includes('/proc/4242/exe'));
  });

  it('with discover_workload_path and a negative limit: path, never a hash', async () => {
    const { deps } = memoryFs(files, { '/proc/4242/exe': '/usr/bin/workload (deleted)' });
    let opened = false;
    deps.openFile = async () => ((opened = true), Promise.reject(new Error('must not open')));
    const selectors = await createUnixAttestor({ discoverWorkloadPath: true, workloadSizeLimit: -1 }, deps).attest(4242);
    assert.equal(values(selectors).at(-1), 'unix:path:/usr/bin/workload (deleted)');
    assert.equal(opened, false);
  });

  it('fails (never a partial answer) when the process is gone or its status is malformed', async () => {
    const attestor = (extra: Record<string, string>) =>
      createUnixAttestor({ discoverWorkloadPath: false, workloadSizeLimit: 0 }, memoryFs({ ...files, ...extra }).deps);
    await assert.rejects(attestor({}).attest(7), (err: unknown) =>
      err instanceof WorkloadAttestorError && err.code === 'ERR_AGENT_UNIX_ATTESTATION' && /cannot read the status of pid 7 \(the process is gone\)/.test(err.message),
    );
    await assert.rejects(attestor({ '/proc/7/status': 'Name:\tx\nGid:\t1\t1\t1\t1\nGroups:\t\n' }).attest(7), /\/proc\/7\/status: no Uid line/);
    await assert.rejects(attestor({ '/proc/7/status': status('1\t1\t1', '1\t1\t1\t1', '') }).attest(7), /Uid has 3 ids, expected 4/);
    await assert.rejects(attestor({ '/proc/7/status': status('1\t1\t1\t1', '1\t1\t1\t1', '4 x') }).attest(7), /Groups has a value that is not an id: "x"/);
    await assert.rejects(attestor({}).attest(-3), TypeError);
  });

  it('an unreadable passwd/group file leaves the names out and says so in the log', async () => {
    const { deps } = memoryFs({ '/proc/4242/status': files['/proc/4242/status'] });
    const logger = createCapturingLogger();
    const selectors = await createUnixAttestor({ discoverWorkloadPath: false, workloadSizeLimit: 0 }, { ...deps, logger }).attest(4242);
    assert.deepEqual(values(selectors), ['unix:uid:1000', 'unix:gid:100', 'unix:supplementary_gid:50', 'unix:supplementary_gid:999', 'unix:supplementary_gid:12345']);
    const warned = logger.entries.filter((e) => e.level === 'warn').map((e) => e.fields?.['path']);
    assert.deepEqual(warned.sort(), ['/etc/group', '/etc/passwd']);
  });

  it('refuses a file that grows past the limit while it is read', async () => {
    const { deps } = memoryFs(files, { '/proc/4242/exe': '/bin/grows' });
    const chunk = Buffer.alloc(1000, 7);
    let reads = 0;
    const growing = {
      stat: async () => ({ size: 10 }),
      read: async (buffer: Buffer) => {
        reads += 1;
        chunk.copy(buffer);
        return { bytesRead: chunk.length, buffer };
      },
      close: async () => {},
    };
    deps.openFile = async () => growing as unknown as FileHandle;
    await assert.rejects(
      createUnixAttestor({ discoverWorkloadPath: true, workloadSizeLimit: 2500 }, deps).attest(4242),
      /workload \/proc\/4242\/exe exceeds size limit \(3000 > 2500\)/,
    );
    assert.equal(reads, 3);
  });
});

describe('unix attestor on a fake /proc tree on disk', () => {
  let root: string;
  let binary: Buffer;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'unix-attestor-'));
    binary = Buffer.concat([Buffer.from('\x7fELF fake workload '), Buffer.alloc(200_000, 0xab)]);
    await mkdir(join(root, 'proc', '31337'), { recursive: true });
    await mkdir(join(root, 'etc'));
    await mkdir(join(root, 'opt'));
    await writeFile(join(root, 'opt', 'workload'), binary);
    await symlink(join(root, 'opt', 'workload'), join(root, 'proc', '31337', 'exe'));
    await writeFile(join(root, 'proc', '31337', 'status'), status('1000\t1000\t1000\t1000', '1000\t1000\t1000\t1000', ''));
    await writeFile(join(root, 'etc', 'passwd'), PASSWD);
    await writeFile(join(root, 'etc', 'group'), `${GROUP}\nalice:x:1000:\n`);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });
  const deps = (): UnixAttestorDeps => ({ procRoot: join(root, 'proc'), passwdPath: join(root, 'etc', 'passwd'), groupPath: join(root, 'etc', 'group') });

  it('with discover_workload_path: path and the sha256 of the binary (limit 0 = none)', async () => {
    const selectors = await createUnixAttestor({ discoverWorkloadPath: true, workloadSizeLimit: 0 }, deps()).attest(31337);
    assert.deepEqual(values(selectors), [
      'unix:uid:1000',
      'unix:user:alice',
      'unix:gid:1000',
      'unix:group:alice',
      `unix:path:${join(root, 'opt', 'workload')}`,
      `unix:sha256:${createHash('sha256').update(binary).digest('hex')}`,
    ]);
  });

  it('a binary exactly at the limit is hashed; one byte over is refused', async () => {
    const atLimit = await createUnixAttestor({ discoverWorkloadPath: true, workloadSizeLimit: binary.length }, deps()).attest(31337);
    assert.match(values(atLimit).at(-1)!, /^unix:sha256:[0-9a-f]{64}$/);
    await assert.rejects(
      createUnixAttestor({ discoverWorkloadPath: true, workloadSizeLimit: binary.length - 1 }, deps()).attest(31337),
      { code: 'ERR_AGENT_UNIX_ATTESTATION', message: `workload ${join(root, 'proc', '31337', 'exe')} exceeds size limit (${binary.length} > ${binary.length - 1})` },
    );
  });
});

describe('unix attestor on a real process', () => {
  it('describes a child process: its ids, user, executable path and hash', async () => {
    const child = spawn('/usr/bin/sleep', ['30'], { stdio: 'ignore' });
    try {
      assert.ok(child.pid !== undefined);
      await new Promise<void>((resolve, reject) => child.once('spawn', resolve).once('error', reject));
      const selectors = values(await createUnixAttestor({ discoverWorkloadPath: true, workloadSizeLimit: 0 }).attest(child.pid));
      const expectedPath = await realpath('/usr/bin/sleep');
      assert.ok(selectors.includes(`unix:uid:${process.geteuid!()}`), selectors.join(' '));
      assert.ok(selectors.includes(`unix:gid:${process.getegid!()}`));
      // os.userInfo() asks NSS (getpwuid_r): an independent source for the name.
      assert.ok(selectors.includes(`unix:user:${userInfo().username}`));
      const supplementary = selectors.filter((v) => v.startsWith('unix:supplementary_gid:')).map((v) => Number(v.split(':')[2]));
      const expectedGroups = new Set(process.getgroups!());
      expectedGroups.delete(process.getegid!()); // node adds the egid to getgroups()
      assert.deepEqual(new Set(supplementary.filter((g) => g !== process.getegid!())), expectedGroups);
      assert.ok(selectors.includes(`unix:path:${expectedPath}`));
      assert.ok(selectors.includes(`unix:sha256:${createHash('sha256').update(await readFile(expectedPath)).digest('hex')}`));
    } finally {
      child.kill();
    }
  });
});

describe('decodeUnixAttestorConfig', () => {
  it('applies SPIRE defaults', () => {
    assert.deepEqual(decodeUnixAttestorConfig(undefined).config, { discoverWorkloadPath: false, workloadSizeLimit: 0 });
    assert.deepEqual(decodeUnixAttestorConfig({}).config, { discoverWorkloadPath: false, workloadSizeLimit: 0 });
  });

  it('reads both keys, with HCL weak typing', () => {
    assert.deepEqual(decodeUnixAttestorConfig({ discover_workload_path: true, workload_size_limit: -1 }).config, { discoverWorkloadPath: true, workloadSizeLimit: -1 });
    assert.deepEqual(decodeUnixAttestorConfig({ discover_workload_path: 'true', workload_size_limit: '1048576' }).config, {
      discoverWorkloadPath: true,
      workloadSizeLimit: 1048576,
    });
  });

  it('names the key of a bad value and reports unknown keys', () => {
    assert.throws(
      () => decodeUnixAttestorConfig({ workload_size_limit: 'big' }),
      (err: unknown) => err instanceof ConfigError && err.message === 'plugins.WorkloadAttestor.unix.plugin_data.workload_size_limit: expected an integer, got "big"',
    );
    assert.throws(() => decodeUnixAttestorConfig({ discover_workload_path: 'maybe' }), /discover_workload_path: expected a boolean/);
    const { unknownKeys } = decodeUnixAttestorConfig({ discover_path: true });
    assert.deepEqual(unknownKeys.map((k) => k.path), ['plugins.WorkloadAttestor.unix.plugin_data.discover_path']);
  });
});
