// Where models come from. A source answers two questions: which version is current now (cheap, polled), and load
// that version (expensive, done off the request path by the ModelStore).
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { MlflowClient, ModelPackageError, downloadModel, readPackageIdentity } from '@credit-scoring/tracking';
import { assembleModel, loadBundle } from './bundle';
import { ModelLoadError, ServingModel } from './serving-model';

export type SourceKind = 'registry' | 'bundle';

export interface ModelSource {
  readonly kind: SourceKind;
  /** What /ready and /model may show anyone: `models:/<name>@<alias>` or `bundle` (no path, no server URI). */
  readonly label: string;
  /** Full origin for the logs only: the bundle's folder or the alias and its tracking server. */
  readonly description: string;
  /** The version the source points at right now. */
  currentVersion(): Promise<string>;
  /** Loads that version completely (booster parsed, pipeline restored). */
  load(version: string): Promise<ServingModel>;
}

/** An exported bundle folder; re-read when its registered_model.json names another version. */
export class BundleSource implements ModelSource {
  readonly kind = 'bundle';
  readonly label = 'bundle';
  readonly description: string;
  constructor(private readonly dir: string) {
    this.description = `bundle ${path.resolve(dir)}`;
  }
  async currentVersion(): Promise<string> {
    try {
      return (await readPackageIdentity(this.dir)).version;
    } catch (error) {
      if (error instanceof ModelPackageError) throw new ModelLoadError(error.message);
      throw error;
    }
  }
  load(): Promise<ServingModel> {
    return loadBundle(this.dir);
  }
}

/** `models:/<name>@<alias>` on an MLflow server: the alias is resolved to a version, that version is downloaded. */
export class MlflowAliasSource implements ModelSource {
  readonly kind = 'registry';
  readonly label: string;
  readonly description: string;
  private readonly client: MlflowClient;
  constructor(private readonly opts: { trackingUri: string; name: string; alias: string; timeoutMs?: number }) {
    this.label = `models:/${opts.name}@${opts.alias}`;
    this.description = `${this.label} on ${opts.trackingUri}`;
    this.client = new MlflowClient({ trackingUri: opts.trackingUri, retries: 1, timeoutMs: opts.timeoutMs ?? 10_000 });
  }

  async currentVersion(): Promise<string> {
    const found = await this.client.getModelVersionByAlias(this.opts.name, this.opts.alias);
    return String(found.version);
  }

  async load(version: string): Promise<ServingModel> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'credit-scoring-model-'));
    try {
      // Download by version, not alias: the alias may move between currentVersion() and here. The download is read
      // and checked once, by downloadModel; the registry, not the folder, says who it is.
      const downloaded = await downloadModel(this.client, this.opts.name, version, dir).catch((error: unknown) => {
        throw error instanceof ModelPackageError ? new ModelLoadError(error.message) : error;
      });
      const identity = { ...downloaded.identity, name: this.opts.name, version, alias: this.opts.alias };
      return assembleModel({ ...downloaded, identity }, `models:/${this.opts.name}/${version}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
