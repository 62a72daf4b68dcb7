import {
  classificationReport,
  type ClassificationReport,
  CostModel,
  rocAuc,
  thresholdSearch,
  validateCostModel,
} from '@credit-scoring/decision';
import type { FoldDatasets } from './fold-datasets';
import { Fold } from './folds';
import { checkMatrix, LabelledMatrix, labelsOf, selectRows } from './matrix';
import { HyperParams, ModelSpec } from './models';

/** A fitted feature pipeline, as far as CV needs it (FeaturePipeline from @credit-scoring/features fits). */
export interface RowTransformer<T> {
  transform(tables: T, opts: { rows: Int32Array }): LabelledMatrix;
}
/** Fits the feature pipeline on the training rows of a fold only, e.g. `(t, rows) => FeaturePipeline.fit(t, { rows })`. */
export type PipelineFitter<T> = (tables: T, trainRows: Int32Array) => RowTransformer<T>;

export interface CvOptions {
  costModel: CostModel;
  /** Decision threshold for the thresholded metrics and the cost; default: the one minimising the out-of-fold cost. */
  threshold?: number;
  seed?: number;
  /** Threads each fit may use (see FitOptions.threads); shared by the concurrent fits. */
  threads?: number;
  /**
   * Folds fitted at once (default 1), for models that train off the main thread (LightGBM): on small folds two
   * one-thread fits keep two cores busier than one two-thread fit, whose OpenMP regions are too short to share
   * well. LightGBM with `deterministic` builds the same trees on any number of threads, so the results are the same.
   */
  concurrency?: number;
  onFold?: (event: { fold: number; folds: number; seconds: number; auc: number }) => void;
  /**
   * Asked after every fold with the validation AUC of each fold done so far (fold numbers from 1): true stops the
   * CV, which then rejects with TrialPruned (no fold starts any more; the ones running finish). For pruning a search
   * trial that is clearly losing (SearchOptions.prune).
   */
  shouldStop?: (done: FoldAuc[]) => boolean;
  /**
   * Boosters keep each fold's binned datasets here, for the next trial on the same folds (see FoldDatasets). Used
   * with PreparedFolds only: other inputs give each call new fold matrices, whose datasets no later call could reuse.
   */
  datasets?: FoldDatasets;
}

export interface FoldAuc {
  fold: number;
  auc: number;
}

/** A cross-validation stopped by `shouldStop`: the folds it scored. */
export class TrialPruned extends Error {
  constructor(readonly folds: FoldAuc[]) {
    super(`cross-validation stopped after ${folds.length} fold(s)`);
    this.name = 'TrialPruned';
  }
}

/** A fold's validation report at the CV threshold (`CvResult.threshold`), with its cost and timing. */
export interface FoldResult extends Omit<ClassificationReport, 'threshold'> {
  fold: number;
  nTrain: number;
  nValid: number;
  cost: number;
  normalizedCost: number;
  seconds: number;
  info: Record<string, number | string | boolean>;
}

export interface CvMetrics {
  auc: number;
  prAuc: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  normalizedCost: number;
}

export interface CvResult {
  model: string;
  params: HyperParams;
  folds: FoldResult[];
  mean: CvMetrics;
  std: CvMetrics;
  /** Threshold used for the fold metrics (given, or the out-of-fold cost optimum). */
  threshold: number;
  /** Out-of-fold probability per row of the data (NaN for rows in no validation part). */
  oof: Float64Array;
  /** Labels and amounts aligned with `oof`, as the per-fold pipelines produced them. */
  yTrue: Float64Array;
  amtCredit: Float64Array;
}

/** One fold's training and validation rows as matrices. */
export interface FoldMatrices {
  train: LabelledMatrix;
  valid: LabelledMatrix;
}

/**
 * The matrices of every fold, each from a feature pipeline fitted on that fold's training rows only, made once.
 * A search then cross-validates every trial on them, and the raw tables (gigabytes at Kaggle scale) can be released
 * before the models train. The same matrices as `fitPipeline` makes inside crossValidate.
 */
export class PreparedFolds {
  private constructor(
    readonly folds: Fold[],
    private readonly matrices: FoldMatrices[],
  ) {}

  static prepare<T>(tables: T, folds: Fold[], fitPipeline: PipelineFitter<T>): PreparedFolds {
    return new PreparedFolds(
      folds,
      folds.map((fold) => foldMatrices(tables, fold, fitPipeline)),
    );
  }

