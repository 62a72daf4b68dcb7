import * as fs from 'node:fs';
import * as path from 'node:path';
import { MlflowConnectionError, MlflowError, isNotFound } from './errors';
import type {
  BatchItems, Experiment, FileInfo, Metric, ModelVersion, Param, RegisteredModel, Run, RunInfo, RunStatus,
} from './types';

export interface MlflowClientOptions {
  /** e.g. http://127.0.0.1:5000 (no trailing /api). */
  trackingUri: string;
  /** Extra attempts after a connection error, timeout, 429 or 5xx (default 3). */
  retries?: number;
  /** Per-attempt time limit in ms (default 30 000), so a hung server gives an error instead of a hang. */
  timeoutMs?: number;
  /** First backoff delay in ms, doubled each retry (default 200). */
  backoffMs?: number;
  /**
   * Credentials for a secured server, as Python's client reads them: a bearer token (default
   * $MLFLOW_TRACKING_TOKEN) or basic auth (default $MLFLOW_TRACKING_USERNAME / $MLFLOW_TRACKING_PASSWORD).
   */
  token?: string;
  username?: string;
  password?: string;
}

/** MLflow's log-batch limits (per request). */
export const LOG_BATCH_LIMITS = { metrics: 1000, params: 100, tags: 100, items: 1000, bytes: 1_000_000 } as const;
/** Sizes MLflow's server enforces (mlflow/utils/validation.py); checked here so a batch fails before any write. */
export const VALUE_LIMITS = { key: 250, paramValue: 6000, tagValue: 8000 } as const;

type Query = Record<string, string | number | undefined>;
type Wire = Record<string, unknown>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A small typed client for the MLflow 3 REST API (tracking, proxied artifacts, model registry) on Node's fetch. */
export class MlflowClient {
  readonly trackingUri: string;
  private readonly retries: number;
  private readonly timeoutMs: number;
  private readonly backoffMs: number;
  private readonly authorization?: string;
  /** run id -> artifact root URI (immutable for a run, so caching saves a round trip per upload). */
  private readonly artifactRoots = new Map<string, string>();

