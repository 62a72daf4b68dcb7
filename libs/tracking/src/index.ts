export { MlflowClient, LOG_BATCH_LIMITS, VALUE_LIMITS, type MlflowClientOptions } from './client';
export { MlflowError, MlflowConnectionError } from './errors';
export type {
  BatchItems, Experiment, FileInfo, Metric, ModelVersion, ModelVersionStatus, Param, RegisteredModel, Run, RunInfo, RunStatus,
} from './types';
export { withRun, ActiveRun, type WithRunOptions } from './run';
export { startLocalServer, workspaceRoot, mlflowExecutable, freePort, type LocalServer } from './server';
export { logModel, registerModel, downloadModel, type LoadedModelPackage } from './model';
export {
  DEFAULT_BUNDLE_DIR, DEFAULT_MODEL_ALIAS, DEFAULT_MODEL_NAME, DEFAULT_MODEL_URI, MODEL_ARTIFACT_PATH,
  MODEL_ENV, ModelPackageError, PACKAGE_FILES, modelFiles, readModelPackage, readPackageIdentity, replaceDirectory,
  writeIdentity, writeModelPackage, type ModelPackage, type PackageIdentity, type ReadModelPackage,
  type RegisteredIdentity,
} from './model-package';
