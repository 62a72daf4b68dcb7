import type { FoldDatasets } from './fold-datasets';
import { LogisticRegression } from './logistic';
import { checkMatrix, LabelledMatrix, labelsOf, MatrixLike } from './matrix';

/** Hyper-parameters of one model, as a flat record (logged to MLflow as params). */
export type HyperParams = Record<string, string | number | boolean>;

/** Where a hyper-parameter is searched. `log`: sample uniformly in log space (rates, regularisation). */
export type ParamDomain =
  | { type: 'int'; low: number; high: number; log?: boolean }
  | { type: 'float'; low: number; high: number; log?: boolean }
  | { type: 'choice'; values: Array<string | number | boolean> };
export type ParamSpace = Record<string, ParamDomain>;

/** A fitted model: probabilities of default for rows with the training matrix's columns. */
export interface Predictor {
  readonly modelName: string;
  /** Row-major rows with the training columns; returns one probability per row. */
  predictProba(data: Float64Array): Float64Array;
  /** Facts about the fit worth logging (e.g. bestIteration, iterations). */
  readonly info: Record<string, number | string | boolean>;
  /**
   * A booster's evaluation after every boosting round (index 0 = round 1) of the fit that chose its rounds, keyed
   * `<data>-<metric>` (e.g. `valid-auc`) as MLflow's LightGBM autologging names its series.
   */
  readonly curves?: Readonly<Record<string, readonly number[]>>;
  /** Releases native memory, if any. */
  free(): void;
}

export interface FitOptions {
  seed?: number;
  /**
   * Boosters without `valid`: after early stopping on the inner split, train again on every row with the optimum's
   * rounds scaled to the larger set. Default: only for small training sets (REFIT_MAX_ROWS in boosters.ts).
   */
  refit?: boolean;
  /** Threads the fit may use: LightGBM's num_threads, the logistic loss evaluation. Default: the spec's own. */
  threads?: number;
  /**
   * Boosters: called when LightGBM's datasets are built and boosting starts. Building them is the fit's memory peak
   * (LightGBM's bin-finding sample of up to 200,000 rows in doubles, about 1.3 GB at 833 features); the binned data
   * that boosting keeps is a small part of it. May be called more than once (a refit builds again).
   */
  onDatasetsBuilt?: () => void;
  /**
   * Boosters: keep the binned datasets of this training matrix here and reuse them in later fits of it (a search's
   * trials on one fold); the caller frees them. Without it every fit bins its rows and frees them.
   */
  datasets?: FoldDatasets;
}

/**
 * One model family behind a common interface: a name, its search space, defaults, and `fit`.
 * `valid`, when given, is used for early stopping by the boosters; without it they carve an inner stratified
 * validation split out of `train` (so cross-validation never early-stops on the fold it is scored on).
 */
export interface ModelSpec {
  readonly name: string;
  readonly description: string;
  readonly defaults: HyperParams;
  readonly space: ParamSpace;
  fit(train: LabelledMatrix, valid?: LabelledMatrix, params?: HyperParams, opts?: FitOptions): Promise<Predictor>;
}

/** Rows of `data` for a matrix of `nCols` columns, with a clear error when the width is wrong. */
export function rowCount(what: string, data: Float64Array, nCols: number): number {
  const nRows = data.length / nCols;
  if (!Number.isInteger(nRows)) throw new Error(`${what}: ${data.length} values is not a multiple of ${nCols} columns`);
  return nRows;
}

export function checkParams(spec: { name: string; defaults: HyperParams }, params: HyperParams): void {
  const unknown = Object.keys(params).filter((key) => !(key in spec.defaults));
  if (unknown.length) {
    throw new Error(
      `${spec.name}: unknown hyper-parameter(s) ${unknown.join(', ')}; known: ${Object.keys(spec.defaults).join(', ')}`,
    );
  }
}

/** Baseline: everyone gets the training default rate. Any useful model must beat its cost and AUC (0.5). */
export const dummySpec: ModelSpec = {
  name: 'dummy',
  description: 'prior probability (the training default rate) for every applicant',
  defaults: {},
  space: {},
  async fit(train) {
    checkMatrix('dummy.fit', train);
    const y = labelsOf('dummy.fit', train);
    const prior = y.reduce((s, v) => s + v, 0) / y.length;
    const nCols = train.nCols;
    return {
      modelName: 'dummy',
      info: { prior },
      predictProba: (data) => new Float64Array(rowCount('dummy.predictProba', data, nCols)).fill(prior),
      free: () => undefined,
    };
  },
};

/** L2 logistic regression on median-imputed, standardised, one-hot-encoded features (see logistic.ts). */
export const logisticSpec: ModelSpec = {
  name: 'logistic',
  description: 'L2 logistic regression (median imputation, standardisation, one-hot categories, L-BFGS)',
  defaults: { C: 0.1, categorical: 'onehot', max_iter: 500, tol: 1e-4 },
  space: { C: { type: 'float', low: 1e-4, high: 10, log: true } },
  async fit(train, _valid, params = {}, opts = {}) {
    checkParams(logisticSpec, params);
    const p = { ...logisticSpec.defaults, ...params };
    if (p.categorical !== 'onehot' && p.categorical !== 'drop') {
      throw new Error(`logistic: categorical must be 'onehot' or 'drop', got ${String(p.categorical)}`);
    }
    const model = await LogisticRegression.fit(train as MatrixLike, labelsOf('logistic.fit', train), {
      C: Number(p.C),
      maxIter: Number(p.max_iter),
      // sklearn's default tolerance on the same per-sample gradient: ample for ranking and cost, ~3× fewer iterations.
      tol: Number(p.tol),
      categorical: p.categorical,
      threads: opts.threads,
    });
    return {
      modelName: 'logistic',
      info: { iterations: model.iterations, converged: model.converged, modelColumns: model.featureNames.length },
      predictProba: (data) => model.predictProba(data),
      free: () => undefined,
    };
  },
};
