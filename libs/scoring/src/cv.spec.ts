import { comparisonCells, comparisonMarkdown, comparisonRow, searchedRow } from './compare';
import { crossValidate, PreparedFolds, reuseFoldPipelines, RowTransformer, TrialPruned } from './cv';
import { FoldDatasets } from './fold-datasets';
import { stratifiedKFold } from './folds';
import { LabelledMatrix, selectRows } from './matrix';
import { lightgbmSpec, plainGbmSpec, randomForestSpec } from './boosters';
import { dummySpec, HyperParams, logisticSpec, ModelSpec } from './models';
import { describeRealData } from '@credit-scoring/data/testing';
import { hyperparameterSearch, SearchProgress, TrialControl } from './search';
import { generatedApplicationSample, realApplicationSample } from './testing/real-sample';

const COLUMNS = [
  'AMT_INCOME_TOTAL',
  'AMT_CREDIT',
  'AMT_ANNUITY',
  'AMT_GOODS_PRICE',
  'DAYS_BIRTH',
  'DAYS_EMPLOYED',
  'OWN_CAR_AGE',
  'EXT_SOURCE_1',
  'EXT_SOURCE_2',
  'EXT_SOURCE_3',
];
const unit = { kind: 'unit', fn: 10, fp: 1 } as const;

/** Shared by both tiers: the sample and what a logistic regression on these 10 columns must reach on it. */
function cvSuite(
  describeTier: (name: string, fn: () => void) => void,
  title: string,
  load: () => Promise<LabelledMatrix>,
  minLogisticAuc: number,
): void {
  describeTier(title, () => {
    let sample: LabelledMatrix;
    let y: Float64Array;
    beforeAll(async () => {
      sample = await load();
      if (!sample.target) throw new Error('no TARGET');
      y = sample.target;
    });

    it('dummy has AUC 0.5; logistic beats it on AUC and business cost; OOF covers every row', async () => {
      const folds = stratifiedKFold(y, 5, 1);
      const dummy = await crossValidate(dummySpec, {}, sample, folds, { costModel: unit });
      const logistic = await crossValidate(logisticSpec, { C: 0.1 }, sample, folds, { costModel: unit });
      expect(dummy.mean.auc).toBe(0.5);
      expect(logistic.mean.auc).toBeGreaterThan(minLogisticAuc); // EXT_SOURCE_* alone carry most of the signal
      expect(logistic.mean.normalizedCost).toBeLessThan(dummy.mean.normalizedCost);
      expect(logistic.folds).toHaveLength(5);
      expect(Array.from(logistic.oof).every((p) => p >= 0 && p <= 1)).toBe(true);
      expect(Array.from(logistic.yTrue)).toEqual(Array.from(y));
      expect(logistic.folds.reduce((s, f) => s + f.nValid, 0)).toBe(sample.nRows);
      expect(logistic.std.auc).toBeGreaterThan(0);
    });

    it('boosters: folds fitted two at a time on one thread each give the same result as one by one', async () => {
      const folds = stratifiedKFold(y, 4, 3);
      for (const spec of [lightgbmSpec, randomForestSpec]) {
        const params: HyperParams = spec === lightgbmSpec ? { num_boost_round: 200, learning_rate: 0.1 } : {};
        const opts = { costModel: unit, seed: 5, threads: 2 };
        const serial = await crossValidate(spec, params, sample, folds, opts);
        const finished: number[] = [];
        const concurrent = await crossValidate(spec, params, sample, folds, {
          ...opts,
          concurrency: 2,
          onFold: (e) => finished.push(e.fold),
        });
        expect(finished.sort()).toEqual([1, 2, 3, 4]);
        expect(Array.from(concurrent.oof)).toEqual(Array.from(serial.oof));
        expect(concurrent.folds.map((f) => f.info)).toEqual(serial.folds.map((f) => f.info));
      }
    });
  });
}

