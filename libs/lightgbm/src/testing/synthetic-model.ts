// Test helper (not part of the public API): a small real LightGBM model trained on generated rows, with one
// categorical column so that the text has cat_boundaries/cat_threshold too. Self-contained: no data files.
import { Random } from '@credit-scoring/data';
import { Booster } from '../booster';
import { Dataset } from '../dataset';
import { train } from '../train';

export const SYNTHETIC_COLUMNS = 6;

/** A deterministic stream in [0, 1) from the workspace's one seeded generator, so every run corrupts the same bytes. */
export function seededRandom(seed: number): () => number {
  const random = new Random(seed);
  return () => random.next();
}

/** Rows of SYNTHETIC_COLUMNS values (the last one a category 0..4) and a label that depends on them. */
export function syntheticRows(nRows: number, seed = 7): { x: Float64Array; y: Float64Array } {
  const random = seededRandom(seed);
  const x = new Float64Array(nRows * SYNTHETIC_COLUMNS);
  const y = new Float64Array(nRows);
  for (let i = 0; i < nRows; i++) {
    for (let j = 0; j < SYNTHETIC_COLUMNS - 1; j++) x[i * SYNTHETIC_COLUMNS + j] = random();
    const category = Math.floor(random() * 5);
    x[i * SYNTHETIC_COLUMNS + SYNTHETIC_COLUMNS - 1] = category;
    y[i] = x[i * SYNTHETIC_COLUMNS] + (category === 2 ? 0.4 : 0) + random() * 0.5 > 0.9 ? 1 : 0;
  }
  return { x, y };
}

export async function trainSyntheticModel(rounds = 20): Promise<{ booster: Booster; x: Float64Array }> {
  const { x, y } = syntheticRows(1000);
  const dataset = new Dataset(x, {
    nRows: 1000,
    nCols: SYNTHETIC_COLUMNS,
    label: y,
    categoricalFeatures: [SYNTHETIC_COLUMNS - 1],
  });
  const booster = await train(
    {
      objective: 'binary',
      num_leaves: 15,
      min_data_in_leaf: 5,
      verbose: -1,
      num_threads: 2,
      seed: 3,
      deterministic: true,
    },
    dataset,
    { numBoostRound: rounds },
  );
  dataset.free();
  return { booster, x };
}
