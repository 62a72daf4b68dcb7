// Per-column and dataset-level drift, reproducing Evidently's DataDriftPreset defaults
// (legacy calculations/data_drift.py get_one_column_drift + stattests/registry.py _get_default_stattest).
import {
  CleanColumn,
  ColumnarData,
  ColumnKind,
  ColumnSchema,
  DriftInputError,
  cleanColumn,
  inferColumnKind,
  keyCounts,
} from './columns';
import { fillZeroShares, histogramCountsSorted, sturgesEdgesOfRange } from './binning';
import { ks2sampSorted } from './stats/ks';
import {
  chiSquare,
  jensenShannonDistance,
  populationStabilityIndex,
  twoProportionZTest,
  wassersteinSorted,
} from './stats/tests';
import { distinctInUnion, populationStd } from './stats/util';

export type StatTestName = 'ks' | 'chisquare' | 'z' | 'wasserstein' | 'jensenshannon' | 'psi';

/** Evidently's display names and default thresholds; p-value tests flag drift below the threshold. */
export const STAT_TESTS: Record<
  StatTestName,
  { displayName: string; threshold: number; kind: 'p_value' | 'distance' }
> = {
  ks: { displayName: 'K-S p_value', threshold: 0.05, kind: 'p_value' },
  chisquare: { displayName: 'chi-square p_value', threshold: 0.05, kind: 'p_value' },
  z: { displayName: 'Z-test p_value', threshold: 0.05, kind: 'p_value' },
  wasserstein: { displayName: 'Wasserstein distance (normed)', threshold: 0.1, kind: 'distance' },
  jensenshannon: { displayName: 'Jensen-Shannon distance', threshold: 0.1, kind: 'distance' },
  psi: { displayName: 'PSI', threshold: 0.1, kind: 'distance' },
};

/** Evidently picks the small-sample tests when the cleaned reference has at most this many rows. */
export const SMALL_REFERENCE_ROWS = 1000;

export interface DriftOptions {
  /** Column types; columns missing here are inferred (see inferColumnKind). Types only: it selects nothing. */
  schema?: ColumnSchema;
  /** Columns to compare (like Evidently's column mapping); default: every column present in both datasets. */
  columns?: string[];
  /** Columns never compared (ids, target). */
  exclude?: string[];
  /** Dataset drift when the share of drifted columns is ≥ this (Evidently's drift_share). Default 0.5. */
  driftShare?: number;
  /** One test for every column instead of the defaults, e.g. 'psi'. */
  stattest?: StatTestName;
  /** Per-column test overrides. */
  stattests?: Record<string, StatTestName>;
  /** Threshold for every column instead of the test's default. */
  threshold?: number;
}

export interface MissingStats {
  rows: number;
  missing: number;
  missingShare: number;
}

/** What the HTML plots: shares per histogram bin (numeric) or per category. */
export type Distribution =
  | { kind: 'histogram'; edges: number[]; reference: number[]; current: number[] }
  | { kind: 'categories'; categories: string[]; reference: number[]; current: number[] };

export interface ColumnDrift {
  column: string;
  type: ColumnKind;
  stattest: StatTestName;
  /** Evidently's stattest display name, e.g. "Wasserstein distance (normed)". */
  stattestName: string;
  threshold: number;
  /** p-value for ks/chisquare/z, distance for the others; null when there was nothing to test (see `note`). */
  score: number | null;
  driftDetected: boolean;
  /** Why the verdict needed no test, e.g. no values in the current data; null when the test decided. */
  note: string | null;
  reference: MissingStats;
  current: MissingStats;
  /** current missing share − reference missing share. */
  missingShareChange: number;
  /** Categories present in the current data but never in the reference (categorical columns). */
  unseenCategories: string[];
  distribution: Distribution;
}

export interface DatasetDrift {
  numberOfColumns: number;
  numberOfDriftedColumns: number;
  shareOfDriftedColumns: number;
  driftShare: number;
  datasetDrift: boolean;
}