cvSuite(
  describe,
  'crossValidate on generated data (10 numeric columns)',
  () => generatedApplicationSample(COLUMNS),
  0.68,
);
cvSuite(
  describeRealData,
  'crossValidate on a real sample (4000 applicants, 10 numeric columns)',
  () => realApplicationSample(COLUMNS, { rows: 4000 }),
  0.68,
);

// The searches are logic, not data quirks: they run on generated rows only.
describe('hyperparameter search over CV on generated data', () => {
  let sample: LabelledMatrix;
  let y: Float64Array;
  beforeAll(async () => {
    sample = await generatedApplicationSample(COLUMNS);
    if (!sample.target) throw new Error('no TARGET');
    y = sample.target;
  });

  it('budgeted random search: seeded, defaults first, progress with ETA, best = lowest CV cost', async () => {
    const folds = stratifiedKFold(y, 3, 2);
    const evaluate = (params: Record<string, string | number | boolean>) =>
      crossValidate(logisticSpec, params, sample, folds, { costModel: unit });
    const progress: SearchProgress[] = [];
    const run = () =>
      hyperparameterSearch(logisticSpec, evaluate, { trials: 4, seed: 9, onProgress: (p) => progress.push(p) });
    const first = await run();
    expect(first.trials).toHaveLength(4);
    expect(first.trials[0].params.C).toBe(logisticSpec.defaults.C);
    expect(first.best.score).toBe(Math.min(...first.trials.map((t) => t.score)));
    for (const t of first.trials.slice(1)) expect(Number(t.params.C)).toBeGreaterThanOrEqual(1e-4);
    expect(progress.map((p) => `${p.trial}/${p.trials}`)).toEqual(['1/4', '2/4', '3/4', '4/4']);
    expect(progress[3].etaSeconds).toBe(0);
    expect(progress[0].etaSeconds).toBeGreaterThanOrEqual(0);
    const again = await run();
    expect(again.trials.map((t) => t.params)).toEqual(first.trials.map((t) => t.params));
  });

  it("FoldDatasets: gbm_plain's trials bin each fold once and score as if each had binned its own", async () => {
    const folds = stratifiedKFold(y, 3, 4);
    const prepared = PreparedFolds.prepare(sample, folds, () => ({
      transform: (m: LabelledMatrix, { rows }) => selectRows(m, rows),
    }));
    const opts = { costModel: unit, seed: 5, threads: 2, concurrency: 2 };
    const trials: Array<[ModelSpec, HyperParams[], number]> = [
      // early stopping on an inner split, then a refit on the fold: three datasets per fold, built by the first trial
      [plainGbmSpec, [{ num_boost_round: 150 }, { min_data_in_leaf: 5, max_depth: 4, learning_rate: 0.05 }], 3],
      // a flavour that samples features bins its own datasets for every fit
      [lightgbmSpec, [{ num_boost_round: 150 }, { min_data_in_leaf: 10, num_leaves: 31 }], 0],
    ];
    for (const [spec, trialParams, perFold] of trials) {
      const datasets = new FoldDatasets();
      try {
        for (const params of trialParams) {
          const kept = await crossValidate(spec, params, prepared, folds, { ...opts, datasets });
          expect(datasets.size).toBe(perFold * folds.length);
          const own = await crossValidate(spec, params, prepared, folds, opts);
          expect(Array.from(kept.oof)).toEqual(Array.from(own.oof));
          expect(kept.folds.map((f) => f.info)).toEqual(own.folds.map((f) => f.info));
        }
      } finally {
        datasets.free();
      }
      const build = () => {
        throw new Error('built after free()');
      };
      expect(() => datasets.get(sample, { part: 'all', seed: 0, categorical: false }, build)).toThrow(/used after/);
    }
  });

  it('TPE refinement on CV stays inside the space and never reports worse than the defaults', async () => {
    const folds = stratifiedKFold(y, 3, 3);
    const evaluate = (params: Record<string, string | number | boolean>) =>
      crossValidate(logisticSpec, params, sample, folds, { costModel: unit });
    const result = await hyperparameterSearch(logisticSpec, evaluate, {
      trials: 8,
      seed: 4,
      tpe: true,
      startupTrials: 4,
    });
    expect(result.trials).toHaveLength(8);
    for (const t of result.trials) {
      expect(Number(t.params.C)).toBeGreaterThanOrEqual(1e-4);
      expect(Number(t.params.C)).toBeLessThanOrEqual(10);
    }
    expect(result.best.score).toBeLessThanOrEqual(result.trials[0].score);
  });

  it('prune: a clearly losing trial stops after two folds; the draws and the best are those of the full search', async () => {
    // A one-column scorer: the default column EXT_SOURCE_2 ranks applicants well, AMT_INCOME_TOTAL hardly at all.
    const columnSpec: ModelSpec = {
      name: 'one_column',
      description: 'the probability is a squashed column value',
      defaults: { column: COLUMNS.indexOf('EXT_SOURCE_2') },
      space: {
        column: { type: 'choice', values: [COLUMNS.indexOf('EXT_SOURCE_2'), COLUMNS.indexOf('AMT_INCOME_TOTAL')] },
      },
      fit: async (train, _valid, params = {}) => {
        const column = Number(params.column ?? columnSpec.defaults.column);
        const nCols = train.nCols;
        const score = (v: number) => (Number.isNaN(v) ? 0.5 : 1 / (1 + Math.exp(v / (Math.abs(v) + 1))));
        return {
          modelName: 'one_column',
          info: {},
          predictProba: (data) =>
            Float64Array.from({ length: data.length / nCols }, (_, i) => score(data[i * nCols + column])),
          free: () => undefined,
        };
      },
    };
    const folds = stratifiedKFold(y, 5, 2);
    const foldsRun: number[] = [];
    const evaluate = (params: HyperParams, control: TrialControl) =>
      crossValidate(columnSpec, params, sample, folds, { costModel: unit, ...control }).catch((error: unknown) => {
        if (error instanceof TrialPruned) foldsRun.push(error.folds.length);
        throw error;
      });
    const full = await hyperparameterSearch(columnSpec, evaluate, { trials: 3, seed: 1 });
    const pruned = await hyperparameterSearch(columnSpec, evaluate, {
      trials: 3,
      seed: 1,
      prune: { margin: 0.02, minFolds: 2 },
    });
    // Trial 1 is the defaults ({}), so trial 3 may draw the default column again.
    expect(full.trials.map((t) => t.params.column)).toEqual([8, 0, 8]);
    expect(full.trials[1].auc).toBeLessThan(full.trials[0].auc - 0.05);
    expect(pruned.trials.map((t) => t.index)).toEqual([1, 3]);
    expect(pruned.pruned.map((t) => [t.index, t.params.column, t.folds.length])).toEqual([[2, 0, 2]]);
    expect(foldsRun).toEqual([2]);
    expect(pruned.pruned[0].bestAuc).toBeCloseTo(
      (full.trials[0].cv.folds[0].auc + full.trials[0].cv.folds[1].auc) / 2,
      12,
    );
    expect(pruned.best.params).toEqual(full.best.params);
    expect(pruned.best.score).toBe(full.best.score);
    // A margin the losing trial stays within: nothing is pruned.
    const lenient = await hyperparameterSearch(columnSpec, evaluate, {
      trials: 3,
      seed: 1,
      prune: { margin: 0.5, minFolds: 2 },
    });
    expect(lenient.pruned).toEqual([]);
    expect(lenient.trials.map((t) => t.score)).toEqual(full.trials.map((t) => t.score));
  });
});

