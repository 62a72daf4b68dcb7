import fs from 'node:fs';
import path from 'node:path';
import { LogisticRegression } from './logistic';
import { describeRealData } from '@credit-scoring/data/testing';
import { runLoneProcess } from './testing/lone-process';
import { realApplicationSample } from './testing/real-sample';

/*
 * Golden file written by `tools/pyref/.venv/bin/python tools/pyref/logreg_golden.py` (scikit-learn 1.7.2,
 * lbfgs, tol 1e-12): first 5000 rows of the real application_train sample, 10 numeric columns, median imputation,
 * StandardScaler, C ∈ {0.001, 1}. We repeat the same steps from the raw CSV.
 */
interface Golden {
  rows: number;
  columns: string[];
  firstId: number;
  positives: number;
  medians: number[];
  means: number[];
  scales: number[];
  fits: Array<{ C: number; coefficients: number[]; intercept: number; probabilitiesFirst10: number[] }>;
}
const golden: Golden = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'test-fixtures', 'logreg_golden.json'), 'utf8'),
);

describeRealData('LogisticRegression vs scikit-learn (real data)', () => {
  let sample: Awaited<ReturnType<typeof realApplicationSample>>;
  const labels = (): Float64Array => {
    if (!sample.target) throw new Error('the real sample has no TARGET');
    return sample.target;
  };
  beforeAll(async () => {
    sample = await realApplicationSample(golden.columns, { rows: golden.rows });
  });

  it('gives the same fit on several threads (row blocks summed in order)', async () => {
    const C = golden.fits[0].C;
    const single = await LogisticRegression.fit(sample, labels(), { C, threads: 1 });
    const parallel = await LogisticRegression.fit(sample, labels(), { C, threads: 3 });
    expect(parallel.converged).toBe(true);
    Array.from(parallel.coefficients).forEach((w, j) => expect(w).toBeCloseTo(single.coefficients[j], 9));
    expect(parallel.intercept).toBeCloseTo(single.intercept, 9);
    await expect(LogisticRegression.fit(sample, labels(), { threads: 0 })).rejects.toThrow(
      /threads must be an integer >= 1/,
    );
  });

  it('reads the same rows as the golden script', () => {
    expect(sample.nRows).toBe(golden.rows);
    expect(labels().reduce((s, v) => s + v, 0)).toBe(golden.positives);
  });

  it.each(golden.fits.map((fit) => [fit.C, fit] as const))(
    'C=%p: same imputation, scaling, coefficients, probabilities',
    async (_c, fit) => {
      const model = await LogisticRegression.fit(sample, labels(), { C: fit.C });
      expect(model.converged).toBe(true);
      expect(model.featureNames).toEqual(golden.columns);
      // Median imputation happens before scaling, so the fitted means reflect the golden medians.
      Array.from(model.means).forEach((m, j) => expect(m).toBeCloseTo(golden.means[j], 6));
      Array.from(model.scales).forEach((s, j) => expect(s / golden.scales[j]).toBeCloseTo(1, 10));
      const maxCoefDiff = Math.max(...Array.from(model.coefficients, (w, j) => Math.abs(w - fit.coefficients[j])));
      expect(maxCoefDiff).toBeLessThan(1e-5); // brief asks ~1e-4; we land within ~1e-6
      expect(Math.abs(model.intercept - fit.intercept)).toBeLessThan(1e-4);
      const proba = model.predictProba(sample.data.subarray(0, 10 * sample.nCols));
      proba.forEach((p, i) => expect(Math.abs(p - fit.probabilitiesFirst10[i])).toBeLessThan(1e-6));
    },
  );
});