  constructor(opts: MlflowClientOptions) {
    let url: URL;
    try {
      url = new URL(opts.trackingUri);
    } catch {
      throw new MlflowError(`trackingUri must be an http(s) URL, got '${opts.trackingUri}'`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new MlflowError(`trackingUri must be an http(s) URL, got '${opts.trackingUri}'`);
    }
    this.trackingUri = opts.trackingUri.replace(/\/+$/, '');
    this.retries = opts.retries ?? 3;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.backoffMs = opts.backoffMs ?? 200;
    this.authorization = authorizationHeader(opts);
  }

  // ---------------------------------------------------------------- experiments

  /** The experiment with this name, or undefined when there is none. */
  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    try {
      const r = await this.get('/api/2.0/mlflow/experiments/get-by-name', { experiment_name: name });
      return toExperiment(r.experiment as Wire);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const r = await this.get('/api/2.0/mlflow/experiments/get', { experiment_id: experimentId });
    return toExperiment(r.experiment as Wire);
  }

  /**
   * Creates an experiment and returns its id (RESOURCE_ALREADY_EXISTS if the name is taken). It is tagged as a
   * model-training experiment so the MLflow 3 UI opens it on its runs rather than its GenAI overview.
   */
  async createExperiment(name: string, tags: Record<string, string> = {}): Promise<string> {
    requireText('experiment name', name);
    const allTags = { 'mlflow.experimentKind': 'custom_model_development', ...tags };
    const r = await this.post('/api/2.0/mlflow/experiments/create', { name, tags: toWireTags(allTags) });
    return String(r.experiment_id);
  }

  /** Id of the experiment with this name, creating it if needed (safe when two processes race). */
  async getOrCreateExperiment(name: string): Promise<string> {
    const found = await this.getExperimentByName(name);
    if (found) return found.experimentId;
    try {
      return await this.createExperiment(name);
    } catch (err) {
      if (err instanceof MlflowError && err.errorCode === 'RESOURCE_ALREADY_EXISTS') {
        const again = await this.getExperimentByName(name);
        if (again) return again.experimentId;
      }
      throw err;
    }
  }

  // ----------------------------------------------------------------------- runs

  /** Starts a run (status RUNNING). A parent makes it a nested run in the UI (tag mlflow.parentRunId). */
  async createRun(opts: {
    experimentId: string; runName?: string; parentRunId?: string; tags?: Record<string, string>; startTime?: number;
  }): Promise<Run> {
    requireText('experimentId', opts.experimentId);
    const tags: Record<string, string> = { ...opts.tags };
    if (opts.parentRunId) tags['mlflow.parentRunId'] = opts.parentRunId;
    if (opts.runName) tags['mlflow.runName'] = opts.runName;
    const r = await this.post('/api/2.0/mlflow/runs/create', {
      experiment_id: opts.experimentId,
      run_name: opts.runName,
      start_time: opts.startTime ?? Date.now(),
      tags: toWireTags(tags),
    });
    const run = toRun(r.run as Wire);
    this.artifactRoots.set(run.info.runId, run.info.artifactUri);
    return run;
  }

  async getRun(runId: string): Promise<Run> {
    requireText('runId', runId);
    const r = await this.get('/api/2.0/mlflow/runs/get', { run_id: runId });
    const run = toRun(r.run as Wire);
    this.artifactRoots.set(run.info.runId, run.info.artifactUri);
    return run;
  }

  async updateRun(runId: string, update: { status?: RunStatus; endTime?: number; runName?: string }): Promise<RunInfo> {
    requireText('runId', runId);
    const r = await this.post('/api/2.0/mlflow/runs/update', {
      run_id: runId, status: update.status, end_time: update.endTime, run_name: update.runName,
    });
    return toRunInfo(r.run_info as Wire);
  }

  /** Marks the run terminated with this status (default FINISHED) and end time now. */
  async endRun(runId: string, status: Exclude<RunStatus, 'RUNNING' | 'SCHEDULED'> = 'FINISHED'): Promise<RunInfo> {
    return this.updateRun(runId, { status, endTime: Date.now() });
  }

  /** One page of runs; pass nextPageToken back as pageToken for the next page. */
  async searchRuns(opts: {
    experimentIds: string[]; filter?: string; orderBy?: string[]; maxResults?: number; pageToken?: string;
  }): Promise<{ runs: Run[]; nextPageToken?: string }> {
    const r = await this.post('/api/2.0/mlflow/runs/search', {
      experiment_ids: opts.experimentIds, filter: opts.filter, order_by: opts.orderBy,
      max_results: opts.maxResults ?? 1000, page_token: opts.pageToken,
    });
    const runs = ((r.runs as Wire[] | undefined) ?? []).map(toRun);
    return { runs, nextPageToken: (r.next_page_token as string | undefined) || undefined };
  }

  // ----------------------------------------------------- params, metrics, tags

  /**
   * Logs metrics, params and tags, split into as many requests as MLflow's limits need
   * (1000 metrics, 100 params, 100 tags, 1000 items, ~1 MB per call). Everything is validated
   * before the first request, so bad input logs nothing.
   */
  async logBatch(runId: string, items: BatchItems): Promise<void> {
    requireText('runId', runId);
    const now = Date.now();
    const metrics = (items.metrics ?? []).map((m) => {
      requireKey('metric', m.key);
      if (typeof m.value !== 'number') throw new MlflowError(`metric '${m.key}' must be a number, got ${typeof m.value}`);
      const step = m.step ?? 0;
      if (!Number.isInteger(step)) throw new MlflowError(`metric '${m.key}' step must be an integer, got ${step}`);
      return { key: m.key, value: metricToWire(m.value), timestamp: m.timestamp ?? now, step };
    });
    const paramList: Param[] = Array.isArray(items.params)
      ? items.params
      : Object.entries(items.params ?? {}).map(([key, value]) => ({ key, value: String(value) }));
    const seen = new Map<string, string>();
    const params: Param[] = [];
    for (const p of paramList) {
      requireKey('param', p.key);
      const value = String(p.value);
      requireMaxLength(`param '${p.key}' value`, value, VALUE_LIMITS.paramValue);
      const earlier = seen.get(p.key);
      if (earlier !== undefined && earlier !== value) {
        throw new MlflowError(`param '${p.key}' is given twice with different values ('${earlier}', '${value}'); params are immutable`);
      }
      if (earlier === undefined) params.push({ key: p.key, value });
      seen.set(p.key, value);
    }
    const tags = Object.entries(items.tags ?? {}).map(([key, value]) => {
      requireKey('tag', key);
      if (typeof value !== 'string') throw new MlflowError(`tag '${key}' must be a string, got ${typeof value}`);
      requireMaxLength(`tag '${key}' value`, value, VALUE_LIMITS.tagValue);
      return { key, value };
    });
    for (const chunk of chunkBatch(metrics, params, tags)) {
      await this.post('/api/2.0/mlflow/runs/log-batch', { run_id: runId, ...chunk });
    }
  }

  async logMetric(runId: string, key: string, value: number, step = 0): Promise<void> {
    await this.logBatch(runId, { metrics: [{ key, value, step }] });
  }

  async logParams(runId: string, params: Record<string, string | number | boolean>): Promise<void> {
    await this.logBatch(runId, { params });
  }

  async setTags(runId: string, tags: Record<string, string>): Promise<void> {
    await this.logBatch(runId, { tags });
  }

  /** Every logged value of one metric, in the server's order (all pages). */
  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    const out: Metric[] = [];
    let pageToken: string | undefined;
    do {
      const r = await this.get('/api/2.0/mlflow/metrics/get-history', {
        run_id: runId, metric_key: key, max_results: 25000, page_token: pageToken,
      });
      out.push(...((r.metrics as Wire[] | undefined) ?? []).map(toMetric));
      pageToken = (r.next_page_token as string | undefined) || undefined;
    } while (pageToken);
    return out;
  }

