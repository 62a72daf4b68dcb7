import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { workspaceRoot } from '@credit-scoring/data';
import { validateCostModel } from '@credit-scoring/decision';
import {
  DEFAULT_BUNDLE_DIR,
  DEFAULT_MODEL_ALIAS,
  DEFAULT_MODEL_NAME,
  modelAliasProblem,
  registeredModelNameProblem,
} from '@credit-scoring/tracking';
import { parseFlags, toInt, toNumber, UsageError } from './cli-args';
import { bundleFolder } from './commands/export';
import { fsReason, inputFile, inputFolder, outputFileInFolder } from './path-flags';
import { FINAL_FITS_ALL_MAX_ROWS, type FinalFitsSetting } from './pipeline/final-fits';
import { PRUNE_AUTO_MARGIN, PRUNE_AUTO_MIN_ROWS, type PruneSetting } from './pipeline/prune';

/** The model families compared, named as @credit-scoring/scoring's specs. */
export const MODEL_NAMES = ['dummy', 'logistic', 'lightgbm_rf', 'gbm_plain', 'lightgbm'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];
const BOOSTERS: readonly ModelName[] = ['lightgbm_rf', 'gbm_plain', 'lightgbm'];

/** The names people read in MLflow (run names, logged models, the comparison): one per model family. */
export const MODEL_LABELS: Record<ModelName, string> = {
  dummy: 'Dummy (prior)',
  logistic: 'Logistic Regression',
  lightgbm_rf: 'Random Forest',
  gbm_plain: 'Gradient Boosting',
  lightgbm: 'LightGBM',
};

/** The readable name of a model family (the spec name itself for one this table does not know). */
export function modelLabel(name: string): string {
  return (MODEL_LABELS as Record<string, string>)[name] ?? name;
}

/** The study's cost: shares of AMT_CREDIT lost per error; or the common unit costs (FN 10, FP 1). */
export type CostSettings =
  | { kind: 'credit'; fnLoss: number; fpLoss: number }
  | { kind: 'unit'; fn: number; fp: number };

export interface TrainConfig {
  /** Folder with the Kaggle CSVs; when absent the generator writes `rows` synthetic applicants (the embedded default). */
  dataDir?: string;
  rows: number;
  seed: number;
  folds: number;
  /** Hyper-parameter trials per model (the dummy model has none). */
  budget: number;
  /** Share of applicants held out as the test set, never seen by search, CV or the threshold. */
  testSize: number;
  /** At most this many training applicants (a stratified sample) go through the search and CV. */
  searchRows: number;
  cost: CostSettings;
  models: ModelName[];
  /** Use the six side tables (bureau, previous applications, ...) when present. */
  sideTables: boolean;
  experiment: string;
  modelName: string;
  alias: string;
  trackingUri?: string;
  /** Where generated data goes (git-ignored). */
  generatedDir: string;
  numThreads: number;
  /** Model families searched at once (pipeline/lanes.ts); the results do not depend on it. */
  parallelModels: number;
  /**
   * Stop a search trial whose mean fold AUC is below the best trial's on the same folds by more than this, after two
   * folds (SearchOptions.prune): a margin, `off`, or `auto` (pipeline/prune.ts: on only at scale).
   */
  pruneMargin: PruneSetting;
  /**
   * Families fitted on the whole training part and scored on the test set: all, the champion only, or `auto` (all up
   * to FINAL_FITS_ALL_MAX_ROWS training applicants, the champion only above; pipeline/final-fits.ts says why).
   */
  finalFits: FinalFitsSetting;
  /** Also write the results (comparison, threshold, stage times, the command) as Markdown to this file. */
  report?: string;
  /**
   * Folder the new champion is exported to for the API (replaced atomically); false: no export. Default: the
   * workspace's dist/model-bundle, the folder `npm run serve` serves.
   */
  bundleOut: string | false;
  /** Tags put on every run of the study (--tag key=value, repeatable; config: "tags": {"key": "value"}). */
  tags: Record<string, string>;
}

export const DEFAULTS: TrainConfig = {
  rows: 20_000,
  seed: 42,
  folds: 5,
  budget: 4,
  testSize: 0.2,
  searchRows: 8_000,
  cost: { kind: 'credit', fnLoss: 1, fpLoss: 0.19 },
  models: [...MODEL_NAMES],
  sideTables: true,
  experiment: 'credit-scoring',
  modelName: DEFAULT_MODEL_NAME,
  alias: DEFAULT_MODEL_ALIAS,
  generatedDir: 'data/generated',
  numThreads: 2,
  parallelModels: 2,
  pruneMargin: 'auto',
  finalFits: 'auto',
  bundleOut: resolve(workspaceRoot(), DEFAULT_BUNDLE_DIR),
  tags: {},
};

