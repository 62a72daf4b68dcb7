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
  metrics?: Array<{ key: string; value: number; step?: number; timestamp?: number }>;
  params?: Record<string, string | number | boolean> | Param[];
  tags?: Record<string, string>;
}