  /** The matrices of `fold`, which must be one of the folds prepared (the same object). */
  matricesOf(fold: Fold): FoldMatrices {
    const k = this.folds.indexOf(fold);
    if (k < 0) throw new Error('crossValidate: a fold that was not prepared (PreparedFolds holds other folds)');
    return this.matrices[k];
  }
}

/**
 * K-fold cross-validation of `spec` with `params`.
 * - With a ready matrix: folds index its rows.
 * - With raw tables and `fitPipeline`: for every fold the feature pipeline is fitted on the fold's training rows
 *   only and then transforms training and validation rows — category levels, medians or encodings never see the
 *   validation rows (no leakage). Folds index the application rows.
 * - With PreparedFolds: the matrices that fitPipeline made once for these folds.
 * Boosters early-stop on an inner split of the training part, never on the validation part.
 */
export async function crossValidate(
  spec: ModelSpec,
  params: HyperParams,
  data: LabelledMatrix,
  folds: Fold[],
  opts: CvOptions,
): Promise<CvResult>;
export async function crossValidate<T>(
  spec: ModelSpec,
  params: HyperParams,
  data: T,
  folds: Fold[],
  opts: CvOptions & { fitPipeline: PipelineFitter<T> },
): Promise<CvResult>;
export async function crossValidate(
  spec: ModelSpec,
  params: HyperParams,
  data: PreparedFolds,
  folds: Fold[],
  opts: CvOptions,
): Promise<CvResult>;
export async function crossValidate<T>(
  spec: ModelSpec,
  params: HyperParams,
  data: T | LabelledMatrix | PreparedFolds,
  folds: Fold[],
  opts: CvOptions & { fitPipeline?: PipelineFitter<T> },
): Promise<CvResult> {
  validateCostModel(opts.costModel);
  if (folds.length < 2) throw new Error(`crossValidate: needs at least 2 folds, got ${folds.length}`);
  const nRows = 1 + Math.max(...folds.map((f) => Math.max(maxOf(f.train), maxOf(f.valid))));
  const oof = new Float64Array(nRows).fill(NaN);
  const yTrue = new Float64Array(nRows).fill(NaN);
  const amtCredit = new Float64Array(nRows).fill(NaN);
  const fits: Array<{ fold: Fold; nTrain: number; seconds: number; info: FoldResult['info'] }> = [];
  const done: FoldAuc[] = [];
  let stopped = false;
  const concurrency = Math.max(1, Math.min(Math.floor(opts.concurrency ?? 1), folds.length));
  // Concurrent fits share the threads; each fit still gets at least one.
  const threads =
    concurrency > 1 && opts.threads !== undefined ? Math.max(1, Math.floor(opts.threads / concurrency)) : opts.threads;

  // Only prepared folds hand out the same matrix objects to every call, which is what keeps a kept dataset's rows right.
  const datasets = data instanceof PreparedFolds ? opts.datasets : undefined;

  const fitFold = async (k: number) => {
    const fold = folds[k];
    const started = Date.now();
    const { train, valid } = foldMatrices(data, fold, opts.fitPipeline);
    if (valid.nRows !== fold.valid.length) {
      throw new Error(
        `crossValidate: fold ${k}: ${valid.nRows} transformed validation rows for ${fold.valid.length} indices`,
      );
    }
    const seed = (opts.seed ?? 0) + k;
    const predictor = await spec.fit(train, undefined, params, { seed, threads, datasets });
    try {
      const prob = predictor.predictProba(valid.data);
      const y = labelsOf(`crossValidate fold ${k}`, valid);
      fold.valid.forEach((row, i) => {
        oof[row] = prob[i];
        yTrue[row] = y[i];
        amtCredit[row] = valid.amtCredit[i];
      });
      const seconds = (Date.now() - started) / 1000;
      fits[k] = { fold, nTrain: train.nRows, seconds, info: predictor.info };
      const auc = rocAuc(y, prob);
      opts.onFold?.({ fold: k + 1, folds: folds.length, seconds, auc });
      done.push({ fold: k + 1, auc });
      if (opts.shouldStop?.(done.slice())) stopped = true;
    } finally {
      predictor.free();
    }
  };
  // `concurrency` lanes, each fitting the next fold not yet taken; every fold writes only its own rows and slot.
  let next = 0;
  const lane = async () => {
    while (next < folds.length && !stopped) await fitFold(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  if (stopped) throw new TrialPruned(done);

  const scored = Int32Array.from(folds.flatMap((f) => Array.from(f.valid)));
  const pick = (a: Float64Array, rows: Int32Array) => Float64Array.from(rows, (r) => a[r]);
  const threshold =
    opts.threshold ??
    thresholdSearch(pick(yTrue, scored), pick(oof, scored), pick(amtCredit, scored), opts.costModel).threshold;
  const foldResults = fits.map(({ fold, nTrain, seconds, info }, k): FoldResult => {
    const y = pick(yTrue, fold.valid);
    const p = pick(oof, fold.valid);
    const report = classificationReport(y, p, threshold);
    const cost = thresholdSearch(y, p, pick(amtCredit, fold.valid), opts.costModel, { grid: [threshold] }).cost;
    const { confusion, auc, prAuc, accuracy, precision, recall, f1 } = report;
    return {
      fold: k + 1,
      nTrain,
      nValid: fold.valid.length,
      auc,
      prAuc,
      accuracy,
      precision,
      recall,
      f1,
      confusion,
      cost,
      normalizedCost: cost / fold.valid.length,
      seconds,
      info,
    };
  });
  return {
    model: spec.name,
    params: { ...spec.defaults, ...params },
    folds: foldResults,
    mean: summarize(foldResults, (values) => values.reduce((s, v) => s + v, 0) / values.length),
    std: summarize(foldResults, standardDeviation),
    threshold,
    oof,
    yTrue,
    amtCredit,
  };
}

function foldMatrices<T>(
  data: T | LabelledMatrix | PreparedFolds,
  fold: Fold,
  fitPipeline?: PipelineFitter<T>,
): FoldMatrices {
  if (data instanceof PreparedFolds) return data.matricesOf(fold);
  if (fitPipeline) {
    const pipeline = fitPipeline(data as T, fold.train);
    return {
      train: pipeline.transform(data as T, { rows: fold.train }),
      valid: pipeline.transform(data as T, { rows: fold.valid }),
    };
  }
  const matrix = data as LabelledMatrix;
  checkMatrix('crossValidate', matrix);
  return { train: selectRows(matrix, fold.train), valid: selectRows(matrix, fold.valid) };
}

const METRIC_KEYS: Array<keyof CvMetrics> = ['auc', 'prAuc', 'accuracy', 'precision', 'recall', 'f1', 'normalizedCost'];

function summarize(folds: FoldResult[], aggregate: (values: number[]) => number): CvMetrics {
  const out = {} as CvMetrics;
  for (const key of METRIC_KEYS) out[key] = aggregate(folds.map((f) => f[key]));
  return out;
}

/** Sample standard deviation (n − 1), the usual spread reported for CV scores. */
function standardDeviation(values: number[]): number {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, values.length - 1));
}

