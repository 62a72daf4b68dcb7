import { Booster, Dataset, Params, train } from '@credit-scoring/lightgbm';
import type { DatasetPart, FoldDatasets } from './fold-datasets';
import { stratifiedSplit } from './folds';
import { checkMatrix, LabelledMatrix, labelsOf } from './matrix';
import {
  checkParams,
  dummySpec,
  FitOptions,
  HyperParams,
  logisticSpec,
  ModelSpec,
  ParamSpace,
  Predictor,
  rowCount,
} from './models';

/*
 * Tree ensembles through our LightGBM binding. Three flavours share one fitting routine:
 *  - `lightgbm_rf`   random forest: boosting 'rf' (bagged trees averaged, not boosted), row bagging + column sampling;
 *  - `gbm_plain`     classic gradient boosting as in sklearn's GradientBoostingClassifier: shallow trees, shrinkage,
 *                    no row/column sampling, no regularisation and no native categorical splits (codes used as
 *                    ordered numbers);
 *  - `lightgbm`      tuned LightGBM gbdt: leaf-wise trees, native categorical splits, sampling, L1/L2.
 * Hyper-parameters are LightGBM's own names plus `num_boost_round` and `early_stopping_rounds`. Early stopping
 * watches AUC on `valid` if given, else on an inner stratified 15% split of the training rows; in that case, on
 * small training sets, the booster is then refitted on every training row (see `refit` in FitOptions).
 */

const ROUND_KEYS = ['num_boost_round', 'early_stopping_rounds'] as const;
const INNER_VALID_FRACTION = 0.15;
/**
 * Up to this many training rows, the inner split's 15 % is worth having back: a refit on all rows gained ~0.01 AUC on
 * the 14,368 real applicants (docs/results.md). Above it the learning curve is flat and a second fit only costs time.
 */
export const REFIT_MAX_ROWS = 50_000;

/** A fitted booster, with the Booster exposed for importance, SHAP, saving and the API. */
export interface BoosterPredictor extends Predictor {
  readonly booster: Booster;
  /** Number of trees used for prediction (the early-stopping optimum, or all). */
  readonly numIteration: number;
}

interface BoosterFlavour {
  name: string;
  description: string;
  defaults: HyperParams;
  space: ParamSpace;
  /** Use the matrix's categorical columns as LightGBM categorical features. */
  nativeCategorical: boolean;
  /** Derived parameters (e.g. num_leaves from max_depth for classic depth-wise trees). */
  derive?: (p: HyperParams) => HyperParams;
}

const COMMON: HyperParams = {
  objective: 'binary',
  metric: 'auc',
  verbosity: -1,
  num_threads: 2,
  deterministic: true,
  // Fixed (not auto-chosen by timing) so results repeat; column-wise histograms suit our ~800 features x 255 bins
  // (30k generated applicants, 200 rounds: 10-12 s vs 15 s row-wise).
  force_col_wise: true,
};

/**
 * For a flavour whose trees see every feature: keep in the binned dataset the features LightGBM would drop as
 * unsplittable under min_data_in_leaf (its default pre-filter), which then serves every trial's min_data_in_leaf
 * (LightGBM's documented setting for that), so a search bins each fold once (FoldDatasets). Those features cannot be
 * split either way: the trees are the same. Flavours that sample features keep the pre-filter, since sampling among
 * the unsplittable features changes their models: at Kaggle scale lightgbm's CV cost rose 1.3 % and its test cost
 * 1.4 %, on the real sample its test cost 3.5 %, though its AUCs rose (tools/bench/pipeline/notes.md, session 16).
 */
const KEEP_UNSPLITTABLE: HyperParams = { feature_pre_filter: false };

/** Whether a flavour's trees see every feature (no column sampling, fixed and not searched). */
const seesEveryFeature = (flavour: BoosterFlavour): boolean =>
  Number(flavour.defaults.feature_fraction ?? 1) === 1 && !('feature_fraction' in flavour.space);

/** What one fit hands to LightGBM: its params plus the round settings. */
export interface BoosterTrainingSetup {
  params: Params;
  numBoostRound: number;
  earlyStoppingRounds: number;
  earlyStoppingMinRounds: number;
  nativeCategorical: boolean;
  /** Its binned datasets serve every trial of a search (FitOptions.datasets); else each fit bins its own. */
  reusesDatasets: boolean;
}