export const RUN_HELP = `Usage: trainer run [options]

Trains and compares models on Home Credit data, tunes the decision threshold by business cost, logs everything to
MLflow and registers the best model with an alias.

Data
  --data-dir DIR        folder with the Kaggle CSVs (application_train.csv required, side tables optional)
  --rows N              applicants to generate when no --data-dir is given (default ${DEFAULTS.rows}; refused
                        with --data-dir)
  --no-side-tables      application table only
Modelling
  --models LIST         comma list of ${MODEL_NAMES.join(', ')} (default: all)
  --folds K             stratified CV folds (default ${DEFAULTS.folds})
  --budget N            hyper-parameter trials per model (default ${DEFAULTS.budget})
  --test-size F         held-out share (default ${DEFAULTS.testSize})
  --search-rows N       applicants (stratified sample of the training part) the search and CV use (default ${DEFAULTS.searchRows})
  --seed N              seed for data, folds, search and LightGBM (default ${DEFAULTS.seed})
  --threads N           threads per fit: LightGBM, logistic loss (default ${DEFAULTS.numThreads})
  --parallel-models N   model families searched at once (final fits take turns); 1: one after another; the
                        results are the same (default ${DEFAULTS.parallelModels})
  --prune MARGIN        stop a search trial early once its mean AUC on 2+ folds is below the best trial's on the
                        same folds by more than MARGIN (e.g. 0.01); pruned trials get no CV cost. off, or auto:
                        ${PRUNE_AUTO_MARGIN} above ${PRUNE_AUTO_MIN_ROWS.toLocaleString('en-US')} training applicants (default auto)
  --final-fits WHICH    families fitted on the whole training part and scored on the test set: all, champion
                        (the others keep their CV figures), or auto: all up to ${FINAL_FITS_ALL_MAX_ROWS.toLocaleString('en-US')} training applicants,
                        the champion only above (default ${DEFAULTS.finalFits})
Cost
  --cost credit|unit    credit: FN loses fn-loss x AMT_CREDIT, FP loses fp-loss x AMT_CREDIT (default)
                        unit: FN costs --fn, FP costs --fp
  --fn-loss F --fp-loss F   shares for the credit cost (default 1 and 0.19)
  --fn N --fp N             unit costs (default 10 and 1)
Tracking
  --tracking-uri URI    MLflow server (default: $MLFLOW_TRACKING_URI, else a local server on mlruns/)
  --experiment NAME     (default ${DEFAULTS.experiment})
  --model-name NAME     registered model name (default ${DEFAULTS.modelName})
  --alias NAME          alias given to the new version (default ${DEFAULTS.alias})
  --tag KEY=VALUE       a tag on every run of the study (repeatable), e.g. --tag team=risk --tag ticket=CS-12
Model bundle
  --bundle-out DIR      export the new champion to DIR for the API: a new or empty folder, or an older bundle,
                        which it replaces (default ${DEFAULTS.bundleOut})
  --no-bundle           do not export a bundle (config: "bundleOut": false)
Distributed (LightGBM data-parallel; apps/trainer/README.md, "Distributed training")
  --workers LIST        host:port,... of running \`trainer worker\`s: trains only the LightGBM model, each worker
                        holding its share of the rows; one MLflow run (no search, CV or registry)
  --connect-timeout S   seconds for every worker to accept the connection (default 60)
  --step-timeout S      seconds a worker may stay silent: linking, binning, one iteration (default 300)
Other
  --report FILE         also write the results as Markdown (e.g. docs/results.md)
  --config FILE         JSON file with any of the settings above (camelCase keys); flags win
  -h, --help            this text
`;