  // ------------------------------------------------------------------ artifacts

  /** The run's artifact root, e.g. mlflow-artifacts:/1/<run_id>/artifacts. */
  async artifactUri(runId: string): Promise<string> {
    return this.artifactRoots.get(runId) ?? (await this.getRun(runId)).info.artifactUri;
  }

  async uploadArtifactBytes(runId: string, artifactPath: string, bytes: Uint8Array | string): Promise<void> {
    const body = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    await this.putAt(await this.artifactUri(runId), artifactPath, body);
  }

  /** Uploads one local file as <artifactDir>/<basename>; returns the artifact path. */
  async uploadArtifactFile(runId: string, localFile: string, artifactDir = ''): Promise<string> {
    const target = joinArtifactPath(artifactDir, path.basename(localFile));
    await this.uploadArtifactBytes(runId, target, await fs.promises.readFile(localFile));
    return target;
  }

  /** Uploads every file below localDir under artifactDir, keeping the layout; returns the artifact paths. */
  async uploadArtifactDir(runId: string, localDir: string, artifactDir = ''): Promise<string[]> {
    const root = await this.artifactUri(runId);
    const files = await walkFiles(localDir);
    const targets = files.map((rel) => joinArtifactPath(artifactDir, rel.split(path.sep).join('/')));
    await inParallel(files.map((rel, i) => async () => {
      await this.putAt(root, targets[i], await fs.promises.readFile(path.join(localDir, rel)));
    }));
    return targets;
  }

  /** Direct children of artifactPath ('' = the run's root); paths are relative to the run's root. */
  async listArtifacts(runId: string, artifactPath = ''): Promise<FileInfo[]> {
    return this.listAt(await this.artifactUri(runId), artifactPath);
  }

  async downloadArtifactBytes(runId: string, artifactPath: string): Promise<Buffer> {
    return this.getBytesAt(await this.artifactUri(runId), artifactPath);
  }

  async downloadArtifactFile(runId: string, artifactPath: string, destFile: string): Promise<void> {
    const bytes = await this.downloadArtifactBytes(runId, artifactPath);
    await fs.promises.mkdir(path.dirname(destFile), { recursive: true });
    await fs.promises.writeFile(destFile, bytes);
  }

