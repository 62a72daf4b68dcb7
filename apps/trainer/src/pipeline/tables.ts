import { comparisonCells, type ComparisonRow, type SearchResult } from '@credit-scoring/scoring';

/** The search trials as CSV (one row per trial: score, AUC, seconds, then every parameter), for MLflow. */
export function trialsCsv(search: SearchResult): string {
  const keys = [...new Set(search.trials.flatMap((t) => Object.keys(t.params)))].sort();
  const lines = [['trial', 'cost_per_applicant', 'cv_auc', 'seconds', ...keys].join(',')];
  for (const t of search.trials)
    lines.push(
      [t.index, t.score, t.auc, t.seconds.toFixed(2), ...keys.map((k) => String(t.params[k] ?? ''))].join(','),
    );
  return `${lines.join('\n')}\n`;
}

/** The comparison as a fixed-width console table, best test cost first. */
export function comparisonConsole(rows: ComparisonRow[]): string {
  const header = ['model', 'threshold', 'CV AUC', 'test AUC', 'accuracy', 'F1', 'CV cost', 'test cost'];
  const body = comparisonCells(rows).map(({ row, cells }) => [row.model, ...cells]);
  const widths = header.map((h, j) => Math.max(h.length, ...body.map((r) => r[j].length)));
  const line = (cells: string[]) =>
    cells.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
