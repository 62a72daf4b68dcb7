import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ColumnSchema,
  detectDrift,
  driftMetrics,
  driftReportJson,
  DriftInputError,
  DriftReport,
  loadCsvColumns,
  renderDriftHtml,
  StatTestName,
} from '@credit-scoring/drift';
import { applicationColumns } from '@credit-scoring/monitoring';
import { MlflowClient, withRun } from '@credit-scoring/tracking';
import { parseFlags, toNumber, UsageError } from '../cli-args';
import { EXIT_BAD_INPUT, EXIT_OK, EXIT_VERDICT, isInputOrEnvironmentError } from '../exit-status';
import { inputFile, outputFolder, writeReports } from '../path-flags';
import { notLoggedToMlflow } from './not-logged';

const HELP = `Usage: trainer drift --reference <csv> --current <csv> [options]

Data drift between two application files with Evidently's DataDriftPreset defaults: per column K-S / chi-square /
Z-test (reference ≤ 1000 rows) or normed Wasserstein / Jensen-Shannon (larger reference); dataset drift when the
share of drifted columns reaches --drift-share. Writes report.json and report.html (self-contained) to --out.
  --reference CSV      reference data (e.g. application_train.csv)
  --current CSV        current data (e.g. application_test.csv)
  --out DIR            output folder (default reports/drift)
  --drift-share X      dataset drift threshold on the share of drifted columns, in [0, 1] (default 0.5)
  --columns A,B,...    compare only these columns (repeatable)
  --exclude A,B,...    never compare these (default SK_ID_CURR,TARGET; pass '' for none)
  --categorical A,...  force these columns categorical; --numeric A,... force numeric
                       (otherwise: text and integers with ≤ 10 values are categorical, like Evidently)
  --psi                use PSI (threshold 0.1) for every column instead of the default tests
  --mlflow             also log the report (metrics, report.json, report.html) to MLflow, experiment
                       --experiment (default credit-scoring-drift), server --tracking-uri or $MLFLOW_TRACKING_URI;
                       when MLflow cannot take it the report stays written and the exit status is 4 or 5
--current may also be the API's prediction log as JSONL (\`trainer monitor export\`, one object per scored
applicant): its application fields are compared with the reference's columns; fields no request carried are skipped.
A column with no value in the current data (every cell empty, or sent only as null) counts as drifted, noted in the
report; a column with no value in the reference is not compared (a warning names it).
Exit status: 0 no dataset drift, 1 dataset drift, 2 bad input or environment, 4 no dataset drift and 5
dataset drift with the report written but not logged to MLflow (--mlflow: server down or refusing; one line says why).
`;

export interface DriftRunOptions {
  reference: string;
  current: string;
  driftShare?: number;
  columns?: string[];
  exclude?: string[];
  categorical?: string[];
  numeric?: string[];
  psi?: boolean;
}

/** Everything a caller (the CLI, or the pipeline logging to MLflow) needs from one drift run. */
export interface DriftRun {
  report: DriftReport;
  /** report.json content (Evidently field names). */
  json: string;
  /** report.html content, self-contained. */
  html: string;
  /** Flat metrics: drift_share, drifted_columns, columns_evaluated, dataset_drift, drift_score.<column>. */
  metrics: Record<string, number>;
  summary: string;
}

export const DEFAULT_EXCLUDED = ['SK_ID_CURR', 'TARGET'];

/**
 * Two CSV files sharing under half of the reference's columns are not two windows of one table (application_train
 * against bureau.csv shares AMT_ANNUITY alone, and got a drift verdict, exit 1): a bad input, unless --columns says
 * which columns to compare. A few columns missing are only left out of the report (its ignored columns).
 */
function checkSameTable(opts: DriftRunOptions, reference: object, current: object): void {
  const excluded = new Set(opts.exclude ?? DEFAULT_EXCLUDED);
  const compared = Object.keys(reference).filter((c) => !excluded.has(c));
  const missing = compared.filter((c) => !(c in current));
  if (compared.length > 0 && missing.length * 2 > compared.length)
    throw new DriftInputError(
      `${opts.current} has only ${compared.length - missing.length} of the reference's ${compared.length} columns ` +
        `(missing ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}): not the same table? ` +
        'Name the columns to compare with --columns',
    );
}

