export { MlflowClient, LOG_BATCH_LIMITS, VALUE_LIMITS, type MlflowClientOptions } from './client';
export { MlflowError, MlflowConnectionError } from './errors';
export type {
  BatchItems, Experiment, FileInfo, Metric, ModelVersion, ModelVersionStatus, Param, RegisteredModel, Run, RunInfo, RunStatus,
} from './types';
export { withRun, ActiveRun, type WithRunOptions } from './run';
export { startLocalServer, workspaceRoot, mlflowExecutable, freePort, type LocalServer } from './server';
export {
  logModel, registerModel, downloadModel, modelFiles, MODEL_ENV, MODEL_ARTIFACT_PATH,
  type ModelPackage, type LoadedModelPackage,
} from './model';
