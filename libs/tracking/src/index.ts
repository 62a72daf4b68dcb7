// The client surface. The MLflow server process manager (for tests and the trainer's local server) is a separate
// entry point, @credit-scoring/tracking/server, so that a program that only talks to MLflow never loads it.
export { MlflowClient, type MlflowClientOptions } from './client';
export type { CreateLoggedModelOptions } from './logged-model-client';
export { LOG_BATCH_LIMITS } from './batch';
export { modelAliasProblem, registeredModelNameProblem, VALUE_LIMITS } from './validation';
export { ExperimentDeletedError, MlflowError, MlflowConnectionError } from './errors';
export type {
  BatchItems,
  Dataset,
  DatasetInput,
  Experiment,
  FileInfo,
  LoggedModel,
  LoggedModelMetric,
  LoggedModelStatus,
  Metric,
  ModelVersion,
  ModelVersionStatus,
  Param,
  RegisteredModel,
  Run,
  RunInfo,
  RunStatus,
} from './types';
export {
  withRun,
  ActiveRun,
  endRunWithRetry,
  RunNotClosedError,
  DEFAULT_END_RETRY,
  type WithRunOptions,
  type EndRetry,
} from './run';
export {
  logModel,
  logModelFiles,
  registerModel,
  resolveRunModel,
  recordRegisteredVersion,
  downloadModel,
  type LoadedModelPackage,
  type LoggedModelOptions,
} from './model';
export { runContextTags, type RunContextOptions } from './run-context';
export {
  DEFAULT_BUNDLE_DIR,
  DEFAULT_MODEL_ALIAS,
  DEFAULT_MODEL_NAME,
  DEFAULT_MODEL_URI,
  MODEL_ARTIFACT_PATH,
  MODEL_ENV,
  ModelPackageError,
  PACKAGE_FILES,
  modelFiles,
  readModelPackage,
  readPackageIdentity,
  checkReplaceableDirectory,
  replaceDirectory,
  writeIdentity,
  writeModelPackage,
  type LoggedModelRef,
  type ModelPackage,
  type PythonScoring,
  type PackageIdentity,
  type ReadModelPackage,
  type RegisteredIdentity,
} from './model-package';
export {
  shareBelow,
  summarizePopulation,
  type CategorySummary,
  type FeatureSummary,
  type NumericSummary,
  type PopulationSummary,
} from './model-package';
