// trainer monitor: drift over time. Compares the last window of the API's prediction log with the model's training
// reference (libs/drift, Evidently's defaults), checks the window's refusal rate, writes report.json + report.html
// (the API serves the latest from its DRIFT_REPORT_DIR), optionally logs them to MLflow under the model version's
// run, and exits 1 — POSTing a webhook when one is set — when drift or the refusal rate leaves its bounds.
// `trainer monitor export` writes the log as JSONL (what TRAFFIC_LOG used to append).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DriftInputError, loadCsvColumns } from '@credit-scoring/drift';
import {
  DEFAULT_SQLITE_FILE,
  driftOfWindow,
  LATEST_VERSION,
  openPredictionStore,
  toJsonlLine,
  type PredictionFilter,
  type PredictionStore,
  type WindowDrift,
} from '@credit-scoring/monitoring';
import { DEFAULT_MODEL_ALIAS, DEFAULT_MODEL_NAME, MlflowClient } from '@credit-scoring/tracking';
import { parseFlags, toInt, toNumber, UsageError } from '../cli-args';
import {
  finishOutput,
  inputFile,
  openOutput,
  outputFile,
  outputFolder,
  plannedOutputFile,
  scratchError,
  scratchFolder,
  writeReports,
  writeToOutput,
} from '../path-flags';
import { EXIT_BAD_INPUT, EXIT_OK, EXIT_VERDICT, isInputOrEnvironmentError } from '../exit-status';
import { REFERENCE_ARTIFACT } from '../pipeline/reference';
import { driftedColumnLines, shortList } from './drift';
import { notLoggedToMlflow } from './not-logged';

const HELP = `Usage: trainer monitor [options]            drift and refusal rate of the last window of the prediction log
       trainer monitor export --out FILE.jsonl   the prediction log as JSONL (one scored applicant a line)

The log: PostgreSQL at --database-url / $DATABASE_URL, else the SQLite file --log-file / $PREDICTION_LOG_FILE
(default ${DEFAULT_SQLITE_FILE}), as the API writes it.
Window (both commands): --from ISO --to ISO, or --window-hours H (default 24, ending now); --model-version V.
Reference (monitor): --reference CSV (raw application rows, e.g. application_train.csv), or the reference sample
\`trainer run\` stores with the model version (${REFERENCE_ARTIFACT} in its run): --model NAME@ALIAS or NAME/VERSION
(default ${DEFAULT_MODEL_NAME}@${DEFAULT_MODEL_ALIAS}) with --tracking-uri / $MLFLOW_TRACKING_URI; the window is then
that version's predictions unless --model-version says otherwise.
  --drift-share X        dataset drift when the share of drifted columns is ≥ X (default 0.5)
  --min-refusal-rate X   alert when the window's refusal rate is below X
  --max-refusal-rate X   alert when it is above X
  --min-rows N           fewer logged applications is bad input, not a verdict (default 100)
  --out DIR              report.json and report.html (default reports/monitor)
  --mlflow               also log metrics and both reports to the model version's run (monitoring/<window end>/)
  --webhook URL          POST {alerts, metrics, window, report} as JSON when an alert fires
A field the window's requests carry only as null counts as drifted (noted in the report); one no request carries is
not compared; a column with no value in the reference is not compared either (a warning names it).
Exit status: 0 within bounds, 1 drift or refusal rate out of bounds, 2 bad input or environment; with --mlflow,
4 (within bounds) or 5 (out of bounds, alerts still sent) when the reports are written but MLflow could not take them.
`;

interface Window {
  filter: PredictionFilter;
  label: string;
}

function parseTime(name: string, text: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new UsageError(`--${name} must be an ISO 8601 time, got '${text}'`);
  return ms;
}

