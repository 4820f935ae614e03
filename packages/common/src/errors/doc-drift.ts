/**
 * Compares one package's section of docs/errors.md with the codes it registers, so each
 * package's drift test is three lines. Rows look like `| \`ERR_X\` | GrpcCode | meaning | where |`;
 * the section runs from its `## <owner>` heading to the next `## `.
 */
import { Code } from '@connectrpc/connect';
import { allErrorCodes } from './registry.js';

export interface ErrorDocDriftOptions {
  /** The registry owner, e.g. `@tspire/server`; the section heading is `## <owner>`. */
  readonly owner: string;
  /** Where the owner's codes are defined, named in messages. */
  readonly codesLocation: string;
  /** The doc's name in messages (default `docs/errors.md`). */
  readonly doc?: string;
}

/**
 * Returns the differences between the doc section and the registry: missing rows, duplicate
 * rows, wrong gRPC statuses, and codes mentioned but not registered. `undefined` when the
 * section heading is absent.
 * @example assert.deepEqual(errorDocDrift(readFileSync(path, 'utf8'), { owner: '@tspire/server', codesLocation: '...' }), [])
 */
export function errorDocDrift(markdown: string, options: ErrorDocDriftOptions): string[] | undefined {
  const heading = `## ${options.owner}`;
  const doc = options.doc ?? 'docs/errors.md';
  const lines = markdown.split(/\r?\n/);
  const start = lines.findIndex((line) => line.trim() === heading);
  if (start === -1) return undefined;
  const rows = new Map<string, { line: number; grpc: string }[]>();
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

  const registered = new Map(allErrorCodes(options.owner).map((c) => [c.code, c]));
  const problems: string[] = [];
  for (const [code, info] of registered) {
    const codeRows = rows.get(code);
    const grpc = Code[info.grpc];
    if (codeRows === undefined) {
      problems.push(`${code} is missing from the "${heading}" section of ${doc}; add a row: | \`${code}\` | ${grpc} | ${info.description} | <where> |`);
      continue;
    }
    if (codeRows.length > 1) problems.push(`${code} has more than one row in "${heading}" (lines ${codeRows.map((r) => r.line).join(', ')})`);
    for (const row of codeRows) {
      if (row.grpc !== grpc) problems.push(`${code} (line ${row.line}) says gRPC ${row.grpc} but the registry maps it to ${grpc}`);
    }
  }
  for (const [code, line] of mentions) {
    if (!registered.has(code)) {
      problems.push(`${code} is listed in the "${heading}" section of ${doc} (line ${line}) but ${options.owner} does not register it (${options.codesLocation})`);
    }
  }
  return problems;
}