/** Loads both CSV files and computes the drift report; throws DriftInputError on unusable input. */
export function runDrift(opts: DriftRunOptions): DriftRun {
  const reference = loadCsvColumns(opts.reference);
  const current = opts.current.endsWith('.jsonl')
    ? loadTrafficColumns(opts.current, reference.types)
    : loadCsvColumns(opts.current);
  const schema: ColumnSchema = { ...reference.types };
  for (const c of opts.categorical ?? []) schema[c] = 'categorical';
  for (const c of opts.numeric ?? []) schema[c] = 'numeric';
  for (const c of [...(opts.categorical ?? []), ...(opts.numeric ?? [])]) {
    if (!(c in reference.data)) throw new DriftInputError(`column '${c}' is not in ${opts.reference}`);
  }
  if (!opts.columns && !opts.current.endsWith('.jsonl')) checkSameTable(opts, reference.data, current.data);
  const stattest: StatTestName | undefined = opts.psi ? 'psi' : undefined;
  const report = detectDrift(reference.data, current.data, {
    schema,
    columns:
      opts.columns ??
      (opts.current.endsWith('.jsonl') ? Object.keys(current.data).filter((c) => c in reference.data) : undefined),
    exclude: opts.exclude ?? DEFAULT_EXCLUDED,
    driftShare: opts.driftShare,
    stattest,
  });
  const html = renderDriftHtml(report, {
    title: `Data drift: ${path.basename(opts.reference)} → ${path.basename(opts.current)}`,
    referenceLabel: path.basename(opts.reference),
    currentLabel: path.basename(opts.current),
  });
  return {
    report,
    json: `${JSON.stringify(driftReportJson(report), null, 1)}\n`,
    html,
    metrics: driftMetrics(report),
    summary: summarize(report),
  };
}

/**
 * The API's traffic log as columns: each line's `application` object (Kaggle field names), typed like the reference.
 * A field that no logged request carried is left out (it is not evidence of drift, just of what clients send).
 */
export function loadTrafficColumns(
  file: string,
  referenceTypes: ColumnSchema,
): { data: Record<string, Float64Array | Array<string | null>> } {
  if (!fs.existsSync(file)) throw new DriftInputError(`traffic log not found: ${file}`);
  const applications: Array<Record<string, unknown>> = [];
  fs.readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch {
        throw new DriftInputError(`${file}: line ${i + 1} is not JSON`);
      }
      const application = (record as { application?: unknown }).application;
      if (typeof application !== 'object' || application === null)
        throw new DriftInputError(`${file}: line ${i + 1} has no application object`);
      applications.push(application as Record<string, unknown>);
    });
  if (applications.length === 0) throw new DriftInputError(`${file}: no scored applications`);
  // The same conversion `trainer monitor` applies to the database rows, so both give the same verdicts.
  return { data: applicationColumns(applications, referenceTypes) };
}

/** One MLflow run per drift check: the flat metrics, the inputs as params, both reports as artifacts. */
async function logDriftToMlflow(
  run: DriftRun,
  opts: DriftRunOptions,
  client: MlflowClient,
  experiment: string,
): Promise<string> {
  const experimentId = await client.getOrCreateExperiment(experiment);
  return withRun(
    client,
    { experimentId, runName: `drift ${path.basename(opts.current)}`, tags: { 'credit.stage': 'drift' } },
    async (mlflowRun) => {
      await mlflowRun.logParams({
        reference: opts.reference,
        current: opts.current,
        drift_share: run.report.dataset.driftShare,
        stattest: opts.psi ? 'psi' : 'default',
      });
      await mlflowRun.logBatch({
        metrics: Object.entries(run.metrics).map(([key, value]) => ({ key, value, step: 0 })),
      });
      await mlflowRun.uploadArtifactBytes('drift/report.json', run.json);
      await mlflowRun.uploadArtifactBytes('drift/report.html', run.html);
      await mlflowRun.setTags({ 'credit.dataset_drift': String(run.report.dataset.datasetDrift) });
      return mlflowRun.runId;
    },
  );
}

function summarize(report: DriftReport): string {
  const d = report.dataset;
  const verdict =
    `${d.datasetDrift ? 'Dataset drift detected' : 'No dataset drift'}: ${d.numberOfDriftedColumns} of ${d.numberOfColumns} columns drifted ` +
    `(${(100 * d.shareOfDriftedColumns).toFixed(1)}%, threshold ≥ ${(100 * d.driftShare).toFixed(1)}%); ` +
    `${report.referenceRows} reference rows, ${report.currentRows} current rows`;
  return [verdict, ...driftedColumnLines(report)].join('\n');
}

/**
 * The drifted columns as `trainer drift` and `trainer monitor` print them, 15 at most: each with its test, score and
 * threshold, or the note saying why it counts as drifted (no value to test).
 */
