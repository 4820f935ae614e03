/**
 * The comparison's rows: one measure, SPIRE's and tspire's value, the ratio tspire / SPIRE and
 * whether tspire is ahead (which depends on whether higher or lower is better for that measure).
 */

export interface Row {
  readonly id: string;
  readonly label: string;
  readonly unit: string;
  readonly better: 'higher' | 'lower';
  readonly spire: number;
  readonly tspire: number;
}

export interface RatedRow extends Row {
  /** tspire / SPIRE, two decimals. */
  readonly ratio: number;
  readonly tspireAhead: boolean;
}

export function rate(row: Row): RatedRow {
  if (!(Number.isFinite(row.spire) && Number.isFinite(row.tspire))) throw new Error(`row ${row.id}: values must be finite numbers (spire ${row.spire}, tspire ${row.tspire})`);
  if (row.spire <= 0) throw new Error(`row ${row.id}: SPIRE's value must be positive to divide by, got ${row.spire}`);
  const ratio = Math.round((row.tspire / row.spire) * 100) / 100;
  const tspireAhead = row.better === 'higher' ? row.tspire > row.spire : row.tspire < row.spire;
  return { ...row, ratio, tspireAhead };
}

/** A number as the table shows it: no decimals from 100 up, one below 100, two below 10. */
export function formatValue(value: number): string {
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A Markdown table: measure, SPIRE, tspire, ratio, which side is ahead. */
export function markdownTable(rows: readonly RatedRow[]): string {
  const lines = ['| Measure | SPIRE | tspire | tspire / SPIRE | Ahead |', '|---|---|---|---|---|'];
  for (const row of rows) {
    const better = row.better === 'higher' ? 'higher is better' : 'lower is better';
    lines.push(
      `| ${row.label} (${row.unit}; ${better}) | ${formatValue(row.spire)} | ${formatValue(row.tspire)} | ${row.ratio.toFixed(2)} | ${row.tspireAhead ? 'tspire' : 'SPIRE'} |`,
    );
  }
  return lines.join('\n');
}
