import { comparisonCells, NOT_TESTED, type ComparisonRow, type SearchResult } from '@credit-scoring/scoring';

/** The search trials as CSV (one row per trial: score, AUC, seconds, then every parameter), for MLflow. */
export function trialsCsv(search: SearchResult): string {
  const all = [...search.trials, ...search.pruned];
  const keys = [...new Set(all.flatMap((t) => Object.keys(t.params)))].sort();
  const params = (t: { params: Record<string, unknown> }) => keys.map((k) => String(t.params[k] ?? ''));
  // Without pruning the file is what it always was; with it, a pruned trial has no cost and says after how many folds.
  const pruning = search.pruned.length > 0;
  const header = [
    'trial',
    'cost_per_applicant',
    'cv_auc',
    'seconds',
    ...(pruning ? ['pruned_after_folds'] : []),
    ...keys,
  ];
  const rows: Array<{ index: number; cells: Array<string | number> }> = [
    ...search.trials.map((t) => ({
      index: t.index,
      cells: [t.index, t.score, t.auc, t.seconds.toFixed(2), ...(pruning ? [''] : []), ...params(t)],
    })),
    ...search.pruned.map((t) => ({
      index: t.index,
      cells: [t.index, '', t.auc, t.seconds.toFixed(2), t.folds.length, ...params(t)],
    })),
  ];
  rows.sort((a, b) => a.index - b.index);
  const lines = [header, ...rows.map((r) => r.cells)];
  return `${lines.map((l) => l.join(',')).join('\n')}\n`;
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

const COMPARISON_COLUMNS = [
  'model',
  'threshold',
  'cv_auc',
  'test_auc',
  'test_accuracy',
  'test_f1',
  'cv_cost_per_applicant',
  'test_cost_per_applicant',
  'best_params',
] as const;

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const csvCell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/**
 * The comparison for MLflow's artifact viewer: `comparison.html` (a styled table, rendered in the UI), `comparison.csv`
 * and `comparison_table.json` in mlflow.log_table's layout ({columns, data}), registered as a table through the
 * mlflow.loggedArtifacts tag as log_table does. Rows best test cost first, models under their readable names.
 */
export function comparisonArtifacts(
  rows: ComparisonRow[],
  label: (model: string) => string,
): { files: Record<string, string>; tags: Record<string, string> } {
  const body = comparisonCells(rows).map(({ row, cells }) => {
    const params = Object.entries(row.bestParams)
      .map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toPrecision(4)) : v}`)
      .join(', ');
    return [label(row.model), ...cells, params || '—'];
  });
  // The figures in one compact table, each model's parameters in a list below it (long; they would stretch the rows).
  const header = ['Model', 'Threshold', 'CV AUC', 'Test AUC', 'Accuracy', 'F1', 'CV cost', 'Test cost'];
  const html = [
    '<!doctype html><html><head><meta charset="utf-8"><title>Model comparison</title><style>',
    'body{font-family:system-ui,sans-serif;margin:16px;color:#1f2937}',
    'table{border-collapse:collapse;font-size:14px}th,td{padding:6px 12px;border-bottom:1px solid #e5e7eb}',
    'th{background:#f3f4f6;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}',
    'tbody tr:first-child td{font-weight:600}li{font-size:13px;margin:2px 0}code{color:#4b5563}',
    '</style></head><body>',
    '<h2>Model comparison</h2>',
    '<p>Costs per applicant; best test cost first. Each model is scored on the same held-out test applicants at the ' +
      'threshold chosen on its out-of-fold probabilities.' +
      (rows.some((r) => r.testCost === null)
        ? ` ${NOT_TESTED}: no final fit (only the champion is fitted on the whole training part); CV figures only.`
        : '') +
      '</p>',
    `<table><thead><tr>${header.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>`,
    ...body.map(
      (cells) =>
        `<tr>${cells
          .slice(0, -1)
          .map((c, j) => `<td${j === 0 ? '' : ' class="n"'}>${escapeHtml(c)}</td>`)
          .join('')}</tr>`,
    ),
    '</tbody></table>',
    '<h3>Best parameters</h3><ul>',
    ...body.map(
      (cells) => `<li><b>${escapeHtml(cells[0])}</b>: <code>${escapeHtml(cells[cells.length - 1])}</code></li>`,
    ),
    '</ul></body></html>',
  ].join('\n');
  const csv = [COMPARISON_COLUMNS.join(','), ...body.map((cells) => cells.map(csvCell).join(','))].join('\n');
  // A family without a final fit has no test figures: null in the table, as log_table writes a missing value.
  const numeric = (cells: string[]) =>
    cells.map((c, j) => (j === 0 || j === cells.length - 1 ? c : c === NOT_TESTED ? null : Number(c)));
  const table = { columns: [...COMPARISON_COLUMNS], data: body.map(numeric) };
  return {
    files: {
      'comparison.html': `${html}\n`,
      'comparison.csv': `${csv}\n`,
      'comparison_table.json': JSON.stringify(table),
    },
    tags: { 'mlflow.loggedArtifacts': JSON.stringify([{ path: 'comparison_table.json', type: 'table' }]) },
  };
}
