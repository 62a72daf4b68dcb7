// The latest drift report of the prediction log, wherever it came from: `trainer monitor --out DIR` run by cron, or
// the optional in-API monitor below, both write DIR/report.json and report.html (renamed into place, never half
// written). The API serves them and turns report.json into Prometheus gauges, re-read when the file changes, so a
// dashboard and an alert rule see drift share, per-column scores and the window's refusal rate.
import fp from 'fastify-plugin';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';
import { loadCsvColumns } from '@credit-scoring/drift';
import { driftOfWindow } from '@credit-scoring/monitoring';

export interface DriftMonitorOptions {
  /** Application rows to compare against (raw Kaggle fields, e.g. the model's reference sample). */
  referenceCsv: string;
  intervalMs: number;
  windowMs: number;
  driftShare?: number;
}

export interface DriftReportOptions {
  /** Where report.json and report.html are read (and written by the in-API monitor). */
  dir: string;
  monitor?: DriftMonitorOptions;
}

/** The parts of report.json the gauges and GET /monitoring/drift read. */
export interface DriftReportJson {
  window?: { from?: number; to?: number; rows: number; refusalRate: number; modelVersion?: string };
  dataset: {
    number_of_columns: number;
    number_of_drifted_columns: number;
    share_of_drifted_columns: number;
    drift_share: number;
    dataset_drift: boolean;
  };
  /** drift_score is null for a column no test could score (no values in the window: drifted, see its note). */
  columns: Array<{ column_name: string; drift_score: number | null; drift_detected: boolean; stattest_name: string }>;
}

export interface DriftReports {
  readonly dir: string;
  /** The latest report.json, parsed; undefined when none was written yet (see `unreadable` for a broken one). */
  latest(): { report: DriftReportJson; writtenAt: Date } | undefined;
  /** Why the report.json present cannot be read (not JSON, not a drift report); undefined when it can or is absent. */
  unreadable(): string | undefined;
  /** Runs the in-API monitor once now (when configured); resolves when the report is written. */
  runMonitor(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    driftReports: DriftReports;
  }
}

/**
 * report.json as the gauges and the route read it, checked: the file is written by `trainer monitor` or by hand, and
 * a `{}` in it made /metrics (the whole scrape) and /monitoring/drift answer 500.
 */
function asDriftReport(value: unknown): DriftReportJson {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  const fail = (what: string): never => {
    throw new Error(`report.json is not a drift report: ${what}`);
  };
  if (!isObject(value)) return fail('not a JSON object');
  const { dataset, columns } = value;
  if (!isObject(dataset)) return fail('no "dataset" object');
  for (const key of ['number_of_columns', 'number_of_drifted_columns', 'share_of_drifted_columns', 'drift_share'])
    if (typeof dataset[key] !== 'number') fail(`dataset.${key} is not a number`);
  if (typeof dataset.dataset_drift !== 'boolean') fail('dataset.dataset_drift is not true or false');
  if (!Array.isArray(columns)) return fail('no "columns" array');
  for (const c of columns)
    if (
      !isObject(c) ||
      typeof c.column_name !== 'string' ||
      !(typeof c.drift_score === 'number' || c.drift_score === null)
    )
      fail('a column without a column_name and a numeric (or null) drift_score');
  return value as unknown as DriftReportJson;
}

