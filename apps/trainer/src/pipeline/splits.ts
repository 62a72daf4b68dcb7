import { DataError } from '@credit-scoring/data';
import { stratifiedKFold, stratifiedSplit, type Fold } from '@credit-scoring/scoring';
import type { TrainConfig } from '../config';

export interface Splits {
  /** Application rows used to fit the final models. */
  train: Int32Array;
  /** Held-out application rows: seen only once, to report test metrics. */
  test: Int32Array;
  /** Rows the search and cross-validation run on (all of `train`, or a stratified sample of it at large scale). */
  cvRows: Int32Array;
  /** CV folds over `cvRows`, as application row indices. */
  folds: Fold[];
}

/**
 * Stratified test hold-out, then stratified folds over the training part. At Kaggle scale, searching over every
 * training row would multiply trials x folds x 246k rows on two cores; the search runs on a stratified sample of
 * `searchRows` applicants instead, and only the final fits see the whole training part.
 */
export function makeSplits(
  target: Float64Array,
  config: Pick<TrainConfig, 'testSize' | 'folds' | 'seed' | 'searchRows'>,
): Splits {
  const all = Int32Array.from({ length: target.length }, (_, i) => i);
  const { train, valid: test } = stratifiedSplit(target, all, config.testSize, config.seed);
  const cvRows =
    train.length > config.searchRows
      ? stratifiedSplit(target, train, 1 - config.searchRows / train.length, config.seed + 1).train
      : train;
  const yCv = Float64Array.from(cvRows, (r) => target[r]);
  // Every fold needs both classes; said with the flags to change, before any run starts.
  const defaults = yCv.reduce((s, v) => s + v, 0);
  const fewest = Math.min(defaults, yCv.length - defaults);
  if (fewest < config.folds) {
    throw new DataError(
      `the search sample has ${fewest} ${fewest === defaults ? 'defaulters' : 'repaid loans'}, fewer than ` +
        `--folds ${config.folds}: raise --search-rows (${config.searchRows}) or lower --folds`,
    );
  }
  const folds = stratifiedKFold(yCv, config.folds, config.seed).map((fold) => ({
    train: Int32Array.from(fold.train, (i) => cvRows[i]),
    valid: Int32Array.from(fold.valid, (i) => cvRows[i]),
  }));
  return { train, test, cvRows, folds };
}