  /** Downloads everything below artifactPath into destDir; returns the local files written. */
  async downloadArtifactDir(runId: string, artifactPath: string, destDir: string): Promise<string[]> {
    return this.downloadDirAt(await this.artifactUri(runId), artifactPath, destDir);
  }

  /** Downloads everything below an artifact URI (e.g. a model version's download URI) into destDir. */
  async downloadArtifactsFromUri(artifactUri: string, destDir: string): Promise<string[]> {
    return this.downloadDirAt(artifactUri, '', destDir);
  }

  // ------------------------------------------------------------- model registry

  async createRegisteredModel(name: string, opts: { description?: string; tags?: Record<string, string> } = {}): Promise<RegisteredModel> {
    requireText('registered model name', name);
    const r = await this.post('/api/2.0/mlflow/registered-models/create', {
      name, description: opts.description, tags: toWireTags(opts.tags ?? {}),
    });
    return toRegisteredModel(r.registered_model as Wire);
  }

  /** The registered model, or undefined when there is none. */
  async getRegisteredModel(name: string): Promise<RegisteredModel | undefined> {
    try {
      const r = await this.get('/api/2.0/mlflow/registered-models/get', { name });
      return toRegisteredModel(r.registered_model as Wire);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async getOrCreateRegisteredModel(name: string): Promise<RegisteredModel> {
    const found = await this.getRegisteredModel(name);
    if (found) return found;
    try {
      return await this.createRegisteredModel(name);
    } catch (err) {
      if (err instanceof MlflowError && err.errorCode === 'RESOURCE_ALREADY_EXISTS') {
        const again = await this.getRegisteredModel(name);
        if (again) return again;
      }
      throw err;
    }
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    await this.send('DELETE', '/api/2.0/mlflow/registered-models/delete', { body: { name } });
  }

  /** Registers `source` (an artifact URI holding an MLmodel dir) as a new version; status starts PENDING_REGISTRATION. */
  async createModelVersion(opts: { name: string; source: string; runId?: string; description?: string; tags?: Record<string, string> }): Promise<ModelVersion> {
    requireText('model name', opts.name);
    requireText('model source', opts.source);
    const r = await this.post('/api/2.0/mlflow/model-versions/create', {
      name: opts.name, source: opts.source, run_id: opts.runId, description: opts.description,
      tags: toWireTags(opts.tags ?? {}),
    });
    return toModelVersion(r.model_version as Wire);
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    const r = await this.get('/api/2.0/mlflow/model-versions/get', { name, version });
    return toModelVersion(r.model_version as Wire);
  }

  /** Polls until the version is READY; throws on FAILED_REGISTRATION or after timeoutMs (default 300 s, like Python). */
  async waitForModelVersion(name: string, version: string, opts: { timeoutMs?: number; intervalMs?: number } = {}): Promise<ModelVersion> {
    const deadline = Date.now() + (opts.timeoutMs ?? 300_000);
    for (;;) {
      const mv = await this.getModelVersion(name, version);
      if (mv.status === 'READY') return mv;
      if (mv.status === 'FAILED_REGISTRATION') {
        throw new MlflowError(`model ${name} version ${version} failed registration: ${mv.statusMessage ?? 'no message'}`);
      }
      if (Date.now() > deadline) {
        throw new MlflowError(`model ${name} version ${version} still ${mv.status} after ${opts.timeoutMs ?? 300_000} ms`);
      }
      await sleep(opts.intervalMs ?? 250);
    }
  }

  /** Where the version's files can be downloaded (an mlflow-artifacts: URI for proxied stores). */
  async getModelVersionDownloadUri(name: string, version: string): Promise<string> {
    const r = await this.get('/api/2.0/mlflow/model-versions/get-download-uri', { name, version });
    return String(r.artifact_uri);
  }

  async searchModelVersions(filter: string, maxResults = 1000): Promise<ModelVersion[]> {
    const r = await this.get('/api/2.0/mlflow/model-versions/search', { filter, max_results: maxResults });
    return ((r.model_versions as Wire[] | undefined) ?? []).map(toModelVersion);
  }

  /** Points `alias` (e.g. champion) at this version, moving it from any other version. */
  async setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void> {
    requireText('alias', alias);
    if (/^\d+$/.test(alias)) throw new MlflowError(`alias '${alias}' must not be a number (it would read as a version)`);
    await this.post('/api/2.0/mlflow/registered-models/alias', { name, alias, version });
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const r = await this.get('/api/2.0/mlflow/registered-models/alias', { name, alias });
    return toModelVersion(r.model_version as Wire);
  }

  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    await this.send('DELETE', '/api/2.0/mlflow/registered-models/alias', { body: { name, alias } });
  }

  // ---------------------------------------------------------- artifact plumbing

  private async putAt(root: string, artifactPath: string, body: Buffer): Promise<void> {
    await this.send('PUT', proxyUrlPath(root, artifactPath), { raw: body });
  }

  private async getBytesAt(root: string, artifactPath: string): Promise<Buffer> {
    const res = await this.send('GET', proxyUrlPath(root, artifactPath), { raw: undefined, bytes: true });
    return res as Buffer;
  }

  private async listAt(root: string, artifactPath: string): Promise<FileInfo[]> {
    const dir = proxyRelative(root, artifactPath);
    const r = (await this.send('GET', '/api/2.0/mlflow-artifacts/artifacts', { query: { path: dir } })) as Wire;
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
    await inParallel(files.map((f, i) => async () => {
      const bytes = await this.getBytesAt(root, f);
      await fs.promises.mkdir(path.dirname(written[i]), { recursive: true });
      await fs.promises.writeFile(written[i], bytes);
    }));
    return written;
  }

  // ------------------------------------------------------------------ transport

  private async get(apiPath: string, query: Query): Promise<Wire> {
    return (await this.send('GET', apiPath, { query })) as Wire;
  }

  private async post(apiPath: string, body: Wire): Promise<Wire> {
    return (await this.send('POST', apiPath, { body })) as Wire;
  }

  /**
   * One REST call with retries: connection errors, timeouts, 429 and 5xx are retried with exponential
   * backoff; other 4xx answers throw MlflowError carrying MLflow's error_code at once.
   */
  private async send(
    method: string, apiPath: string, opts: { query?: Query; body?: Wire; raw?: Buffer; bytes?: boolean },
  ): Promise<Wire | Buffer> {
    const url = new URL(this.trackingUri + apiPath);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = this.authorization ? { Authorization: this.authorization } : {};
    const init: RequestInit = { method, headers };
    if (opts.body !== undefined) {
      init.body = JSON.stringify(opts.body);
      headers['Content-Type'] = 'application/json';
    } else if (opts.raw !== undefined) {
      init.body = opts.raw;
      headers['Content-Type'] = 'application/octet-stream';
    }
    const what = `${method} ${apiPath}`;
    let lastError: unknown;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt > 0) await sleep(Math.min(this.backoffMs * 2 ** (attempt - 1), 10_000));
      let res: Response;
      let okBody: Buffer | undefined;
      try {
        res = await fetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
        if (res.ok) okBody = Buffer.from(await res.arrayBuffer()); // read within the same time limit
      } catch (err) {
        lastError = err; // refused, reset, DNS, or the per-attempt timeout
        continue;
      }
      if (okBody !== undefined) return opts.bytes ? okBody : parseJson(okBody, what);
      // Retrying a POST after a 5xx may repeat it (as MLflow's Python client does); the server's own
      // validation (unique names, immutable params) then answers with a 4xx that callers already handle.
      const failure = await errorFromResponse(res, what);
      if (res.status < 500 && res.status !== 429) throw failure;
      lastError = failure;
    }
    if (lastError instanceof MlflowError) throw lastError;
    throw new MlflowConnectionError(
      `MLflow server at ${this.trackingUri} is not reachable (${what}, ${this.retries + 1} attempts): ${describe(lastError, this.timeoutMs)}`,
      lastError,
    );
  }
}

