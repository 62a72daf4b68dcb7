import {
  IMPORTANCE_GAIN,
  IMPORTANCE_SPLIT,
  native,
  type NativeBooster,
  PREDICT_CONTRIB,
  PREDICT_NORMAL,
  PREDICT_RAW_SCORE,
} from './native';
import { validateModelText } from './model-text';

type Matrix = Float64Array | Float32Array;

function checkIteration(numIteration: number | undefined): void {
  if (numIteration !== undefined && !Number.isInteger(numIteration)) {
    throw new Error(`numIteration must be an integer, got ${numIteration}`);
  }
}

/**
 * A trained LightGBM model. Created by train() or Booster.fromString(); owns a native booster handle that is
 * released by free() or, failing that, when the object is garbage-collected.
 */
export class Booster {
  /** 1-based best iteration found by early stopping; 0 when there was none (= use all iterations). */
  readonly bestIteration: number;
  readonly numFeature: number;
  readonly featureNames: string[];
  private readonly handle: NativeBooster;
  /** Whether the model's score is the mean of its trees (the random forest), read from its text on first need. */
  private averagesOutput: boolean | undefined;

  private constructor(handle: NativeBooster, bestIteration: number) {
    this.handle = handle;
    this.bestIteration = bestIteration;
    this.numFeature = handle.numFeature();
    this.featureNames = handle.featureNames();
  }

  /**
   * Loads a model in LightGBM's text format. A truncated or corrupted text is a LightGBMError from our structural
   * check (validateModelText) before LightGBM sees it: LightGBM's own parser can abort the process on such text.
   */
  static fromString(model: string): Booster {
    if (typeof model !== 'string' || model.trim() === '') throw new Error('model must be a non-empty string');
    validateModelText(model);
    return new Booster(new (native().NativeBooster)(null, model), 0);
  }

  /** @internal used by train() */
  static fromNative(handle: NativeBooster, bestIteration: number): Booster {
    return new Booster(handle, bestIteration);
  }

  /** Number of boosting iterations in the model (trees per class). */
  get numIterations(): number {
    return this.handle.currentIteration();
  }

  get isFreed(): boolean {
    return this.handle.isFreed();
  }

  /**
   * Probabilities (or raw scores) for row-major rows of numFeature values. A raw score is LightGBM's, as Python's
   * raw_score: for a model that averages its trees (boosting=rf) the trees' sum, not their mean (the log-odds).
   */
  predict(data: Matrix, opts: { rawScore?: boolean; numIteration?: number } = {}): Float64Array {
    checkIteration(opts.numIteration);
    const nRows = this.rowsOf(data);
    const type = opts.rawScore ? PREDICT_RAW_SCORE : PREDICT_NORMAL;
    return this.handle.predictForMat(data, nRows, type, 0, this.iterations(opts.numIteration), '');
  }

