// Experiments, runs, their metrics/params/tags and their artifacts (the role of MLflow's TrackingServiceClient).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { joinArtifactPath, PROXY_LIST_PATH, proxyRelative, proxyUrlPath } from './artifact-paths';
import { batchToWire, chunkBatch } from './batch';
import { ExperimentDeletedError, MlflowError, isNotFound } from './errors';
import type { RestTransport } from './transport';
import type { BatchItems, DatasetInput, Experiment, FileInfo, Metric, Run, RunInfo, RunStatus } from './types';
import { requireText } from './validation';
import { datasetInputToWire, toExperiment, toMetric, toRun, toRunInfo, toWireTags, type Wire } from './wire';

/** The experiment tag the MLflow 3 UI reads to open an experiment on its model-training (runs) view. */
export const EXPERIMENT_KIND_TAG = 'mlflow.experimentKind';
export const MODEL_TRAINING_KIND = 'custom_model_development';

export type TerminalRunStatus = Exclude<RunStatus, 'RUNNING' | 'SCHEDULED'>;

export class TrackingClient {
  /** run id -> artifact root URI (immutable for a run, so caching saves a round trip per upload). */
  private readonly artifactRoots = new Map<string, string>();

  constructor(private readonly rest: RestTransport) {}

  // ---------------------------------------------------------------- experiments

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    try {
      const r = await this.rest.get('/api/2.0/mlflow/experiments/get-by-name', { experiment_name: name });
      return toExperiment(r.experiment as Wire);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const r = await this.rest.get('/api/2.0/mlflow/experiments/get', { experiment_id: experimentId });
    return toExperiment(r.experiment as Wire);
  }

  async createExperiment(name: string, tags: Record<string, string> = {}): Promise<string> {
    requireText('experiment name', name);
    // Tagged as model training so the MLflow 3 UI opens it on its runs rather than its GenAI overview.
    const allTags = { [EXPERIMENT_KIND_TAG]: MODEL_TRAINING_KIND, ...tags };
    const r = await this.rest.post('/api/2.0/mlflow/experiments/create', { name, tags: toWireTags(allTags) });
    return String(r.experiment_id);
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    requireText('experimentId', experimentId);
    await this.rest.post('/api/2.0/mlflow/experiments/set-experiment-tag', { experiment_id: experimentId, key, value });
  }

  async getOrCreateExperiment(name: string): Promise<string> {
    const found = await this.getExperimentByName(name);
    if (found) return this.usableExperiment(found);
    try {
      return await this.createExperiment(name);
    } catch (err) {
      if (err instanceof MlflowError && err.errorCode === 'RESOURCE_ALREADY_EXISTS') {
        const again = await this.getExperimentByName(name);
        if (again) return this.usableExperiment(again);
      }
      throw err;
    }
  }

  /** The id of an existing experiment that can take runs; a deleted one is refused with the way to restore it. */
  private async usableExperiment(found: Experiment): Promise<string> {
    if (found.lifecycleStage === 'deleted') throw new ExperimentDeletedError(found.experimentId, found.name);
    // An experiment made by another client (or before this tag existed) gets it too, unless it has a kind already.
    if (!(EXPERIMENT_KIND_TAG in found.tags)) {
      await this.setExperimentTag(found.experimentId, EXPERIMENT_KIND_TAG, MODEL_TRAINING_KIND);
    }
    return found.experimentId;
  }

  // ----------------------------------------------------------------------- runs

  async createRun(opts: {
    experimentId: string;
    runName?: string;
    parentRunId?: string;
    tags?: Record<string, string>;
    startTime?: number;
  }): Promise<Run> {
    requireText('experimentId', opts.experimentId);
    const tags: Record<string, string> = { ...opts.tags };
    if (opts.parentRunId) tags['mlflow.parentRunId'] = opts.parentRunId;
    if (opts.runName) tags['mlflow.runName'] = opts.runName;
    const r = await this.rest.post('/api/2.0/mlflow/runs/create', {
      experiment_id: opts.experimentId,
      // The runs table's User column: Python's client sends the mlflow.user tag's value here too.
      user_id: tags['mlflow.user'],
      run_name: opts.runName,
      start_time: opts.startTime ?? Date.now(),
      tags: toWireTags(tags),
    });
    return this.remember(toRun(r.run as Wire));
  }

