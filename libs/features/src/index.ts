export {
  FeatureColumns,
  FeaturePipeline,
  PIPELINE_STATE_KIND,
  PIPELINE_STATE_VERSION,
  type Applicant,
  type FeatureMatrix,
  type FeatureOptions,
  type FeatureRows,
  type TransformManyOptions,
  type FittedPipelineState,
  type RawApplication,
  type ApplicantHistory,
  type RawFieldSpec,
  type RawFieldType,
  type RawRow,
  type RawValue,
} from './pipeline';
export { targetOf, type SideTableLoader } from './pipeline-batch';
export { REQUIRED_APPLICATION_FIELDS } from './pipeline-state';
export { FeatureError } from './errors';
export { MAX_MAGNITUDE } from './expr';
export {
  FEATURE_SPEC_JSON_VERSION,
  featureSpecJson,
  PYTHON_EXECUTOR_DIR,
  pythonExecutorFiles,
  pythonScoring,
  type PythonScoringParts,
} from './python';
export { formulaText, type FeatureKind, type FeatureLineage } from './lineage';
