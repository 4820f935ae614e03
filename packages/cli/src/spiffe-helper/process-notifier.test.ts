import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeProcesses } from './fake-client.test-helper.js';
import { ProcessNotifier, parsePidFile } from './process-notifier.js';

test('first notify launches, later ones signal, an exited process is relaunched', async () => {
  const p = fakeProcesses();
  const notifier = new ProcessNotifier({ cmd: '/bin/app', cmdArgs: ['-x'], renewSignal: 'SIGUSR1', pidFileName: undefined }, p.deps);
  await notifier.notify();
  await notifier.notify();
  assert.equal(p.spawned.length, 1);
  assert.deepEqual(p.spawned[0]!.child.signals, ['SIGUSR1']);
  p.spawned[0]!.child.exited = true;
  await notifier.notify();
  assert.equal(p.spawned.length, 2);
  assert.deepEqual(p.spawned[1]!.child.signals, []);
  assert.deepEqual(p.killed, [], 'no pid file configured');
});

test('without renew_signal a running process is left alone', async () => {
  const p = fakeProcesses();
  const notifier = new ProcessNotifier({ cmd: '/bin/app', cmdArgs: [], renewSignal: undefined, pidFileName: undefined }, p.deps);
  await notifier.notify();
  await notifier.notify();
  assert.equal(p.spawned.length, 1);
  assert.deepEqual(p.spawned[0]!.child.signals, []);
});

test('a pid file that cannot be read or parsed is logged, never thrown', async () => {
  const p = fakeProcesses('not a pid\n');
  const notifier = new ProcessNotifier({ cmd: '', cmdArgs: [], renewSignal: 'SIGHUP', pidFileName: '/run/app.pid' }, p.deps);
  await notifier.notify();
  assert.deepEqual(p.killed, []);
});

test('a spawn that throws is logged and retried on the next notify', async () => {
  const p = fakeProcesses();
  let calls = 0;
  const spawn = p.deps.spawn;
  const notifier = new ProcessNotifier(
    { cmd: '/bin/app', cmdArgs: [], renewSignal: 'SIGHUP', pidFileName: undefined },
    { ...p.deps, spawn: (cmd, args) => (++calls === 1 ? (() => { throw new Error('EACCES'); })() : spawn(cmd, args)) },
  );
  await notifier.notify();
  assert.equal(notifier.process, undefined);
  await notifier.notify();
  assert.equal(p.spawned.length, 1);
});

test('parsePidFile reads the first line (plain pid files and postmaster.pid)', () => {
  assert.equal(parsePidFile('123\n'), 123);
  assert.equal(parsePidFile(' 77 \n/var/lib/postgresql/15/main\n1700000000\n5432\n'), 77);
  assert.throws(() => parsePidFile(''), /does not start with a process ID/);
  assert.throws(() => parsePidFile('-1\n'), /does not start with a process ID/);
  assert.throws(() => parsePidFile('0'), /0 is not a process ID/);
});