// ------------------------------------------------------------------- helpers

function parseJson(body: Buffer, what: string): Wire {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8')) as Wire;
  } catch {
    throw new MlflowError(`${what} answered with something that is not JSON: ${body.toString('utf8').slice(0, 200)}`);
  }
}

async function errorFromResponse(res: Response, what: string): Promise<MlflowError> {
  const text = await res.text().catch(() => '');
  let code: string | undefined;
  let message = text.slice(0, 500) || res.statusText;
  try {
    const j = JSON.parse(text) as { error_code?: string; message?: string };
    code = j.error_code;
    message = j.message ?? message;
  } catch { /* not JSON: keep the raw text */ }
  return new MlflowError(`${what} failed (HTTP ${res.status}${code ? ' ' + code : ''}): ${message}`, { errorCode: code, status: res.status });
}

function describe(err: unknown, timeoutMs: number): string {
  // Duck-typed: fetch's errors come from Node's own realm, so `instanceof Error` can fail (e.g. under Jest).
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } } | undefined;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  if (e?.cause?.code) return `${e.cause.code}${e.cause.message ? ` (${e.cause.message})` : ''}`;
  return e?.message ?? String(err);
}

function requireKey(kind: string, key: unknown): void {
  requireText(`${kind} key`, key);
  requireMaxLength(`${kind} key '${String(key).slice(0, 40)}...'`, String(key), VALUE_LIMITS.key);
}

