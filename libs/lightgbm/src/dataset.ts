import { native, type NativeDataset } from './native';
import { CATEGORICAL_ALIASES, datasetLevelParams, isLinearTree, type Params, paramsToString } from './params';

export interface DatasetOptions {
  nRows: number;
  nCols: number;
  label?: ArrayLike<number>;
  weight?: ArrayLike<number>;
  featureNames?: string[];
  /** column indices holding integer category codes (negative or NaN = missing) */
  categoricalFeatures?: number[];
  /** dataset parameters (max_bin, ...); train()'s params are merged over them, as in Python */
  params?: Params;
  /** a validation set shares its reference's bin boundaries */
  reference?: Dataset;
  /**
   * Bin only these rows of `data` (which may then hold any number of rows of nCols values), in this order; nRows is
   * their count. The same dataset as one built from a copy of those rows, without the copy.
   */
  rows?: Int32Array;
}

function checkCount(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 1 || value > 2147483647) {
    throw new Error(`Dataset ${name} must be a positive 32-bit integer, got ${value}`);
  }
}

function checkRows(rows: Int32Array, length: number, nRows: number, nCols: number): void {
  if (!(rows instanceof Int32Array)) throw new Error('Dataset rows must be an Int32Array of row indices');
  if (rows.length !== nRows) throw new Error(`Dataset has ${rows.length} rows for nRows = ${nRows}`);
  const matrixRows = length / nCols;
  if (!Number.isInteger(matrixRows)) {
    throw new Error(`Dataset data has ${length} values, not a multiple of nCols = ${nCols}`);
  }
  const bad = rows.findIndex((r) => r < 0 || r >= matrixRows);
  if (bad >= 0) throw new Error(`Dataset rows[${bad}] = ${rows[bad]} is outside the data's ${matrixRows} rows`);
}

function copyRows<T extends Float64Array | Float32Array>(data: T, rows: Int32Array, nCols: number): T {
  const out = new (data.constructor as { new (length: number): T })(rows.length * nCols);
  rows.forEach((r, k) => out.set(data.subarray(r * nCols, (r + 1) * nCols), k * nCols));
  return out;
}

function toFloat32Field(values: ArrayLike<number>, name: string, nRows: number): Float32Array {
  if (values.length !== nRows) {
    throw new Error(`Dataset ${name} has ${values.length} values but the data has ${nRows} rows`);
  }
  const out = Float32Array.from(values);
  const bad = out.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`Dataset ${name}[${bad}] is not a finite number (${values[bad]})`);
  return out;
}

/**
 * A LightGBM training/validation matrix. Like Python's lgb.Dataset it is built lazily: LightGBM bins the data when
 * train() first uses it, with train()'s parameters merged in (binning depends on e.g. min_data_in_leaf and seed),
 * and the raw matrix is released afterwards. Inputs are validated here, at construction.
 */
export class Dataset {
  readonly nRows: number;
  readonly nCols: number;
  readonly featureNames?: string[];
  readonly categoricalFeatures: number[];
  readonly reference?: Dataset;
  /** the labels as given (float64), for custom metrics */
  readonly labels?: Float64Array;
  private data: Float64Array | Float32Array | null;
  private rows?: Int32Array;
  private readonly label?: Float32Array;
  private readonly weight?: Float32Array;
  private readonly ownParams: Params;
  private handle: NativeDataset | null = null;
  private constructedParams: Params | null = null;
  private freed = false;

