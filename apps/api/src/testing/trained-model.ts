// Real models for the API's tests and benchmark: a small LightGBM trained on Home Credit rows (the real sample, or
// generated ones for the self-contained tier) through the same feature pipeline the trainer uses, written as a bundle
// (or logged to MLflow by the caller). Nothing is faked; it is only small (few rows, few rounds) so suites stay fast.
import pl from 'nodejs-polars';
import { HomeCreditTables, loadTables, realDataDir, SIDE_TABLE_NAMES } from '@credit-scoring/data';
import { SYNTHETIC, syntheticDataDir } from '@credit-scoring/data/testing';
import { ApplicantHistory, FeaturePipeline, pythonScoring, RawApplication } from '@credit-scoring/features';
import { Booster, Dataset, train } from '@credit-scoring/lightgbm';
import { ModelPackage, summarizePopulation, writeModelPackage } from '@credit-scoring/tracking';
import type { ApplicantInput } from '../scoring';

/** The cost model of the study (shares of AMT_CREDIT) and its decision-theory threshold fp / (fp + fn). */
export const TEST_COST = { kind: 'credit', fnLoss: 1, fpLoss: 0.19 } as const;
export const TEST_THRESHOLD = TEST_COST.fpLoss / (TEST_COST.fpLoss + TEST_COST.fnLoss);

const tablesByDir = new Map<string, Promise<HomeCreditTables>>();
/** A labelled dataset with its side tables, read once per test file. */
export function tablesIn(dir: string): Promise<HomeCreditTables> {
  if (!tablesByDir.has(dir)) tablesByDir.set(dir, loadTables(dir, { application: 'train' }));
  return tablesByDir.get(dir) as Promise<HomeCreditTables>;
}

/** The real labelled sample (real-data tier: call it inside describeRealData). Fails loudly when the data is missing. */
export function realTables(): Promise<HomeCreditTables> {
  return tablesIn(realDataDir());
}

/** The shared generated dataset (SYNTHETIC) with its side tables: the self-contained tier. */
export async function generatedTables(): Promise<HomeCreditTables> {
  return tablesIn(await syntheticDataDir(SYNTHETIC));
}

export interface TrainedModel {
  pipeline: FeaturePipeline;
  booster: Booster;
  package: ModelPackage;
  /** Application row indices the model was fitted on; score the others to test on unseen rows. */
  trainRows: Int32Array;
}

/**
 * Rows the test models are fitted on (the first ones, at most 70 % of the table so some stay unseen); on the real
 * sample, score rows from FIRST_UNSEEN_ROW on to test on unseen rows (heldOutRows works for any table).
 */
export const TRAIN_ROWS = 6000;
export const FIRST_UNSEEN_ROW = TRAIN_ROWS;

const pipelines = new WeakMap<HomeCreditTables, Promise<FeaturePipeline>>();
/**
 * The pipeline fitted (all seven tables) on the training rows, once per tables object: its first fit computes the
 * per-applicant side-table work for the whole tables object, the expensive part.
 */
export function fittedPipeline(tables: HomeCreditTables): Promise<FeaturePipeline> {
  if (!pipelines.has(tables))
    pipelines.set(
      tables,
      Promise.resolve().then(() => FeaturePipeline.fit(tables, { rows: trainRows(tables) })),
    );
  return pipelines.get(tables) as Promise<FeaturePipeline>;
}

function trainRows(tables: HomeCreditTables): Int32Array {
  const n = Math.min(TRAIN_ROWS, Math.floor(tables.application.height * 0.7));
  return Int32Array.from({ length: n }, (_, i) => i);
}

/** `count` application rows the test models never saw, spread evenly over the rows after the training ones. */
export function heldOutRows(tables: HomeCreditTables, count: number): Int32Array {
  const first = trainRows(tables).length;
  const step = (tables.application.height - first) / count;
  if (step < 1) throw new Error(`only ${tables.application.height - first} held-out rows, ${count} asked for`);
  return Int32Array.from({ length: count }, (_, i) => first + Math.floor(i * step));
}