function requireMaxLength(what: string, value: string, max: number): void {
  if (value.length > max) throw new MlflowError(`${what} is ${value.length} characters; MLflow accepts at most ${max}`);
}

function requireText(what: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0) throw new MlflowError(`${what} must be a non-empty string, got ${JSON.stringify(value)}`);
}

/** MLflow's JSON (protobuf mapping) carries non-finite doubles as strings. */
function metricToWire(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

function metricFromWire(v: unknown): number {
  return typeof v === 'number' ? v : Number(v); // "NaN" / "Infinity" -> number
}

type WireMetric = { key: string; value: number | string; timestamp: number; step: number };

/** Greedy split respecting every per-request limit; params first so a run's configuration lands early. */
/** The Authorization header for the configured credentials, if any (token wins over basic auth). */
export function authorizationHeader(opts: Pick<MlflowClientOptions, 'token' | 'username' | 'password'>, env = process.env): string | undefined {
  const token = opts.token ?? env.MLFLOW_TRACKING_TOKEN;
  if (token) return `Bearer ${token}`;
  const username = opts.username ?? env.MLFLOW_TRACKING_USERNAME;
  const password = opts.password ?? env.MLFLOW_TRACKING_PASSWORD;
  if (username && password) return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  return undefined;
}

export function* chunkBatch(
  metrics: WireMetric[], params: Param[], tags: Param[],
): Generator<{ metrics: WireMetric[]; params: Param[]; tags: Param[] }> {
  const L = LOG_BATCH_LIMITS;
  let i = 0, j = 0, k = 0;
  while (i < params.length || j < tags.length || k < metrics.length) {
    const chunk = { metrics: [] as WireMetric[], params: [] as Param[], tags: [] as Param[] };
    let items = 0;
    let bytes = 200; // envelope
    const fits = (item: unknown) => {
      const size = JSON.stringify(item).length + 1;
      if (items >= L.items || (items > 0 && bytes + size > L.bytes)) return false;
      items++; bytes += size;
      return true;
    };
    while (i < params.length && chunk.params.length < L.params && fits(params[i])) chunk.params.push(params[i++]);
    while (j < tags.length && chunk.tags.length < L.tags && fits(tags[j])) chunk.tags.push(tags[j++]);
    while (k < metrics.length && chunk.metrics.length < L.metrics && fits(metrics[k])) chunk.metrics.push(metrics[k++]);
    yield chunk;
  }
}

function joinArtifactPath(dir: string, name: string): string {
  return [dir, name].filter((s) => s.length > 0).join('/').replace(/\/{2,}/g, '/').replace(/\/$/, '');
}

/** Path below the proxy root for an artifact URI plus a relative path; rejects anything that escapes it. */
function proxyRelative(root: string, artifactPath: string): string {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(root);
  if (!m) {
    throw new MlflowError(`artifact URI '${root}' is not served by the MLflow artifact proxy; `
      + 'start the server with --serve-artifacts and --artifacts-destination (tools/mlflow/start.sh does)');
  }
  const parts = artifactPath.split('/').filter((s) => s.length > 0);
  if (artifactPath.startsWith('/') || parts.some((p) => p === '..' || p === '.')) {
    throw new MlflowError(`artifact path '${artifactPath}' must be relative without '.' or '..' segments`);
  }
  return [m[1].replace(/\/+$/, ''), ...parts].filter((s) => s.length > 0).join('/');
}

function proxyUrlPath(root: string, artifactPath: string): string {
  const rel = proxyRelative(root, artifactPath);
  return '/api/2.0/mlflow-artifacts/artifacts/' + rel.split('/').map(encodeURIComponent).join('/');
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

/** Runs the tasks with a few in flight (the server has one worker; more would only queue). */
async function inParallel(tasks: Array<() => Promise<void>>, width = 4): Promise<void> {
  let next = 0;
  const lane = async () => { while (next < tasks.length) await tasks[next++](); };
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, lane));
}

