#!/usr/bin/env node
// Runs every compiled test with node:test and ends with the runner's summary.
// Node 20's --test takes no globs, so the files are collected here.
//   --unit   only unit tests beside the code (packages/*/dist)
//   --e2e    only end-to-end tests (test/dist/e2e)
//   any other argument: a substring that test file paths must contain
//
// Hang watchdog: when the run prints nothing for HANG_MS, every test-file child process still
// running is dumped (native stacks via gdb when present) and killed, so a hang fails in minutes
// instead of eating CI's time limit. Files killed that way are run once more on their own; the
// run passes only if nothing else failed and the re-run passes. Assertion failures are never
// retried.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith('--'));
const unitOnly = args.includes('--unit');
const e2eOnly = args.includes('--e2e');

function collect(dir, out) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'node_modules') continue;
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const files = [];
if (!e2eOnly) {
  for (const pkg of readdirSync(join(root, 'packages'))) collect(join(root, 'packages', pkg, 'dist'), files);
  collect(join(root, 'bench', 'dist'), files);
}
if (!unitOnly) collect(join(root, 'test', 'dist'), files);

const selected = files
  .map((f) => relative(root, f))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
if (selected.length === 0) {
  console.error('run-tests: no test files found (did the build run?)');
  process.exit(1);
}
const HANG_MS = Number(process.env.TSPIRE_TEST_HANG_MS ?? 8 * 60_000);

/** Runs node --test on `testFiles`, forwarding output; resolves with exit code, fail count and killed files. */
function runNodeTest(testFiles) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--enable-source-maps', '--test', '--test-reporter=spec', ...testFiles], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env },
    });
    let lastOutput = Date.now();
    let tail = '';
    const killed = [];
    const forward = (stream, sink) => stream.on('data', (chunk) => {
      lastOutput = Date.now();
      sink.write(chunk);
      if (sink === process.stdout) tail = (tail + chunk.toString()).slice(-4000);
    });
    forward(child.stdout, process.stdout);
    forward(child.stderr, process.stderr);
    const watchdog = setInterval(() => {
      if (Date.now() - lastOutput < HANG_MS) return;
      lastOutput = Date.now();
      for (const { pid, file } of testChildren(child.pid)) {
        console.error(`\nrun-tests: no output for ${HANG_MS / 1000}s; ${file} (pid ${pid}) looks hung. Native stacks:`);
        dumpStacks(pid);
        killed.push(file);
        try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
      }
    }, 10_000);
    child.on('close', (code, signal) => {
      clearInterval(watchdog);
      const fail = Number(/fail (\d+)/.exec(tail.split('\n').filter((l) => l.includes('fail ')).pop() ?? '')?.[1] ?? NaN);
      resolve({ code: code ?? (signal ? 1 : 0), fail, killed });
    });
  });
}

/** Descendant node processes of `parentPid` that run one compiled test file. */
function testChildren(parentPid) {
  const found = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== parentPid) continue;
      const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      const file = args.find((a) => a.endsWith('.test.js'));
      if (file) found.push({ pid: Number(name), file: relative(root, file) });
    } catch { /* process exited meanwhile */ }
  }
  return found;
}

function dumpStacks(pid) {
  const gdb = spawnSync('gdb', ['-batch', '-p', String(pid), '-ex', 'thread apply all bt 20'], { encoding: 'utf8', timeout: 60_000 });
  if (gdb.error) console.error(`(gdb unavailable: ${gdb.error.message})`);
  else console.error(gdb.stdout.split('\n').filter((l) => /^(Thread|#)/.test(l)).join('\n'));
}

const first = await runNodeTest(selected);
if (first.killed.length === 0) process.exit(first.code);
console.error(`\nrun-tests: killed hung test files: ${first.killed.join(', ')}`);
if (!(first.fail <= first.killed.length)) {
  console.error('run-tests: other tests failed too; not re-running');
  process.exit(first.code || 1);
}
console.error('run-tests: re-running the hung files once on their own');
const again = await runNodeTest(first.killed);
process.exit(again.code === 0 && again.killed.length === 0 ? 0 : 1);
