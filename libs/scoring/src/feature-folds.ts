import { HomeCreditTables } from '@credit-scoring/data';
import { FeatureOptions, FeaturePipeline } from '@credit-scoring/features';
import { PipelineFitter } from './cv';

/** The project's feature pipeline as a per-fold fitter for `crossValidate` (fit on the fold's training rows). */
export function featurePipelineFitter(options: FeatureOptions = {}): PipelineFitter<HomeCreditTables> {
  return (tables, rows) => FeaturePipeline.fit(tables, { ...options, rows });
}

/** TARGET of the application table as 0/1 numbers (for stratified folds before any feature is built). */
export function applicationTarget(tables: HomeCreditTables): Float64Array {
  if (!tables.application.columns.includes('TARGET'))
    throw new Error('applicationTarget: the application table has no TARGET column');
  const values = tables.application.getColumn('TARGET').toArray() as Array<number | null>;
  return Float64Array.from(values, (v, i) => {
    if (v !== 0 && v !== 1) throw new Error(`applicationTarget: TARGET of application row ${i} is ${v}, not 0 or 1`);
    return v;
  });
}
