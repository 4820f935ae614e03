/** Keeps the "## @tspire/common" section of docs/errors.md in step with the codes common registers. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { allErrorCodes } from './registry.js';
import { errorDocDrift } from './doc-drift.js';

// Compiled to packages/common/dist/errors/, so the repo root is four levels up.
const DOC_PATH = fileURLToPath(new URL('../../../../docs/errors.md', import.meta.url));
const OPTIONS = { owner: '@tspire/common', codesLocation: 'packages/common/src/errors/codes.ts' };
const HEADING = `## ${OPTIONS.owner}`;

describe('docs/errors.md', () => {
  const problems = errorDocDrift(readFileSync(DOC_PATH, 'utf8'), OPTIONS);

  it(`has a "${HEADING}" section`, () => {
    assert.ok(problems, `docs/errors.md has no line "${HEADING}"`);
  });

  it('lists exactly the codes @tspire/common registers, with their gRPC status', () => {
    assert.ok(problems);
    assert.equal(problems.length, 0, `docs/errors.md is out of step with packages/common/src/errors/codes.ts:\n- ${problems.join('\n- ')}`);
  });

  it('detects drift in both directions (self-check on a synthetic doc)', () => {
    const synthetic = [
      '## @tspire/spiffe',
      '| `ERR_NOT_FOUND` | X | rows of other sections do not count | x |',
      HEADING,
      '| Code | gRPC | Meaning | Where |',
      '|---|---|---|---|',
      '| `ERR_MADE_UP` | Internal | made up | nowhere |',
      '| `ERR_INTERNAL` | NotFound | wrong status | x |',
      '## @tspire/server',
      '| `ERR_NOT_FOUND` | X | also ignored | x |',
    ].join('\n');
    const found = errorDocDrift(synthetic, OPTIONS);
    assert.ok(found);
    assert.ok(found.some((p) => p.startsWith('ERR_NOT_FOUND is missing from')));
    assert.ok(found.some((p) => p.startsWith('ERR_MADE_UP is listed') && p.includes('(line 6)')));
    assert.ok(found.some((p) => p.startsWith('ERR_INTERNAL (line 7) says gRPC NotFound but the registry maps it to Internal')));
    assert.equal(found.filter((p) => p.includes('is missing from')).length, allErrorCodes(OPTIONS.owner).length - 1);
  });
});