  async getRun(runId: string): Promise<Run> {
    requireText('runId', runId);
    const r = await this.rest.get('/api/2.0/mlflow/runs/get', { run_id: runId });
    return this.remember(toRun(r.run as Wire));
  }

  async updateRun(runId: string, update: { status?: RunStatus; endTime?: number; runName?: string }): Promise<RunInfo> {
    requireText('runId', runId);
    const r = await this.rest.post('/api/2.0/mlflow/runs/update', {
      run_id: runId,
      status: update.status,
      end_time: update.endTime,
      run_name: update.runName,
    });
    return toRunInfo(r.run_info as Wire);
  }

  async endRun(runId: string, status: TerminalRunStatus = 'FINISHED'): Promise<RunInfo> {
    return this.updateRun(runId, { status, endTime: Date.now() });
  }

  async searchRuns(opts: {
    experimentIds: string[];
    filter?: string;
    orderBy?: string[];
    maxResults?: number;
    pageToken?: string;
  }): Promise<{ runs: Run[]; nextPageToken?: string }> {
    const r = await this.rest.post('/api/2.0/mlflow/runs/search', {
      experiment_ids: opts.experimentIds,
      filter: opts.filter,
      order_by: opts.orderBy,
      max_results: opts.maxResults ?? 1000,
      page_token: opts.pageToken,
    });
    const runs = ((r.runs as Wire[] | undefined) ?? []).map(toRun);
    return { runs, nextPageToken: (r.next_page_token as string | undefined) || undefined };
  }

  // ----------------------------------------------------- params, metrics, tags

  async logBatch(runId: string, items: BatchItems): Promise<void> {
    requireText('runId', runId);
    const batch = batchToWire(items);
    for (const chunk of chunkBatch(batch.metrics, batch.params, batch.tags)) {
      await this.rest.post('/api/2.0/mlflow/runs/log-batch', { run_id: runId, ...chunk });
    }
  }

