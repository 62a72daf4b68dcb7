import { Mulberry32Random } from '@credit-scoring/data';
import { ImportanceRow, ShapPoint } from './plots/charts';

/** The parts of a LightGBM Booster (@credit-scoring/lightgbm) that importance and SHAP need. */
export interface ExplainableBooster {
  readonly featureNames: string[];
  readonly numFeature: number;
  featureImportance(type?: 'gain' | 'split', numIteration?: number): Float64Array;
  predictContrib(data: Float64Array | Float32Array, opts?: { numIteration?: number }): Float64Array;
}

export interface ImportanceTableRow extends ImportanceRow {
  share: number;
  rank: number;
}

/** Importance values per feature, sorted from most to least important, with each feature's share of the total. */
export function importanceTable(featureNames: string[], values: ArrayLike<number>): ImportanceTableRow[] {
  if (featureNames.length !== values.length) {
    throw new Error(`importanceTable: ${featureNames.length} feature names for ${values.length} importance values`);
  }
  const total = Array.from(values).reduce((s, v) => s + v, 0);
  return featureNames
    .map((feature, j) => ({ feature, importance: values[j], share: total > 0 ? values[j] / total : 0, rank: 0 }))
    .sort((a, b) => b.importance - a.importance || a.feature.localeCompare(b.feature))
    .map((row, k) => ({ ...row, rank: k + 1 }));
}

/** Total gain of the splits on each feature (LightGBM's importance_type='gain'), up to the best iteration. */
export function gainImportance(
  booster: ExplainableBooster,
  opts: { numIteration?: number } = {},
): ImportanceTableRow[] {
  return importanceTable(booster.featureNames, booster.featureImportance('gain', opts.numIteration));
}

export interface ShapSummary {
  /** Mean |contribution| per feature, largest first (the usual global SHAP importance). */
  features: Array<{ feature: string; meanAbsContribution: number }>;
  /** Mean of the bias column (the model's expected raw score). */
  expectedValue: number;
  /** Top features, in display order, and a row sample of their contributions for the beeswarm plot. */
  featureOrder: string[];
  points: ShapPoint[];
}

/**
 * Summary of a contribution matrix (nRows × (nFeatures + 1), last column = bias, as LightGBM's predict_contrib
 * returns). `data` is the feature matrix the contributions were computed on (row-major, same columns); it only
 * colours the beeswarm (each dot's value rank within its feature, 0 = lowest, 1 = highest, null = missing).
 */
export function summarizeContributions(
  contribs: Float64Array,
  data: Float64Array,
  featureNames: string[],
  opts: { top?: number; maxPoints?: number; seed?: number } = {},
): ShapSummary {
  const d = featureNames.length;
  const width = d + 1;
  if (contribs.length % width !== 0) {
    throw new Error(
      `summarizeContributions: ${contribs.length} contributions is not a multiple of ${d} features + bias`,
    );
  }
  const nRows = contribs.length / width;
  if (data.length !== nRows * d) {
    throw new Error(`summarizeContributions: data has ${data.length} values, expected ${nRows} rows × ${d} features`);
  }
  const meanAbs = new Float64Array(d);
  let bias = 0;
  for (let i = 0; i < nRows; i++) {
    for (let j = 0; j < d; j++) meanAbs[j] += Math.abs(contribs[i * width + j]);
    bias += contribs[i * width + d];
  }
  const features = featureNames
    .map((feature, j) => ({ feature, meanAbsContribution: meanAbs[j] / nRows, column: j }))
    .sort((a, b) => b.meanAbsContribution - a.meanAbsContribution);
  const top = features.slice(0, opts.top ?? 20);

  const random = new Mulberry32Random(opts.seed ?? 0);
  const sampleRows = random.shuffle(Int32Array.from({ length: nRows }, (_, i) => i)).slice(0, opts.maxPoints ?? 1000);
  const points: ShapPoint[] = [];
  for (const { feature, column } of top) {
    const values = Array.from(sampleRows, (i) => data[i * d + column]);
    const ranks = valueRanks(values);
    sampleRows.forEach((i, k) =>
      points.push({
        feature,
        contribution: contribs[i * width + column],
        valueRank: ranks[k],
        jitter: 2 * random.next() - 1,
      }),
    );
  }
  return {
    features: features.map(({ feature, meanAbsContribution }) => ({ feature, meanAbsContribution })),
    expectedValue: bias / nRows,
    featureOrder: top.map((f) => f.feature),
    points,
  };
}

/** SHAP summary straight from a booster: contributions on `data` (row-major, booster.numFeature columns). */
export function shapSummary(
  booster: ExplainableBooster,
  data: Float64Array,
  opts: { top?: number; maxPoints?: number; seed?: number; numIteration?: number } = {},
): ShapSummary {
  const contribs = booster.predictContrib(data, { numIteration: opts.numIteration });
  return summarizeContributions(contribs, data, booster.featureNames, opts);
}

/** Percentile rank (0..1) of each value among the non-missing ones; null for missing. */
function valueRanks(values: number[]): Array<number | null> {
  const present = values
    .map((v, k) => [v, k] as const)
    .filter(([v]) => !Number.isNaN(v))
    .sort((a, b) => a[0] - b[0]);
  const ranks: Array<number | null> = values.map(() => null);
  const denominator = Math.max(1, present.length - 1);
  let start = 0;
  while (start < present.length) {
    let end = start;
    while (end + 1 < present.length && present[end + 1][0] === present[start][0]) end++;
    const rank = (start + end) / 2 / denominator; // ties share their mean rank
    for (let k = start; k <= end; k++) ranks[present[k][1]] = rank;
    start = end + 1;
  }
  return ranks;
}

/** One feature's part in one applicant's score. `value` is null when the feature is missing. */
export interface Contribution {
  name: string;
  value: number | null;
  contribution: number;
}

/**
 * The k features that moved one applicant's score the most (largest |contribution| first), for explanations in the
 * API. `contribRow` has numFeature + 1 values (last = bias), `values` the applicant's feature values.
 */
export function topContributions(
  contribRow: ArrayLike<number>,
  values: ArrayLike<number>,
  featureNames: string[],
  k = 10,
): Contribution[] {
  const d = featureNames.length;
  if (contribRow.length !== d + 1) {
    throw new Error(
      `topContributions: ${contribRow.length} contributions for ${d} features (expected ${d + 1} with the bias)`,
    );
  }
  if (values.length !== d) throw new Error(`topContributions: ${values.length} values for ${d} features`);
  if (!Number.isInteger(k) || k < 1) throw new Error(`topContributions: k must be a positive integer, got ${k}`);
  return featureNames
    .map((name, j) => ({ name, value: Number.isNaN(values[j]) ? null : values[j], contribution: contribRow[j] }))
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
    .slice(0, k);
}
