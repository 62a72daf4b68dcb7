// Writes the cross-validation fold of every real labelled applicant, as cv-real.ts deals them, so a reference in
// another language (tools/pyref/reference_cv.py) can score on exactly the same folds.
// Usage: npx tsx tools/reports/folds.ts --out FILE [--seed N] [--folds K]
// Output JSON: { seed, folds, rows, skIdCurr: number[], fold: number[] } where fold[i] is the validation fold of row i
// of application_train.csv in file order; skIdCurr lets the reader check that its rows are in the same order.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadTables, realDataDir } from '@credit-scoring/data';
import { stratifiedKFold } from '@credit-scoring/scoring';

function integerOption(name: string, raw: string | undefined, fallback: number): number {
  const value = Number(raw ?? fallback);
  if (!Number.isInteger(value)) throw new Error(`--${name} must be an integer, got ${raw}`);
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string' }, folds: { type: 'string' }, seed: { type: 'string' } } });
  if (!values.out) throw new Error('--out FILE is required (where to write the fold assignment JSON)');
  // Same defaults as cv-real.ts: seed 42 is the trainer's, 5 folds.
  const seed = integerOption('seed', values.seed, 42);
  const k = integerOption('folds', values.folds, 5);
  const { application } = await loadTables(realDataDir(), { sideTables: false });
  const target = Float64Array.from(application.getColumn('TARGET').toArray() as number[]);
  const folds = stratifiedKFold(target, k, seed);
  // stratifiedKFold returns index lists; invert them into one fold number per row.
  const fold = new Array<number>(target.length).fill(-1);
  folds.forEach(({ valid }, f) => valid.forEach((row) => (fold[row] = f)));
  if (fold.includes(-1)) throw new Error('internal: some row is in no validation fold');
  const skIdCurr = application.getColumn('SK_ID_CURR').toArray() as number[];
  writeFileSync(values.out, JSON.stringify({ seed, folds: k, rows: target.length, skIdCurr: Array.from(skIdCurr, Number), fold }));
  const sizes = folds.map((f) => f.valid.length).join(', ');
  console.error(`wrote ${values.out}: ${target.length} rows, ${k} folds (seed ${seed}), validation sizes ${sizes}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
