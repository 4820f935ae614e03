/** Keeps the "## @tspire/server" section of docs/errors.md in step with the codes the server registers. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { allErrorCodes, errorDocDrift } from '@tspire/common';
// Each area registers its codes when its errors module loads.
import './api/errors.js';
import './ca/errors.js';
import './datastore/errors.js';
import './keymanager/errors.js';
import './entries/errors.js';
import './attestor/errors.js';
import './ca/signing-errors.js';

// Compiled to packages/server/dist/, so the repo root is three levels up.
const DOC_PATH = fileURLToPath(new URL('../../../docs/errors.md', import.meta.url));
const OPTIONS = { owner: '@tspire/server', codesLocation: 'packages/server/src/*/errors.ts, ca/signing-errors.ts' };
const HEADING = `## ${OPTIONS.owner}`;

describe('docs/errors.md', () => {
  const problems = errorDocDrift(readFileSync(DOC_PATH, 'utf8'), OPTIONS);

  it(`has a "${HEADING}" section`, () => {
    assert.ok(problems, `docs/errors.md has no line "${HEADING}"`);
  });

  it('lists exactly the codes @tspire/server registers, with their gRPC status', () => {
    assert.ok(problems);
    assert.equal(problems.length, 0, `docs/errors.md is out of step with packages/server/src/*/errors.ts:\n- ${problems.join('\n- ')}`);
  });

  it('detects drift in both directions (self-check on a synthetic doc)', () => {
    const synthetic = [
      '## @tspire/common',
      '| `ERR_CA_EXPIRED` | X | rows of other sections do not count | x |',
      HEADING,
      '| Code | gRPC | Meaning | Where |',
      '|---|---|---|---|',
      '| `ERR_MADE_UP` | Internal | made up | nowhere |',
      '| `ERR_API_INTERNAL` | NotFound | wrong status | x |',
      '## @tspire/agent',
      '| `ERR_CA_EXPIRED` | X | also ignored | x |',
    ].join('\n');
    const found = errorDocDrift(synthetic, OPTIONS);
    assert.ok(found);
    assert.ok(found.some((p) => p.startsWith('ERR_CA_EXPIRED is missing from')));
    assert.ok(found.some((p) => p.startsWith('ERR_MADE_UP is listed') && p.includes('(line 6)')));
    assert.ok(found.some((p) => p.startsWith('ERR_API_INTERNAL (line 7) says gRPC NotFound but the registry maps it to Internal')));
    assert.equal(found.filter((p) => p.includes('is missing from')).length, allErrorCodes(OPTIONS.owner).length - 1);
  });
});
