import { stratifiedKFold, stratifiedSplit } from './folds';
import { Mulberry32Random } from '@credit-scoring/data';

function imbalancedLabels(n: number, positiveRate: number, seed: number): Uint8Array {
  const random = new Mulberry32Random(seed);
  return Uint8Array.from({ length: n }, () => (random.next() < positiveRate ? 1 : 0));
}

describe('stratifiedKFold', () => {
  const y = imbalancedLabels(1003, 0.083, 7);
  const positives = y.reduce((s, v) => s + v, 0);
  const folds = stratifiedKFold(y, 5, 42);

  it('validation parts are disjoint and cover every row exactly once', () => {
    const seen = new Uint8Array(y.length);
    for (const fold of folds) for (const row of fold.valid) seen[row]++;
    expect(Array.from(seen).every((count) => count === 1)).toBe(true);
  });

  it('train = complement of valid in every fold', () => {
    for (const fold of folds) {
      expect(fold.train.length + fold.valid.length).toBe(y.length);
      const inValid = new Set(fold.valid);
      expect(Array.from(fold.train).some((row) => inValid.has(row))).toBe(false);
    }
  });

  it('each fold keeps the class balance (±1 positive) and size (±1 row)', () => {
    for (const fold of folds) {
      const foldPositives = Array.from(fold.valid).reduce((s, row) => s + y[row], 0);
      expect(Math.abs(foldPositives - positives / 5)).toBeLessThanOrEqual(1);
      expect(Math.abs(fold.valid.length - y.length / 5)).toBeLessThanOrEqual(1);
    }
  });

  it('is deterministic for a seed and changes with it', () => {
    expect(stratifiedKFold(y, 5, 42)).toEqual(folds);
    expect(stratifiedKFold(y, 5, 43)[0].valid).not.toEqual(folds[0].valid);
  });

  it('rejects bad input', () => {
    expect(() => stratifiedKFold(y, 1, 0)).toThrow(/k must be an integer >= 2/);
    expect(() => stratifiedKFold([0, 0, 0, 1], 2, 0)).toThrow(/class 1 has 1 rows, fewer than k=2/);
    expect(() => stratifiedKFold([0, 2], 2, 0)).toThrow(/not a binary label/);
  });
});

describe('stratifiedSplit', () => {
  it('splits a subset of rows with the class balance kept', () => {
    const y = imbalancedLabels(2000, 0.1, 3);
    const rows = Int32Array.from({ length: 1000 }, (_, i) => 2 * i);
    const split = stratifiedSplit(y, rows, 0.2, 1);
    expect(split.train.length + split.valid.length).toBe(1000);
    expect(Array.from(split.valid).every((r) => r % 2 === 0)).toBe(true);
    const rowPositives = Array.from(rows).reduce((s, r) => s + y[r], 0);
    const validPositives = Array.from(split.valid).reduce((s, r) => s + y[r], 0);
    expect(Math.abs(validPositives - 0.2 * rowPositives)).toBeLessThanOrEqual(1);
  });
});