function windowOf(values: { from?: string; to?: string; 'window-hours'?: string }, modelVersion?: string): Window {
  const to = values.to ? parseTime('to', values.to) : Date.now();
  let from: number | undefined;
  if (values.from) from = parseTime('from', values.from);
  else if (values['window-hours'] !== undefined || !values.to) {
    from = to - (toNumber('window-hours', values['window-hours'] ?? '24', 0.001, 24 * 3650) as number) * 3_600_000;
  }
  if (from !== undefined && from >= to) throw new UsageError('the window is empty: --from must be before --to');
  const filter: PredictionFilter = { from, to, modelVersion };
  return {
    filter,
    label: `${from === undefined ? 'start' : new Date(from).toISOString()} → ${new Date(to).toISOString()}`,
  };
}

/** The log, checked to be one this trainer reads: a database that is not a log, or is unreachable, is exit 2. */
async function openLog(values: { 'database-url'?: string; 'log-file'?: string }): Promise<PredictionStore> {
  // An explicit --log-file means SQLite even when the environment names a PostgreSQL server.
  const databaseUrl = values['database-url'] ?? (values['log-file'] ? undefined : process.env.DATABASE_URL);
  const sqliteFile = path.resolve(values['log-file'] ?? process.env.PREDICTION_LOG_FILE ?? DEFAULT_SQLITE_FILE);
  if (!databaseUrl && !fs.existsSync(sqliteFile)) {
    throw new UsageError(`no prediction log at ${sqliteFile} (set --log-file, or --database-url for PostgreSQL)`);
  }
  // SQLite says "disk I/O error" of a folder or an unreadable file: said in words first, naming where the path came from.
  if (!databaseUrl) inputFile(values['log-file'] ? '--log-file' : 'the prediction log', sqliteFile);
  let store: PredictionStore | undefined;
  let version: number;
  try {
    // Read-only: the log belongs to the API; reading it must not create, migrate or re-permission anything.
    store = openPredictionStore({ databaseUrl: databaseUrl || undefined, sqliteFile, readOnly: true });
    version = await store.version();
  } catch (error) {
    await store?.close().catch(() => undefined);
    const where = store?.location ?? sqliteFile;
    throw new UsageError(`cannot read the prediction log at ${where}: ${(error as Error).message}`);
  }
  const problem =
    version === 0
      ? 'is not a prediction log (no schema_migrations table; the API creates it when it starts with the log on)'
      : version !== LATEST_VERSION
        ? `has log schema v${version} and this trainer reads v${LATEST_VERSION}: start this version's API on it once`
        : undefined;
  if (problem) {
    await store.close();
    throw new UsageError(`${store.location} ${problem}`);
  }
  return store;
}

/** The model version a `NAME@ALIAS` or `NAME/VERSION` names, and the run its reference sample lives in. */
async function resolveModel(
  client: MlflowClient,
  ref: string,
): Promise<{ name: string; version: string; runId: string }> {
  const match = /^([^@/]+)(?:@([^@/]+)|\/([1-9][0-9]*))$/.exec(ref);
  if (!match) throw new UsageError(`--model must be NAME@ALIAS or NAME/VERSION, got '${ref}'`);
  const [, name, alias, number] = match;
  const version = alias ? await client.getModelVersionByAlias(name, alias) : await client.getModelVersion(name, number);
  if (!version.runId) throw new UsageError(`${name} version ${version.version} has no run to read a reference from`);
  return { name, version: version.version, runId: version.runId };
}

async function referenceFromRun(client: MlflowClient, runId: string): Promise<string> {
  const dir = scratchFolder('monitor-reference-');
  const file = path.join(dir, 'reference.csv');
  try {
    await client.downloadArtifactFile(runId, REFERENCE_ARTIFACT, file);
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    const failure = scratchError(dir, error);
    if (failure !== error) throw failure; // a full $TMPDIR is no missing reference: said as what it is
    throw new DriftInputError(
      `run ${runId} has no ${REFERENCE_ARTIFACT} (trained before the reference sample was stored?): ` +
        `pass --reference CSV (${(error as Error).message.split('\n')[0]})`,
    );
  }
  return file;
}