  /**
   * predict() on a libuv worker thread: the event loop (and JavaScript preparing the next rows) runs meanwhile. Same
   * numbers as predict(). Until the promise settles the booster is busy: free() and its other methods throw (other
   * predictAsync calls queue behind this one), and `data` must not be written to or transferred.
   * numThreads: LightGBM's threads for this call (default: as predict, one per core).
   */
  async predictAsync(
    data: Matrix,
    opts: { rawScore?: boolean; numIteration?: number; numThreads?: number } = {},
  ): Promise<Float64Array> {
    checkIteration(opts.numIteration);
    const threads = opts.numThreads;
    if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) {
      throw new Error(`numThreads must be a positive integer, got ${threads}`);
    }
    const nRows = this.rowsOf(data);
    const type = opts.rawScore ? PREDICT_RAW_SCORE : PREDICT_NORMAL;
    const parameters = threads === undefined ? '' : `num_threads=${threads}`;
    return this.handle.predictForMatAsync(data, nRows, type, 0, this.iterations(opts.numIteration), parameters);
  }

  /**
   * SHAP values: nRows x (numFeature + 1), the last column is the expected value; rows sum to the log-odds of the
   * probability (the raw score, or for a model that averages its trees, the raw score over the trees used).
   */
  predictContrib(data: Matrix, opts: { numIteration?: number } = {}): Float64Array {
    checkIteration(opts.numIteration);
    const nRows = this.rowsOf(data);
    const contrib = this.handle.predictForMat(data, nRows, PREDICT_CONTRIB, 0, this.iterations(opts.numIteration), '');
    return this.averaged(contrib, opts.numIteration);
  }

  /** One row through LightGBM's fast single-row path (a predictor kept per booster): the probability. */
  predictSingle(row: Float64Array | number[]): number {
    return this.handle.predictSingle(row, false, this.iterations(undefined)) as number;
  }

  /** SHAP values of one row through the fast path: numFeature + 1 values, the last is the expected value. */
  predictSingleContrib(row: Float64Array | number[]): Float64Array {
    return this.averaged(this.handle.predictSingle(row, true, this.iterations(undefined)) as Float64Array, undefined);
  }

  /**
   * A model that averages its trees (boosting=rf: `average_output` in its text) scores the mean of the trees' outputs,
   * but LightGBM's contributions are their sum (LightGBM issue #6217): divided here by the trees used, so that they
   * add up to the log-odds as for any other model. 100 trees made a forest's explanations 100 times too large.
   */
  private averaged(contrib: Float64Array, numIteration: number | undefined): Float64Array {
    this.averagesOutput ??= /^average_output$/m.test(this.handle.saveModelToString(0, 1, IMPORTANCE_SPLIT));
    if (!this.averagesOutput) return contrib;
    const asked = this.iterations(numIteration);
    const used = asked > 0 && asked < this.numIterations ? asked : this.numIterations; // LightGBM's rule
    for (let i = 0; i < contrib.length; i++) contrib[i] /= used;
    return contrib;
  }

  /** Per-feature importance, in feature order; like Python it counts up to bestIteration by default. */
  featureImportance(type: 'gain' | 'split' = 'split', numIteration?: number): Float64Array {
    if (type !== 'gain' && type !== 'split') throw new Error(`importance type must be 'gain' or 'split', got ${type}`);
    checkIteration(numIteration);
    return this.handle.featureImportance(
      this.iterations(numIteration),
      type === 'gain' ? IMPORTANCE_GAIN : IMPORTANCE_SPLIT,
    );
  }

  /** The model in LightGBM's text format, cut at bestIteration unless numIteration says otherwise (<= 0: all). */
  saveModel(opts: { numIteration?: number } = {}): string {
    checkIteration(opts.numIteration);
    return this.handle.saveModelToString(0, this.iterations(opts.numIteration), IMPORTANCE_SPLIT);
  }

  /** The model as LightGBM's JSON dump (tree structures, feature names, ...). */
  dumpModel(): unknown {
    return JSON.parse(this.handle.dumpModel(0, this.iterations(undefined))) as unknown;
  }

  /** Releases the native model now; any later use throws. */
  free(): void {
    this.handle.free();
  }

  // Python's rule: an explicit numIteration wins, otherwise the best iteration, otherwise (0 / -1) all of them.
  private iterations(numIteration: number | undefined): number {
    if (numIteration !== undefined) return numIteration;
    return this.bestIteration > 0 ? this.bestIteration : -1;
  }

  private rowsOf(data: Matrix): number {
    if (this.handle.isFreed()) throw new Error('Booster has been freed');
    if (!(data instanceof Float64Array) && !(data instanceof Float32Array)) {
      throw new Error('data must be a Float64Array or Float32Array of row-major rows');
    }
    if (data.length === 0 || data.length % this.numFeature !== 0) {
      throw new Error(
        `data has ${data.length} values, which is not a whole number of rows of ${this.numFeature} ` +
          'features (wrong column count?)',
      );
    }
    return data.length / this.numFeature;
  }
}
