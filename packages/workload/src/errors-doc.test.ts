/** Keeps the "## @tspire/workload" section of docs/errors.md in step with the codes the SDK registers. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { allErrorCodes, errorDocDrift } from '@tspire/common';
import { workloadErrorCodes } from './errors.js';

// Compiled to packages/workload/dist/, so the repo root is three levels up.
const DOC_PATH = fileURLToPath(new URL('../../../docs/errors.md', import.meta.url));
const OPTIONS = { owner: '@tspire/workload', codesLocation: 'packages/workload/src/errors.ts' };
const HEADING = `## ${OPTIONS.owner}`;

describe('docs/errors.md', () => {
  const problems = errorDocDrift(readFileSync(DOC_PATH, 'utf8'), OPTIONS);

  it(`has a "${HEADING}" section`, () => {
    assert.ok(problems, `docs/errors.md has no line "${HEADING}"`);
  });

  it('lists exactly the codes @tspire/workload registers, with their gRPC status', () => {
    assert.ok(problems);
    assert.equal(problems.length, 0, `docs/errors.md is out of step with packages/workload/src/errors.ts:\n- ${problems.join('\n- ')}`);
  });

  it('registers every code of the table under @tspire/workload', () => {
    assert.deepEqual(allErrorCodes(OPTIONS.owner).map((c) => c.code).sort(), Object.keys(workloadErrorCodes).sort());
  });

  it('detects drift in both directions (self-check on a synthetic doc)', () => {
    const synthetic = [
      HEADING,
      '| Code | gRPC | Meaning | Where |',
      '|---|---|---|---|',
      '| `ERR_MADE_UP` | Internal | made up | nowhere |',
      '| `ERR_WORKLOAD_CLOSED` | NotFound | wrong status | x |',
      '## @tspire/other',
      '| `ERR_WORKLOAD_NO_SVIDS` | Internal | other sections do not count | x |',
    ].join('\n');
    const found = errorDocDrift(synthetic, OPTIONS);
    assert.ok(found);
    assert.ok(found.some((p) => p.startsWith('ERR_MADE_UP is listed') && p.includes('(line 4)')));
    assert.ok(found.some((p) => p.startsWith('ERR_WORKLOAD_CLOSED (line 5) says gRPC NotFound but the registry maps it to Canceled')));
    assert.ok(found.some((p) => p.startsWith('ERR_WORKLOAD_NO_SVIDS is missing from')));
    assert.equal(found.filter((p) => p.includes('is missing from')).length, allErrorCodes(OPTIONS.owner).length - 1);
  });
});
