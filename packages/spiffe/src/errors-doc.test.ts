/**
 * Keeps docs/errors.md in step with spiffeErrorCodes: every registered code has a row in the
 * "## @tspire/spiffe" section, and every ERR_ code that section mentions is registered.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spiffeErrorCodeAreas, spiffeErrorCodes } from './errors.js';

// Compiled to packages/spiffe/dist/, so the repo root is three levels up.
const DOC_PATH = fileURLToPath(new URL('../../../docs/errors.md', import.meta.url));
const DOC = 'docs/errors.md';
const HEADING = '## @tspire/spiffe';

interface Section {
  /** Codes in the first cell of a table row, with their 1-based line numbers. */
  readonly rows: Map<string, number[]>;
  /** Every ERR_ code mentioned anywhere in the section, with its first line number. */
  readonly mentions: Map<string, number>;
}

/** Reads the lines from HEADING up to the next level-2 heading. */
function readSection(markdown: string): Section | undefined {
  const lines = markdown.split(/\r?\n/);
  const start = lines.findIndex((line) => line.trim() === HEADING);
  if (start === -1) return undefined;
  const rows = new Map<string, number[]>();
  const mentions = new Map<string, number>();
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (/^## /.test(line)) break;
    const lineNumber = i + 1;
    for (const match of line.matchAll(/\bERR_[A-Z0-9_]+\b/g)) {
      if (!mentions.has(match[0])) mentions.set(match[0], lineNumber);
    }
    const firstCell = /^\|\s*`?(ERR_[A-Z0-9_]+)`?\s*\|/.exec(line);
    if (firstCell?.[1]) rows.set(firstCell[1], [...(rows.get(firstCell[1]) ?? []), lineNumber]);
  }
  return { rows, mentions };
}

/** Where a code is defined, for the failure message. */
function definedIn(code: string): string {
  for (const [area, codes] of Object.entries(spiffeErrorCodeAreas)) {
    if (code in codes) return `packages/spiffe/src/${area}/ (error codes)`;
  }
  return 'packages/spiffe/src/errors.ts';
}

function driftProblems(section: Section): string[] {
  const registered = spiffeErrorCodes as Record<string, string>;
  const problems: string[] = [];
  for (const [code, description] of Object.entries(registered)) {
    if (!section.rows.has(code)) {
      problems.push(
        `${code} (defined in ${definedIn(code)}) is missing from the "${HEADING}" section of ${DOC}; ` +
          `add a row under the right ### heading: | \`${code}\` | ${description} | <API that raises it> |`,
      );
    }
  }
  for (const [code, line] of section.mentions) {
    if (!(code in registered)) {
      problems.push(
        `${code} is listed in the "${HEADING}" section of ${DOC} (line ${line}) but is not in spiffeErrorCodes; ` +
          'remove it from the doc, or add it to an area error-codes.ts merged in packages/spiffe/src/errors.ts',
      );
    }
  }
  for (const [code, lines] of section.rows) {
    if (lines.length > 1) problems.push(`${code} has more than one row in the "${HEADING}" section of ${DOC} (lines ${lines.join(', ')})`);
  }
  return problems;
}

describe('docs/errors.md', () => {
  const markdown = readFileSync(DOC_PATH, 'utf8');
  const section = readSection(markdown);

  it(`has a "${HEADING}" section`, () => {
    assert.ok(section, `${DOC} has no line "${HEADING}"`);
  });

  it('lists exactly the codes in spiffeErrorCodes', () => {
    assert.ok(section);
    const problems = driftProblems(section);
    assert.equal(problems.length, 0, `${DOC} is out of step with spiffeErrorCodes:\n- ${problems.join('\n- ')}`);
  });

  it('detects drift in both directions (self-check on a synthetic doc)', () => {
    const [firstCode] = Object.keys(spiffeErrorCodes);
    assert.ok(firstCode);
    const synthetic = [
      HEADING,
      '| Code | Meaning | Where |',
      '|---|---|---|',
      '| `ERR_NOT_A_REAL_CODE` | made up | nowhere |',
      '## @tspire/common',
      `| \`${firstCode}\` | rows of other packages do not count | x |`,
    ].join('\n');
    const parsed = readSection(synthetic);
    assert.ok(parsed);
    const problems = driftProblems(parsed);
    assert.ok(problems.some((p) => p.startsWith(`${firstCode} (defined in`) && p.includes('is missing from')));
    assert.ok(problems.some((p) => p.startsWith('ERR_NOT_A_REAL_CODE is listed') && p.includes('(line 4)')));
    assert.equal(problems.filter((p) => p.includes('is missing from')).length, Object.keys(spiffeErrorCodes).length);
  });
});