/** A booster model spec; `trainingSetup` shows exactly what LightGBM receives (logged, and checked against Python). */
export interface BoosterSpec extends ModelSpec {
  trainingSetup(params?: HyperParams, seed?: number): BoosterTrainingSetup;
}

function boosterSpec(flavour: BoosterFlavour): BoosterSpec {
  const reusesDatasets = seesEveryFeature(flavour);
  const spec: BoosterSpec = {
    name: flavour.name,
    description: flavour.description,
    defaults: flavour.defaults,
    space: flavour.space,
    trainingSetup: (params = {}, seed = 0) => {
      checkParams(spec, params);
      const merged = { ...flavour.defaults, ...params };
      const reuse = reusesDatasets ? KEEP_UNSPLITTABLE : {};
      const all: HyperParams = { ...COMMON, ...reuse, ...merged, ...(flavour.derive?.(merged) ?? {}), seed };
      return {
        params: Object.fromEntries(Object.entries(all).filter(([k]) => !(ROUND_KEYS as readonly string[]).includes(k))),
        numBoostRound: Number(all.num_boost_round),
        earlyStoppingRounds: Number(all.early_stopping_rounds),
        earlyStoppingMinRounds: warmUpRounds(all.learning_rate),
        nativeCategorical: flavour.nativeCategorical,
        reusesDatasets,
      };
    },
    fit: (trainSet, valid, params = {}, opts = {}) => fitBooster(spec, trainSet, valid, params, opts),
  };
  return spec;
}

/**
 * Early stopping looks for the best iteration only from round ⌈1 / learning_rate⌉ on. Before that the shrunken trees
 * have not yet added up to one full step, and on small inner splits the AUC curve can bump in the first rounds: on the
 * real sample 3 training folds in 20 stopped at round 21-46 (fold 2 of seed 11 shipped 25 trees scoring 0.752; 0.766
 * with this rule).
 */
function warmUpRounds(learningRate: HyperParams[string] | undefined): number {
  if (learningRate === undefined) return 0; // no shrinkage (the random forest): nothing to warm up
  const rate = Number(learningRate);
  if (!(rate > 0)) throw new Error(`learning_rate must be a positive number, got ${learningRate}`);
  return Math.ceil(1 / rate);
}

async function fitBooster(
  spec: BoosterSpec,
  trainSet: LabelledMatrix,
  valid: LabelledMatrix | undefined,
  params: HyperParams,
  opts: FitOptions,
): Promise<BoosterPredictor> {
  checkMatrix(`${spec.name}.fit`, trainSet);
  const seed = opts.seed ?? 0;
  const setup = spec.trainingSetup(params, seed);
  const kept = setup.reusesDatasets && opts.datasets ? { datasets: opts.datasets, seed } : undefined;
  const run = boosterRun(spec.name, setup, opts.threads, opts.onDatasetsBuilt, kept);
  let fitted: { booster: Booster; numIteration: number; bestIteration: number; refit: boolean; curves?: Curves };
  if (valid) {
    fitted = { ...(await run.withStopping(trainSet, valid)), refit: false };
  } else if (setup.earlyStoppingRounds <= 0) {
    // Nothing to stop on (e.g. the random forest): every training row builds the trees.
    const booster = await run.plain(trainSet, setup.numBoostRound, 'all');
    fitted = { booster, numIteration: setup.numBoostRound, bestIteration: 0, refit: false };
  } else {
    const y = labelsOf(`${spec.name}.fit`, trainSet);
    const split = stratifiedSplit(
      y,
      Int32Array.from({ length: trainSet.nRows }, (_, i) => i),
      INNER_VALID_FRACTION,
      seed,
    );
    // Both parts are binned from the training matrix in place: no copy of 85 % of it lives beside the datasets.
    const stopped = await run.withStopping(rowsOf(trainSet, split.train), rowsOf(trainSet, split.valid), [
      'fit',
      'stop',
    ]);
    const refit = opts.refit ?? trainSet.nRows <= REFIT_MAX_ROWS;
    fitted = { ...stopped, refit };
    if (refit) {
      // The optimum was found on 85 % of the rows; on all of them the same learning rate supports proportionally more
      // rounds (the usual refit rule). Train once more, holding nothing out.
      stopped.booster.free();
      const rounds = Math.max(1, Math.round(stopped.numIteration / (1 - INNER_VALID_FRACTION)));
      fitted = {
        booster: await run.plain(trainSet, rounds, 'all'),
        numIteration: rounds,
        bestIteration: stopped.bestIteration,
        refit,
        curves: stopped.curves, // the rounds were chosen on them
      };
    }
  }
  const { booster, numIteration } = fitted;
  const nCols = trainSet.nCols;
  return {
    modelName: spec.name,
    booster,
    numIteration,
    // The inner split exists only when early stopping had no validation set of the caller's to watch.
    info: {
      bestIteration: fitted.bestIteration,
      numIteration,
      innerValidation: !valid && setup.earlyStoppingRounds > 0,
      refit: fitted.refit,
    },
    curves: fitted.curves,
    predictProba: (data) => {
      rowCount(`${spec.name}.predictProba`, data, nCols);
      return booster.predict(data, { numIteration });
    },
    free: () => booster.free(),
  };
}

