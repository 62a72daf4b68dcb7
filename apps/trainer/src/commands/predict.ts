import * as fs from 'node:fs';
import * as path from 'node:path';
import pl from 'nodejs-polars';
import {
  DataError,
  readApplicationChunks,
  readKeys,
  readTable,
  ScanThreads,
  tablePath,
  workspaceRoot,
  type ApplicationChunk,
  type HomeCreditTables,
  type SideTableName,
} from '@credit-scoring/data';
import { decide } from '@credit-scoring/decision';
import { FeatureError, FeaturePipeline, MAX_MAGNITUDE, type FittedPipelineState } from '@credit-scoring/features';
import { Booster, LightGBMError } from '@credit-scoring/lightgbm';
import {
  DEFAULT_BUNDLE_DIR,
  DEFAULT_MODEL_URI,
  downloadModel,
  MlflowClient,
  ModelPackageError,
  readModelPackage,
  type ReadModelPackage,
} from '@credit-scoring/tracking';
import { parseFlags, toInt, UsageError } from '../cli-args';
import {
  finishOutput,
  inputFile,
  inputFolder,
  openOutput,
  outputFileInFolder,
  scratchError,
  scratchFolder,
  writeToOutput,
} from '../path-flags';
import { formatSeconds } from '../progress';

const HELP = `Usage: trainer predict --input FILE.csv --out FILE.csv [--data-dir DIR]
                       [--model models:/NAME@ALIAS | --bundle DIR] [--with-decision]

Scores a Kaggle-layout application file (train or test layout; a TARGET column is ignored) and writes a Kaggle
submission: SK_ID_CURR,TARGET with TARGET = the probability of default.
  --input FILE          application rows to score (read in chunks: files larger than memory are fine)
  --out FILE            where to write the predictions (replaced only once complete)
  --data-dir DIR        folder with the side tables (bureau.csv, ...) holding these applicants' history;
                        without it applicants are scored on their application alone
  --bundle DIR          the model bundle to use (as written by trainer run / trainer export)
  --model URI           a registered model, models:/NAME@ALIAS or models:/NAME/VERSION (needs MLflow)
                        default: the bundle ${DEFAULT_BUNDLE_DIR} when it exists, else ${DEFAULT_MODEL_URI}
  --tracking-uri URI    MLflow server for --model (default $MLFLOW_TRACKING_URI)
  --with-decision       add decision (granted/refused) and threshold columns
  --chunk-rows N        applicants per chunk (default 50000)
`;

/** A model ready to score: the restored pipeline and booster of one package. */
interface ScoringModel {
  description: string;
  pipeline: FeaturePipeline;
  booster: Booster;
  threshold: number;
}

interface PredictOptions {
  input: string;
  out: string;
  dataDir?: string;
  model?: string;
  bundle?: string;
  trackingUri?: string;
  withDecision: boolean;
  chunkRows: number;
}

