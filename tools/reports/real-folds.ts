// The one place the report scripts deal the real labelled applicants into CV folds, so cv-real.ts and folds.ts (which
// hands the folds to the Python reference) cannot drift apart. Seed 42 and 5 folds are the trainer's defaults.
import { loadTables, realDataDir, type HomeCreditTables } from '@credit-scoring/data';
import { applicationTarget, stratifiedKFold, type Fold } from '@credit-scoring/scoring';

export interface RealFolds {
  tables: HomeCreditTables;
  target: Float64Array;
  folds: Fold[];
  seed: number;
  k: number;
}

function integerOption(name: string, raw: string | undefined, fallback: number, min: number): number {
  const value = Number(raw ?? fallback);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer >= ${min}, got ${raw}`);
  return value;
}

/** Loads the real sample and deals its folds; `seed` and `folds` are the raw --seed / --folds flags. */
export async function realFolds(flags: { seed?: string; folds?: string; sideTables: boolean }): Promise<RealFolds> {
  const seed = integerOption('seed', flags.seed, 42, 0);
  const k = integerOption('folds', flags.folds, 5, 2);
  const tables = await loadTables(realDataDir(), { sideTables: flags.sideTables });
  const target = applicationTarget(tables);
  return { tables, target, folds: stratifiedKFold(target, k, seed), seed, k };
}
