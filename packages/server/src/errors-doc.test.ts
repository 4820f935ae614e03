/**
 * Keeps docs/errors.md in step with the codes @tspire/server registers: every code has a row
 * (with the right gRPC status) in the "## @tspire/server" section, and every ERR_ code that
 * section mentions is registered by @tspire/server.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Code } from '@connectrpc/connect';
import { allErrorCodes } from '@tspire/common';
// Each area registers its codes when its errors module loads.
import './api/errors.js';
import './ca/errors.js';
import './datastore/errors.js';
import './keymanager/errors.js';

// Compiled to packages/server/dist/, so the repo root is three levels up.
const DOC_PATH = fileURLToPath(new URL('../../../docs/errors.md', import.meta.url));
const DOC = 'docs/errors.md';
const HEADING = '## @tspire/server';
const OWNER = '@tspire/server';

interface Row {
  readonly line: number;
  readonly grpc: string;
}
interface Section {
  readonly rows: Map<string, Row[]>;
  readonly mentions: Map<string, number>;
}

/** Reads rows `| \`ERR_X\` | GrpcCode | meaning | where |` from HEADING to the next `## `. */
function readSection(markdown: string): Section | undefined {
  const lines = markdown.split(/\r?\n/);
  const start = lines.findIndex((line) => line.trim() === HEADING);
  if (start === -1) return undefined;
  const rows = new Map<string, Row[]>();
  const mentions = new Map<string, number>();
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (/^## /.test(line)) break;
    for (const match of line.matchAll(/\bERR_[A-Z0-9_]+\b/g)) {
      if (!mentions.has(match[0])) mentions.set(match[0], i + 1);
    }
    const row = /^\|\s*`?(ERR_[A-Z0-9_]+)`?\s*\|\s*`?([A-Za-z]+)`?\s*\|/.exec(line);
    if (row?.[1] !== undefined) rows.set(row[1], [...(rows.get(row[1]) ?? []), { line: i + 1, grpc: row[2] ?? '' }]);
  }
  return { rows, mentions };
}

function driftProblems(section: Section): string[] {
  const registered = new Map(allErrorCodes(OWNER).map((c) => [c.code, c]));
  const problems: string[] = [];
  for (const [code, info] of registered) {
    const rows = section.rows.get(code);
    const grpc = Code[info.grpc];
    if (rows === undefined) {
      problems.push(`${code} is missing from the "${HEADING}" section of ${DOC}; add a row: | \`${code}\` | ${grpc} | ${info.description} | <where> |`);
      continue;
    }
    if (rows.length > 1) problems.push(`${code} has more than one row in "${HEADING}" (lines ${rows.map((r) => r.line).join(', ')})`);
    for (const row of rows) {
      if (row.grpc !== grpc) problems.push(`${code} (line ${row.line}) says gRPC ${row.grpc} but the registry maps it to ${grpc}`);
    }
  }
  for (const [code, line] of section.mentions) {
    if (!registered.has(code)) {
      problems.push(`${code} is listed in the "${HEADING}" section of ${DOC} (line ${line}) but ${OWNER} does not register it (packages/server/src/*/errors.ts)`);
    }
  }
  return problems;
}

describe('docs/errors.md', () => {
  const section = readSection(readFileSync(DOC_PATH, 'utf8'));

  it(`has a "${HEADING}" section`, () => {
    assert.ok(section, `${DOC} has no line "${HEADING}"`);
  });

  it('lists exactly the codes @tspire/server registers, with their gRPC status', () => {
    assert.ok(section);
    const problems = driftProblems(section);
    assert.equal(problems.length, 0, `${DOC} is out of step with the codes in packages/server/src/*/errors.ts:\n- ${problems.join('\n- ')}`);
  });

  it('detects drift in both directions (self-check on a synthetic doc)', () => {
    const synthetic = [
      '## @tspire/common',
      '| `ERR_CA_EXPIRED` | FailedPrecondition | rows of other sections do not count | x |',
      HEADING,
      '| Code | gRPC | Meaning | Where |',
      '|---|---|---|---|',
      '| `ERR_MADE_UP` | Internal | made up | nowhere |',
      '| `ERR_API_INTERNAL` | NotFound | wrong status | x |',
      '## @tspire/agent',
      '| `ERR_CA_EXPIRED` | FailedPrecondition | also ignored | x |',
    ].join('\n');
    const parsed = readSection(synthetic);
    assert.ok(parsed);
    const problems = driftProblems(parsed);
    assert.ok(problems.some((p) => p.startsWith('ERR_CA_EXPIRED is missing from')));
    assert.ok(problems.some((p) => p.startsWith('ERR_MADE_UP is listed') && p.includes('(line 6)')));
    assert.ok(problems.some((p) => p.startsWith('ERR_API_INTERNAL (line 7) says gRPC NotFound but the registry maps it to Internal')));
    assert.equal(problems.filter((p) => p.includes('is missing from')).length, allErrorCodes(OWNER).length - 1);
  });
});
