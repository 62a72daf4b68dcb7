import type { Numbers } from '@credit-scoring/decision';

/**
 * The part of @credit-scoring/features' FeatureMatrix the models need (structurally compatible with it, so a
 * FeatureMatrix can be passed as is). Row-major nRows × nCols, NaN = missing; categorical columns hold codes 0..K-1.
 */
export interface MatrixLike {
  data: Float64Array;
  nRows: number;
  nCols: number;
  featureNames: string[];
  categoricalFeatures: number[];
}

/** A matrix with what training and evaluation need: labels and, for the credit cost, the amounts. */
export interface LabelledMatrix extends MatrixLike {
  target?: Float64Array;
  amtCredit: Float64Array;
}

export function checkMatrix(what: string, m: MatrixLike): void {
  if (!m || !(m.data instanceof Float64Array)) throw new Error(`${what}: data must be a Float64Array`);
  if (m.data.length !== m.nRows * m.nCols) {
    throw new Error(`${what}: data has ${m.data.length} values, expected nRows × nCols = ${m.nRows} × ${m.nCols}`);
  }
  if (m.featureNames.length !== m.nCols) {
    throw new Error(`${what}: ${m.featureNames.length} feature names for ${m.nCols} columns`);
  }
  for (const c of m.categoricalFeatures) {
    if (!Number.isInteger(c) || c < 0 || c >= m.nCols)
      throw new Error(`${what}: categorical feature index ${c} out of range`);
  }
}

export function labelsOf(what: string, m: LabelledMatrix): Float64Array {
  if (!m.target) throw new Error(`${what}: the matrix has no target (TARGET) column`);
  if (m.target.length !== m.nRows) throw new Error(`${what}: target has ${m.target.length} values for ${m.nRows} rows`);
  return m.target;
}

/** The rows `rows` of `m` as a new matrix (labels and amounts follow). */
export function selectRows(m: LabelledMatrix, rows: Int32Array): LabelledMatrix {
  const target = m.target;
  const data = new Float64Array(rows.length * m.nCols);
  rows.forEach((row, k) => {
    if (row < 0 || row >= m.nRows) throw new Error(`selectRows: row ${row} out of range 0..${m.nRows - 1}`);
    data.set(m.data.subarray(row * m.nCols, (row + 1) * m.nCols), k * m.nCols);
  });
  return {
    data,
    nRows: rows.length,
    nCols: m.nCols,
    featureNames: m.featureNames,
    categoricalFeatures: m.categoricalFeatures,
    target: target ? Float64Array.from(rows, (r) => target[r]) : undefined,
    amtCredit: Float64Array.from(rows, (r) => m.amtCredit[r]),
  };
}

/**
 * numpy-style median of the finite values (mean of the two middle ones for an even count); NaN if none. The middle
 * values are selected (quickselect, linear on average) rather than sorted: the logistic regression takes the median
 * of every column of the training matrix, and a full sort per column cost minutes on a million applicants.
 */
export function median(values: Numbers): number {
  const present = new Float64Array(values.length);
  let count = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) present[count++] = values[i];
  if (count === 0) return NaN;
  const finite = present.subarray(0, count);
  const mid = count >> 1;
  const upper = selectInPlace(finite, mid);
  if (count % 2 === 1) return upper;
  // After the selection every value left of `mid` is <= the mid-th: the (mid-1)-th is their largest.
  let lower = finite[0];
  for (let i = 1; i < mid; i++) if (finite[i] > lower) lower = finite[i];
  return (lower + upper) / 2;
}

/** The k-th smallest value (0-based) of `a` (no NaN), rearranging `a` so that a[i] <= a[k] for i < k and >= after. */
function selectInPlace(a: Float64Array, k: number): number {
  let left = 0;
  let right = a.length - 1;
  while (right > left) {
    // Median of three as the pivot: sorted or constant columns (common here) stay linear.
    const middle = (left + right) >> 1;
    const pivot = medianOfThree(a[left], a[middle], a[right]);
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    // Now a[left..j] <= pivot, a[j+1..i-1] == pivot, a[i..right] >= pivot.
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return a[k];
  }
  return a[k];
}

function medianOfThree(x: number, y: number, z: number): number {
  if (x < y) return y < z ? y : x < z ? z : x;
  return x < z ? x : y < z ? z : y;
}