/** A LightGBM booster trained behind the fitted pipeline; different rounds/seeds give different model versions. */
export async function trainSmallModel(
  tables: HomeCreditTables,
  opts: { rounds?: number; numLeaves?: number; seed?: number } = {},
): Promise<TrainedModel> {
  const pipeline = await fittedPipeline(tables);
  const rows = trainRows(tables);
  const matrix = pipeline.transform(tables, { rows });
  if (!matrix.target) throw new Error('training rows have no TARGET column');
  const dataset = new Dataset(matrix.data, {
    nRows: matrix.nRows,
    nCols: matrix.nCols,
    label: matrix.target,
    featureNames: matrix.featureNames,
    categoricalFeatures: matrix.categoricalFeatures,
    params: { verbose: -1 },
  });
  const rounds = opts.rounds ?? 30;
  const numLeaves = opts.numLeaves ?? 15;
  const booster = await train(
    {
      objective: 'binary',
      num_leaves: numLeaves,
      learning_rate: 0.1,
      min_data_in_leaf: 20,
      num_threads: 1,
      seed: opts.seed ?? 7,
      verbose: -1,
    },
    dataset,
    { numBoostRound: rounds },
  );
  dataset.free();
  const splits = booster.featureImportance('split');
  const pkg: ModelPackage = {
    modelText: booster.saveModel(),
    featureNames: matrix.featureNames,
    featurePipeline: pipeline.toJSON(),
    python: pythonScoring(pipeline),
    threshold: TEST_THRESHOLD,
    cost: TEST_COST,
    metrics: { train_rows: rows.length, num_boost_round: rounds, num_leaves: numLeaves },
    // As the trainer does: the training rows' distribution of the features the model splits on.
    population: summarizePopulation({
      ...matrix,
      categories: pipeline.toJSON().categoryLevels,
      only: new Set(matrix.featureNames.filter((_, j) => splits[j] > 0)),
    }),
  };
  return { pipeline, booster, package: pkg, trainRows: rows };
}

/** Writes a model package as an exported bundle (the MLflow model directory + registered_model.json). */
export async function writeBundle(
  dir: string,
  pkg: ModelPackage,
  identity: { name: string; version: string; alias?: string },
): Promise<string> {
  await writeModelPackage(dir, `bundle${identity.version.padStart(8, '0')}`, pkg, identity);
  return dir;
}

/**
 * The raw request bodies for some application rows: their Kaggle fields exactly as read from the CSV, plus every
 * side-table row that belongs to them (bureau_balance through the applicant's bureau ids).
 */
export function applicantsFor(tables: HomeCreditTables, rows: ArrayLike<number>): ApplicantInput[] {
  const indices = Array.from(rows);
  const app = tables.application.columns.includes('TARGET') ? tables.application.drop('TARGET') : tables.application;
  const records = indices
    .map((i) => app.row(i))
    .map((values) => Object.fromEntries(app.columns.map((c, j) => [c, values[j]])) as RawApplication);
  const ids = records.map((r) => Number(r.SK_ID_CURR));
  const byTable: Partial<Record<(typeof SIDE_TABLE_NAMES)[number], Map<number, RawApplication[]>>> = {};
  const group = (frame: pl.DataFrame, key: string, keys: number[]) => {
    const out = new Map<number, RawApplication[]>();
    for (const record of frame.filter(pl.col(key).isIn(keys)).toRecords() as RawApplication[]) {
      const k = Number(record[key]);
      if (!out.has(k)) out.set(k, []);
      out.get(k)?.push(record);
    }
    return out;
  };
  for (const table of SIDE_TABLE_NAMES) {
    const frame = tables[table];
    if (frame && table !== 'bureau_balance') byTable[table] = group(frame, 'SK_ID_CURR', ids);
  }
  const bureauIds = [...(byTable.bureau?.values() ?? [])].flat().map((r) => Number(r.SK_ID_BUREAU));
  const balances = tables.bureau_balance ? group(tables.bureau_balance, 'SK_ID_BUREAU', bureauIds) : undefined;
  return records.map((application, i) => {
    const history: ApplicantHistory = {};
    for (const table of SIDE_TABLE_NAMES) {
      if (table === 'bureau_balance') continue;
      const found = byTable[table]?.get(ids[i]);
      if (found?.length) history[table] = found;
    }
    if (balances && history.bureau) {
      const own = history.bureau.flatMap((b) => balances.get(Number(b.SK_ID_BUREAU)) ?? []);
      if (own.length) history.bureau_balance = own;
    }
    return Object.keys(history).length ? { application, history } : { application };
  });
}
