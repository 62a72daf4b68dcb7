// A small but real model bundle from generated data, for the fault tools when no trained bundle is at hand:
// synthetic Home Credit tables (libs/data), the real feature pipeline, LightGBM, and the model package writer (with
// its checksums). Not a model to serve: 2,000 applicants, 30 rounds.
//
//   npx tsx tools/faults/synthetic-bundle.ts tmp/faults-bundle
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateSynthetic, loadTables } from '@credit-scoring/data';
import { FeaturePipeline } from '@credit-scoring/features';
import { Dataset, train } from '@credit-scoring/lightgbm';
import { writeModelPackage } from '@credit-scoring/tracking';

async function main(out: string): Promise<void> {
  const data = mkdtempSync(path.join(os.tmpdir(), 'faults-data-'));
  try {
    await generateSynthetic({ rows: 2000, seed: 11, out: data });
    const tables = await loadTables(data, { application: 'train' });
    const pipeline = FeaturePipeline.fit(tables);
    const matrix = pipeline.transform(tables);
    if (!matrix.target) throw new Error('generated application_train has no TARGET');
    const dataset = new Dataset(matrix.data, {
      nRows: matrix.nRows,
      nCols: matrix.nCols,
      label: matrix.target,
      featureNames: matrix.featureNames,
      categoricalFeatures: matrix.categoricalFeatures,
      params: { verbose: -1 },
    });
    const params = { objective: 'binary', num_leaves: 15, min_data_in_leaf: 20, verbose: -1, num_threads: 1 };
    const booster = await train(params, dataset, { numBoostRound: 30 });
    const cost = { kind: 'credit', fnLoss: 1, fpLoss: 0.19 };
    await writeModelPackage(
      out,
      'synthetic',
      {
        modelText: booster.saveModel(),
        featureNames: matrix.featureNames,
        featurePipeline: pipeline.toJSON(),
        threshold: cost.fpLoss / (cost.fpLoss + cost.fnLoss),
        cost,
        metrics: { train_rows: matrix.nRows },
      },
      { name: 'credit-scoring', version: 'synthetic' },
    );
    process.stdout.write(`synthetic bundle written to ${path.resolve(out)}\n`);
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
}

const out = process.argv[2];
if (!out) {
  process.stderr.write('usage: npx tsx tools/faults/synthetic-bundle.ts <out-dir>\n');
  process.exit(2);
}
main(out).catch((error: unknown) => {
  process.stderr.write(`synthetic-bundle: ${(error as Error).message}\n`);
  process.exit(2);
});
