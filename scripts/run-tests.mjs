#!/usr/bin/env node
// Runs every compiled test with node:test and ends with the runner's summary.
// Node 20's --test takes no globs, so the files are collected here.
//   --unit   only unit tests beside the code (packages/*/dist)
//   --e2e    only end-to-end tests (test/dist/e2e)
//   any other argument: a substring that test file paths must contain
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
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
const result = spawnSync(
  process.execPath,
  ['--enable-source-maps', '--test', '--test-reporter=spec', ...selected],
  { cwd: root, stdio: 'inherit', env: { ...process.env } },
);
process.exit(result.status ?? 1);
