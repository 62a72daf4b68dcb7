import { availableParallelism } from 'node:os';
import { minimizeLbfgs } from './lbfgs';
import { LogLossSums, sigmoid } from './parallel-logloss';
import { checkMatrix, MatrixLike, median } from './matrix';
import { checkBinaryLabels, type Numbers } from '@credit-scoring/decision';

/*
 * Logistic regression with the preprocessing a linear model needs, all fitted on the training rows only:
 *  - numeric columns: missing values → training median, then standardised (mean 0, population std 1);
 *  - categorical code columns: one-hot encoded over the codes seen in training (missing or unseen code → all zeros),
 *    then standardised like the rest. One-hot rather than dropping, because categories such as NAME_INCOME_TYPE or
 *    ORGANIZATION_TYPE carry real default-rate differences and a linear model cannot use an arbitrary integer code
 *    as a number; the L2 penalty keeps the redundant dummy columns (no reference level dropped) well-posed.
 * The fit minimises sklearn's objective exactly: C·Σ logloss + ½‖w‖², intercept not penalised.
 */

export interface LogisticOptions {
  /** Inverse regularisation strength, as in sklearn (larger = weaker penalty). Default 1. */
  C?: number;
  maxIter?: number;
  /** Stop when every component of the gradient of the per-sample objective is below tol. */
  tol?: number;
  categorical?: 'onehot' | 'drop';
  /** Threads evaluating the loss (default: every core on large designs, one below PARALLEL_MIN_CELLS). Fits agree up to rounding. */
  threads?: number;
}

/** Below this many design cells an evaluation takes a few milliseconds and threads would only add overhead. */
const PARALLEL_MIN_CELLS = 2_000_000;

/** How one input column becomes model columns. */
type ColumnEncoding =
  | { kind: 'numeric'; column: number; median: number }
  | { kind: 'onehot'; column: number; levels: number };

export interface LogisticState {
  inputNames: string[];
  encodings: ColumnEncoding[];
  featureNames: string[];
  means: number[];
  scales: number[];
  coefficients: number[];
  intercept: number;
}

export class LogisticRegression {
  private constructor(
    private readonly state: LogisticState,
    readonly iterations: number,
    readonly converged: boolean,
  ) {}

  /** Names of the model columns (after one-hot), matching `coefficients`. */
  get featureNames(): string[] {
    return this.state.featureNames;
  }
  /** Coefficients on the standardised model columns. */
  get coefficients(): Float64Array {
    return Float64Array.from(this.state.coefficients);
  }
  get intercept(): number {
    return this.state.intercept;
  }
  /** Per model column: the value subtracted and the divisor (after imputation / one-hot). */
  get means(): Float64Array {
    return Float64Array.from(this.state.means);
  }
  get scales(): Float64Array {
    return Float64Array.from(this.state.scales);
  }

