// Registered models, their versions and aliases (the role of MLflow's ModelRegistryClient).
import { MlflowError, isNotFound } from './errors';
import { sleep, type RestTransport } from './transport';
import type { ModelVersion, RegisteredModel } from './types';
import { requireText } from './validation';
import { toModelVersion, toRegisteredModel, toWireTags, type Wire } from './wire';

export class RegistryClient {
  constructor(private readonly rest: RestTransport) {}

  async createRegisteredModel(
    name: string,
    opts: { description?: string; tags?: Record<string, string> } = {},
  ): Promise<RegisteredModel> {
    requireText('registered model name', name);
    const r = await this.rest.post('/api/2.0/mlflow/registered-models/create', {
      name,
      description: opts.description,
      tags: toWireTags(opts.tags ?? {}),
    });
    return toRegisteredModel(r.registered_model as Wire);
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel | undefined> {
    try {
      const r = await this.rest.get('/api/2.0/mlflow/registered-models/get', { name });
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
    await this.rest.delete('/api/2.0/mlflow/registered-models/delete', { name });
  }

  async createModelVersion(opts: {
    name: string;
    source: string;
    runId?: string;
    modelId?: string;
    description?: string;
    tags?: Record<string, string>;
  }): Promise<ModelVersion> {
    requireText('model name', opts.name);
    requireText('model source', opts.source);
    const r = await this.rest.post('/api/2.0/mlflow/model-versions/create', {
      name: opts.name,
      source: opts.source,
      run_id: opts.runId,
      model_id: opts.modelId,
      description: opts.description,
      tags: toWireTags(opts.tags ?? {}),
    });
    return toModelVersion(r.model_version as Wire);
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    const r = await this.rest.get('/api/2.0/mlflow/model-versions/get', { name, version });
    return toModelVersion(r.model_version as Wire);
  }

  async deleteModelVersion(name: string, version: string): Promise<void> {
    await this.rest.delete('/api/2.0/mlflow/model-versions/delete', { name, version });
  }

  async waitForModelVersion(
    name: string,
    version: string,
    opts: { timeoutMs?: number; intervalMs?: number } = {},
  ): Promise<ModelVersion> {
    const timeoutMs = opts.timeoutMs ?? 300_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const mv = await this.getModelVersion(name, version);
      if (mv.status === 'READY') return mv;
      if (mv.status === 'FAILED_REGISTRATION') {
        throw new MlflowError(
          `model ${name} version ${version} failed registration: ${mv.statusMessage ?? 'no message'}`,
        );
      }
      if (Date.now() > deadline) {
        throw new MlflowError(`model ${name} version ${version} still ${mv.status} after ${timeoutMs} ms`);
      }
      await sleep(opts.intervalMs ?? 250);
    }
  }

  async getModelVersionDownloadUri(name: string, version: string): Promise<string> {
    const r = await this.rest.get('/api/2.0/mlflow/model-versions/get-download-uri', { name, version });
    return String(r.artifact_uri);
  }

  async searchModelVersions(filter: string, maxResults = 1000): Promise<ModelVersion[]> {
    const r = await this.rest.get('/api/2.0/mlflow/model-versions/search', { filter, max_results: maxResults });
    return ((r.model_versions as Wire[] | undefined) ?? []).map(toModelVersion);
  }

  async setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void> {
    requireText('alias', alias);
    if (/^\d+$/.test(alias))
      throw new MlflowError(`alias '${alias}' must not be a number (it would read as a version)`);
    await this.rest.post('/api/2.0/mlflow/registered-models/alias', { name, alias, version });
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const r = await this.rest.get('/api/2.0/mlflow/registered-models/alias', { name, alias });
    return toModelVersion(r.model_version as Wire);
  }

  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    await this.rest.delete('/api/2.0/mlflow/registered-models/alias', { name, alias });
  }
}