export interface DriftReport {
  referenceRows: number;
  currentRows: number;
  columns: ColumnDrift[];
  dataset: DatasetDrift;
  /** Columns present in only one dataset, left out of the comparison. */
  ignoredColumns: string[];
  /** Columns with no value in the reference data: nothing to compare against, left out of the comparison. */
  emptyReferenceColumns: string[];
}

export function detectDrift(reference: ColumnarData, current: ColumnarData, opts: DriftOptions = {}): DriftReport {
  const driftShare = opts.driftShare ?? 0.5;
  if (!(driftShare >= 0 && driftShare <= 1))
    throw new DriftInputError(`driftShare must be within [0, 1], got ${driftShare}`);
  const referenceRows = datasetRows(reference, 'reference');
  const currentRows = datasetRows(current, 'current');
  const { columns, ignored } = selectColumns(reference, current, opts);
  if (columns.length === 0) throw new DriftInputError('no column to compare: the datasets share no column');

  const results: ColumnDrift[] = [];
  const emptyReference: string[] = [];
  // One column at a time: cleaned copies of every column at once would double the memory of a large reference.
  for (const name of columns) {
    const kind = opts.schema?.[name] ?? inferColumnKind(reference[name]);
    const ref = reference[name]
      ? cleanColumn(name, 'reference', reference[name], kind)
      : missingColumn(name, 'reference');
    const cur = current[name] ? cleanColumn(name, 'current', current[name], kind) : missingColumn(name, 'current');
    if (valueCount(kind, ref) === 0) emptyReference.push(name);
    else results.push(columnDrift(name, kind, ref, cur, opts));
  }
  if (results.length === 0)
    throw new DriftInputError(
      `no column to compare: ${emptyReference.length === 1 ? `'${emptyReference[0]}' has` : 'the columns have'} ` +
        'no value in the reference data',
    );
  const drifted = results.filter((c) => c.driftDetected).length;
  const share = drifted / results.length;
  return {
    referenceRows,
    currentRows,
    columns: results,
    dataset: {
      numberOfColumns: results.length,
      numberOfDriftedColumns: drifted,
      shareOfDriftedColumns: share,
      driftShare,
      datasetDrift: share >= driftShare,
    },
    ignoredColumns: ignored,
    emptyReferenceColumns: emptyReference,
  };
}

function valueCount(kind: ColumnKind, c: CleanColumn): number {
  return kind === 'numeric' ? c.numbers.length : c.keys.length;
}

function missingColumn(name: string, dataset: string): never {
  throw new DriftInputError(`column '${name}' is not in the ${dataset} data`);
}

function datasetRows(data: ColumnarData, dataset: string): number {
  const names = Object.keys(data);
  if (names.length === 0) throw new DriftInputError(`the ${dataset} data has no column`);
  const rows = data[names[0]].length;
  for (const n of names) {
    if (data[n].length !== rows) {
      throw new DriftInputError(
        `column '${n}' in the ${dataset} data has ${data[n].length} rows, '${names[0]}' has ${rows}`,
      );
    }
  }
  return rows;
}

function selectColumns(
  reference: ColumnarData,
  current: ColumnarData,
  opts: DriftOptions,
): { columns: string[]; ignored: string[] } {
  const exclude = new Set(opts.exclude ?? []);
  const explicit = opts.columns;
  if (explicit) {
    for (const c of explicit) {
      if (!(c in reference)) throw new DriftInputError(`column '${c}' is not in the reference data`);
      if (!(c in current)) throw new DriftInputError(`column '${c}' is not in the current data`);
    }
    return { columns: explicit.filter((c) => !exclude.has(c)), ignored: [] };
  }
  const all = [...Object.keys(reference), ...Object.keys(current).filter((c) => !(c in reference))];
  return {
    columns: all.filter((c) => c in reference && c in current && !exclude.has(c)),
    ignored: all.filter((c) => !(c in reference && c in current)),
  };
}