export function driftedColumnLines(report: DriftReport): string[] {
  const drifted = report.columns.filter((c) => c.driftDetected);
  const lines = drifted
    .slice(0, 15)
    .map((c) =>
      c.score === null
        ? `  ${c.column.padEnd(30)} ${c.note}`
        : `  ${c.column.padEnd(30)} ${c.stattestName.padEnd(30)} ${c.score.toPrecision(4).padStart(10)} (threshold ${c.threshold})`,
    );
  if (drifted.length > 15) lines.push(`  … and ${drifted.length - 15} more (see report.html)`);
  return lines;
}

/** At most five names, then how many more: a warning line stays one line. */
export const shortList = (names: string[]): string =>
  names.slice(0, 5).join(', ') + (names.length > 5 ? `, and ${names.length - 5} more` : '');

const list = (values: string[] | undefined): string[] | undefined =>
  values === undefined
    ? undefined
    : values
        .flatMap((v) => v.split(','))
        .map((s) => s.trim())
        .filter((s) => s !== '');

export async function driftCommand(argv: string[]): Promise<number> {
  try {
    const { values } = parseFlags(argv, {
      reference: { type: 'string' },
      current: { type: 'string' },
      out: { type: 'string' },
      'drift-share': { type: 'string' },
      columns: { type: 'string', multiple: true },
      exclude: { type: 'string', multiple: true },
      categorical: { type: 'string', multiple: true },
      numeric: { type: 'string', multiple: true },
      psi: { type: 'boolean' },
      mlflow: { type: 'boolean' },
      experiment: { type: 'string' },
      'tracking-uri': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    if (!values.reference) throw new UsageError('--reference <csv> is required');
    if (!values.current) throw new UsageError('--current <csv> is required');
    const trackingUri = values['tracking-uri'] ?? process.env.MLFLOW_TRACKING_URI;
    if (values.mlflow && !trackingUri) throw new UsageError('--mlflow needs --tracking-uri or MLFLOW_TRACKING_URI');
    // Made first: a tracking URI that is not a URL is bad input, refused before any report is written.
    const client = values.mlflow && trackingUri ? new MlflowClient({ trackingUri }) : undefined;
    const numeric = new Set(list(values.numeric));
    const both = (list(values.categorical) ?? []).filter((c) => numeric.has(c));
    if (both.length) throw new UsageError(`column(s) ${both.join(', ')} given to both --categorical and --numeric`);
    const runOptions: DriftRunOptions = {
      reference: inputFile('--reference', values.reference),
      current: inputFile('--current', values.current),
      driftShare: toNumber('drift-share', values['drift-share'], 0, 1),
      columns: list(values.columns),
      exclude: list(values.exclude),
      categorical: list(values.categorical),
      numeric: list(values.numeric),
      psi: values.psi,
    };
    const run = runDrift(runOptions);
    const out = outputFolder('--out', values.out ?? 'reports/drift');
    writeReports('--out', out, [
      ['report.json', run.json],
      ['report.html', run.html],
    ]);
    process.stdout.write(`${run.summary}\nWrote ${path.join(out, 'report.json')} and report.html\n`);
    if (run.report.ignoredColumns.length > 0)
      process.stderr.write(`warning: not compared, in one file only: ${shortList(run.report.ignoredColumns)}\n`);
    if (run.report.emptyReferenceColumns.length > 0) {
      const names = shortList(run.report.emptyReferenceColumns);
      process.stderr.write(`warning: not compared, no value in ${path.basename(runOptions.reference)}: ${names}\n`);
    }
    const drift = run.report.dataset.datasetDrift;
    if (client) {
      let runId: string;
      try {
        runId = await logDriftToMlflow(run, runOptions, client, values.experiment ?? 'credit-scoring-drift');
      } catch (error) {
        const written = {
          file: path.join(out, 'report.json'),
          verdict: drift,
          summary: drift ? 'dataset drift detected' : 'no dataset drift',
        };
        return notLoggedToMlflow('drift', written, client.trackingUri, error);
      }
      // The client's URI: without the user:password a --tracking-uri may carry.
      process.stdout.write(`Logged to MLflow run ${runId} (${client.trackingUri})\n`);
    }
    return drift ? EXIT_VERDICT : EXIT_OK;
  } catch (err) {
    // Bad input and I/O failures (full disk, --out not a directory, read-only) are 2, never 1: 1 means drift.
    if (err instanceof Error && isInputOrEnvironmentError(err)) {
      process.stderr.write(`trainer drift: ${err.message.split('\n')[0]}\n`);
      return EXIT_BAD_INPUT;
    }
    throw err;
  }
}