function maxOf(a: Int32Array): number {
  let m = -1;
  for (const v of a) m = Math.max(m, v);
  return m;
}

/**
 * Wraps a pipeline fitter so that repeated cross-validations over the same `tables` object and the same fold index
 * arrays (a hyper-parameter search) fit and transform each fold only once. Keyed by object identity, so a new
 * tables object or new folds are fitted afresh.
 */
export function reuseFoldPipelines<T extends object>(fitPipeline: PipelineFitter<T>): PipelineFitter<T> {
  const byTables = new WeakMap<T, WeakMap<Int32Array, RowTransformer<T>>>();
  return (tables, trainRows) => {
    let byRows = byTables.get(tables);
    if (!byRows) byTables.set(tables, (byRows = new WeakMap()));
    let cached = byRows.get(trainRows);
    if (!cached) {
      const pipeline = fitPipeline(tables, trainRows);
      const outputs = new WeakMap<Int32Array, LabelledMatrix>();
      cached = {
        transform: (t, { rows }) => {
          if (t !== tables) return pipeline.transform(t, { rows });
          let matrix = outputs.get(rows);
          if (!matrix) outputs.set(rows, (matrix = pipeline.transform(t, { rows })));
          return matrix;
        },
      };
      byRows.set(trainRows, cached);
    }
    return cached;
  };
}