/** Evidently's default choice of test for one cleaned column. */
export function defaultStatTest(kind: ColumnKind, referenceCount: number, distinctValues: number): StatTestName {
  if (referenceCount <= SMALL_REFERENCE_ROWS) {
    if (kind === 'numeric' && distinctValues > 5) return 'ks';
    return distinctValues > 2 ? 'chisquare' : 'z';
  }
  if (kind === 'numeric' && distinctValues > 5) return 'wasserstein';
  return 'jensenshannon';
}

function columnDrift(
  name: string,
  kind: ColumnKind,
  ref: CleanColumn,
  cur: CleanColumn,
  opts: DriftOptions,
): ColumnDrift {
  const refKeys = kind === 'categorical' ? keyCounts(ref) : null;
  const curKeys = kind === 'categorical' ? keyCounts(cur) : null;
  const distinct =
    refKeys && curKeys
      ? new Set([...refKeys.keys(), ...curKeys.keys()]).size
      : distinctInUnion(ref.numbers, cur.numbers);
  const stattest = opts.stattests?.[name] ?? opts.stattest ?? defaultStatTest(kind, valueCount(kind, ref), distinct);
  if (stattest === 'ks' || stattest === 'wasserstein') {
    if (kind !== 'numeric')
      throw new DriftInputError(`column '${name}' is categorical: the ${stattest} test needs numbers`);
  }
  const spec = STAT_TESTS[stattest];
  const threshold = opts.threshold ?? spec.threshold;
  const refMissing = missingStats(ref);
  const curMissing = missingStats(cur);
  return {
    column: name,
    type: kind,
    stattest,
    stattestName: spec.displayName,
    threshold,
    ...(valueCount(kind, cur) === 0
      ? noCurrentValues(refMissing)
      : { ...testVerdict(stattest, kind, ref, cur, distinct, threshold), note: null }),
    reference: refMissing,
    current: curMissing,
    missingShareChange: curMissing.missingShare - refMissing.missingShare,
    unseenCategories: refKeys && curKeys ? [...curKeys.keys()].filter((k) => !refKeys.has(k)) : [],
    distribution: plotDistribution(kind, ref, cur, distinct),
  };
}

/**
 * A column the current data never fills is what a monitor exists to catch (a feed that stopped, a renamed field), so
 * it counts as drifted; no test can score it, hence no score and a note saying why.
 */
function noCurrentValues(reference: MissingStats): Pick<ColumnDrift, 'score' | 'driftDetected' | 'note'> {
  const share = `${(100 * reference.missingShare).toFixed(1)}%`;
  return { score: null, driftDetected: true, note: `no values in the current data (reference: ${share} missing)` };
}

function testVerdict(
  stattest: StatTestName,
  kind: ColumnKind,
  ref: CleanColumn,
  cur: CleanColumn,
  distinct: number,
  threshold: number,
): Pick<ColumnDrift, 'score' | 'driftDetected'> {
  const score = computeScore(stattest, kind, ref, cur, distinct);
  // Evidently: K-S drifts at p ≤ threshold, chi-square and Z at p < threshold, distances at ≥ threshold.
  const driftDetected =
    stattest === 'ks'
      ? score <= threshold
      : STAT_TESTS[stattest].kind === 'p_value'
        ? score < threshold
        : score >= threshold;
  return { score, driftDetected };
}

function missingStats(c: CleanColumn): MissingStats {
  return { rows: c.rows, missing: c.missing, missingShare: c.rows ? c.missing / c.rows : 0 };
}

function computeScore(
  test: StatTestName,
  kind: ColumnKind,
  ref: CleanColumn,
  cur: CleanColumn,
  distinct: number,
): number {
  switch (test) {
    case 'ks':
      return ks2sampSorted(ref.numbers, cur.numbers).pValue;
    case 'wasserstein':
      return wassersteinSorted(ref.numbers, cur.numbers) / Math.max(populationStd(ref.numbers), 0.001);
    case 'chisquare':
      return chiSquareScore(asCategories(ref), asCategories(cur));
    case 'z':
      return zTestScore(asCategories(ref), asCategories(cur));
    case 'jensenshannon': {
      const b = binnedShares(kind, ref, cur, false, distinct);
      return jensenShannonDistance(b.reference, b.current);
    }
    case 'psi': {
      const b = binnedShares(kind, ref, cur, true, distinct);
      return populationStabilityIndex(b.reference, b.current);
    }
  }
}