describe('TPE refinement on a known objective', () => {
  // Score = squared distance of log10(C) from log10(0.05), wrapped as a CvResult: TPE trials must cluster nearer the
  // optimum than the random start-up trials do.
  const scoreOf = (c: number) => (Math.log10(c) - Math.log10(0.05)) ** 2;
  const asCv = (params: Record<string, string | number | boolean>) => {
    const merged = { ...logisticSpec.defaults, ...params };
    const metrics = {
      auc: 0.5,
      prAuc: 0,
      accuracy: 0,
      precision: 0,
      recall: 0,
      f1: 0,
      normalizedCost: scoreOf(Number(merged.C)),
    };
    return Promise.resolve({
      model: 'logistic',
      params: merged,
      folds: [],
      mean: metrics,
      std: metrics,
      threshold: 0.5,
      oof: new Float64Array(),
      yTrue: new Float64Array(),
      amtCredit: new Float64Array(),
    });
  };
  it('a time budget stops the search (the defaults always run)', async () => {
    const result = await hyperparameterSearch(logisticSpec, asCv, { trials: 10, seed: 1, timeBudgetSeconds: 0 });
    expect(result.trials).toHaveLength(1);
    expect(result.stoppedBy).toBe('time');
    expect((await hyperparameterSearch(logisticSpec, asCv, { trials: 3, seed: 1 })).stoppedBy).toBe('trials');
  });

  it('later trials concentrate near the optimum', async () => {
    const result = await hyperparameterSearch(logisticSpec, asCv, {
      trials: 40,
      seed: 11,
      tpe: true,
      startupTrials: 10,
    });
    const median = (v: number[]) => v.slice().sort((a, b) => a - b)[v.length >> 1];
    const randomPhase = median(result.trials.slice(1, 10).map((t) => t.score));
    const tpePhase = median(result.trials.slice(10).map((t) => t.score));
    expect(tpePhase).toBeLessThan(randomPhase / 4);
    expect(Math.abs(Math.log10(Number(result.best.params.C)) - Math.log10(0.05))).toBeLessThan(0.1);
  });
});