const RUN_FLAGS = {
  'data-dir': { type: 'string' },
  rows: { type: 'string' },
  'no-side-tables': { type: 'boolean' },
  models: { type: 'string' },
  folds: { type: 'string' },
  budget: { type: 'string' },
  'test-size': { type: 'string' },
  'search-rows': { type: 'string' },
  seed: { type: 'string' },
  threads: { type: 'string' },
  'parallel-models': { type: 'string' },
  prune: { type: 'string' },
  'final-fits': { type: 'string' },
  cost: { type: 'string' },
  'fn-loss': { type: 'string' },
  'fp-loss': { type: 'string' },
  fn: { type: 'string' },
  fp: { type: 'string' },
  'tracking-uri': { type: 'string' },
  experiment: { type: 'string' },
  'model-name': { type: 'string' },
  alias: { type: 'string' },
  tag: { type: 'string', multiple: true },
  config: { type: 'string' },
  report: { type: 'string' },
  'bundle-out': { type: 'string' },
  'no-bundle': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Reads flags (and an optional JSON config file) into a validated TrainConfig, or null when --help was asked. */
export function parseRunConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): TrainConfig | null {
  const { values: flags } = parseFlags(argv, RUN_FLAGS);
  if (flags.help) return null;
  const fromFile = flags.config ? readConfigFile(flags.config) : {};
  // Settings from the file go through the same checks as flags: the file gives the value unless a flag does.
  const v = { ...fileAsFlags(fromFile), ...definedOnly(flags) };
  const base: TrainConfig = { ...DEFAULTS, ...fromFile };

  const costKind = v.cost ?? base.cost.kind;
  if (costKind !== 'credit' && costKind !== 'unit')
    throw new UsageError(`--cost must be 'credit' or 'unit', got '${costKind}'`);
  // A price of the other cost model would be ignored without a word.
  const others = costKind === 'credit' ? (['fn', 'fp'] as const) : (['fn-loss', 'fp-loss'] as const);
  const foreign = others.filter((f) => v[f] !== undefined);
  if (foreign.length)
    throw new UsageError(`--${foreign[0]} is a price of the other cost model, not of --cost ${costKind}`);
  const cost: CostSettings =
    costKind === 'credit'
      ? {
          kind: 'credit',
          fnLoss: toNumber('fn-loss', v['fn-loss'], 0, 100) ?? (base.cost.kind === 'credit' ? base.cost.fnLoss : 1),
          fpLoss: toNumber('fp-loss', v['fp-loss'], 0, 100) ?? (base.cost.kind === 'credit' ? base.cost.fpLoss : 0.19),
        }
      : {
          kind: 'unit',
          fn: toNumber('fn', v.fn, 0, 1e9) ?? (base.cost.kind === 'unit' ? base.cost.fn : 10),
          fp: toNumber('fp', v.fp, 0, 1e9) ?? (base.cost.kind === 'unit' ? base.cost.fp : 1),
        };

  checkCost(cost);

  // --rows sizes the generated data; with a folder of files it would be ignored without a word. (A config file's
  // rows is only the size to generate when no folder is given, as in the README's example file.)
  if (flags.rows !== undefined && (v['data-dir'] ?? base.dataDir) !== undefined)
    throw new UsageError(
      '--rows is the number of applicants to generate; with --data-dir every applicant of the files is used ' +
        '(--search-rows sizes the search sample)',
    );
  const config: TrainConfig = {
    ...base,
    dataDir: v['data-dir'] ?? base.dataDir,
    rows: toInt('rows', v.rows, 200, 10_000_000) ?? base.rows,
    sideTables: v['no-side-tables'] ? false : base.sideTables,
    models: v.models === undefined ? base.models : parseModels(v.models),
    folds: toInt('folds', v.folds, 2, 20) ?? base.folds,
    budget: toInt('budget', v.budget, 1, 1000) ?? base.budget,
    testSize: toNumber('test-size', v['test-size'], 0.05, 0.5) ?? base.testSize,
    searchRows: toInt('search-rows', v['search-rows'], 100) ?? base.searchRows,
    seed: toInt('seed', v.seed, 0, 2 ** 31 - 1) ?? base.seed,
    numThreads: toInt('threads', v.threads, 1, 256) ?? base.numThreads,
    parallelModels: toInt('parallel-models', v['parallel-models'], 1, 16) ?? base.parallelModels,
    pruneMargin: v.prune === undefined ? base.pruneMargin : pruneSetting(v.prune),
    finalFits: finalFitsSetting(v['final-fits'] ?? base.finalFits),
    cost,
    trackingUri: v['tracking-uri'] ?? base.trackingUri ?? (env.MLFLOW_TRACKING_URI || undefined),
    experiment: v.experiment ?? base.experiment,
    modelName: v['model-name'] ?? base.modelName,
    alias: v.alias ?? base.alias,
    report: v.report ?? base.report,
    bundleOut: bundleOut(v['bundle-out'], v['no-bundle'], fromFile.bundleOut),
    // Flags add to the file's tags (a flag wins for the same key).
    tags: { ...checkedTags(base.tags, 'config "tags"'), ...parseTags(flags.tag ?? []) },
  };
  if (config.dataDir !== undefined) config.dataDir = inputFolder('--data-dir', config.dataDir);
  // The registry's rules, checked before the study: they failed only at the registration, after all the training.
  const nameProblem = registeredModelNameProblem(config.modelName);
  if (nameProblem) throw new UsageError(`--model-name ${nameProblem}`);
  if (config.experiment.trim() === '') throw new UsageError('--experiment must not be empty');
  const aliasProblem = modelAliasProblem(config.alias);
  if (aliasProblem) throw new UsageError(`--alias ${aliasProblem}`);
  // Written at the very end of the run: a path that cannot be written fails now, in a second, not after the training.
  if (config.report !== undefined) outputFileInFolder('--report', config.report);
  // Checked and left as it is: created (with its missing parents) or replaced only by the export, once the champion
  // is promoted; a folder that is not a bundle is never replaced.
  if (config.bundleOut) bundleFolder('--bundle-out', config.bundleOut);
  return config;
}