/** Category view of a column: labels, or the numbers' string forms for a numeric column tested by category. */
function asCategories(c: CleanColumn): CleanColumn {
  if (c.keys.length === 0 && c.numbers.length > 0) c.keys = Array.from(c.numbers, String);
  return c;
}

/** Current counts against reference counts rescaled to the current size, over the union of categories. */
function chiSquareScore(ref: CleanColumn, cur: CleanColumn): number {
  const refCounts = keyCounts(ref);
  const curCounts = keyCounts(cur);
  const keys = [...new Set([...refCounts.keys(), ...curCounts.keys()])];
  const scale = cur.keys.length / ref.keys.length;
  const expected = keys.map((k) => (refCounts.get(k) ?? 0) * scale);
  const observed = keys.map((k) => curCounts.get(k) ?? 0);
  return chiSquare(observed, expected).pValue;
}

/** Share of values different from the first (sorted) category, compared between the datasets. */
function zTestScore(ref: CleanColumn, cur: CleanColumn): number {
  const refCounts = keyCounts(ref);
  const curCounts = keyCounts(cur);
  if (refCounts.size === 1 && curCounts.size === 1 && refCounts.keys().next().value === curCounts.keys().next().value)
    return 1;
  // The first sorted key is the "0" outcome; the test is symmetric, so the sort order does not change p.
  const first = [...new Set([...refCounts.keys(), ...curCounts.keys()])].sort()[0];
  const n1 = ref.keys.length;
  const n2 = cur.keys.length;
  return twoProportionZTest(n1 - (refCounts.get(first) ?? 0), n1, n2 - (curCounts.get(first) ?? 0), n2).pValue;
}

/**
 * Evidently's get_binned_data: numeric columns with more than 20 distinct reference values go into Sturges
 * bins over both datasets; everything else into category shares over the union of categories.
 */
function binnedShares(
  kind: ColumnKind,
  ref: CleanColumn,
  cur: CleanColumn,
  fillZeroes: boolean,
  distinctInBoth: number,
): { reference: Float64Array; current: Float64Array; labels: string[]; edges?: Float64Array } {
  let reference: Float64Array;
  let current: Float64Array;
  let labels: string[];
  let edges: Float64Array | undefined;
  // nunique(reference) > 20 is what Evidently checks; when the union has ≤ 20 values the reference has too.
  if (kind === 'numeric' && distinctInBoth > 20 && distinctInUnion(ref.numbers, NO_NUMBERS) > 20) {
    const [lo, hi] = pooledRange(ref.numbers, cur.numbers);
    edges = sturgesEdgesOfRange(lo, hi, ref.numbers.length + cur.numbers.length);
    reference = histogramCountsSorted(ref.numbers, edges).map((n) => n / ref.numbers.length);
    current = histogramCountsSorted(cur.numbers, edges).map((n) => n / cur.numbers.length);
    labels = [];
  } else {
    const refCounts = keyCounts(asCategories(ref));
    const curCounts = keyCounts(asCategories(cur));
    labels = [...new Set([...refCounts.keys(), ...curCounts.keys()])];
    reference = Float64Array.from(labels, (k) => (refCounts.get(k) ?? 0) / ref.keys.length);
    current = Float64Array.from(labels, (k) => (curCounts.get(k) ?? 0) / cur.keys.length);
  }
  if (fillZeroes) {
    reference = fillZeroShares(reference);
    current = fillZeroShares(current);
  }
  return { reference, current, labels, edges };
}

const MAX_PLOTTED_CATEGORIES = 30;
const PLOT_BINS = 30;

