// Drift over time: the last window of logged applications against the model's training reference, with libs/drift
// (Evidently's defaults), plus the window's refusal rate. Shared by `trainer monitor` and the API's optional
// in-process monitor, and the conversion `trainer drift` applies to a JSONL export, so verdicts agree.
import {
  ColumnSchema,
  ColumnarData,
  detectDrift,
  DriftInputError,
  driftMetrics,
  driftReportJson,
  renderDriftHtml,
  type DriftReport,
} from '@credit-scoring/drift';
import type { ApplicationFields, PredictionFilter } from './records';
import type { PredictionStore } from './store';

/**
 * Logged applications as columns typed like the reference. A field no logged request carried is left out: it is
 * evidence of what clients send, not of drift. A field requests carry, but only ever as null, is kept: it has no
 * value in the window, which the drift check counts as drifted (a feed that went empty is what a monitor must see).
 */
export function applicationColumns(
  applications: readonly ApplicationFields[],
  referenceTypes: ColumnSchema,
): Record<string, Float64Array | Array<string | null>> {
  const data: Record<string, Float64Array | Array<string | null>> = {};
  for (const [column, kind] of Object.entries(referenceTypes)) {
    const values = applications.map((a) => a[column]);
    if (values.every((v) => v === undefined)) continue;
    const numeric = kind === 'numeric' || values.every((v) => v === undefined || v === null || typeof v === 'number');
    data[column] = numeric
      ? Float64Array.from(values, (v) => (typeof v === 'number' ? v : NaN))
      : values.map((v) => (v === undefined || v === null ? null : String(v)));
  }
  return data;
}

export interface DriftBounds {
  /** Dataset drift when the share of drifted columns reaches this (Evidently's drift_share; default 0.5). */
  driftShare?: number;
  /** Alert when the window's refusal rate leaves [min, max]. */
  refusalRate?: { min?: number; max?: number };
}

export interface WindowOptions extends DriftBounds {
  reference: { data: ColumnarData; types: ColumnSchema; label: string };
  window: PredictionFilter;
  exclude?: string[];
  /** Fewer logged rows than this is not a verdict (default 100). */
  minRows?: number;
}

export interface WindowDrift {
  report: DriftReport;
  json: string;
  html: string;
  /** drift_share, drifted_columns, ..., drift_score.<column>, refusal_rate, window_rows. */
  metrics: Record<string, number>;
  rows: number;
  refusalRate: number;
  /** Reasons to alert; empty when the window is within bounds. */
  alerts: string[];
}

export const DEFAULT_EXCLUDED = ['SK_ID_CURR', 'TARGET'];

export async function driftOfWindow(store: PredictionStore, opts: WindowOptions): Promise<WindowDrift> {
  const applications: ApplicationFields[] = [];
  let refused = 0;
  await store.scan(opts.window, (rows) => {
    for (const row of rows) {
      applications.push(row.application);
      if (row.decision === 'refused') refused++;
    }
  });
  const minRows = opts.minRows ?? 100;
  if (applications.length < minRows) {
    throw new DriftInputError(`the window holds ${applications.length} logged applications, fewer than ${minRows}`);
  }
  const current = applicationColumns(applications, opts.reference.types);
  const exclude = opts.exclude ?? DEFAULT_EXCLUDED;
  const columns = Object.keys(current).filter((c) => c in opts.reference.data);
  if (!columns.some((c) => !exclude.includes(c))) {
    // Said of the reference: the log is what the API wrote, a reference of other columns is the likely mistake.
    throw new DriftInputError(
      `the reference ${opts.reference.label} shares no column with the logged applications ` +
        '(it should hold Kaggle application fields, e.g. application_train.csv)',
    );
  }
  const report = detectDrift(opts.reference.data, current, {
    schema: opts.reference.types,
    columns,
    exclude,
    driftShare: opts.driftShare,
  });
  const refusalRate = refused / applications.length;
  const span = windowLabel(opts.window);
  const alerts: string[] = [];
  if (report.dataset.datasetDrift) {
    alerts.push(
      `dataset drift: ${report.dataset.numberOfDriftedColumns} of ${report.dataset.numberOfColumns} columns ` +
        `(share ${report.dataset.shareOfDriftedColumns.toFixed(3)} ≥ ${report.dataset.driftShare})`,
    );
  }
  const { min, max } = opts.refusalRate ?? {};
  if (min !== undefined && refusalRate < min) alerts.push(`refusal rate ${refusalRate.toFixed(4)} below ${min}`);
  if (max !== undefined && refusalRate > max) alerts.push(`refusal rate ${refusalRate.toFixed(4)} above ${max}`);
  return {
    report,
    json: `${JSON.stringify({ window: { ...opts.window, rows: applications.length, refusalRate }, ...driftReportJson(report) }, null, 1)}\n`,
    html: renderDriftHtml(report, {
      title: `Data drift of logged applications: ${span}`,
      referenceLabel: opts.reference.label,
      currentLabel: `prediction log ${span}`,
    }),
    metrics: { ...driftMetrics(report), refusal_rate: refusalRate, window_rows: applications.length },
    rows: applications.length,
    refusalRate,
    alerts,
  };
}

function windowLabel(window: PredictionFilter): string {
  const at = (ms: number | undefined, fallback: string) => (ms === undefined ? fallback : new Date(ms).toISOString());
  const version = window.modelVersion ? `, model version ${window.modelVersion}` : '';
  return `${at(window.from, 'start')} → ${at(window.to, 'now')}${version}`;
}
