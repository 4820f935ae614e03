import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAgentConfig } from './load.js';
import { agentFlags } from './flags.js';

const doc = readFileSync(new URL('../../../../docs/agent-config.md', import.meta.url), 'utf8');

// docs/agent-config.md's complete example must load without warnings (keeps the page honest).
test('the complete example in docs/agent-config.md loads cleanly', () => {
  const example = /## Complete example\s+```hcl\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(example !== undefined, 'complete example not found');
  const { config, warnings } = parseAgentConfig(example, { filename: 'agent-config.md', cwd: '/', readFile: () => '' });
  assert.deepEqual(warnings, []);
  assert.equal(config.trustDomain.name, 'example.org');
  assert.equal(config.plugins.nodeAttestor.name, 'x509pop');
  assert.deepEqual(config.plugins.workloadAttestors.map((w) => w.name), ['unix', 'docker']);
  assert.equal(config.adminSocketPath, '/run/spire/admin/admin.sock');
  assert.equal(config.telemetry.prometheus?.port, 9989);
});

// Every flag of `spire-agent run` is in the page's flag table, and nothing else is.
test('the flag table in docs/agent-config.md lists exactly the run flags', () => {
  const section = /## Command line([\s\S]*?)\n## /.exec(doc)?.[1] ?? '';
  const documented = [...section.matchAll(/^\| `-(\w+)/gm)].map((m) => m[1]).sort();
  const defined = [...agentFlags.usage().matchAll(/^ {2}-(\w+)/gm)].map((m) => m[1]).sort();
  assert.deepEqual(documented, defined);
});
