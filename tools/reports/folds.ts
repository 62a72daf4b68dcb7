// Writes the cross-validation fold of every real labelled applicant, as cv-real.ts deals them, so a reference in
// another language (tools/pyref/reference_cv.py) can score on exactly the same folds.
// Usage: npx tsx tools/reports/folds.ts --out FILE [--seed N] [--folds K]
// Output JSON: { seed, folds, rows, skIdCurr: number[], fold: number[] } where fold[i] is the validation fold of row i
// of application_train.csv in file order; skIdCurr lets the reader check that its rows are in the same order.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { realFolds } from './real-folds';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, folds: { type: 'string' }, seed: { type: 'string' } },
  });
  if (!values.out) throw new Error('--out FILE is required (where to write the fold assignment JSON)');
  // The application table alone is enough to deal the folds (they depend only on TARGET, the seed and k).
  const { tables, target, folds, seed, k } = await realFolds({
    seed: values.seed,
    folds: values.folds,
    sideTables: false,
  });
  const application = tables.application;
  // stratifiedKFold returns index lists; invert them into one fold number per row.
  const fold = new Array<number>(target.length).fill(-1);
  folds.forEach(({ valid }, f) => valid.forEach((row) => (fold[row] = f)));
  if (fold.includes(-1)) throw new Error('internal: some row is in no validation fold');
  const skIdCurr = application.getColumn('SK_ID_CURR').toArray() as number[];
  writeFileSync(
    values.out,
    JSON.stringify({ seed, folds: k, rows: target.length, skIdCurr: Array.from(skIdCurr, Number), fold }),
  );
  const sizes = folds.map((f) => f.valid.length).join(', ');
  console.error(`wrote ${values.out}: ${target.length} rows, ${k} folds (seed ${seed}), validation sizes ${sizes}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
