// The one client callers use, a facade like MLflow's Python MlflowClient: it owns one transport and composes the
// tracking client (experiments, runs, logging, artifacts) and the registry client (models, versions, aliases).
// Each method documents the behaviour; the work happens in ./tracking-client and ./registry-client.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { joinArtifactPath } from './artifact-paths';
import { LoggedModelClient, type CreateLoggedModelOptions } from './logged-model-client';
import { RegistryClient } from './registry-client';
import { TrackingClient, type TerminalRunStatus } from './tracking-client';
import { RestTransport, type TransportOptions } from './transport';
import type {
  BatchItems,
  DatasetInput,
  Experiment,
  FileInfo,
  LoggedModel,
  LoggedModelStatus,
  Metric,
  ModelVersion,
  RegisteredModel,
  Run,
  RunInfo,
  RunStatus,
} from './types';

export type MlflowClientOptions = TransportOptions;

/** A small typed client for the MLflow 3 REST API (tracking, proxied artifacts, model registry) on Node's fetch. */
export class MlflowClient {
  readonly trackingUri: string;
  private readonly tracking: TrackingClient;
  private readonly registry: RegistryClient;
  private readonly loggedModels: LoggedModelClient;

  constructor(opts: MlflowClientOptions) {
    const rest = new RestTransport(opts);
    this.trackingUri = rest.trackingUri;
    this.tracking = new TrackingClient(rest);
    this.registry = new RegistryClient(rest);
    this.loggedModels = new LoggedModelClient(rest);
  }

  // ---------------------------------------------------------------- experiments

  /** The experiment with this name, or undefined when there is none. */
  getExperimentByName(name: string): Promise<Experiment | undefined> {
    return this.tracking.getExperimentByName(name);
  }

  getExperiment(experimentId: string): Promise<Experiment> {
    return this.tracking.getExperiment(experimentId);
  }

  /** Creates an experiment and returns its id (RESOURCE_ALREADY_EXISTS if the name is taken). */
  createExperiment(name: string, tags: Record<string, string> = {}): Promise<string> {
    return this.tracking.createExperiment(name, tags);
  }

  /**
   * Id of the experiment with this name, creating it if needed (safe when two processes race). It carries the tag
   * mlflow.experimentKind = custom_model_development (set when absent), so the MLflow 3 UI opens it on its runs.
   */
  getOrCreateExperiment(name: string): Promise<string> {
    return this.tracking.getOrCreateExperiment(name);
  }

  setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    return this.tracking.setExperimentTag(experimentId, key, value);
  }

  // ----------------------------------------------------------------------- runs

  /** Starts a run (status RUNNING). A parent makes it a nested run in the UI (tag mlflow.parentRunId). */
  createRun(opts: {
    experimentId: string;
    runName?: string;
    parentRunId?: string;
    tags?: Record<string, string>;
    startTime?: number;
  }): Promise<Run> {
    return this.tracking.createRun(opts);
  }

  getRun(runId: string): Promise<Run> {
    return this.tracking.getRun(runId);
  }

  updateRun(runId: string, update: { status?: RunStatus; endTime?: number; runName?: string }): Promise<RunInfo> {
    return this.tracking.updateRun(runId, update);
  }

  /** Marks the run terminated with this status (default FINISHED) and end time now. */
  endRun(runId: string, status: TerminalRunStatus = 'FINISHED'): Promise<RunInfo> {
    return this.tracking.endRun(runId, status);
  }

  /** One page of runs; pass nextPageToken back as pageToken for the next page. */
  searchRuns(opts: {
    experimentIds: string[];
    filter?: string;
    orderBy?: string[];
    maxResults?: number;
    pageToken?: string;
  }): Promise<{ runs: Run[]; nextPageToken?: string }> {
    return this.tracking.searchRuns(opts);
  }

  // ----------------------------------------------------- params, metrics, tags

  /**
   * Logs metrics, params and tags, split into as many requests as MLflow's limits need
   * (1000 metrics, 100 params, 100 tags, 1000 items, ~1 MB per call). Everything is validated
   * before the first request, so bad input logs nothing.
   */
  logBatch(runId: string, items: BatchItems): Promise<void> {
    return this.tracking.logBatch(runId, items);
  }

  logMetric(runId: string, key: string, value: number, step = 0): Promise<void> {
    return this.tracking.logBatch(runId, { metrics: [{ key, value, step }] });
  }

  logParams(runId: string, params: Record<string, string | number | boolean>): Promise<void> {
    return this.tracking.logBatch(runId, { params });
  }

  setTags(runId: string, tags: Record<string, string>): Promise<void> {
    return this.tracking.logBatch(runId, { tags });
  }

  /** Records datasets (name, digest, source, schema, profile) as inputs of the run, e.g. context training. */
  logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    return this.tracking.logInputs(runId, datasets);
  }

  /** Links logged models to the run as its outputs (MLflow 3; the runs table's Models column). */
  logOutputs(runId: string, models: Array<{ modelId: string; step?: number }>): Promise<void> {
    return this.tracking.logOutputs(runId, models);
  }

  /** Every logged value of one metric, in the server's order (all pages). */
  getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    return this.tracking.getMetricHistory(runId, key);
  }

  // ------------------------------------------------------------------ artifacts

  /** The run's artifact root, e.g. mlflow-artifacts:/1/<run_id>/artifacts. */
  artifactUri(runId: string): Promise<string> {
    return this.tracking.artifactUri(runId);
  }

  uploadArtifactBytes(runId: string, artifactPath: string, bytes: Uint8Array | string): Promise<void> {
    return this.tracking.uploadArtifactBytes(runId, artifactPath, bytes);
  }

  /** Uploads one local file as <artifactDir>/<basename>; returns the artifact path. */
  async uploadArtifactFile(runId: string, localFile: string, artifactDir = ''): Promise<string> {
    const target = joinArtifactPath(artifactDir, path.basename(localFile));
    await this.tracking.uploadArtifactBytes(runId, target, await fs.promises.readFile(localFile));
    return target;
  }

  /** Uploads every file below localDir under artifactDir, keeping the layout; returns the artifact paths. */
  uploadArtifactDir(runId: string, localDir: string, artifactDir = ''): Promise<string[]> {
    return this.tracking.uploadArtifactDir(runId, localDir, artifactDir);
  }

  /** Direct children of artifactPath ('' = the run's root); paths are relative to the run's root. */
  listArtifacts(runId: string, artifactPath = ''): Promise<FileInfo[]> {
    return this.tracking.listArtifacts(runId, artifactPath);
  }

  downloadArtifactBytes(runId: string, artifactPath: string): Promise<Buffer> {
    return this.tracking.downloadArtifactBytes(runId, artifactPath);
  }

  async downloadArtifactFile(runId: string, artifactPath: string, destFile: string): Promise<void> {
    const bytes = await this.tracking.downloadArtifactBytes(runId, artifactPath);
    await fs.promises.mkdir(path.dirname(destFile), { recursive: true });
    await fs.promises.writeFile(destFile, bytes);
  }

  /** Downloads everything below artifactPath into destDir; returns the local files written. */
  downloadArtifactDir(runId: string, artifactPath: string, destDir: string): Promise<string[]> {
    return this.tracking.downloadArtifactDir(runId, artifactPath, destDir);
  }

  /** Downloads everything below an artifact URI (e.g. a model version's download URI) into destDir. */
  downloadArtifactsFromUri(artifactUri: string, destDir: string): Promise<string[]> {
    return this.tracking.downloadArtifactsFromUri(artifactUri, destDir);
  }

  // ------------------------------------------------------------- logged models

  /** Creates a logged model (status LOGGED_MODEL_PENDING) with its own artifact location; finalize it when done. */
  createLoggedModel(opts: CreateLoggedModelOptions): Promise<LoggedModel> {
    return this.loggedModels.create(opts);
  }

  getLoggedModel(modelId: string): Promise<LoggedModel> {
    return this.loggedModels.get(modelId);
  }

  /** Marks the logged model READY (its files are complete) or UPLOAD_FAILED. */
  finalizeLoggedModel(
    modelId: string,
    status: Exclude<LoggedModelStatus, 'LOGGED_MODEL_PENDING'> = 'LOGGED_MODEL_READY',
  ): Promise<LoggedModel> {
    return this.loggedModels.finalize(modelId, status);
  }

  setLoggedModelTags(modelId: string, tags: Record<string, string>): Promise<void> {
    return this.loggedModels.setTags(modelId, tags);
  }

  /** Logged models of the experiments (all pages), e.g. filter `source_run_id = '<run id>'`. */
  searchLoggedModels(opts: { experimentIds: string[]; filter?: string; maxResults?: number }): Promise<LoggedModel[]> {
    return this.loggedModels.search(opts);
  }

  /** Writes one file below the logged model's artifact location. */
  uploadLoggedModelArtifact(model: LoggedModel, artifactPath: string, bytes: Uint8Array | string): Promise<void> {
    return this.loggedModels.uploadArtifactBytes(model, artifactPath, bytes);
  }

  listLoggedModelArtifacts(model: LoggedModel, artifactPath = ''): Promise<FileInfo[]> {
    return this.loggedModels.listArtifacts(model, artifactPath);
  }

  // ------------------------------------------------------------- model registry

  createRegisteredModel(
    name: string,
    opts: { description?: string; tags?: Record<string, string> } = {},
  ): Promise<RegisteredModel> {
    return this.registry.createRegisteredModel(name, opts);
  }

  /** The registered model, or undefined when there is none. */
  getRegisteredModel(name: string): Promise<RegisteredModel | undefined> {
    return this.registry.getRegisteredModel(name);
  }

  getOrCreateRegisteredModel(name: string): Promise<RegisteredModel> {
    return this.registry.getOrCreateRegisteredModel(name);
  }

  deleteRegisteredModel(name: string): Promise<void> {
    return this.registry.deleteRegisteredModel(name);
  }

  /**
   * Registers `source` as a new version (status PENDING_REGISTRATION): an artifact URI holding an MLmodel dir, or
   * `models:/<model_id>` for a logged model (then pass modelId too, as MLflow 3's Python client does).
   */
  createModelVersion(opts: {
    name: string;
    source: string;
    runId?: string;
    modelId?: string;
    description?: string;
    tags?: Record<string, string>;
  }): Promise<ModelVersion> {
    return this.registry.createModelVersion(opts);
  }

  getModelVersion(name: string, version: string): Promise<ModelVersion> {
    return this.registry.getModelVersion(name, version);
  }

  /** Deletes one version (and any alias on it). */
  deleteModelVersion(name: string, version: string): Promise<void> {
    return this.registry.deleteModelVersion(name, version);
  }

  /** Polls until the version is READY; throws on FAILED_REGISTRATION or after timeoutMs (default 300 s). */
  waitForModelVersion(
    name: string,
    version: string,
    opts: { timeoutMs?: number; intervalMs?: number } = {},
  ): Promise<ModelVersion> {
    return this.registry.waitForModelVersion(name, version, opts);
  }

  /** Where the version's files can be downloaded (an mlflow-artifacts: URI for proxied stores). */
  getModelVersionDownloadUri(name: string, version: string): Promise<string> {
    return this.registry.getModelVersionDownloadUri(name, version);
  }

  searchModelVersions(filter: string, maxResults = 1000): Promise<ModelVersion[]> {
    return this.registry.searchModelVersions(filter, maxResults);
  }

  /** Points `alias` (e.g. champion) at this version, moving it from any other version. */
  setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void> {
    return this.registry.setRegisteredModelAlias(name, alias, version);
  }

  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    return this.registry.getModelVersionByAlias(name, alias);
  }

  deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    return this.registry.deleteRegisteredModelAlias(name, alias);
  }
}
