/** Keeps the "## @tspire/agent" section of docs/errors.md in step with the codes the agent registers. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { allErrorCodes, errorDocDrift } from '@tspire/common';
import './errors.js';
import './peercred/errors.js';
import './attestor/workload/errors.js';
import './endpoints/errors.js';
import './manager/errors.js';

// Compiled to packages/agent/dist/, so the repo root is three levels up.
const DOC_PATH = fileURLToPath(new URL('../../../docs/errors.md', import.meta.url));
const OPTIONS = { owner: '@tspire/agent', codesLocation: 'packages/agent/src/errors.ts, peercred/errors.ts, attestor/workload/errors.ts, endpoints/errors.ts, manager/errors.ts' };
const HEADING = `## ${OPTIONS.owner}`;

describe('docs/errors.md', () => {
  const problems = errorDocDrift(readFileSync(DOC_PATH, 'utf8'), OPTIONS);

  it(`has a "${HEADING}" section`, () => {
    assert.ok(problems, `docs/errors.md has no line "${HEADING}"`);
  });

  it('lists exactly the codes @tspire/server registers, with their gRPC status', () => {
    assert.ok(problems);
    assert.equal(problems.length, 0, `docs/errors.md is out of step with packages/agent/src/errors.ts:\n- ${problems.join('\n- ')}`);
  });

  it('detects drift in both directions (self-check on a synthetic doc)', () => {
    const synthetic = [
      '## @tspire/common',
      '| `ERR_AGENT_X509POP_CONFIG` | X | rows of other sections do not count | x |',
      HEADING,
      '| Code | gRPC | Meaning | Where |',
      '|---|---|---|---|',
      '| `ERR_MADE_UP` | Internal | made up | nowhere |',
      '| `ERR_AGENT_BAD_SERVER_RESPONSE` | NotFound | wrong status | x |',
      '## @tspire/workload',
      '| `ERR_AGENT_X509POP_CONFIG` | X | also ignored | x |',
    ].join('\n');
    const found = errorDocDrift(synthetic, OPTIONS);
    assert.ok(found);
    assert.ok(found.some((p) => p.startsWith('ERR_AGENT_X509POP_CONFIG is missing from')));
    assert.ok(found.some((p) => p.startsWith('ERR_MADE_UP is listed') && p.includes('(line 6)')));
    assert.ok(found.some((p) => p.startsWith('ERR_AGENT_BAD_SERVER_RESPONSE (line 7) says gRPC NotFound but the registry maps it to Internal')));
    assert.equal(found.filter((p) => p.includes('is missing from')).length, allErrorCodes(OPTIONS.owner).length - 1);
  });
});
