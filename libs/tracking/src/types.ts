/** Shapes of the MLflow REST answers this client returns (snake_case turned camelCase, int64 as number). */

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
export type ModelVersionStatus = 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';

export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: string;
  tags: Record<string, string>;
}

export interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}
export interface Param {
  key: string;
  value: string;
}

export interface RunInfo {
  runId: string;
  experimentId: string;
  runName: string;
  status: RunStatus;
  startTime: number;
  endTime?: number;
  artifactUri: string;
  lifecycleStage: string;
}

export interface Run {
  info: RunInfo;
  /** Latest value of each metric. */
  metrics: Record<string, number>;
  params: Record<string, string>;
  tags: Record<string, string>;
  /** Datasets the run used (log-inputs), with their input tags (e.g. mlflow.data.context). */
  inputs: DatasetInput[];
  /** Logged models the run produced (log-outputs), MLflow 3. */
  outputs: Array<{ modelId: string; step: number }>;
}

/**
 * A dataset as MLflow records it (proto Dataset): `digest` identifies the content, `source` says where it came from
 * (JSON, e.g. {"uri": "..."} for source_type "local"), `schema` is {"mlflow_colspec": [...]}, `profile` JSON counts.
 */
export interface Dataset {
  name: string;
  digest: string;
  sourceType: string;
  source: string;
  schema?: string;
  profile?: string;
}

/** A dataset as a run's input, with its input tags (mlflow.data.context: training / evaluation / ...). */
export interface DatasetInput {
  dataset: Dataset;
  tags: Record<string, string>;
}

export type LoggedModelStatus = 'LOGGED_MODEL_PENDING' | 'LOGGED_MODEL_READY' | 'LOGGED_MODEL_UPLOAD_FAILED';

/** A metric linked to a logged model (and, when given, to the dataset it was computed on). */
export interface LoggedModelMetric extends Metric {
  runId?: string;
  datasetName?: string;
  datasetDigest?: string;
}

/** An MLflow 3 LoggedModel: a model with its own artifact location, params, metrics and tags. */
export interface LoggedModel {
  modelId: string;
  experimentId: string;
  name: string;
  /** mlflow-artifacts:/<experiment>/models/<model_id>/artifacts */
  artifactUri: string;
  status: LoggedModelStatus;
  sourceRunId?: string;
  modelType?: string;
  tags: Record<string, string>;
  params: Record<string, string>;
  metrics: LoggedModelMetric[];
}

export interface FileInfo {
  path: string;
  isDir: boolean;
  fileSize?: number;
}

export interface ModelVersion {
  name: string;
  version: string;
  source: string;
  runId?: string;
  status: ModelVersionStatus;
  statusMessage?: string;
  aliases: string[];
  tags: Record<string, string>;
  creationTimestamp: number;
}

export interface RegisteredModel {
  name: string;
  description?: string;
  /** alias -> version */
  aliases: Record<string, string>;
  tags: Record<string, string>;
  latestVersions: ModelVersion[];
}

/** Items for `logBatch`; metrics default to timestamp = now, step = 0. */
export interface BatchItems {
  /** `modelId` links the value to a logged model; `dataset` to the dataset (name, digest) it was computed on. */
  metrics?: Array<{
    key: string;
    value: number;
    step?: number;
    timestamp?: number;
    modelId?: string;
    dataset?: { name: string; digest: string };
  }>;
  params?: Record<string, string | number | boolean> | Param[];
  tags?: Record<string, string>;
}