  constructor(data: Float64Array | Float32Array, opts: DatasetOptions) {
    if (!(data instanceof Float64Array) && !(data instanceof Float32Array)) {
      throw new Error('Dataset data must be a Float64Array or Float32Array (row-major nRows x nCols)');
    }
    checkCount(opts.nRows, 'nRows');
    checkCount(opts.nCols, 'nCols');
    if (opts.rows !== undefined) checkRows(opts.rows, data.length, opts.nRows, opts.nCols);
    else if (data.length !== opts.nRows * opts.nCols) {
      throw new Error(
        `Dataset data has ${data.length} values, expected nRows x nCols = ${opts.nRows} x ${opts.nCols}` +
          ` = ${opts.nRows * opts.nCols}`,
      );
    }
    if (opts.featureNames) {
      if (opts.featureNames.length !== opts.nCols) {
        throw new Error(`Dataset has ${opts.featureNames.length} feature names for ${opts.nCols} columns`);
      }
      const bad = opts.featureNames.find((n) => typeof n !== 'string' || n === '' || /[\s,:"[\]{}]/.test(n));
      if (bad !== undefined) throw new Error(`feature name "${bad}" is empty or has whitespace or JSON specials`);
      if (new Set(opts.featureNames).size !== opts.featureNames.length) throw new Error('feature names must be unique');
    }
    for (const c of opts.categoricalFeatures ?? []) {
      if (!Number.isInteger(c) || c < 0 || c >= opts.nCols) {
        throw new Error(`categorical feature index ${c} is not a column index in [0, ${opts.nCols})`);
      }
    }
    if (opts.reference !== undefined) {
      if (!(opts.reference instanceof Dataset)) throw new Error('Dataset reference must be a Dataset');
      opts.reference.assertUsable();
      if (opts.reference.nCols !== opts.nCols) {
        throw new Error(`Dataset has ${opts.nCols} columns but its reference has ${opts.reference.nCols}`);
      }
    }
    paramsToString(opts.params ?? {}); // reject malformed params now rather than at train time
    this.data = data;
    this.rows = opts.rows;
    this.nRows = opts.nRows;
    this.nCols = opts.nCols;
    this.featureNames = opts.featureNames ? [...opts.featureNames] : undefined;
    this.categoricalFeatures = [...new Set(opts.categoricalFeatures ?? [])].sort((a, b) => a - b);
    this.reference = opts.reference;
    this.ownParams = { ...(opts.params ?? {}) };
    if (opts.label !== undefined) {
      this.label = toFloat32Field(opts.label, 'label', opts.nRows);
      this.labels = Float64Array.from(opts.label);
    }
    if (opts.weight !== undefined) this.weight = toFloat32Field(opts.weight, 'weight', opts.nRows);
  }

  /**
   * Gives memory that native code has freed back to the OS (glibc's malloc_trim); returns whether any went back.
   * Large buffers freed by native threads (LightGBM's, or a dataframe engine's) otherwise stay in glibc's per-thread
   * arenas and count in the process's RSS: worth calling after releasing gigabytes of native data.
   */
  static releaseFreedMemory(): boolean {
    return native().NativeDataset.releaseFreedMemory();
  }

  get isFreed(): boolean {
    return this.freed;
  }

  /** Releases LightGBM's copy (a booster still training on it keeps it alive until it is done). */
  free(): void {
    this.handle?.free();
    this.handle = null;
    this.data = null;
    this.rows = undefined;
    this.freed = true;
  }

  /**
   * @internal the binned LightGBM dataset, built on first use with the training parameters merged in. A built one
   * serves any later train() whose parameters keep its bins: LightGBM's own check refuses the others (a changed
   * max_bin, or a smaller min_data_in_leaf when features were pre-filtered by the larger one), as Python does.
   */
  construct(trainParams: Params): NativeDataset {
    this.assertUsable();
    if (this.handle) {
      const built = paramsToString(this.constructedParams ?? {});
      native().NativeDataset.checkParamUpdate(built, paramsToString(trainParams));
      return this.handle;
    }
    if (!this.label) throw new Error('a training or validation Dataset needs a label');
    let params: Params;
    let categorical = this.categoricalFeatures;
    let names = this.featureNames;
    let referenceHandle: NativeDataset | null = null;
    if (this.reference) {
      // As Python: a validation set takes its reference's parameters, categorical columns and names.
      referenceHandle = this.reference.construct(trainParams);
      params = { ...(this.reference.constructedParams ?? {}) };
      categorical = this.reference.categoricalFeatures;
      names = this.reference.featureNames;
    } else {
      params = { ...this.ownParams, ...trainParams };
      for (const alias of CATEGORICAL_ALIASES) delete params[alias];
      if (categorical.length > 0) params.categorical_column = categorical;
    }
    let data = this.data as Float64Array | Float32Array;
    let rows = this.rows;
    if (rows && isLinearTree(params)) {
      // Rows are binned in place by pushing them to LightGBM, whose row pushing mis-sizes a linear tree's raw values:
      // those datasets are built from a copy of the rows instead.
      data = copyRows(data, rows, this.nCols);
      rows = undefined;
    }
    const handle = new (native().NativeDataset)(
      data,
      this.nRows,
      this.nCols,
      paramsToString(params),
      referenceHandle,
      rows,
    );
    try {
      handle.setField('label', this.label);
      if (this.weight) handle.setField('weight', this.weight);
      if (names) handle.setFeatureNames(names);
    } catch (err) {
      handle.free();
      throw err;
    }
    this.handle = handle;
    this.constructedParams = params;
    this.data = null; // LightGBM holds the binned copy now (Python's free_raw_data=True)
    this.rows = undefined;
    return handle;
  }

  /**
   * @internal the dataset-level parameters the LightGBM dataset was built with, which its booster must share. Only
   * those: a dataset reused by a second train() trains with that call's booster parameters, not the first one's.
   */
  get datasetParams(): Params {
    return datasetLevelParams(this.constructedParams ?? {});
  }

  private assertUsable(): void {
    if (this.freed) throw new Error('Dataset has been freed');
  }
}
