// MLflow 3 logged models: a model with its own id, artifact location, params, metrics and tags, produced by a run
// (the role of the LoggedModel half of MLflow's TrackingServiceClient). Its files go through the artifact proxy.
import { joinArtifactPath, PROXY_LIST_PATH, proxyRelative, proxyUrlPath } from './artifact-paths';
import { MlflowError } from './errors';
import type { RestTransport } from './transport';
import type { FileInfo, LoggedModel, LoggedModelStatus } from './types';
import { requireText } from './validation';
import { toLoggedModel, toWireTags, type Wire } from './wire';

const BASE = '/api/2.0/mlflow/logged-models';

/** Characters MLflow refuses in a logged model's name (mlflow/utils/validation.py _validate_logged_model_name). */
const BAD_NAME_CHARS = ['/', ':', '.', '%', '"', "'"];

/** What a new logged model starts with (MLflow's CreateLoggedModel request). */
export interface CreateLoggedModelOptions {
  experimentId: string;
  name: string;
  sourceRunId?: string;
  modelType?: string;
  params?: Record<string, string | number | boolean>;
  tags?: Record<string, string>;
}

export class LoggedModelClient {
  constructor(private readonly rest: RestTransport) {}

  async create(opts: CreateLoggedModelOptions): Promise<LoggedModel> {
    requireText('experimentId', opts.experimentId);
    requireText('logged model name', opts.name);
    const bad = BAD_NAME_CHARS.filter((c) => opts.name.includes(c));
    if (bad.length) throw new MlflowError(`logged model name '${opts.name}' must not contain ${bad.join(' ')}`);
    const r = await this.rest.post(BASE, {
      experiment_id: opts.experimentId,
      name: opts.name,
      source_run_id: opts.sourceRunId,
      model_type: opts.modelType,
      params: Object.entries(opts.params ?? {}).map(([key, value]) => ({ key, value: String(value) })),
      tags: toWireTags(opts.tags ?? {}),
    });
    return toLoggedModel(r.model as Wire);
  }

  async get(modelId: string): Promise<LoggedModel> {
    requireText('modelId', modelId);
    const r = await this.rest.get(`${BASE}/${encodeURIComponent(modelId)}`, {});
    return toLoggedModel(r.model as Wire);
  }

  async finalize(modelId: string, status: Exclude<LoggedModelStatus, 'LOGGED_MODEL_PENDING'>): Promise<LoggedModel> {
    requireText('modelId', modelId);
    const r = await this.rest.patch(`${BASE}/${encodeURIComponent(modelId)}`, { model_id: modelId, status });
    return toLoggedModel(r.model as Wire);
  }

  async setTags(modelId: string, tags: Record<string, string>): Promise<void> {
    requireText('modelId', modelId);
    await this.rest.patch(`${BASE}/${encodeURIComponent(modelId)}/tags`, { tags: toWireTags(tags) });
  }

  /** Every logged model of the experiments matching `filter` (MLflow's syntax, e.g. source_run_id = '...'). */
  async search(opts: { experimentIds: string[]; filter?: string; maxResults?: number }): Promise<LoggedModel[]> {
    const out: LoggedModel[] = [];
    let pageToken: string | undefined;
    do {
      const r = await this.rest.post(`${BASE}/search`, {
        experiment_ids: opts.experimentIds,
        filter: opts.filter,
        max_results: opts.maxResults ?? 100,
        page_token: pageToken,
      });
      out.push(...((r.models as Wire[] | undefined) ?? []).map(toLoggedModel));
      pageToken = (r.next_page_token as string | undefined) || undefined;
    } while (pageToken && (opts.maxResults === undefined || out.length < opts.maxResults));
    return out;
  }

  async uploadArtifactBytes(model: LoggedModel, artifactPath: string, bytes: Uint8Array | string): Promise<void> {
    const body =
      typeof bytes === 'string'
        ? Buffer.from(bytes, 'utf8')
        : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    await this.rest.putBytes(proxyUrlPath(model.artifactUri, artifactPath), body);
  }

  async listArtifacts(model: LoggedModel, artifactPath = ''): Promise<FileInfo[]> {
    const r = await this.rest.get(PROXY_LIST_PATH, { path: proxyRelative(model.artifactUri, artifactPath) });
    return ((r.files as Wire[] | undefined) ?? []).map((f) => ({
      path: joinArtifactPath(artifactPath, String(f.path)),
      isDir: Boolean(f.is_dir),
      fileSize: f.file_size === undefined ? undefined : Number(f.file_size),
    }));
  }
}