/** Evaluations per boosting round, by `<data>-<metric>` (see Predictor.curves). */
type Curves = Record<string, number[]>;

/** Rows of a matrix, read in place by the dataset (see DatasetOptions.rows). */
interface MatrixRows {
  matrix: LabelledMatrix;
  rows: Int32Array;
}
const rowsOf = (matrix: LabelledMatrix, rows: Int32Array): MatrixRows => ({ matrix, rows });

/** The two ways a flavour trains: with early stopping on a validation set, or a fixed number of rounds. */
function boosterRun(
  name: string,
  setup: BoosterTrainingSetup,
  threads: number | undefined,
  onDatasetsBuilt: (() => void) | undefined,
  kept: { datasets: FoldDatasets; seed: number } | undefined,
) {
  const params = threads === undefined ? setup.params : { ...setup.params, num_threads: threads };
  /** The dataset of `m`: kept across fits when the caller keeps them and `part` names which rows it holds. */
  const datasetOf = (m: LabelledMatrix | MatrixRows, reference?: Dataset, part?: DatasetPart) => {
    const { matrix, rows } = 'rows' in m ? m : { matrix: m, rows: undefined };
    const build = () => {
      const y = labelsOf(`${name}.fit`, matrix);
      return new Dataset(matrix.data, {
        nRows: rows ? rows.length : matrix.nRows,
        nCols: matrix.nCols,
        label: rows ? Float64Array.from(rows, (r) => y[r]) : y,
        featureNames: matrix.featureNames,
        categoricalFeatures: setup.nativeCategorical ? matrix.categoricalFeatures : [],
        params,
        reference,
        rows,
      });
    };
    if (!kept || !part) return { dataset: build(), release: (d: Dataset) => d.free() };
    const key = { part, seed: kept.seed, categorical: setup.nativeCategorical };
    return { dataset: kept.datasets.get(matrix, key, build), release: () => undefined };
  };
  return {
    async withStopping(
      fitRows: LabelledMatrix | MatrixRows,
      stopRows: LabelledMatrix | MatrixRows,
      parts?: [DatasetPart, DatasetPart],
    ): Promise<{ booster: Booster; numIteration: number; bestIteration: number; curves: Curves }> {
      const fit = datasetOf(fitRows, undefined, parts?.[0]);
      const trainData = fit.dataset;
      const stop = datasetOf(stopRows, trainData, parts?.[1]);
      const validData = stop.dataset;
      const curves: Record<string, number[]> = {};
      try {
        // train() builds the datasets before its first await: once it returns its promise, they are built.
        const training = train(params, trainData, {
          valid: [validData],
          validNames: ['valid'],
          numBoostRound: setup.numBoostRound,
          earlyStoppingRounds: setup.earlyStoppingRounds > 0 ? setup.earlyStoppingRounds : undefined,
          earlyStoppingMinRounds: setup.earlyStoppingMinRounds,
          callbacks: [
            (round) => round.evals.forEach((e) => (curves[`${e.dataName}-${e.metric}`] ??= []).push(e.value)),
          ],
        });
        onDatasetsBuilt?.();
        const booster = await training;
        const bestIteration = booster.bestIteration;
        const numIteration = bestIteration > 0 ? bestIteration : setup.numBoostRound;
        return { booster, numIteration, bestIteration, curves };
      } finally {
        fit.release(trainData);
        stop.release(validData);
      }
    },
    async plain(rows: LabelledMatrix, numBoostRound: number, part?: DatasetPart): Promise<Booster> {
      const { dataset, release } = datasetOf(rows, undefined, part);
      try {
        const training = train(params, dataset, { numBoostRound });
        onDatasetsBuilt?.();
        return await training;
      } finally {
        release(dataset);
      }
    },
  };
}

