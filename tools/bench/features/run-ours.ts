// Our side of the features benchmark: load the seven tables, fit the pipeline and build the dense matrix.
// Usage: npx tsx tools/bench/features/run-ours.ts <data dir>; prints one JSON line like features_pandas.py.
import { loadTables } from '@credit-scoring/data';
import { FeaturePipeline } from '@credit-scoring/features';

async function main(dir: string): Promise<void> {
  const t0 = performance.now();
  const tables = await loadTables(dir);
  const t1 = performance.now();
  const matrix = FeaturePipeline.fit(tables).transform(tables);
  const t2 = performance.now();
  console.log(
    JSON.stringify({
      loadSeconds: (t1 - t0) / 1000,
      featureSeconds: (t2 - t1) / 1000,
      rows: matrix.nRows,
      cols: matrix.nCols,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

main(process.argv[2]).catch((e) => {
  console.error(e);
  process.exit(1);
});
