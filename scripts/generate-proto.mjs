#!/usr/bin/env node
// Regenerates packages/proto/src/gen from proto/ with buf and the local protoc-gen-es
// (see buf.yaml / buf.gen.yaml). Offline: no remote plugins, no module deps; the
// google/protobuf well-known types ship inside buf. The output directory is removed
// first so files for deleted .proto files do not linger.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, 'packages', 'proto', 'src', 'gen');
const bin = (name) => join(root, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name);

for (const tool of ['buf', 'protoc-gen-es']) {
  if (!existsSync(bin(tool))) {
    console.error(`generate-proto: ${bin(tool)} is missing; run 'npm ci' first`);
    process.exit(1);
  }
}

rmSync(outDir, { recursive: true, force: true });
const result = spawnSync(bin('buf'), ['generate', '--template', 'buf.gen.yaml'], {
  cwd: root,
  stdio: 'inherit',
  shell: process.platform === 'win32',
});
if (result.error) {
  console.error(`generate-proto: cannot run buf: ${result.error.message}`);
  process.exit(1);
}
if (result.status !== 0) {
  console.error(`generate-proto: buf generate failed (exit ${result.status ?? result.signal})`);
  process.exit(result.status ?? 1);
}
console.log(`generate-proto: wrote ${outDir}`);