async function logToMlflow(client: MlflowClient, runId: string, result: WindowDrift, end: number): Promise<string> {
  const folder = `monitoring/${new Date(end).toISOString().replace(/[:.]/g, '-')}`;
  // Metrics keep their history on the run: one step per window end (minutes since the epoch).
  const step = Math.floor(end / 60_000);
  const metrics = Object.entries(result.metrics)
    .filter(([, value]) => Number.isFinite(value))
    .map(([key, value]) => ({ key: `monitor.${key}`.slice(0, 250), value, step, timestamp: end }));
  for (let i = 0; i < metrics.length; i += 1000) await client.logBatch(runId, { metrics: metrics.slice(i, i + 1000) });
  await client.uploadArtifactBytes(runId, `${folder}/report.json`, result.json);
  await client.uploadArtifactBytes(runId, `${folder}/report.html`, result.html);
  return folder;
}

async function postWebhook(url: string, payload: object): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`webhook answered ${response.status}`);
}

const COMMON_FLAGS = {
  'database-url': { type: 'string' },
  'log-file': { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  'window-hours': { type: 'string' },
  'model-version': { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function monitorCommand(argv: string[]): Promise<number> {
  try {
    if (argv[0] === 'export') return await exportLog(argv.slice(1));
    return await monitor(argv);
  } catch (err) {
    if (err instanceof Error && isInputOrEnvironmentError(err)) {
      process.stderr.write(`trainer monitor: ${err.message.split('\n')[0]}\n`);
      return EXIT_BAD_INPUT;
    }
    throw err;
  }
}

async function monitor(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    ...COMMON_FLAGS,
    reference: { type: 'string' },
    model: { type: 'string' },
    'tracking-uri': { type: 'string' },
    'drift-share': { type: 'string' },
    'min-refusal-rate': { type: 'string' },
    'max-refusal-rate': { type: 'string' },
    'min-rows': { type: 'string' },
    mlflow: { type: 'boolean' },
    webhook: { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT_OK;
  }
  const driftShare = toNumber('drift-share', values['drift-share'], 0, 1);
  const min = toNumber('min-refusal-rate', values['min-refusal-rate'], 0, 1);
  const max = toNumber('max-refusal-rate', values['max-refusal-rate'], 0, 1);
  const minRows = toInt('min-rows', values['min-rows'], 1);
  // Crossed bounds would fire an alert on every window, whatever the refusal rate.
  if (min !== undefined && max !== undefined && min > max) {
    throw new UsageError(`--min-refusal-rate ${min} is above --max-refusal-rate ${max}`);
  }
  if (values.webhook && !/^https?:\/\//.test(values.webhook)) throw new UsageError('--webhook must be an http(s) URL');
  const needsModel = values.mlflow || !values.reference;
  const trackingUri = values['tracking-uri'] ?? process.env.MLFLOW_TRACKING_URI;
  if (needsModel && !trackingUri) {
    throw new UsageError(
      values.mlflow
        ? '--mlflow needs --tracking-uri or MLFLOW_TRACKING_URI'
        : 'pass --reference CSV, or --tracking-uri',
    );
  }
  const client = trackingUri ? new MlflowClient({ trackingUri }) : undefined;
  const model =
    needsModel && client
      ? await resolveModel(client, values.model ?? `${DEFAULT_MODEL_NAME}@${DEFAULT_MODEL_ALIAS}`)
      : undefined;
  const window = windowOf(values, values['model-version'] ?? model?.version);
  const referenceFile = values.reference
    ? inputFile('--reference', values.reference)
    : await referenceFromRun(client as MlflowClient, (model as { runId: string }).runId);
  const reference = loadCsvColumns(referenceFile);

  const store = await openLog(values);
  let result: WindowDrift;
  try {
    result = await driftOfWindow(store, {
      reference: {
        data: reference.data,
        types: reference.types,
        label: values.reference ? path.basename(referenceFile) : `${model?.name} v${model?.version} reference sample`,
      },
      window: window.filter,
      driftShare,
      refusalRate: { min, max },
      minRows,
    });
  } finally {
    await store.close();
    if (!values.reference) fs.rmSync(path.dirname(referenceFile), { recursive: true, force: true });
  }

  const out = outputFolder('--out', values.out ?? 'reports/monitor');
  // Drafted, then renamed: the API serving the folder never reads half a report.
  writeReports('--out', out, [
    ['report.json', result.json],
    ['report.html', result.html],
  ]);
  const d = result.report.dataset;
  process.stdout.write(
    `Window ${window.label}${window.filter.modelVersion ? ` (model version ${window.filter.modelVersion})` : ''}: ` +
      `${result.rows} applications, refusal rate ${result.refusalRate.toFixed(4)}; ` +
      `${d.numberOfDriftedColumns} of ${d.numberOfColumns} columns drifted (share ${d.shareOfDriftedColumns.toFixed(3)})\n`,
  );
  for (const line of driftedColumnLines(result.report)) process.stdout.write(`${line}\n`);
  process.stdout.write(`Wrote ${path.join(out, 'report.json')} and report.html\n`);
  const unreferenced = result.report.emptyReferenceColumns;
  if (unreferenced.length > 0) {
    process.stderr.write(`warning: not compared, no value in the reference: ${shortList(unreferenced)}\n`);
  }
  // MLflow failing now leaves the reports written and must not silence the alerts: they still go out, then 4 or 5.
  let notLogged: number | undefined;
  if (values.mlflow && client && model) {
    try {
      const folder = await logToMlflow(client, model.runId, result, window.filter.to as number);
      process.stdout.write(`Logged to MLflow run ${model.runId} (${model.name} v${model.version}), ${folder}/\n`);
    } catch (error) {
      const alerts = result.alerts.length;
      const written = {
        file: path.join(out, 'report.json'),
        verdict: alerts > 0,
        summary: alerts > 0 ? `${alerts} alert${alerts > 1 ? 's' : ''}` : 'within bounds',
      };
      notLogged = notLoggedToMlflow('monitor', written, client.trackingUri, error);
    }
  }
  if (result.alerts.length === 0) return notLogged ?? EXIT_OK;
  for (const alert of result.alerts) process.stdout.write(`ALERT ${alert}\n`);
  if (values.webhook) {
    try {
      await postWebhook(values.webhook, {
        alerts: result.alerts,
        metrics: result.metrics,
        window: { ...window.filter, rows: result.rows },
        model: model && { name: model.name, version: model.version },
        report: path.join(out, 'report.html'),
      });
      process.stdout.write(`Webhook notified (${new URL(values.webhook).host})\n`);
    } catch (error) {
      // The verdict stands (exit 1) even when nobody could be told; the failure is reported, not hidden.
      process.stderr.write(`trainer monitor: webhook failed: ${(error as Error).message}\n`);
    }
  }
  return notLogged ?? EXIT_VERDICT;
}

async function exportLog(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, COMMON_FLAGS);
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT_OK;
  }
  if (!values.out) throw new UsageError('--out FILE.jsonl is required');
  const window =
    values.from || values.to || values['window-hours']
      ? windowOf(values, values['model-version'])
      : { filter: { modelVersion: values['model-version'] }, label: 'whole log' };
  // Checked before the log is opened (a PostgreSQL server may take its time to answer); made once the log is read.
  plannedOutputFile('--out', values.out);
  const store = await openLog(values);
  let out: string;
  try {
    out = outputFile('--out', values.out);
  } catch (error) {
    await store.close();
    throw error;
  }
  const temp = `${out}.tmp`;
  let rows = 0;
  try {
    // Personal data: the export is its owner's only, like the log itself.
    const fd = openOutput('--out', out, temp, 0o600);
    try {
      rows = await store.scan(window.filter, (chunk) => {
        writeToOutput('--out', out, fd, chunk.map(toJsonlLine).join(''));
      });
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
    // Flushed before the rename, as predict's submission: a full disk some file systems report only at fsync or
    // close is then one line naming --out, not Node's text, and never a short export under the real name.
    finishOutput('--out', out, fd, temp);
  } finally {
    fs.rmSync(temp, { force: true });
    await store.close();
  }
  process.stdout.write(`Exported ${rows} logged predictions (${window.label}) to ${out}\n`);
  return EXIT_OK;
}
