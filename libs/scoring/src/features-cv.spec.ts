import { HomeCreditTables, loadTables, realDataDir } from '@credit-scoring/data';
import { describeRealData, SYNTHETIC, syntheticDataDir } from '@credit-scoring/data/testing';
import { FeaturePipeline, FittedPipelineState } from '@credit-scoring/features';
import { crossValidate, PreparedFolds } from './cv';
import { applicationTarget, featurePipelineFitter } from './feature-folds';
import { stratifiedKFold } from './folds';
import { logisticSpec } from './models';

/*
 * No leakage with the real feature pipeline: in every fold, the fitted category levels of every text field come from
 * that fold's training rows only (the pipeline may drop placeholders such as 'XNA') — values seen only in validation
 * rows stay unknown.
 */
function featureCvSuite(
  describeTier: (name: string, fn: () => void) => void,
  title: string,
  dir: () => Promise<string>,
  rows: number,
  minAuc: number,
): void {
  describeTier(title, () => {
    let tables: HomeCreditTables;
    let y: Float64Array;
    beforeAll(async () => {
      const all = await loadTables(await dir(), { application: 'train', sideTables: false });
      tables = { application: all.application.head(rows) };
      y = applicationTarget(tables);
    });

    it('fits the pipeline per fold on training rows only, and logistic regression learns', async () => {
      const folds = stratifiedKFold(y, 3, 7);
      const states: FittedPipelineState[] = [];
      const fitFeatures = featurePipelineFitter();
      const result = await crossValidate(logisticSpec, { C: 0.05 }, tables, folds, {
        costModel: { kind: 'credit', fnLoss: 1, fpLoss: 0.19 },
        fitPipeline: (t, rows) => {
          const pipeline = fitFeatures(t, rows) as FeaturePipeline;
          states.push(pipeline.toJSON());
          return pipeline;
        },
      });
      expect(states).toHaveLength(3);
      let validOnlyValues = 0;
      folds.forEach((fold, k) => {
        for (const field of states[k].applicationText) {
          const values = tables.application.getColumn(field).toArray() as Array<string | null>;
          const inTrain = new Set(Array.from(fold.train, (r) => values[r]).filter((v): v is string => v !== null));
          const levels = states[k].categoryLevels[field];
          expect(levels.filter((v) => !inTrain.has(v))).toEqual([]);
          const validOnly = new Set(
            Array.from(fold.valid, (r) => values[r]).filter((v): v is string => v !== null && !inTrain.has(v)),
          );
          expect(levels.filter((v) => validOnly.has(v))).toEqual([]);
          validOnlyValues += validOnly.size;
        }
      });
      // The check has teeth: some category values occur in validation rows only.
      expect(validOnlyValues).toBeGreaterThan(0);
      expect(result.mean.auc).toBeGreaterThan(minAuc);
      expect(Array.from(result.yTrue)).toEqual(Array.from(y));
    });

    it('PreparedFolds: the same result as fitting inside crossValidate, without the tables', async () => {
      const folds = stratifiedKFold(y, 3, 7);
      const opts = { costModel: { kind: 'credit' as const, fnLoss: 1, fpLoss: 0.19 } };
      const fitted = await crossValidate(logisticSpec, { C: 0.05 }, tables, folds, {
        ...opts,
        fitPipeline: featurePipelineFitter(),
      });
      const prepared = PreparedFolds.prepare(tables, folds, featurePipelineFitter());
      const reused = await crossValidate(logisticSpec, { C: 0.05 }, prepared, folds, opts);
      expect(Array.from(reused.oof)).toEqual(Array.from(fitted.oof));
      expect(reused.mean).toEqual(fitted.mean);
      const other = stratifiedKFold(y, 3, 8);
      await expect(crossValidate(logisticSpec, {}, prepared, other, opts)).rejects.toThrow(/not prepared/);
    });
  });
}

// Application table only, 1000 generated applicants: AUC about 0.64.
featureCvSuite(
  describe,
  'crossValidate with the real FeaturePipeline (generated applications)',
  () => syntheticDataDir(SYNTHETIC),
  SYNTHETIC.rows,
  0.6,
);
// 6000 applicants keep the suite fast; the check is the same on all 14 368.
featureCvSuite(
  describeRealData,
  'crossValidate with the real FeaturePipeline (6000 real applications)',
  async () => realDataDir(),
  6000,
  0.68,
);

describe('applicationTarget', () => {
  it('rejects a table without TARGET', async () => {
    const test = await loadTables(await syntheticDataDir(SYNTHETIC), { application: 'test', sideTables: false });
    expect(() => applicationTarget(test)).toThrow(/has no TARGET column/);
  });
});
