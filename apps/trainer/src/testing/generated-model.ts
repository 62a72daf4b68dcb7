// A small real model on generated data (libs/data generator → fitted pipeline → LightGBM), for the self-contained
// tests of the commands that read model packages (predict, export). Nothing is faked; it is only small.
import { generateSynthetic, loadTables } from '@credit-scoring/data';
import { FeaturePipeline, pythonScoring } from '@credit-scoring/features';
import { Booster, Dataset, train } from '@credit-scoring/lightgbm';
import type { ModelPackage } from '@credit-scoring/tracking';

export const GENERATED_THRESHOLD = 0.12;

export interface GeneratedModel {
  pipeline: FeaturePipeline;
  /** The package as the trainer writes it. */
  package: ModelPackage;
  booster: Booster;
}

/** Generates `rows` applicants into `dataDir` and trains a model on them behind a pipeline fitted on all tables. */
export async function generatedModel(
  dataDir: string,
  opts: { rows?: number; rounds?: number } = {},
): Promise<GeneratedModel> {
  await generateSynthetic({ rows: opts.rows ?? 1500, seed: 5, out: dataDir });
  const tables = await loadTables(dataDir);
  const pipeline = FeaturePipeline.fit(tables);
  const matrix = pipeline.transform(tables);
  const dataset = new Dataset(matrix.data, {
    nRows: matrix.nRows,
    nCols: matrix.nCols,
    label: matrix.target,
    featureNames: matrix.featureNames,
    categoricalFeatures: matrix.categoricalFeatures,
    params: { verbose: -1 },
  });
  const booster = await train({ objective: 'binary', num_leaves: 7, num_threads: 1, seed: 3, verbose: -1 }, dataset, {
    numBoostRound: opts.rounds ?? 15,
  });
  dataset.free();
  return {
    pipeline,
    booster,
    package: {
      modelText: booster.saveModel(),
      featureNames: matrix.featureNames,
      featurePipeline: pipeline.toJSON(),
      python: pythonScoring(pipeline),
      threshold: GENERATED_THRESHOLD,
      cost: { kind: 'credit', fnLoss: 1, fpLoss: 0.19 },
      metrics: { train_rows: matrix.nRows },
    },
  };
}