export const randomForestSpec = boosterSpec({
  name: 'lightgbm_rf',
  description: "random forest: LightGBM boosting='rf' with row bagging and column sampling",
  nativeCategorical: true,
  defaults: {
    boosting: 'rf',
    num_leaves: 63,
    min_data_in_leaf: 20,
    bagging_fraction: 0.632,
    bagging_freq: 1,
    feature_fraction: 0.5,
    // As sklearn's RandomForestClassifier: 100 trees, no early stopping (averaged trees do not overfit as rounds
    // grow; more trees only smooth the vote), so every training row builds them.
    num_boost_round: 100,
    early_stopping_rounds: 0,
  },
  space: {
    num_leaves: { type: 'int', low: 15, high: 255, log: true },
    min_data_in_leaf: { type: 'int', low: 5, high: 200, log: true },
    bagging_fraction: { type: 'float', low: 0.3, high: 0.9 },
    feature_fraction: { type: 'float', low: 0.1, high: 0.8 },
  },
});

export const plainGbmSpec = boosterSpec({
  name: 'gbm_plain',
  description:
    'classic gradient boosting: depth-limited trees, shrinkage, no sampling/regularisation/categorical splits',
  nativeCategorical: false,
  defaults: {
    boosting: 'gbdt',
    learning_rate: 0.1,
    max_depth: 3,
    min_data_in_leaf: 20,
    lambda_l2: 0,
    feature_fraction: 1,
    bagging_fraction: 1,
    bagging_freq: 0,
    num_boost_round: 500,
    early_stopping_rounds: 50,
  },
  space: {
    learning_rate: { type: 'float', low: 0.02, high: 0.3, log: true },
    max_depth: { type: 'int', low: 2, high: 5 },
    min_data_in_leaf: { type: 'int', low: 5, high: 200, log: true },
  },
  // Depth-wise classic trees: allow every leaf a depth-d tree can have, so max_depth alone shapes the tree.
  derive: (p) => ({ num_leaves: 2 ** Number(p.max_depth) }),
});

export const lightgbmSpec = boosterSpec({
  name: 'lightgbm',
  description: 'LightGBM gbdt, leaf-wise, native categorical splits, sampling and L1/L2 (tuned)',
  nativeCategorical: true,
  defaults: {
    // Small, strongly regularised trees on a fifth of the ~800 features per tree. Chosen on the 14,368 real applicants
    // (tools/reports/cv-real.ts, folds dealt with seeds 42 / 7 / 11): 0.7607 / 0.7634 / 0.7581 CV AUC (0.7609 for
    // seed 11 with the early-stopping warm-up), against 0.7593 / 0.7618 / 0.7576 for 16 leaves and 0.751 (seed 42)
    // for 31 leaves / feature_fraction 0.7 / rate 0.05; neighbouring settings averaged 0.757-0.762 (docs/results.md).
    // Cheap rounds at Kaggle scale too. Patience 200 gave the same AUC as 100 for more rounds.
    boosting: 'gbdt',
    learning_rate: 0.02,
    num_leaves: 8,
    max_depth: -1,
    min_data_in_leaf: 100,
    feature_fraction: 0.2,
    bagging_fraction: 0.8,
    bagging_freq: 1,
    lambda_l1: 0.1,
    lambda_l2: 10,
    min_gain_to_split: 0,
    cat_smooth: 20,
    cat_l2: 10,
    num_boost_round: 2000,
    early_stopping_rounds: 100,
  },
  space: {
    // Below 0.02 a trial costs minutes at Kaggle scale (1,000+ rounds, twice with the refit) for no measured gain.
    learning_rate: { type: 'float', low: 0.02, high: 0.1, log: true },
    num_leaves: { type: 'int', low: 8, high: 128, log: true },
    min_data_in_leaf: { type: 'int', low: 10, high: 300, log: true },
    feature_fraction: { type: 'float', low: 0.1, high: 0.8 },
    bagging_fraction: { type: 'float', low: 0.5, high: 1 },
    lambda_l1: { type: 'float', low: 1e-3, high: 10, log: true },
    lambda_l2: { type: 'float', low: 1e-3, high: 30, log: true },
    min_gain_to_split: { type: 'float', low: 0, high: 1 },
  },
});

/** Every model family of the study, baseline first. */
export const MODEL_SPECS: readonly ModelSpec[] = [
  dummySpec,
  logisticSpec,
  randomForestSpec,
  plainGbmSpec,
  lightgbmSpec,
];
