// Accuracy on the real Home Credit sample, comparable with the Python reference (5-fold stratified CV over all
// 14,368 labelled applicants): our feature pipeline refitted inside each fold, the trainer's LightGBM spec
// (early stopping on an inner 15 % split of the training fold, never on the scored fold, then a refit on the whole
// training fold). tools/reports/folds.ts writes the same folds for tools/pyref/reference_cv.py.
// Usage: npx tsx tools/reports/cv-real.ts [--application-only] [--params '{"learning_rate":0.02}'] [--seed N] [--folds K]
import { parseArgs } from 'node:util';
import { DEFAULT_CREDIT_COST } from '@credit-scoring/decision';
import { crossValidate, featurePipelineFitter, lightgbmSpec, type HyperParams } from '@credit-scoring/scoring';
import { realFolds } from './real-folds';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'application-only': { type: 'boolean' },
      params: { type: 'string' },
      folds: { type: 'string' },
      seed: { type: 'string' },
    },
  });
  const sideTables = !values['application-only'];
  const params = JSON.parse(values.params ?? '{}') as HyperParams;
  // Seed 42 is the trainer's; another seed re-deals the folds (a check that a figure is not one split's luck).
  const { tables, folds, seed } = await realFolds({ seed: values.seed, folds: values.folds, sideTables });
  const cv = await crossValidate(lightgbmSpec, params, tables, folds, {
    costModel: DEFAULT_CREDIT_COST,
    seed,
    fitPipeline: featurePipelineFitter({ sideTables }),
    onFold: ({ fold, folds: n, auc }) => console.error(`fold ${fold}/${n}: AUC ${auc.toFixed(4)}`),
  });
  console.log(
    JSON.stringify({
      sideTables,
      seed,
      params: cv.params,
      foldAuc: cv.folds.map((f) => Number(f.auc.toFixed(4))),
      meanAuc: cv.mean.auc,
      stdAuc: cv.std.auc,
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
