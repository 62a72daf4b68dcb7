// Our binding against Python lightgbm 4.7.0 on the real Home Credit rows. The expected values come from
// tools/pyref/lightgbm_golden.py (committed under test-fixtures/; regenerate with
// `tools/pyref/.venv/bin/python tools/pyref/lightgbm_golden.py`).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeRealData, realDataDir } from '@credit-scoring/data/testing';
import { Booster, Dataset, type IterationEvent, type Params, train } from './index';
import { loadApplicationTrain, readF64, rocAuc, type NumericTable } from './test-data';

const FIXTURES = path.resolve(__dirname, '..', 'test-fixtures');
interface Golden {
  params: Params;
  rounds: number;
  columns: string[];
  nRows: number;
  nCols: number;
  full: { trainAuc: number; numTrees: number; gainImportance: number[]; splitImportance: number[]; shapRows: number };
  early: {
    split: number;
    earlyStoppingRounds: number;
    maxRounds: number;
    bestIteration: number;
    numTrees: number;
    validAuc: number;
    validAucHistory: number[];
  };
}
const golden = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'golden.json'), 'utf8')) as Golden;

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst).toBeLessThanOrEqual(tolerance);
}

const countTrees = (model: string): number => model.split('\nTree=').length - 1;

describeRealData('LightGBM binding vs Python lightgbm 4.7.0 (real Home Credit rows)', () => {
  let table: NumericTable;
  let full: Booster;

  beforeAll(async () => {
    table = loadApplicationTrain(path.join(realDataDir(), 'application_train.csv'));
    full = await train(
      golden.params,
      new Dataset(table.data, { nRows: table.nRows, nCols: table.nCols, label: table.target }),
      { numBoostRound: golden.rounds },
    );
  });

  it('reads the same numeric matrix as the Python script', () => {
    expect(table.columns).toEqual(golden.columns);
    expect([table.nRows, table.nCols]).toEqual([golden.nRows, golden.nCols]);
  });

  it('predicts every row as Python does (1e-9) and reaches the same AUC', () => {
    const pred = full.predict(table.data);
    expectClose(pred, readF64(path.join(FIXTURES, 'full_predictions.f64')), 1e-9);
    expect(Math.abs(rocAuc(table.target, pred) - golden.full.trainAuc)).toBeLessThan(1e-9);
  });

  it('has the same trees, gain and split importance', () => {
    expect(countTrees(full.saveModel())).toBe(golden.full.numTrees);
    expectClose(full.featureImportance('gain'), golden.full.gainImportance, 1e-6);
    expectClose(full.featureImportance('split'), golden.full.splitImportance, 0);
  });

  it("gives Python's SHAP values for the first rows", () => {
    const rows = table.data.subarray(0, golden.full.shapRows * table.nCols);
    expectClose(full.predictContrib(rows), readF64(path.join(FIXTURES, 'full_shap_first50.f64')), 1e-9);
  });

  it("early-stops at Python's best iteration, with the same evaluation history", async () => {
    const { split, earlyStoppingRounds, maxRounds } = golden.early;
    const nCols = table.nCols;
    const trainSet = new Dataset(table.data.subarray(0, split * nCols), {
      nRows: split,
      nCols,
      label: table.target.subarray(0, split),
    });
    const validX = table.data.subarray(split * nCols);
    const validSet = new Dataset(validX, {
      nRows: table.nRows - split,
      nCols,
      label: table.target.subarray(split),
      reference: trainSet,
    });
    const events: IterationEvent[] = [];
    const booster = await train(golden.params, trainSet, {
      valid: [validSet],
      validNames: ['valid'],
      numBoostRound: maxRounds,
      earlyStoppingRounds,
      callbacks: [(e) => events.push(e)],
    });

    expect(booster.bestIteration).toBe(golden.early.bestIteration);
    expect(events.length).toBe(golden.early.bestIteration + earlyStoppingRounds);
    expectClose(
      events.map((e) => e.evals[0].value),
      golden.early.validAucHistory,
      1e-12,
    );
    expect(events[0].evals[0]).toMatchObject({ dataName: 'valid', metric: 'auc', higherBetter: true });
    expect(countTrees(booster.saveModel())).toBe(golden.early.numTrees);
    const pred = booster.predict(validX);
    expectClose(pred, readF64(path.join(FIXTURES, 'early_valid_predictions.f64')), 1e-9);
    expect(Math.abs(rocAuc(table.target.subarray(split), pred) - golden.early.validAuc)).toBeLessThan(1e-9);
    trainSet.free();
    validSet.free();
  });
});