/** Shares for the report's plots: 30 equal bins over both datasets, or the most frequent categories. */
function plotDistribution(kind: ColumnKind, ref: CleanColumn, cur: CleanColumn, distinct: number): Distribution {
  if (kind === 'numeric' && distinct > 20) {
    const [lo, hi] = pooledRange(ref.numbers, cur.numbers);
    const edges = Float64Array.from({ length: PLOT_BINS + 1 }, (_, i) => lo + ((hi - lo) * i) / PLOT_BINS);
    edges[PLOT_BINS] = hi;
    const share = (c: CleanColumn) =>
      Array.from(histogramCountsSorted(c.numbers, edges), (n: number) => shareOf(n, c.numbers.length));
    return { kind: 'histogram', edges: Array.from(edges), reference: share(ref), current: share(cur) };
  }
  const refCounts = keyCounts(asCategories(ref));
  const curCounts = keyCounts(asCategories(cur));
  const nRef = ref.keys.length;
  const nCur = cur.keys.length;
  const total = (k: string) => (refCounts.get(k) ?? 0) + (curCounts.get(k) ?? 0);
  // Labels: the most frequent first. Numbers: the most frequent values, shown in numeric order.
  let categories = [...new Set([...refCounts.keys(), ...curCounts.keys()])]
    .sort((a, b) => total(b) - total(a))
    .slice(0, MAX_PLOTTED_CATEGORIES);
  if (kind === 'numeric') categories = categories.sort((a, b) => Number(a) - Number(b));
  return {
    kind: 'categories',
    categories,
    reference: categories.map((k) => shareOf(refCounts.get(k) ?? 0, nRef)),
    current: categories.map((k) => shareOf(curCounts.get(k) ?? 0, nCur)),
  };
}

/** A count as a share of the values; an empty side (no values in the current data) plots as no bars, not NaN. */
const shareOf = (count: number, values: number): number => (values === 0 ? 0 : count / values);

const NO_NUMBERS = new Float64Array(0);

/** [min, max] over two ascending arrays, the first non-empty (the reference; the current one may be empty). */
function pooledRange(a: Float64Array, b: Float64Array): [number, number] {
  if (b.length === 0) return [a[0], a[a.length - 1]];
  return [Math.min(a[0], b[0]), Math.max(a[a.length - 1], b[b.length - 1])];
}

/** Flat metrics for experiment tracking: dataset figures plus one drift score per column. */
export function driftMetrics(report: DriftReport): Record<string, number> {
  const metrics: Record<string, number> = {
    drift_share: report.dataset.shareOfDriftedColumns,
    drifted_columns: report.dataset.numberOfDriftedColumns,
    columns_evaluated: report.dataset.numberOfColumns,
    dataset_drift: report.dataset.datasetDrift ? 1 : 0,
  };
  // A column scored by no test has no metric: MLflow and Prometheus take numbers only; drifted_columns counts it.
  for (const c of report.columns) if (c.score !== null) metrics[`drift_score.${c.column}`] = c.score;
  return metrics;
}

/** The JSON report with Evidently's field names (what report.json holds). */
export function driftReportJson(report: DriftReport): object {
  return {
    dataset: {
      number_of_columns: report.dataset.numberOfColumns,
      number_of_drifted_columns: report.dataset.numberOfDriftedColumns,
      share_of_drifted_columns: report.dataset.shareOfDriftedColumns,
      drift_share: report.dataset.driftShare,
      dataset_drift: report.dataset.datasetDrift,
      reference_rows: report.referenceRows,
      current_rows: report.currentRows,
      ignored_columns: report.ignoredColumns,
      empty_reference_columns: report.emptyReferenceColumns,
    },
    columns: report.columns.map((c) => ({
      column_name: c.column,
      column_type: c.type === 'numeric' ? 'num' : 'cat',
      stattest_name: c.stattestName,
      stattest_threshold: c.threshold,
      drift_score: c.score,
      drift_detected: c.driftDetected,
      note: c.note,
      reference_missing_share: c.reference.missingShare,
      current_missing_share: c.current.missingShare,
      missing_share_change: c.missingShareChange,
      unseen_categories: c.unseenCategories,
    })),
  };
}
