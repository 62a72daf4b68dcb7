// population.json: the training population's distribution of each model feature the model uses, as quantiles
// (numbers) or shares per label (category codes), so the API can say "lower than 82 % of clients" and draw the
// client on the distribution. Summaries only: no raw row can be read back from it.
import { ModelPackageError } from './names';

export const POPULATION_FORMAT = 'credit-scoring/population';
export const POPULATION_VERSION = 1;
/** Quantile levels stored per numeric feature: 0, 1 %, ..., 100 %. */
export const QUANTILE_STEPS = 100;

export interface NumericSummary {
  kind: 'numeric';
  /** Rows with a value. */
  count: number;
  /** Share of rows without a value (missing). */
  missing: number;
  /** QUANTILE_STEPS + 1 values, the p-th being the p % quantile (nearest rank). */
  quantiles: number[];
}

export interface CategorySummary {
  kind: 'category';
  count: number;
  missing: number;
  /** labels[code] = the client's word for integer code `code`. */
  labels: string[];
  /** shares[code] = share of rows with that code (among all rows). */
  shares: number[];
}

export type FeatureSummary = NumericSummary | CategorySummary;

export interface PopulationSummary {
  format: typeof POPULATION_FORMAT;
  version: number;
  /** Rows summarised (the training rows of the final fit). */
  rows: number;
  features: Record<string, FeatureSummary>;
}

/** What the summary is computed from: a row-major feature matrix and, per category-code column, its labels. */
export interface PopulationInput {
  data: Float64Array;
  nRows: number;
  nCols: number;
  featureNames: string[];
  /** Column name → labels (code = index) for the category-code columns. */
  categories: Record<string, string[]>;
  /** Only these columns (e.g. those the model splits on); all by default. */
  only?: ReadonlySet<string>;
}

/** Six significant digits: enough for a percentile, and population.json stays small. */
const round = (x: number) => Number(x.toPrecision(6));

function numericSummary(values: Float64Array, nRows: number): NumericSummary {
  const sorted = values.sort();
  const quantiles: number[] = [];
  for (let p = 0; p <= QUANTILE_STEPS; p++) {
    const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / QUANTILE_STEPS) * sorted.length) - 1));
    quantiles.push(sorted.length ? round(sorted[rank]) : NaN);
  }
  return {
    kind: 'numeric',
    count: sorted.length,
    missing: round(1 - sorted.length / nRows),
    quantiles: sorted.length ? quantiles : [],
  };
}

/** The summary of every (or every `only`) column of the matrix. */
export function summarizePopulation(input: PopulationInput): PopulationSummary {
  const { data, nRows, nCols, featureNames } = input;
  const features: Record<string, FeatureSummary> = {};
  for (let j = 0; j < nCols; j++) {
    const name = featureNames[j];
    if (input.only && !input.only.has(name)) continue;
    const present: number[] = [];
    for (let i = 0; i < nRows; i++) {
      const v = data[i * nCols + j];
      if (!Number.isNaN(v)) present.push(v);
    }
    const labels = input.categories[name];
    if (labels) {
      const counts = new Array<number>(labels.length).fill(0);
      for (const code of present) if (code >= 0 && code < labels.length) counts[code]++;
      features[name] = {
        kind: 'category',
        count: present.length,
        missing: round(1 - present.length / nRows),
        labels: [...labels],
        shares: counts.map((c) => round(c / nRows)),
      };
    } else features[name] = numericSummary(Float64Array.from(present), nRows);
  }
  return { format: POPULATION_FORMAT, version: POPULATION_VERSION, rows: nRows, features };
}

/**
 * Share of the population strictly below `value` (0..1), read off the quantiles: the first quantile level at or
 * above the value, interpolated within its step.
 */
export function shareBelow(summary: NumericSummary, value: number): number {
  const q = summary.quantiles;
  if (!q.length) return NaN;
  if (value <= q[0]) return 0;
  if (value > q[q.length - 1]) return 1;
  let k = 0;
  while (k < q.length - 1 && q[k + 1] < value) k++;
  // q[k] < value <= q[k + 1]: between levels k and k + 1
  const span = q[k + 1] - q[k];
  const within = span > 0 ? (value - q[k]) / span : 0;
  return (k + within) / QUANTILE_STEPS;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const numbers = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number');

/** Checks a parsed population.json; throws ModelPackageError naming what is wrong. */
export function parsePopulation(value: unknown, where: string): PopulationSummary {
  const bad = (what: string) => new ModelPackageError(`${where}: population.json ${what}`);
  if (!isRecord(value) || value.format !== POPULATION_FORMAT) throw bad(`is not a ${POPULATION_FORMAT} summary`);
  if (value.version !== POPULATION_VERSION) throw bad(`version ${String(value.version)} is not supported`);
  if (typeof value.rows !== 'number' || !isRecord(value.features)) throw bad('lacks rows or features');
  for (const [name, f] of Object.entries(value.features)) {
    const ok =
      isRecord(f) &&
      typeof f.count === 'number' &&
      typeof f.missing === 'number' &&
      ((f.kind === 'numeric' && numbers(f.quantiles) && (f.quantiles.length === QUANTILE_STEPS + 1 || !f.count)) ||
        (f.kind === 'category' &&
          Array.isArray(f.labels) &&
          f.labels.every((l) => typeof l === 'string') &&
          numbers(f.shares) &&
          f.shares.length === f.labels.length));
    if (!ok) throw bad(`has an invalid summary for ${name}`);
  }
  return value as unknown as PopulationSummary;
}
