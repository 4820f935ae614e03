import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseServerConfig } from './load.js';

// docs/server-config.md's complete example must load without warnings (keeps the page honest).
test('the complete example in docs/server-config.md loads cleanly', () => {
  const doc = readFileSync(new URL('../../../../docs/server-config.md', import.meta.url), 'utf8');
  const example = /## Complete example\s+```hcl\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(example !== undefined, 'complete example not found');
  const { config, warnings } = parseServerConfig(example, { filename: 'server-config.md', cwd: '/', readFile: () => '' });
  assert.deepEqual(warnings, []);
  assert.equal(config.trustDomain.name, 'example.org');
  assert.equal(config.plugins.dataStore.databaseType, 'postgres');
  assert.deepEqual(config.plugins.nodeAttestors.map((n) => n.name), ['join_token', 'x509pop']);
  assert.equal(config.federation.federatesWith[0]?.trustDomain.name, 'partner.test');
  assert.equal(config.telemetry.prometheus?.port, 9988);
});
