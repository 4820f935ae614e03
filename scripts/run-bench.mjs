#!/usr/bin/env node
// Runs every compiled benchmark (bench/dist/**/*.bench.js) one after another, each in its own
// node process so one benchmark's heap and JIT state cannot skew the next.
//   any argument: a substring that benchmark file paths must contain
// Each benchmark writes bench/results/<name>.json and prints a one-line summary.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));

function collect(dir, out) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'node_modules') continue;
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.bench.js')) out.push(path);
  }
  return out;
}

const selected = collect(join(root, 'bench', 'dist'), [])
  .map((f) => relative(root, f))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
if (selected.length === 0) {
  console.error(`run-bench: no benchmark files found${only.length ? ` matching ${only.join(', ')}` : ''} (did the build run?)`);
  process.exit(1);
}

const failed = [];
for (const file of selected) {
  console.log(`run-bench: ${file}`);
  const result = spawnSync(process.execPath, ['--enable-source-maps', file], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env },
  });
  if (result.status !== 0) failed.push(`${file} (${result.signal ?? `exit ${result.status}`})`);
}
if (failed.length > 0) {
  console.error(`run-bench: ${failed.length} of ${selected.length} failed:\n  ${failed.join('\n  ')}`);
  process.exit(1);
}
console.log(`run-bench: ${selected.length} benchmark(s) done; results in bench/results/`);