  /** Asynchronous: on large designs the loss is evaluated on worker threads while the event loop stays free. */
  static async fit(x: MatrixLike, y: Numbers, opts: LogisticOptions = {}): Promise<LogisticRegression> {
    checkMatrix('LogisticRegression.fit', x);
    if (y.length !== x.nRows) throw new Error(`LogisticRegression.fit: ${y.length} labels for ${x.nRows} rows`);
    checkBinaryLabels('LogisticRegression.fit', y);
    const C = opts.C ?? 1;
    if (!(C > 0) || !Number.isFinite(C))
      throw new Error(`LogisticRegression.fit: C must be a finite number > 0, got ${C}`);
    if (opts.threads !== undefined && !(Number.isInteger(opts.threads) && opts.threads >= 1)) {
      throw new Error(`LogisticRegression.fit: threads must be an integer >= 1, got ${opts.threads}`);
    }

    const encodings = fitEncodings(x, opts.categorical ?? 'onehot');
    const featureNames = encodings.flatMap((e) =>
      e.kind === 'numeric'
        ? [x.featureNames[e.column]]
        : Array.from({ length: e.levels }, (_, k) => `${x.featureNames[e.column]}=${k}`),
    );
    // The encoded matrix is never built whole: at Kaggle scale it would be a third ~2 GB copy beside the input and
    // the design. Rows are encoded one at a time, once per pass (the arithmetic is the same, in the same order).
    const rows = new EncodedRows(x.data, x.nRows, x.nCols, encodings, featureNames.length);
    const { means, scales, constant } = standardScale(rows);
    // Constant columns (e.g. side-table aggregates absent from the data) standardise to 0 and get weight 0 under L2;
    // leaving them out of the optimisation gives the same optimum, much faster.
    const active = featureNames.map((_, j) => j).filter((j) => !constant[j]);
    const threads = opts.threads ?? (x.nRows * active.length >= PARALLEL_MIN_CELLS ? availableParallelism() : 1);
    const design = activeScaledColumns(rows, active, means, scales, threads > 1);
    const result = await minimizeLogLoss(design, x.nRows, active.length, y, C, { ...opts, threads });
    const coefficients = new Array<number>(featureNames.length).fill(0);
    active.forEach((j, k) => (coefficients[j] = result.x[k]));
    const state: LogisticState = {
      inputNames: x.featureNames.slice(),
      encodings,
      featureNames,
      means: Array.from(means),
      scales: Array.from(scales),
      coefficients,
      intercept: result.x[active.length],
    };
    return new LogisticRegression(state, result.iterations, result.converged);
  }

  /** Probability of default for each row of `data` (row-major, same input columns as in training). */
  predictProba(data: Float64Array, nRows = data.length / this.state.inputNames.length): Float64Array {
    const nCols = this.state.inputNames.length;
    if (!Number.isInteger(nRows) || data.length !== nRows * nCols) {
      throw new Error(
        `LogisticRegression.predictProba: ${data.length} values is not a multiple of ${nCols} input columns`,
      );
    }
    const d = this.state.featureNames.length;
    const { means, scales, coefficients, intercept } = this.state;
    const rows = new EncodedRows(data, nRows, nCols, this.state.encodings, d);
    const out = new Float64Array(nRows);
    for (let i = 0; i < nRows; i++) {
      const row = rows.row(i);
      let zi = intercept;
      for (let j = 0; j < d; j++) zi += ((row[j] - means[j]) / scales[j]) * coefficients[j];
      out[i] = sigmoid(zi);
    }
    return out;
  }

  toJSON(): LogisticState {
    return JSON.parse(JSON.stringify(this.state));
  }
  static fromJSON(state: LogisticState): LogisticRegression {
    return new LogisticRegression(state, 0, true);
  }
}

/**
 * Minimises the per-sample objective f/(C·n) = mean logloss + ‖w‖²/(2Cn) — the same minimiser as sklearn's
 * C·Σ logloss + ½‖w‖², with a gradient whose scale does not depend on n. Parameters: d weights then the intercept.
 */
async function minimizeLogLoss(
  design: Float64Array,
  n: number,
  d: number,
  y: Numbers,
  C: number,
  opts: LogisticOptions,
) {
  const penalty = 1 / (C * n);
  const sums = new LogLossSums(design, y, n, d, opts.threads);
  const evaluate = async (theta: Float64Array, grad: Float64Array): Promise<number> => {
    const loss = await sums.evaluate(theta, grad);
    let wSquared = 0;
    for (let j = 0; j < d; j++) {
      grad[j] = grad[j] / n + penalty * theta[j];
      wSquared += theta[j] * theta[j];
    }
    grad[d] = grad[d] / n;
    return loss / n + 0.5 * penalty * wSquared;
  };
  try {
    return await minimizeLbfgs(evaluate, new Float64Array(d + 1), {
      maxIter: opts.maxIter ?? 1000,
      tol: opts.tol ?? 1e-8,
    });
  } finally {
    sums.close();
  }
}