describe('no leakage: the feature pipeline is fitted inside each fold', () => {
  /*
   * A small real encoder (not a mock): learns the category levels of its training rows, codes them 0..K-1 and
   * gives NaN to anything else. Category 'only-in-row-7' exists in a single row, so in the fold where row 7 is
   * validated, a leak-free fit must not know it.
   */
  interface Table {
    kind: string[];
    amount: number[];
    target: number[];
  }
  const n = 40;
  const table: Table = {
    kind: Array.from({ length: n }, (_, i) => (i === 7 ? 'only-in-row-7' : i % 3 === 0 ? 'a' : 'b')),
    amount: Array.from({ length: n }, (_, i) => 1000 + i),
    target: Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 1 : 0)),
  };
  const fittedOn: Array<{ rows: number[]; levels: string[] }> = [];
  const fitEncoder = (t: Table, trainRows: Int32Array): RowTransformer<Table> => {
    const levels = [...new Set(Array.from(trainRows, (r) => t.kind[r]))].sort();
    fittedOn.push({ rows: Array.from(trainRows), levels });
    return {
      transform: (tt, { rows }) => ({
        data: Float64Array.from(
          Array.from(rows).flatMap((r) => [
            levels.includes(tt.kind[r]) ? levels.indexOf(tt.kind[r]) : NaN,
            tt.amount[r],
          ]),
        ),
        nRows: rows.length,
        nCols: 2,
        featureNames: ['KIND', 'AMOUNT'],
        categoricalFeatures: [0],
        target: Float64Array.from(rows, (r) => tt.target[r]),
        amtCredit: Float64Array.from(rows, (r) => tt.amount[r]),
      }),
    };
  };

  it('fits once per fold on the training rows only', async () => {
    const folds = stratifiedKFold(table.target, 4, 0);
    const result = await crossValidate(logisticSpec, {}, table, folds, { costModel: unit, fitPipeline: fitEncoder });
    expect(fittedOn).toHaveLength(4);
    folds.forEach((fold, k) => {
      expect(fittedOn[k].rows).toEqual(Array.from(fold.train));
      const seesRow7 = Array.from(fold.valid).includes(7);
      expect(fittedOn[k].levels.includes('only-in-row-7')).toBe(!seesRow7);
    });
    expect(result.oof.length).toBe(n);
    expect(Array.from(result.amtCredit)).toEqual(table.amount);
  });

  it('reuseFoldPipelines fits each fold once across repeated CVs (a search), with identical results', async () => {
    const folds = stratifiedKFold(table.target, 4, 1);
    fittedOn.length = 0;
    const reused = reuseFoldPipelines(fitEncoder);
    const first = await crossValidate(logisticSpec, { C: 1 }, table, folds, { costModel: unit, fitPipeline: reused });
    const second = await crossValidate(logisticSpec, { C: 1 }, table, folds, { costModel: unit, fitPipeline: reused });
    expect(fittedOn).toHaveLength(4);
    expect(Array.from(second.oof)).toEqual(Array.from(first.oof));
    await crossValidate(logisticSpec, { C: 1 }, { ...table }, folds, { costModel: unit, fitPipeline: reused });
    expect(fittedOn).toHaveLength(8); // another tables object: fitted afresh
  });
});

