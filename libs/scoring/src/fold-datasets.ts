import type { Dataset } from '@credit-scoring/lightgbm';
import type { LabelledMatrix } from './matrix';

/** Which rows of a training matrix a booster's dataset holds: its inner split's two parts, or every row (refit). */
export type DatasetPart = 'fit' | 'stop' | 'all';

/**
 * LightGBM's binned datasets, kept across the fits of one hyper-parameter search. Every trial of a family fits the
 * same folds with the same seed, so the same inner split: binning them again for each trial cost about 1 s per
 * dataset at 6,400 x 833 (three per fold and trial, ~75 core-seconds of a Kaggle-scale run, tools/bench/pipeline
 * notes, session 15). A kept dataset serves any trial's booster parameters because the flavours that keep them
 * (BoosterTrainingSetup.reusesDatasets: those whose trees see every feature) build them with
 * `feature_pre_filter: false`; LightGBM itself refuses a trial that would change their bins (e.g. max_bin). The
 * other flavours bin their own datasets for each fit.
 *
 * Give one to crossValidate (CvOptions.datasets) for a search, then free() it. Datasets are keyed by the matrix
 * object, so they serve only fits of that very matrix: a fold's prepared matrices (PreparedFolds).
 */
export class FoldDatasets {
  private readonly byMatrix = new Map<LabelledMatrix, Map<string, Dataset>>();
  private freed = false;

  /** The dataset of `part` of `matrix` for this seed and categorical setting, built by `build` the first time. */
  get(matrix: LabelledMatrix, key: { part: DatasetPart; seed: number; categorical: boolean }, build: () => Dataset) {
    if (this.freed) throw new Error('FoldDatasets: used after free()');
    let datasets = this.byMatrix.get(matrix);
    if (!datasets) {
      datasets = new Map();
      this.byMatrix.set(matrix, datasets);
    }
    const name = `${key.part}/${key.seed}/${key.categorical}`;
    let dataset = datasets.get(name);
    if (!dataset) {
      dataset = build();
      datasets.set(name, dataset);
    }
    return dataset;
  }

  /** How many datasets are kept. */
  get size(): number {
    return [...this.byMatrix.values()].reduce((n, datasets) => n + datasets.size, 0);
  }

  /** Releases every kept dataset (a booster still training on one keeps it until it is done). */
  free(): void {
    this.byMatrix.forEach((datasets) => datasets.forEach((d) => d.free()));
    this.byMatrix.clear();
    this.freed = true;
  }
}