function fromWireTags(tags: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of (tags as Array<{ key: string; value?: string }> | undefined) ?? []) out[t.key] = t.value ?? '';
  return out;
}

function toWireTags(tags: Record<string, string>): Param[] {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

function toExperiment(e: Wire): Experiment {
  return {
    experimentId: String(e.experiment_id), name: String(e.name), artifactLocation: String(e.artifact_location ?? ''),
    lifecycleStage: String(e.lifecycle_stage ?? ''), tags: fromWireTags(e.tags),
  };
}

function toMetric(m: Wire): Metric {
  return { key: String(m.key), value: metricFromWire(m.value), timestamp: Number(m.timestamp ?? 0), step: Number(m.step ?? 0) };
}

function toRunInfo(i: Wire): RunInfo {
  return {
    runId: String(i.run_id ?? i.run_uuid), experimentId: String(i.experiment_id), runName: String(i.run_name ?? ''),
    status: i.status as RunStatus, startTime: Number(i.start_time ?? 0),
    endTime: i.end_time === undefined ? undefined : Number(i.end_time),
    artifactUri: String(i.artifact_uri ?? ''), lifecycleStage: String(i.lifecycle_stage ?? ''),
  };
}

function toRun(r: Wire): Run {
  const data = (r.data as Wire | undefined) ?? {};
  const metrics: Record<string, number> = {};
  for (const m of (data.metrics as Wire[] | undefined) ?? []) metrics[String(m.key)] = metricFromWire(m.value);
  const params: Record<string, string> = {};
  for (const p of (data.params as Wire[] | undefined) ?? []) params[String(p.key)] = String(p.value ?? '');
  return { info: toRunInfo(r.info as Wire), metrics, params, tags: fromWireTags(data.tags) };
}

function toModelVersion(v: Wire): ModelVersion {
  return {
    name: String(v.name), version: String(v.version), source: String(v.source ?? ''),
    runId: v.run_id ? String(v.run_id) : undefined, status: v.status as ModelVersion['status'],
    statusMessage: v.status_message ? String(v.status_message) : undefined,
    aliases: ((v.aliases as string[] | undefined) ?? []).map(String), tags: fromWireTags(v.tags),
    creationTimestamp: Number(v.creation_timestamp ?? 0),
  };
}

function toRegisteredModel(m: Wire): RegisteredModel {
  const aliases: Record<string, string> = {};
  for (const a of (m.aliases as Array<{ alias: string; version: string }> | undefined) ?? []) aliases[a.alias] = String(a.version);
  return {
    name: String(m.name), description: m.description ? String(m.description) : undefined, aliases,
    tags: fromWireTags(m.tags), latestVersions: ((m.latest_versions as Wire[] | undefined) ?? []).map(toModelVersion),
  };
}
