// Test helper (not part of the public API): a small real LightGBM model trained on generated rows, with one
// categorical column so that the text has cat_boundaries/cat_threshold too. Self-contained: no data files.
import { Booster } from '../booster';
import { Dataset } from '../dataset';
import { train } from '../train';

export const SYNTHETIC_COLUMNS = 6;

/** A deterministic pseudo-random stream in [0, 1) (xorshift32), so every run corrupts the same bytes. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
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
