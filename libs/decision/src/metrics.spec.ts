import fs from 'node:fs';
import path from 'node:path';
import {
  accuracy,
  classificationReport,
  confusionMatrix,
  f1,
  prAuc,
  precision,
  recall,
  rocAuc,
  rocCurve,
} from './metrics';

/*
 * Golden values from scikit-learn 1.7.2: `tools/pyref/.venv/bin/python tools/pyref/metrics_golden.py` (same arrays,
 * threshold 0.5). Scores have one decimal so most of them tie — the case where naive implementations differ from
 * sklearn.
 */
const Y_TRUE = [0, 1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 1, 1, 0, 0, 1, 0];
const SCORES = [
  0.1, 0.9, 0.3, 0.3, 0.7, 0.3, 0.2, 0.9, 0.5, 0.1, 0.5, 0.7, 0.1, 0.6, 0.2, 0.3, 0.9, 0.4, 0.0, 0.8, 0.5, 0.5, 0.2,
  0.1, 0.6,
];
const Y_PRED = SCORES.map((s) => (s >= 0.5 ? 1 : 0));

describe('metrics match scikit-learn', () => {
  it('threshold-free metrics with ties', () => {
    expect(rocAuc(Y_TRUE, SCORES)).toBeCloseTo(0.73, 12);
    expect(prAuc(Y_TRUE, SCORES)).toBeCloseTo(0.6017156862745098, 12);
  });

  it('thresholded metrics', () => {
    expect(confusionMatrix(Y_TRUE, Y_PRED)).toEqual({ tn: 10, fp: 5, fn: 3, tp: 7 });
    expect(accuracy(Y_TRUE, Y_PRED)).toBeCloseTo(0.68, 12);
    expect(precision(Y_TRUE, Y_PRED)).toBeCloseTo(0.5833333333333334, 12);
    expect(recall(Y_TRUE, Y_PRED)).toBeCloseTo(0.7, 12);
    expect(f1(Y_TRUE, Y_PRED)).toBeCloseTo(0.6363636363636364, 12);
    const report = classificationReport(Y_TRUE, SCORES, 0.5);
    expect(report.f1).toBeCloseTo(0.6363636363636364, 12);
    expect(report.auc).toBeCloseTo(0.73, 12);
  });

  it('ROC curve points (drop_intermediate=False)', () => {
    const curve = rocCurve(Y_TRUE, SCORES);
    const fpr = [0, 1, 1, 2, 3, 5, 6, 8, 11, 14, 15].map((v) => v / 15);
    const tpr = [0, 0.2, 0.3, 0.4, 0.5, 0.7, 0.7, 0.9, 0.9, 1, 1];
    curve.fpr.forEach((v, k) => expect(v).toBeCloseTo(fpr[k], 12));
    curve.tpr.forEach((v, k) => expect(v).toBeCloseTo(tpr[k], 12));
    expect(curve.thresholds).toEqual([Infinity, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0]);
  });

  it('perfect, inverted and constant scores', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])).toBe(1);
    expect(rocAuc([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1])).toBe(0);
    expect(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
    // sklearn: average_precision_score([0,1,0,1], [.5]*4) == 0.5 (the positive rate)
    expect(prAuc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
  });

  it('zero-division cases follow sklearn (0, not NaN)', () => {
    expect(precision([1, 0], [0, 0])).toBe(0);
    expect(recall([0, 0], [1, 0])).toBe(0);
    expect(f1([0, 0], [0, 0])).toBe(0);
  });

  it('rejects bad input', () => {
    expect(() => rocAuc([1, 1], [0.2, 0.3])).toThrow(/needs both classes/);
    expect(() => rocAuc([1, 0], [0.2, NaN])).toThrow(/scores\[1\] = NaN/);
    expect(() => prAuc([1, 0, 1], [0.2, 0.3])).toThrow(/differ in length/);
    expect(() => confusionMatrix([], [])).toThrow(/empty input/);
  });
});

describe('metrics match scikit-learn on a larger imbalanced case (fixture)', () => {
  // test-fixtures/metrics_golden.json, written by tools/pyref/metrics_golden.py: 3000 beta-distributed scores on a
  // 0.001 grid, labels ~ Bernoulli(score), threshold 0.12.
  const golden = JSON.parse(
    fs.readFileSync(path.join(__dirname, '..', 'test-fixtures', 'metrics_golden.json'), 'utf8'),
  );
  const yPred = golden.scores.map((s: number) => (s >= golden.threshold ? 1 : 0));

  it('all metrics within 1e-12', () => {
    expect(rocAuc(golden.yTrue, golden.scores)).toBeCloseTo(golden.rocAuc, 12);
    expect(prAuc(golden.yTrue, golden.scores)).toBeCloseTo(golden.prAuc, 12);
    expect(accuracy(golden.yTrue, yPred)).toBeCloseTo(golden.accuracy, 12);
    expect(precision(golden.yTrue, yPred)).toBeCloseTo(golden.precision, 12);
    expect(recall(golden.yTrue, yPred)).toBeCloseTo(golden.recall, 12);
    expect(f1(golden.yTrue, yPred)).toBeCloseTo(golden.f1, 12);
  });
});