describe('comparisonRow', () => {
  it('scores the test set at the CV threshold', async () => {
    const cv = {
      model: 'x',
      params: { C: 1 },
      threshold: 0.5,
      folds: [],
      oof: new Float64Array(),
      yTrue: new Float64Array(),
      amtCredit: new Float64Array(),
      mean: { auc: 0.7, prAuc: 0.2, accuracy: 0.9, precision: 0.3, recall: 0.4, f1: 0.3, normalizedCost: 0.42 },
      std: { auc: 0, prAuc: 0, accuracy: 0, precision: 0, recall: 0, f1: 0, normalizedCost: 0 },
    };
    // Test: decisions at 0.5 → [1, 0, 1, 0] vs truth [1, 1, 0, 0]: one FN (10) and one FP (1) over 4 applicants.
    const row = comparisonRow({
      model: 'logistic',
      cv,
      test: { yTrue: [1, 1, 0, 0], prob: [0.9, 0.2, 0.6, 0.1] },
      costModel: unit,
    });
    expect(row).toEqual({
      model: 'logistic',
      bestParams: { C: 1 },
      threshold: 0.5,
      accuracy: 0.5,
      auc: 0.75,
      f1: 0.5,
      cvAuc: 0.7,
      cvCost: 0.42,
      testCost: 11 / 4,
    });
    expect(comparisonMarkdown([row])).toContain(
      '| logistic | C=1 | 0.500 | 0.7000 | 0.7500 | 0.5000 | 0.5000 | 0.42 | 2.75 |',
    );

    // A family without a final fit keeps its CV figures; its test cells are blank, and it comes after tested rows.
    const searched = searchedRow({ model: 'gbm_plain', cv: { ...cv, mean: { ...cv.mean, normalizedCost: 0.1 } } });
    expect(searched).toMatchObject({ auc: null, accuracy: null, f1: null, testCost: null, cvCost: 0.1, cvAuc: 0.7 });
    const cheaper = searchedRow({ model: 'dummy', cv: { ...cv, mean: { ...cv.mean, normalizedCost: 0.05 } } });
    const cells = comparisonCells([searched, row, cheaper]);
    expect(cells.map((c) => c.row.model)).toEqual(['logistic', 'dummy', 'gbm_plain']);
    expect(cells[2].cells).toEqual(['0.500', '0.7000', '—', '—', '—', '0.10', '—']);
    expect(comparisonMarkdown([searched])).toContain('| gbm_plain | C=1 | 0.500 | 0.7000 | — | — | — | 0.10 | — |');
  });
});
