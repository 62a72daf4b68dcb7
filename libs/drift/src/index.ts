export { DriftInputError, INTEGER_CARDINALITY_LIMIT, inferColumnKind } from './columns';
export type { ColumnKind, ColumnValues, ColumnarData, ColumnSchema } from './columns';
export {
  detectDrift,
  defaultStatTest,
  driftMetrics,
  driftReportJson,
  STAT_TESTS,
  SMALL_REFERENCE_ROWS,
} from './detect';
export type {
  ColumnDrift,
  DatasetDrift,
  Distribution,
  DriftOptions,
  DriftReport,
  MissingStats,
  StatTestName,
} from './detect';
export { renderDriftHtml } from './html';
export type { HtmlOptions } from './html';
export { loadCsvColumns, fromDataFrame } from './load';
export type { LoadedColumns } from './load';
export { ks2samp, ksStatistic, KS_MAX_EXACT_N } from './stats/ks';
export type { KsMethod, KsResult } from './stats/ks';
export { kolmogorovSf, smirnovSf } from './stats/kolmogorov';
export { chi2Sf, gammaP, gammaQ, normalCdf, erfc, logGamma } from './stats/special';
export {
  chiSquare,
  twoProportionZTest,
  wassersteinDistance,
  jensenShannonDistance,
  populationStabilityIndex,
} from './stats/tests';
export { sturgesEdges, histogramCounts, linspace, fillZeroShares } from './binning';