function pruneSetting(value: string | number): PruneSetting {
  if (value === 'off' || value === 'auto') return value;
  const margin = Number(value);
  if (value === '' || !(margin >= 0 && margin <= 0.5))
    throw new UsageError(`--prune must be a margin from 0 to 0.5, 'off' or 'auto', got '${value}'`);
  return margin;
}

function finalFitsSetting(value: string): FinalFitsSetting {
  if (value === 'all' || value === 'champion' || value === 'auto') return value;
  throw new UsageError(`--final-fits must be 'all', 'champion' or 'auto', got '${value}'`);
}

/** --bundle-out / --no-bundle / the config's bundleOut (paths relative to the working directory, like --data-dir). */
function bundleOut(
  flag: string | undefined,
  none: boolean | undefined,
  fromFile: string | false | undefined,
): string | false {
  if (flag !== undefined && none) throw new UsageError('--bundle-out and --no-bundle exclude each other');
  if (none) return false;
  if (flag !== undefined) {
    if (flag.trim() === '') throw new UsageError('--bundle-out needs a folder');
    return resolve(flag);
  }
  if (fromFile === false) return false;
  return fromFile === undefined ? DEFAULTS.bundleOut : resolve(fromFile);
}

/** --tag key=value pairs; a key is what MLflow accepts (non-empty, at most 250 characters). */
function parseTags(pairs: string[]): Record<string, string> {
  const tags = new Map<string, string>(); // not an object: a key such as __proto__ or constructor is a tag like any
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--tag must be KEY=VALUE with a non-empty key, got '${pair}'`);
    const key = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1);
    // MLflow's own tags (mlflow.user, mlflow.runName, …) say who ran what: the study sets them, a flag does not.
    if (key.startsWith('mlflow.')) throw new UsageError(`--tag ${key}: the mlflow. prefix is MLflow's own`);
    // Two values for one key would be one tag: the first dropped without a word.
    if (tags.has(key)) throw new UsageError(`--tag ${key} is given twice ('${tags.get(key)}' and '${value}')`);
    tags.set(key, value);
  }
  return checkedTags(Object.fromEntries(tags), '--tag');
}

function checkedTags(tags: Record<string, unknown>, what: string): Record<string, string> {
  for (const [key, value] of Object.entries(tags)) {
    if (key === '' || key.length > 250) throw new UsageError(`${what}: tag key must be 1-250 characters, got '${key}'`);
    if (typeof value !== 'string') throw new UsageError(`${what}: tag '${key}' must be a string, got ${typeof value}`);
    if (value.length > 8000) throw new UsageError(`${what}: tag '${key}' is longer than MLflow's 8000 characters`);
  }
  return tags as Record<string, string>;
}

const FILE_TO_FLAG: Record<string, string> = {
  rows: 'rows',
  folds: 'folds',
  budget: 'budget',
  testSize: 'test-size',
  searchRows: 'search-rows',
  seed: 'seed',
  numThreads: 'threads',
  parallelModels: 'parallel-models',
  pruneMargin: 'prune',
  finalFits: 'final-fits',
};

function fileAsFlags(file: Partial<TrainConfig>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, flag] of Object.entries(FILE_TO_FLAG)) {
    const value = file[key as keyof TrainConfig];
    if (value !== undefined) out[flag] = String(value);
  }
  if (file.models) out.models = file.models.join(',');
  return out;
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function parseModels(list: string): ModelName[] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(MODEL_NAMES as readonly string[]).includes(n));
  if (unknown.length)
    throw new UsageError(`--models: unknown model(s) ${unknown.join(', ')}; known: ${MODEL_NAMES.join(', ')}`);
  if (names.length === 0) throw new UsageError('--models needs at least one model');
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new UsageError(`--models lists ${twice} twice`);
  // The registered model is served by LightGBM, so one booster must be among the candidates.
  if (!names.some((n) => BOOSTERS.includes(n as ModelName)))
    throw new UsageError(
      `--models needs at least one of ${BOOSTERS.join(', ')} (the served model is a LightGBM booster)`,
    );
  return names as ModelName[];
}

