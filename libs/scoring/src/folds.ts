import { Mulberry32Random } from '@credit-scoring/data';
import { checkBinaryLabels, type Numbers } from '@credit-scoring/decision';

/** Row indices of one cross-validation fold (into the matrix / tables the labels came from). */
export interface Fold {
  train: Int32Array;
  valid: Int32Array;
}

/**
 * Stratified k-fold: each class is shuffled with `seed`, then dealt round-robin to the folds, so every fold gets
 * the class balance of the whole set (±1 row per class). Same (y, k, seed) → same folds.
 * Index arrays are sorted ascending so that downstream row selection stays cache-friendly.
 */
export function stratifiedKFold(y: Numbers, k: number, seed: number): Fold[] {
  if (!Number.isInteger(k) || k < 2) throw new Error(`stratifiedKFold: k must be an integer >= 2, got ${k}`);
  checkBinaryLabels('stratifiedKFold', y);
  const byClass: number[][] = [[], []];
  for (let i = 0; i < y.length; i++) byClass[y[i]].push(i);
  for (const [label, rows] of byClass.entries()) {
    if (rows.length < k) {
      throw new Error(`stratifiedKFold: class ${label} has ${rows.length} rows, fewer than k=${k} folds`);
    }
  }
  const random = new Mulberry32Random(seed);
  const foldOf = new Int32Array(y.length);
  // The fold that receives a class's first row rotates with the class, so fold sizes also stay balanced overall.
  let offset = 0;
  for (const rows of byClass) {
    const shuffled = random.shuffle(Int32Array.from(rows));
    shuffled.forEach((row, j) => (foldOf[row] = (offset + j) % k));
    offset = (offset + shuffled.length) % k;
  }
  return Array.from({ length: k }, (_, f) => {
    const train: number[] = [];
    const valid: number[] = [];
    for (let i = 0; i < y.length; i++) (foldOf[i] === f ? valid : train).push(i);
    return { train: Int32Array.from(train), valid: Int32Array.from(valid) };
  });
}

/**
 * One stratified hold-out split of `rows` (a subset of y's indices), e.g. the inner validation set a booster
 * early-stops on inside a CV fold. `validFraction` of each class goes to `valid`.
 */
export function stratifiedSplit(y: Numbers, rows: Int32Array, validFraction: number, seed: number): Fold {
  if (!(validFraction > 0 && validFraction < 1)) {
    throw new Error(`stratifiedSplit: validFraction must be in (0, 1), got ${validFraction}`);
  }
  const random = new Mulberry32Random(seed);
  const isValid = new Uint8Array(rows.length);
  for (const label of [0, 1]) {
    const positions: number[] = [];
    rows.forEach((row, p) => {
      if (y[row] === label) positions.push(p);
    });
    const shuffled = random.shuffle(Int32Array.from(positions));
    const nValid = Math.round(shuffled.length * validFraction);
    for (let j = 0; j < nValid; j++) isValid[shuffled[j]] = 1;
  }
  const train: number[] = [];
  const valid: number[] = [];
  rows.forEach((row, p) => (isValid[p] ? valid : train).push(row));
  if (train.length === 0 || valid.length === 0) {
    throw new Error(`stratifiedSplit: ${rows.length} rows are too few to split with validFraction=${validFraction}`);
  }
  return { train: Int32Array.from(train), valid: Int32Array.from(valid) };
}