  /** Records the datasets the run used (MLflow dedupes a dataset by name and digest within an experiment). */
  async logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    requireText('runId', runId);
    for (const d of datasets) {
      requireText('dataset name', d.dataset.name);
      requireText(`dataset '${d.dataset.name}' digest`, d.dataset.digest);
      requireText(`dataset '${d.dataset.name}' source type`, d.dataset.sourceType);
    }
    if (datasets.length === 0) return;
    await this.rest.post('/api/2.0/mlflow/runs/log-inputs', {
      run_id: runId,
      datasets: datasets.map(datasetInputToWire),
    });
  }

  /** Links logged models to the run as its outputs (the runs table's Models column). */
  async logOutputs(runId: string, models: Array<{ modelId: string; step?: number }>): Promise<void> {
    requireText('runId', runId);
    await this.rest.post('/api/2.0/mlflow/runs/outputs', {
      run_id: runId,
      models: models.map((m) => ({ model_id: m.modelId, step: m.step ?? 0 })),
    });
  }

  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    const out: Metric[] = [];
    let pageToken: string | undefined;
    do {
      const r = await this.rest.get('/api/2.0/mlflow/metrics/get-history', {
        run_id: runId,
        metric_key: key,
        max_results: 25000,
        page_token: pageToken,
      });
      out.push(...((r.metrics as Wire[] | undefined) ?? []).map(toMetric));
      pageToken = (r.next_page_token as string | undefined) || undefined;
    } while (pageToken);
    return out;
  }

  // ------------------------------------------------------------------ artifacts

  async artifactUri(runId: string): Promise<string> {
    return this.artifactRoots.get(runId) ?? (await this.getRun(runId)).info.artifactUri;
  }

  async uploadArtifactBytes(runId: string, artifactPath: string, bytes: Uint8Array | string): Promise<void> {
    const body =
      typeof bytes === 'string'
        ? Buffer.from(bytes, 'utf8')
        : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    await this.rest.putBytes(proxyUrlPath(await this.artifactUri(runId), artifactPath), body);
  }

  async uploadArtifactDir(runId: string, localDir: string, artifactDir = ''): Promise<string[]> {
    const root = await this.artifactUri(runId);
    const files = await walkFiles(localDir);
    const targets = files.map((rel) => joinArtifactPath(artifactDir, rel.split(path.sep).join('/')));
    await inParallel(
      files.map((rel, i) => async () => {
        await this.rest.putBytes(proxyUrlPath(root, targets[i]), await fs.promises.readFile(path.join(localDir, rel)));
      }),
    );
    return targets;
  }

  async listArtifacts(runId: string, artifactPath = ''): Promise<FileInfo[]> {
    return this.listAt(await this.artifactUri(runId), artifactPath);
  }

  async downloadArtifactBytes(runId: string, artifactPath: string): Promise<Buffer> {
    return this.rest.getBytes(proxyUrlPath(await this.artifactUri(runId), artifactPath));
  }

  async downloadArtifactDir(runId: string, artifactPath: string, destDir: string): Promise<string[]> {
    return this.downloadDirAt(await this.artifactUri(runId), artifactPath, destDir);
  }

  async downloadArtifactsFromUri(artifactUri: string, destDir: string): Promise<string[]> {
    return this.downloadDirAt(artifactUri, '', destDir);
  }

  private remember(run: Run): Run {
    this.artifactRoots.set(run.info.runId, run.info.artifactUri);
    return run;
  }

  private async listAt(root: string, artifactPath: string): Promise<FileInfo[]> {
    const r = await this.rest.get(PROXY_LIST_PATH, { path: proxyRelative(root, artifactPath) });
    return ((r.files as Wire[] | undefined) ?? []).map((f) => ({
      path: joinArtifactPath(artifactPath, String(f.path)),
      isDir: Boolean(f.is_dir),
      fileSize: f.file_size === undefined ? undefined : Number(f.file_size),
    }));
  }

  private async downloadDirAt(root: string, artifactPath: string, destDir: string): Promise<string[]> {
    const files: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const f of await this.listAt(root, dir)) {
        if (f.isDir) await walk(f.path);
        else files.push(f.path);
      }
    };
    await walk(artifactPath);
    const prefix = artifactPath ? artifactPath.replace(/\/+$/, '') + '/' : '';
    const written = files.map((f) => path.join(destDir, ...f.slice(prefix.length).split('/')));
    await inParallel(
      files.map((f, i) => async () => {
        const bytes = await this.rest.getBytes(proxyUrlPath(root, f));
        await fs.promises.mkdir(path.dirname(written[i]), { recursive: true });
        await fs.promises.writeFile(written[i], bytes);
      }),
    );
    return written;
  }
}

async function walkFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.promises.readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = path.join(prefix, e.name);
    if (e.isDirectory()) out.push(...(await walkFiles(dir, rel)));
    else if (e.isFile()) out.push(rel);
  }
  return out.sort();
}

/**
 * Runs the tasks with a few in flight (the server has one worker; more would only queue). After a failure no task
 * starts, and it is thrown only once those in flight have ended: a caller that then removes the destination
 * (replaceDirectory) would otherwise race a download still writing into it, and find the folder made again.
 */
export async function inParallel(tasks: Array<() => Promise<void>>, width = 4): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (!failure && next < tasks.length) {
      try {
        await tasks[next++]();
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, lane));
  if (failure) throw failure.error;
}