export const driftReportPlugin = fp(
  async (app: FastifyInstance, opts: DriftReportOptions) => {
    const dir = path.resolve(opts.dir);
    const jsonFile = path.join(dir, 'report.json');
    // Read again only when the file changes; a broken file is remembered too, so it is logged once, not per scrape.
    type Read = { report: DriftReportJson; writtenAt: Date } | { error: string };
    let cache: { mtimeMs: number; read: Read } | undefined;
    const current = (): Read | undefined => {
      const stat = fs.statSync(jsonFile, { throwIfNoEntry: false });
      if (!stat) return undefined;
      if (cache?.mtimeMs !== stat.mtimeMs) {
        try {
          const report = asDriftReport(JSON.parse(fs.readFileSync(jsonFile, 'utf8')));
          cache = { mtimeMs: stat.mtimeMs, read: { report, writtenAt: stat.mtime } };
        } catch (error) {
          app.log.warn({ err: error }, 'drift report: report.json unreadable');
          // The reason without the folder: it is shown to API clients.
          const reason = (error as Error).message.split(dir).join('…');
          cache = { mtimeMs: stat.mtimeMs, read: { error: reason } };
        }
      }
      return cache.read;
    };
    const latest = () => {
      const read = current();
      return read && 'report' in read ? read : undefined;
    };
    const unreadable = () => {
      const read = current();
      return read && 'error' in read ? read.error : undefined;
    };

    const registers = [app.metrics.registry];
    const gauge = (name: string, help: string, read: (r: DriftReportJson) => number | undefined) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const found = latest();
          const value = found && read(found.report);
          if (value === undefined) this.reset();
          else this.set(value);
        },
      });
    gauge(
      'monitoring_drift_share',
      'Share of drifted columns in the latest window',
      (r) => r.dataset.share_of_drifted_columns,
    );
    gauge('monitoring_dataset_drift', '1 when the latest window drifted (share ≥ drift_share)', (r) =>
      r.dataset.dataset_drift ? 1 : 0,
    );
    gauge(
      'monitoring_drifted_columns',
      'Drifted columns in the latest window',
      (r) => r.dataset.number_of_drifted_columns,
    );
    gauge('monitoring_window_refusal_rate', 'Refusal rate of the latest window', (r) => r.window?.refusalRate);
    gauge('monitoring_window_rows', 'Logged applications in the latest window', (r) => r.window?.rows);
    new Gauge({
      name: 'monitoring_report_unreadable',
      help: '1 when report.json is present but cannot be read (the other monitoring gauges then say nothing)',
      registers,
      collect() {
        this.set(unreadable() === undefined ? 0 : 1);
      },
    });
    gauge('monitoring_report_timestamp_seconds', 'When the latest drift report was written', () => {
      const found = latest();
      return found && found.writtenAt.getTime() / 1000;
    });
    new Gauge({
      name: 'monitoring_drift_score',
      help: "Each column's drift score in the latest window (p-value or distance, see the report's stattest)",
      labelNames: ['column', 'stattest'] as const,
      registers,
      collect() {
        this.reset();
        for (const c of latest()?.report.columns ?? []) {
          // No score, no sample: the column's verdict is in monitoring_drifted_columns.
          if (c.drift_score !== null && Number.isFinite(c.drift_score))
            this.set({ column: c.column_name, stattest: c.stattest_name }, c.drift_score);
        }
      },
    });

    const monitor = opts.monitor;
    let reference: ReturnType<typeof loadCsvColumns> | undefined;
    let running: Promise<void> | undefined;
    const runOnce = async () => {
      const log = app.predictionLog;
      if (!monitor || !log) return;
      reference ??= loadCsvColumns(monitor.referenceCsv);
      const to = Date.now();
      const result = await driftOfWindow(log.store, {
        reference: { data: reference.data, types: reference.types, label: path.basename(monitor.referenceCsv) },
        window: { from: to - monitor.windowMs, to },
        driftShare: monitor.driftShare,
      });
      fs.mkdirSync(dir, { recursive: true });
      for (const [name, content] of [
        ['report.html', result.html],
        ['report.json', result.json],
      ] as const) {
        fs.writeFileSync(path.join(dir, `.${name}.tmp`), content);
        fs.renameSync(path.join(dir, `.${name}.tmp`), path.join(dir, name));
      }
      app.log.info({ rows: result.rows, alerts: result.alerts }, 'drift monitor: window checked');
    };
    const runMonitor = () => {
      running ??= runOnce()
        .catch((error: unknown) => {
          // Too few rows in the window or an unreadable reference: the next run may do better; scoring is untouched.
          app.log.warn({ err: error }, 'drift monitor: window not checked');
        })
        .finally(() => {
          running = undefined;
        });
      return running;
    };
    app.decorate('driftReports', { dir, latest, unreadable, runMonitor });
    if (monitor) {
      const timer = setInterval(() => void runMonitor(), monitor.intervalMs).unref();
      app.addHook('onClose', async () => {
        clearInterval(timer);
        await running;
      });
    }
  },
  { name: 'drift-report', dependencies: ['metrics'] },
);