/** A config file's cost: {kind: 'credit', fnLoss, fpLoss} or {kind: 'unit', fn, fp}, numbers, nothing else. */
function checkFileCost(path: string, cost: unknown): void {
  const bad = (why: string) => new UsageError(`--config ${path}: 'cost' ${why}, got ${JSON.stringify(cost)}`);
  if (typeof cost !== 'object' || cost === null || Array.isArray(cost)) throw bad('must be an object');
  const fields = cost as Record<string, unknown>;
  const prices = fields.kind === 'credit' ? ['fnLoss', 'fpLoss'] : fields.kind === 'unit' ? ['fn', 'fp'] : undefined;
  if (!prices) throw bad(`must have "kind": "credit" or "unit"`);
  const unknown = Object.keys(fields).filter((k) => k !== 'kind' && !prices.includes(k));
  if (unknown.length)
    throw bad(`of kind ${String(fields.kind)} takes ${prices.join(' and ')}, not ${unknown.join(', ')}`);
  const absent = prices.filter((k) => typeof fields[k] !== 'number');
  if (absent.length) throw bad(`needs ${absent.join(' and ')} as numbers`);
}

/** The flag (or config field) of each price, for the decision rules' message. */
const COST_FLAGS: Record<string, string> = { fn: '--fn', fp: '--fp', fnLoss: '--fn-loss', fpLoss: '--fp-loss' };

/** The cost as the decision rules accept it (every price above 0), refused before anything starts. */
function checkCost(cost: CostSettings): void {
  try {
    validateCostModel(cost);
  } catch (err) {
    const message = (err as Error).message.replace(
      /^cost model \((\w+)\): (\w+)/,
      (_, kind: string, name: string) => `--cost ${kind}: ${COST_FLAGS[name] ?? name}`,
    );
    throw new UsageError(message);
  }
}

/** Settings a --config file may give that have no default (so DEFAULTS cannot tell their type). */
const SETTINGS_WITHOUT_DEFAULT: Record<string, 'string' | 'number'> = {
  dataDir: 'string',
  trackingUri: 'string',
  report: 'string',
};

function readConfigFile(path: string): Partial<TrainConfig> {
  const file = inputFile('--config', path);
  let parsed: unknown;
  try {
    // Without a byte-order mark: editors on Windows write one, and JSON.parse refuses it.
    parsed = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new UsageError(`--config ${path}: ${fsReason(err)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new UsageError(`--config ${path}: expected a JSON object`);
  const known = new Set([...Object.keys(DEFAULTS), ...Object.keys(SETTINGS_WITHOUT_DEFAULT)]);
  const unknown = Object.keys(parsed).filter((k) => !known.has(k));
  if (unknown.length) throw new UsageError(`--config ${path}: unknown setting(s) ${unknown.join(', ')}`);
  // Same type as the default (the cost object is checked field by field when the flags are merged).
  for (const [key, value] of Object.entries(parsed)) {
    if (key === 'bundleOut' && (value === false || (typeof value === 'string' && value.trim() !== ''))) continue;
    if (key === 'pruneMargin' && typeof value === 'number') continue; // a margin, or 'off' / 'auto' as the default
    if (key === 'tags' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw new UsageError(`--config ${path}: 'tags' must be an object of strings, got ${JSON.stringify(value)}`);
    }
    if (key === 'bundleOut') {
      throw new UsageError(`--config ${path}: 'bundleOut' must be a folder or false, got ${JSON.stringify(value)}`);
    }
    if (key === 'cost') {
      checkFileCost(path, value);
      continue;
    }
    const expected =
      SETTINGS_WITHOUT_DEFAULT[key] ??
      (Array.isArray(DEFAULTS[key as keyof TrainConfig]) ? 'array' : typeof DEFAULTS[key as keyof TrainConfig]);
    const actual = Array.isArray(value) ? 'array' : typeof value;
    if (actual !== expected)
      throw new UsageError(`--config ${path}: '${key}' must be a ${expected}, got ${JSON.stringify(value)}`);
  }
  return parsed as Partial<TrainConfig>;
}
