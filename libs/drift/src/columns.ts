import { sortFloat64InPlace } from './stats/util';

// Column values, their cleaning (Evidently: ±inf → missing, missing dropped per dataset) and type inference.

export type ColumnKind = 'numeric' | 'categorical';
/** One column: numbers (NaN/±inf/null = missing) or category labels (null = missing). */
export type ColumnValues = Float64Array | ReadonlyArray<number | null> | ReadonlyArray<string | null>;
/** Columnar data: column name → values; every column of one dataset has the same length. */
export type ColumnarData = Record<string, ColumnValues>;
export type ColumnSchema = Record<string, ColumnKind>;

/** Raised for unusable input (unknown column, empty column, wrong value type). Nothing is computed then. */
export class DriftInputError extends Error {
  override name = 'DriftInputError';
}

/** Evidently's new API treats an integer column with at most this many distinct values as categorical. */
export const INTEGER_CARDINALITY_LIMIT = 10;

export interface CleanColumn {
  /** Non-missing numbers, sorted ascending (every numeric test works on sorted samples). */
  numbers: Float64Array;
  /** Non-missing values as category keys (both kinds; numbers are keyed by their shortest string form). */
  keys: string[];
  rows: number;
  missing: number;
  /** Memoised per-key counts of `keys` (see keyCounts). */
  counts?: Map<string, number>;
}

/** Per-key counts of a cleaned column, computed once and reused by every consumer. */
export function keyCounts(c: CleanColumn): Map<string, number> {
  c.counts ??= countKeys(c.keys);
  return c.counts;
}

function isStringColumn(values: ColumnValues): values is ReadonlyArray<string | null> {
  if (values instanceof Float64Array) return false;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    return typeof v === 'string';
  }
  return false;
}

/** Drops missing values; numbers keep their numeric value, labels become category keys. */
export function cleanColumn(name: string, dataset: string, values: ColumnValues, kind: ColumnKind): CleanColumn {
  const rows = values.length;
  if (isStringColumn(values)) {
    if (kind === 'numeric') {
      throw new DriftInputError(`column '${name}' in the ${dataset} data holds text but is declared numeric`);
    }
    const keys: string[] = [];
    for (const v of values) {
      if (v === null || v === undefined) continue;
      if (typeof v !== 'string')
        throw new DriftInputError(`column '${name}' in the ${dataset} data mixes text and numbers`);
      keys.push(v);
    }
    return { numbers: new Float64Array(0), keys, rows, missing: rows - keys.length };
  }
  const numbers = new Float64Array(rows);
  let kept = 0;
  if (values instanceof Float64Array) {
    for (let i = 0; i < rows; i++) {
      const v = values[i];
      if (Number.isFinite(v)) numbers[kept++] = v;
    }
  } else {
    const nums = values as ArrayLike<number | null>;
    for (let i = 0; i < rows; i++) {
      const v = nums[i];
      if (v === null || v === undefined) continue;
      if (typeof v !== 'number')
        throw new DriftInputError(`column '${name}' in the ${dataset} data mixes text and numbers`);
      if (Number.isFinite(v)) numbers[kept++] = v;
    }
  }
  const finite = numbers.subarray(0, kept);
  if (kind === 'numeric') sortFloat64InPlace(finite);
  return {
    numbers: kind === 'numeric' ? finite : new Float64Array(0),
    keys: kind === 'categorical' ? Array.from(finite, String) : [],
    rows,
    missing: rows - kept,
  };
}

/**
 * Type inference when no schema entry is given, after Evidently's `infer_column_type`: text → categorical;
 * numbers → categorical when they are all integers with at most 10 distinct values, else numeric.
 * (Evidently looks at the pandas dtype; a float column of integral values is numeric there. Pass
 * `loadCsvColumns(...).types` or an explicit schema to keep that distinction.)
 */
export function inferColumnKind(values: ColumnValues): ColumnKind {
  if (isStringColumn(values)) return 'categorical';
  const distinct = new Set<number>();
  const nums = values as ArrayLike<number | null>;
  for (let i = 0; i < nums.length; i++) {
    const v = nums[i];
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    if (!Number.isInteger(v)) return 'numeric';
    distinct.add(v);
    if (distinct.size > INTEGER_CARDINALITY_LIMIT) return 'numeric';
  }
  return 'categorical';
}

/** Counts per key, in first-seen order. */
export function countKeys(keys: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  return counts;
}