describe('LogisticRegression on worker threads', () => {
  it('leaves the event loop free while the worker threads evaluate the loss, and fits as one thread does', async () => {
    // 4,000 rows x 30 noisy columns: enough L-BFGS evaluations to see timers fire between them.
    const nRows = 4000;
    const nCols = 30;
    let state = 12345;
    const uniform = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const data = Float64Array.from({ length: nRows * nCols }, uniform);
    const y = Array.from({ length: nRows }, (_, i) => (data[i * nCols] + 0.5 * uniform() > 0.75 ? 1 : 0));
    const x = {
      data,
      nRows,
      nCols,
      featureNames: Array.from({ length: nCols }, (_, j) => `F${j}`),
      categoricalFeatures: [],
    };
    let turns = 0;
    const timer = setInterval(() => turns++, 0);
    let parallel: LogisticRegression;
    try {
      parallel = await LogisticRegression.fit(x, y, { C: 10, threads: 2 });
    } finally {
      clearInterval(timer);
    }
    // A fit on the main thread alone would let no timer fire until it returns.
    expect(turns).toBeGreaterThan(3);
    const single = await LogisticRegression.fit(x, y, { C: 10, threads: 1 });
    Array.from(parallel.coefficients).forEach((w, j) => expect(w).toBeCloseTo(single.coefficients[j], 9));
  });

  it('keeps a process whose only work is the fit alive until it ends', () => {
    // Nothing else pending (no timer, socket or native call): the workers alone must hold the event loop open.
    const script = `
      const { LogisticRegression } = require(${JSON.stringify(require.resolve('./logistic'))});
      const nRows = 3000, nCols = 20;
      const data = Float64Array.from({ length: nRows * nCols }, (_, i) => Math.sin(i * 12.9898) * 0.5 + 0.5);
      const y = Array.from({ length: nRows }, (_, i) => (data[i * nCols] > 0.6 ? 1 : 0));
      const featureNames = Array.from({ length: nCols }, (_, j) => 'F' + j);
      LogisticRegression.fit({ data, nRows, nCols, featureNames, categoricalFeatures: [] }, y, { C: 1, threads: 2 })
        .then((m) => process.stdout.write('fitted ' + m.coefficients.length));`;
    const child = runLoneProcess(script, 60_000);
    expect(child.error).toBeUndefined();
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(child.stdout).toBe('fitted 20');
  });
});

describe('LogisticRegression preprocessing', () => {
  // Column 0 numeric with a missing value, column 1 a categorical code (0..2, NaN missing).
  const data = Float64Array.from([1, 0, 2, 1, NaN, 2, 4, NaN, 5, 1, 6, 0]);
  const x = { data, nRows: 6, nCols: 2, featureNames: ['AMOUNT', 'KIND'], categoricalFeatures: [1] };
  const y = [0, 1, 0, 1, 1, 0];

  it('one-hot encodes codes seen in training; unseen or missing codes give all zeros', async () => {
    const model = await LogisticRegression.fit(x, y, { C: 10 });
    expect(model.featureNames).toEqual(['AMOUNT', 'KIND=0', 'KIND=1', 'KIND=2']);
    // Median of [1,2,4,5,6] = 4 imputed → mean of [1,2,4,4,5,6] = 11/3
    expect(model.means[0]).toBeCloseTo(22 / 6, 12);
    const unseen = model.predictProba(Float64Array.from([3, 7]));
    const missing = model.predictProba(Float64Array.from([3, NaN]));
    expect(unseen[0]).toBeCloseTo(missing[0], 12);
  });

  it('constant columns (even 0.1, inexact in binary) get weight 0 and do not disturb the fit', async () => {
    const withConstant = {
      ...x,
      nCols: 3,
      featureNames: ['AMOUNT', 'KIND', 'RATE'],
      data: Float64Array.from(Array.from({ length: 6 }, (_, i) => [data[2 * i], data[2 * i + 1], 0.1]).flat()),
    };
    const model = await LogisticRegression.fit(withConstant, y, { C: 10 });
    const plain = await LogisticRegression.fit(x, y, { C: 10 });
    expect(model.coefficients[4]).toBe(0);
    Array.from(plain.coefficients).forEach((w, j) => expect(model.coefficients[j]).toBeCloseTo(w, 10));
  });

  it("'drop' ignores categorical columns", async () => {
    const model = await LogisticRegression.fit(x, y, { categorical: 'drop' });
    expect(model.featureNames).toEqual(['AMOUNT']);
  });

  it('round-trips through JSON', async () => {
    const model = await LogisticRegression.fit(x, y);
    const copy = LogisticRegression.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    expect(Array.from(copy.predictProba(data))).toEqual(Array.from(model.predictProba(data)));
  });

  it('rejects bad input', async () => {
    await expect(LogisticRegression.fit(x, [0, 1], {})).rejects.toThrow(/2 labels for 6 rows/);
    await expect(LogisticRegression.fit(x, y, { C: 0 })).rejects.toThrow(/C must be a finite number > 0/);
    await expect(LogisticRegression.fit({ ...x, nRows: 5 }, y.slice(0, 5))).rejects.toThrow(/expected nRows × nCols/);
    const model = await LogisticRegression.fit(x, y);
    expect(() => model.predictProba(Float64Array.from([1, 2, 3]))).toThrow(/not a multiple of 2 input columns/);
  });
});