/** The standardised values of the `active` columns only, row-major n × active.length. */
function activeScaledColumns(
  rows: EncodedRows,
  active: number[],
  means: Float64Array,
  scales: Float64Array,
  shared: boolean,
): Float64Array {
  const { n } = rows;
  const d = active.length;
  // Worker threads read the design in place when it lives on shared memory.
  const out = shared ? new Float64Array(new SharedArrayBuffer(n * d * 8)) : new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const row = rows.row(i);
    for (let k = 0; k < d; k++) {
      const j = active[k];
      out[i * d + k] = (row[j] - means[j]) / scales[j];
    }
  }
  return out;
}

/** Columns gathered per pass over the rows by fitEncodings: one strided pass per column missed the cache per value. */
const COLUMN_BLOCK = 16;

function fitEncodings(x: MatrixLike, categorical: 'onehot' | 'drop'): ColumnEncoding[] {
  const isCategorical = new Set(x.categoricalFeatures);
  const encodings: ColumnEncoding[] = [];
  const { nRows, nCols, data } = x;
  const block = Array.from({ length: Math.min(COLUMN_BLOCK, nCols) }, () => new Float64Array(nRows));
  for (let first = 0; first < nCols; first += block.length) {
    const width = Math.min(block.length, nCols - first);
    for (let i = 0; i < nRows; i++) {
      const offset = i * nCols + first;
      for (let k = 0; k < width; k++) block[k][i] = data[offset + k];
    }
    for (let k = 0; k < width; k++) {
      const c = first + k;
      const column = block[k];
      if (!isCategorical.has(c)) {
        const m = median(column);
        encodings.push({ kind: 'numeric', column: c, median: Number.isNaN(m) ? 0 : m });
      } else if (categorical === 'onehot') {
        let maxCode = -1;
        for (const v of column) if (!Number.isNaN(v)) maxCode = Math.max(maxCode, v);
        if (maxCode >= 0) encodings.push({ kind: 'onehot', column: c, levels: Math.floor(maxCode) + 1 });
      }
    }
  }
  return encodings;
}

/** Input rows as model columns (imputed numbers, one-hot codes), one row at a time in a reused buffer. */
class EncodedRows {
  private readonly buffer: Float64Array;

  constructor(
    private readonly data: Float64Array,
    readonly n: number,
    private readonly nCols: number,
    private readonly encodings: ColumnEncoding[],
    readonly width: number,
  ) {
    this.buffer = new Float64Array(width);
  }

  /** Row i encoded; valid until the next call. */
  row(i: number): Float64Array {
    const out = this.buffer;
    out.fill(0);
    let j = 0;
    for (const e of this.encodings) {
      const v = this.data[i * this.nCols + e.column];
      if (e.kind === 'numeric') {
        out[j++] = Number.isNaN(v) ? e.median : v;
      } else {
        if (v >= 0 && v < e.levels) out[j + Math.floor(v)] = 1;
        j += e.levels;
      }
    }
    return out;
  }
}

/** Mean and population standard deviation per column (sklearn StandardScaler); constant columns get scale 1. */
function standardScale(rows: EncodedRows): { means: Float64Array; scales: Float64Array; constant: Uint8Array } {
  const { n, width: d } = rows;
  const means = new Float64Array(d);
  const scales = new Float64Array(d);
  const constant = new Uint8Array(d);
  for (let i = 0; i < n; i++) {
    const row = rows.row(i);
    for (let j = 0; j < d; j++) means[j] += row[j];
  }
  for (let j = 0; j < d; j++) means[j] /= n;
  for (let i = 0; i < n; i++) {
    const row = rows.row(i);
    for (let j = 0; j < d; j++) scales[j] += (row[j] - means[j]) ** 2;
  }
  for (let j = 0; j < d; j++) {
    const variance = scales[j] / n;
    // sklearn's constant-feature test: a variance within the rounding error of the mean is zero. Without it a
    // constant 0.1 column would be "standardised" by a ~1e-17 std into noise.
    const isConstant = variance <= n * Number.EPSILON * variance + (n * Math.abs(means[j]) * Number.EPSILON) ** 2;
    constant[j] = isConstant ? 1 : 0;
    scales[j] = isConstant ? 1 : Math.sqrt(variance);
  }
  return { means, scales, constant };
}
