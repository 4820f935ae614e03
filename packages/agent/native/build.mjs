#!/usr/bin/env node
// Builds the peercred addon (build/Release/peercred.node) with node-gyp against the headers of
// the Node that runs this script: nothing is downloaded. Used as the package's install script.
// nodedir: npm_config_nodedir (the repo's .npmrc sets it) or this Node's own prefix, which holds
// include/node/node_api.h in distribution packages and official tarballs.
// node-gyp: the copy npm bundles (npm passes its path as npm_config_node_gyp to scripts).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const fail = (message) => {
  console.error(`peercred addon: ${message}`);
  process.exit(1);
};

if (process.platform !== 'linux') {
  console.log(`peercred addon: skipped on ${process.platform} (SO_PEERCRED is Linux only)`);
  process.exit(0);
}

const nodedir = process.env.npm_config_nodedir || dirname(dirname(process.execPath));
if (!existsSync(join(nodedir, 'include', 'node', 'node_api.h'))) {
  fail(`no Node headers at ${join(nodedir, 'include', 'node')}: set nodedir (npm config or npm_config_nodedir) to a Node installation prefix with include/node`);
}

const candidates = [
  process.env.npm_config_node_gyp,
  join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
].filter((path) => path !== undefined && path !== '');
const nodeGyp = candidates.find((path) => existsSync(path));
if (nodeGyp === undefined) fail(`cannot find node-gyp (looked at ${candidates.join(', ')})`);

const result = spawnSync(process.execPath, [nodeGyp, 'rebuild', `--nodedir=${nodedir}`], { cwd: packageRoot, stdio: 'inherit' });
if (result.error !== undefined) fail(`cannot run node-gyp: ${result.error.message}`);
process.exit(result.status ?? 1);