/** The command line, checked: paths resolved, the output folder, --data-dir and --bundle present. null: --help. */
function parseOptions(argv: string[]): PredictOptions | null {
  const { values } = parseFlags(argv, {
    input: { type: 'string' },
    out: { type: 'string' },
    'data-dir': { type: 'string' },
    model: { type: 'string' },
    bundle: { type: 'string' },
    'tracking-uri': { type: 'string' },
    'with-decision': { type: 'boolean' },
    'chunk-rows': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return null;
  if (!values.input) throw new UsageError('--input FILE.csv is required (the application rows to score)');
  if (!values.out) throw new UsageError('--out FILE.csv is required (where the predictions go)');
  if (values.model !== undefined && values.bundle !== undefined) {
    throw new UsageError('--model and --bundle exclude each other');
  }
  const out = outputFileInFolder('--out', values.out);
  const input = inputFile('--input', values.input);
  if (input === out) throw new UsageError('--out must not be the --input file');
  const dataDir = values['data-dir'] === undefined ? undefined : inputFolder('--data-dir', values['data-dir']);
  return {
    input,
    out,
    dataDir,
    model: values.model,
    bundle: values.bundle === undefined ? undefined : inputFolder('--bundle', values.bundle),
    trackingUri: values['tracking-uri'],
    withDecision: values['with-decision'] === true,
    chunkRows: toInt('chunk-rows', values['chunk-rows'], 1) ?? 50_000,
  };
}

export async function predictCommand(argv: string[]): Promise<number> {
  const opts = parseOptions(argv);
  if (!opts) {
    process.stdout.write(HELP);
    return 0;
  }
  try {
    const model = await loadScoringModel(opts.model, opts.bundle, opts.trackingUri);
    try {
      const started = Date.now();
      const scored = await scoreFile(opts.input, opts.out, model, opts.dataDir, opts);
      const seconds = (Date.now() - started) / 1000;
      process.stderr.write(
        `predict: ${scored} applicants in ${formatSeconds(seconds)} ` +
          `(${Math.round(scored / Math.max(seconds, 1e-3))}/s) with ${model.description}\n`,
      );
      process.stdout.write(`Wrote ${scored} predictions to ${opts.out}\n`);
      return 0;
    } finally {
      model.booster.free();
    }
  } catch (error) {
    // Bad data, a bad or corrupt model: bad input, exit 2 with the reason on one line; the output was not touched.
    const bad = [DataError, FeatureError, ModelPackageError, LightGBMError].some((kind) => error instanceof kind);
    if (bad) throw new UsageError((error as Error).message);
    throw error;
  }
}

async function loadScoringModel(
  uri: string | undefined,
  bundle: string | undefined,
  trackingUri: string | undefined,
): Promise<ScoringModel> {
  if (bundle !== undefined)
    return assemble(await readModelPackage(path.resolve(bundle)), `bundle ${path.resolve(bundle)}`);
  if (uri === undefined) {
    const local = path.resolve(workspaceRoot(), DEFAULT_BUNDLE_DIR);
    if (fs.existsSync(local)) return assemble(await readModelPackage(local), `bundle ${local}`);
  }
  const ref = parseModelRef(uri ?? DEFAULT_MODEL_URI);
  const tracking = trackingUri ?? process.env.MLFLOW_TRACKING_URI;
  if (!tracking) {
    throw new UsageError(
      uri === undefined
        ? `no model: no bundle at ${DEFAULT_BUNDLE_DIR} and no MLflow server for ${DEFAULT_MODEL_URI} ` +
          '(pass --bundle DIR, or --tracking-uri / MLFLOW_TRACKING_URI)'
        : `--model ${uri} needs an MLflow server: pass --tracking-uri or set MLFLOW_TRACKING_URI`,
    );
  }
  const dir = scratchFolder('credit-scoring-predict-');
  try {
    const pkg = await downloadModel(new MlflowClient({ trackingUri: tracking }), ref.name, ref.ref, dir).catch(
      (error: unknown) => {
        throw scratchError(dir, error); // a full $TMPDIR in words, not Node's "ENOSPC: …, write"
      },
    );
    return assemble(pkg, `models:/${ref.name}/${pkg.version} on ${tracking}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function parseModelRef(uri: string): { name: string; ref: string } {
  const match = /^models:\/([^@/]+)(?:@([A-Za-z0-9_-]+)|\/([1-9][0-9]*))$/.exec(uri.trim());
  if (!match) throw new UsageError(`--model must look like models:/NAME@ALIAS or models:/NAME/VERSION, got '${uri}'`);
  return { name: match[1], ref: match[2] ?? match[3] };
}

function assemble(pkg: ReadModelPackage, description: string): ScoringModel {
  const pipeline = FeaturePipeline.fromJSON(pkg.featurePipeline as FittedPipelineState);
  const booster = Booster.fromString(pkg.modelText);
  if (booster.numFeature !== pipeline.featureNames.length) {
    booster.free();
    throw new ModelPackageError(
      `${description}: booster has ${booster.numFeature} features but the pipeline produces ` +
        `${pipeline.featureNames.length}`,
    );
  }
  return { description, pipeline, booster, threshold: pkg.threshold };
}

/**
 * LightGBM threads per chunk prediction. It runs beside this thread's reading and transforming of the next chunk, on
 * a 2-core machine: one thread leaves a core to JavaScript (and polars) instead of both fighting for two (measured
 * on 307,511 applicants: 1 and 2 threads took the same wall time, 2 used more CPU).
 */
const PREDICT_THREADS = 1;

type SideTables = Omit<HomeCreditTables, 'application'>;

/** Each side table the pipeline aggregates, as it is read: the frame, or undefined when its file is absent. */
type SideReads = Map<SideTableName, Promise<pl.DataFrame | undefined>>;

/**
 * Scans (and the main thread's parsing) at a time: the checked pass over every line of ~2.4 GB at Kaggle scale is
 * most of the reading, so it runs on worker threads while this thread parses and aggregates the tables read.
 */
const READ_LANES = 2;

/**
 * Starts reading the side tables the pipeline aggregates (checked like every Kaggle file; an absent file = no
 * history), only the rows of `applicants` parsed: bureau_balance through those applicants' bureau records. The scans
 * run on `threads`, READ_LANES tables at a time, bureau first (its SK_ID_BUREAU values select the bureau_balance
 * rows), the biggest files next so that the lanes end together.
 */
function readSideTables(
  dir: string,
  pipeline: FeaturePipeline,
  applicants: Int32Array,
  threads: ScanThreads,
): SideReads {
  const wanted = pipeline.toJSON().options.sideTables;
  const order = READ_ORDER.filter((table) => wanted.includes(table));
  const reads: SideReads = new Map();
  const settled = new Map<SideTableName, (read: Promise<pl.DataFrame | undefined>) => void>();
  for (const table of order) reads.set(table, new Promise((resolve) => settled.set(table, resolve)));
  const readOne = async (table: SideTableName): Promise<pl.DataFrame | undefined> => {
    const file = tablePath(dir, table);
    if (!fs.existsSync(file)) return undefined;
    const keys = table === 'bureau_balance' ? bureauIds(await reads.get('bureau')) : applicants;
    const started = Date.now();
    const column = table === 'bureau_balance' ? 'SK_ID_BUREAU' : 'SK_ID_CURR';
    const frame = await readTable(file, table, { only: { column, keys }, threads });
    process.stderr.write(
      `predict: read ${table} (${frame.height} rows of these applicants, ` +
        `${formatSeconds((Date.now() - started) / 1000)})\n`,
    );
    return frame;
  };
  const queue = [...order];
  const lane = async (): Promise<void> => {
    for (let table = queue.shift(); table !== undefined; table = queue.shift()) {
      const read = readOne(table);
      read.catch(() => undefined); // a failed read rejects where it is awaited; the lane stops here
      settled.get(table)?.(read);
      await read;
    }
  };
  for (let i = 0; i < READ_LANES; i++) lane().catch(() => undefined);
  return reads;
}

/**
 * --data-dir is there to bring history: a folder with none of the side tables the model reads is a mistake (a wrong
 * folder, or names in another case), refused; one without some of them scores those without that kind of history,
 * which is said, since it lowers the probabilities of the applicants who have it.
 */
function checkSideTableFiles(dir: string, pipeline: FeaturePipeline): void {
  const wanted = pipeline.toJSON().options.sideTables;
  const absent = wanted.filter((table) => !fs.existsSync(tablePath(dir, table)));
  const names = (tables: SideTableName[]) => tables.map((t) => path.basename(tablePath(dir, t))).join(', ');
  if (wanted.length > 0 && absent.length === wanted.length) {
    throw new UsageError(`--data-dir ${dir} holds none of the side tables the model reads (${names(wanted)})`);
  }
  if (absent.length > 0) {
    process.stderr.write(`predict: warning: ${dir} has no ${names(absent)}: scored without that history\n`);
  }
}

/** bureau first (bureau_balance waits for it), then the largest Kaggle files first. */
const READ_ORDER: SideTableName[] = [
  'bureau',
  'installments_payments',
  'bureau_balance',
  'credit_card_balance',
  'previous_application',
  'POS_CASH_balance',
];

/** Every side table read (for a file scored in several chunks). */
async function allSideTables(reads: SideReads): Promise<SideTables> {
  const tables: SideTables = {};
  for (const [table, read] of reads) {
    const frame = await read;
    if (frame) tables[table] = frame;
  }
  return tables;
}

/**
 * For FeaturePipeline.transformArriving: the first of the pending side tables read, put into `tables` (bureau with
 * bureau_balance, which its aggregates join). Rejects with the first read that failed.
 */
function arrivals(reads: SideReads, tables: HomeCreditTables) {
  const ready = (table: SideTableName): Promise<SideTableName> => {
    const parts: SideTableName[] = table === 'bureau' ? ['bureau', 'bureau_balance'] : [table];
    return Promise.all(
      parts.map(async (part) => {
        const frame = await reads.get(part);
        if (frame) tables[part] = frame;
      }),
    ).then(() => table);
  };
  return (pending: SideTableName[]) => Promise.race(pending.map(ready));
}

const bureauIds = (bureau: pl.DataFrame | undefined): Int32Array =>
  bureau ? Int32Array.from(bureau.getColumn('SK_ID_BUREAU').dropNulls().toArray() as number[]) : new Int32Array(0);

/** The side-table rows of the chunk's applicants (bureau_balance through their bureau records), by semi-joins. */
function historyOf(side: SideTables, ids: pl.Series): SideTables {
  const applicants = pl.DataFrame({ SK_ID_CURR: ids });
  const own: SideTables = {};
  for (const [name, frame] of Object.entries(side) as Array<[SideTableName, pl.DataFrame]>) {
    if (name !== 'bureau_balance') own[name] = frame.join(applicants, { on: 'SK_ID_CURR', how: 'semi' });
  }
  if (side.bureau_balance && own.bureau) {
    const bureaus = own.bureau.select('SK_ID_BUREAU');
    own.bureau_balance = side.bureau_balance.join(bureaus, { on: 'SK_ID_BUREAU', how: 'semi' });
  }
  return own;
}

/**
 * Scores `input` chunk by chunk (one batch transform and ONE LightGBM predict per chunk) into a temporary sibling of
 * `out`, renamed over `out` once every row is written. Returns the number of applicants scored.
 */
async function scoreFile(
  input: string,
  out: string,
  model: ScoringModel,
  dataDir: string | undefined,
  opts: { chunkRows: number; withDecision: boolean },
): Promise<number> {
  // Seconds per stage, reported at the end (a user sees what to expect from a bigger file; the benchmark splits by it).
  const spent = { input: 0, 'side tables': 0, features: 0, 'LightGBM wait': 0, writing: 0 };
  let lap = performance.now();
  const charge = (stage: keyof typeof spent) => {
    const now = performance.now();
    spent[stage] += (now - lap) / 1000;
    lap = now;
  };
  const chunks = readApplicationChunks(input, { chunkRows: opts.chunkRows });
  const required = model.pipeline
    .rawFields()
    .filter((f) => f.required && f.type !== 'string' && f.name !== 'SK_ID_CURR')
    .map((f) => f.name);
  // The first chunk before anything else: a wrong header or a bad first row is reported before the side tables load.
  const first = await chunks.next();
  charge('input');
  const applicants = dataDir ? readKeys(input, 'SK_ID_CURR') : new Int32Array(0);
  charge('input');
  if (dataDir) checkSideTableFiles(dataDir, model.pipeline);
  const threads = dataDir ? new ScanThreads(READ_LANES) : undefined;
  const temp = path.join(path.dirname(out), `.${path.basename(out)}.${process.pid}.tmp`);
  let fd = -1;
  let scored = 0;
  // Chunks LightGBM is scoring on a worker thread (oldest first) while this thread reads and transforms the next.
  const scoring: Array<{ ids: Int32Array; probabilities: Promise<Float64Array>; share: number }> = [];
  const started = Date.now();
  // Two matrices in turn: chunk k is transformed into one while LightGBM reads chunk k-1 from the other.
  const buffers = new MatrixBuffers(model.pipeline.featureNames.length);
  const writeOldest = async () => {
    const { ids, probabilities, share } = scoring[0];
    const p = await probabilities;
    scoring.shift();
    charge('LightGBM wait');
    writeToOutput('--out', out, fd, submissionLines(ids, p, opts.withDecision ? model.threshold : undefined));
    charge('writing');
    scored += ids.length;
    process.stderr.write(
      `predict: ${scored} applicants (${share}% of the file) ${formatSeconds((Date.now() - started) / 1000)}\n`,
    );
    lap = performance.now();
  };
  try {
    const reads = dataDir && threads ? readSideTables(dataDir, model.pipeline, applicants, threads) : new Map();
    // A file of one chunk (the usual case): each side table is aggregated as soon as it is read, while the threads
    // scan the next ones. Several chunks: every side table is read first, then each chunk takes its applicants' rows.
    const oneChunk = !first.done && first.value.frame.height === applicants.length;
    const side = oneChunk ? {} : await allSideTables(reads);
    charge('side tables');
    fd = openOutput('--out', out, temp);
    writeToOutput(
      '--out',
      out,
      fd,
      opts.withDecision ? 'SK_ID_CURR,TARGET,decision,threshold\n' : 'SK_ID_CURR,TARGET\n',
    );
    for (let next = first; !next.done; next = await chunks.next()) {
      charge('input');
      const chunk = next.value;
      checkRequiredValues(input, chunk, required);
      const matrix = oneChunk
        ? await transformArriving(model.pipeline, chunk.frame, reads, charge)
        : model.pipeline.transform(
            { application: chunk.frame, ...historyOf(side, chunk.frame.getColumn('SK_ID_CURR')) },
            { into: buffers.next(chunk) },
          );
      charge('features');
      // Queued behind the previous chunk's prediction (predictions take turns), which is written meanwhile.
      const probabilities = model.booster.predictAsync(matrix.data, { numThreads: PREDICT_THREADS });
      probabilities.catch(() => undefined); // awaited in order below: not an unhandled rejection meanwhile
      scoring.push({ ids: matrix.ids, probabilities, share: Math.round((100 * chunk.bytesRead) / chunk.fileBytes) });
      while (scoring.length > 1) await writeOldest();
    }
    while (scoring.length > 0) await writeOldest();
    const written = fd;
    fd = -1; // closed by finishOutput, failing or not: never closed twice below (its number may be reused by then)
    finishOutput('--out', out, written, temp);
    charge('writing');
    const stages = Object.entries(spent).map(([stage, seconds]) => `${stage} ${seconds.toFixed(2)} s`);
    process.stderr.write(`predict: time by stage: ${stages.join(', ')}\n`);
    return scored;
  } catch (error) {
    // e.g. a bad row in chunk k+1 while chunk k is being scored: the booster is busy (cannot be freed) until then.
    await Promise.allSettled(scoring.map((s) => s.probabilities));
    try {
      if (fd >= 0) fs.closeSync(fd);
    } catch {
      /* already closed */
    }
    fs.rmSync(temp, { force: true });
    throw error;
  } finally {
    await threads?.close();
  }
}

/**
 * The API's rule for the fields the model requires (a 400 there): a value that is empty, NaN, infinite or of a
 * magnitude the pipeline reads as missing would be scored as if absent, so the file is refused, naming the row.
 */
function checkRequiredValues(file: string, chunk: ApplicationChunk, fields: string[]): void {
  for (const field of fields) {
    const values = chunk.frame.getColumn(field).toArray() as Array<number | null>;
    const i = values.findIndex((v) => v === null || !(Math.abs(v) < MAX_MAGNITUDE));
    if (i < 0) continue;
    const row = chunk.firstRow + i;
    const got = values[i] === null ? 'an empty value' : String(values[i]);
    throw new DataError(`${file} row ${row}, column ${field}: the model requires a value, got ${got}`, {
      file,
      column: field,
      row,
    });
  }
}

/**
 * The feature matrices of the chunks, used in turn (the predictions take turns too, so when chunk k is transformed
 * only chunk k-1 is still being read by LightGBM). Reused rather than allocated per chunk: a fresh 333 MB matrix per
 * 50,000 rows cost its page faults every time.
 */
class MatrixBuffers {
  private readonly buffers: Float64Array[] = [];
  private turn = 0;
  constructor(private readonly nCols: number) {}

  next(chunk: { frame: pl.DataFrame }): Float64Array {
    const slot = this.turn++ % 2;
    const length = chunk.frame.height * this.nCols;
    if ((this.buffers[slot]?.length ?? -1) < length) this.buffers[slot] = new Float64Array(length);
    return this.buffers[slot];
  }
}

/**
 * The features of the whole file's applicants with the side tables aggregated as they arrive. Stage times: waiting
 * for reads (and parsing them) is 'side tables', the rest 'features'.
 */
async function transformArriving(
  pipeline: FeaturePipeline,
  application: pl.DataFrame,
  reads: SideReads,
  charge: (stage: 'side tables' | 'features') => void,
) {
  const tables: HomeCreditTables = { application };
  const arrive = arrivals(reads, tables);
  return pipeline.transformArriving(tables, async (pending) => {
    charge('features');
    const table = await arrive(pending);
    charge('side tables');
    return table;
  });
}

/**
 * Kaggle submission rows. Probabilities in JavaScript's shortest round-trip form, so the file holds exactly the
 * doubles LightGBM returned (and the API answers). The decision is @credit-scoring/decision's rule, as the API's.
 */
function submissionLines(ids: Int32Array, probabilities: Float64Array, threshold: number | undefined): string {
  const lines: string[] = new Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const p = probabilities[i];
    lines[i] = threshold === undefined ? `${ids[i]},${p}` : `${ids[i]},${p},${decide(p, threshold)},${threshold}`;
  }
  return lines.join('\n') + '\n';
}
