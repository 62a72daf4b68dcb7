// Holds the model being served. Requests read `store.current` once and keep that reference, so a swap (one
// assignment, done only after the new version is fully loaded) never mixes versions inside a request and never drops
// one. If the source becomes unreachable the store keeps serving what it has and retries later.
import { EventEmitter } from 'node:events';
import type { FastifyBaseLogger } from 'fastify';
import { ModelSource } from './sources';
import { ServingModel } from './serving-model';

export interface ModelStoreOptions {
  /** Check the source for a new version every N ms; 0 = only the initial load. */
  followIntervalMs?: number;
  /** Delay between attempts while no model is loaded yet. */
  retryIntervalMs?: number;
  /** Loaded only while nothing is served and the source fails (e.g. MLflow down at start-up). */
  fallback?: ModelSource;
  /** How long a replaced booster stays alive for requests that still hold it, before its native memory is freed. */
  releaseDelayMs?: number;
}

export class ModelStore extends EventEmitter {
  private model: ServingModel | undefined;
  private servedFrom: ModelSource | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<boolean> | undefined;
  private stopped = false;
  private lastError: string | undefined;

  constructor(
    readonly source: ModelSource,
    private readonly log: FastifyBaseLogger,
    private readonly opts: ModelStoreOptions = {},
  ) {
    super();
  }

  get current(): ServingModel | undefined {
    return this.model;
  }
  get ready(): boolean {
    return this.model !== undefined;
  }
  get error(): string | undefined {
    return this.lastError;
  }

  /** Starts loading in the background: retries until a first model is in, then follows the source if asked. */
  start(): void {
    this.stopped = false;
    void this.tick();
  }

  /** Resolves once a model is loaded (or rejects after timeoutMs). For tests and the start-up log. */
  whenReady(timeoutMs = 60_000): Promise<ServingModel> {
    if (this.model) return Promise.resolve(this.model);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('swap', onSwap);
        reject(new Error(`no model loaded after ${timeoutMs} ms${this.lastError ? `: ${this.lastError}` : ''}`));
      }, timeoutMs);
      const onSwap = (model: ServingModel) => {
        clearTimeout(timer);
        resolve(model);
      };
      this.once('swap', onSwap);
    });
  }

  /**
   * Asks the source for its current version and loads it if it differs from the one served. Concurrent calls share
   * one attempt. Returns true when a new version was swapped in. Never throws: failures are logged and kept in `error`.
   */
  refresh(): Promise<boolean> {
    if (!this.inFlight) {
      this.inFlight = this.refreshOnce().finally(() => {
        this.inFlight = undefined;
      });
    }
    return this.inFlight;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async refreshOnce(): Promise<boolean> {
    try {
      return await this.loadFrom(this.source);
    } catch (error) {
      this.lastError = (error as Error).message;
      this.log.warn(
        { err: error, serving: this.model?.version ?? null },
        this.model ? 'model source check failed; keeping the current model' : 'model not loaded yet; will retry',
      );
    }
    if (!this.model && this.opts.fallback) {
      try {
        return await this.loadFrom(this.opts.fallback);
      } catch (error) {
        this.log.warn({ err: error }, 'fallback model could not be loaded either');
      }
    }
    return false;
  }

  private async loadFrom(source: ModelSource): Promise<boolean> {
    const version = await source.currentVersion();
    if (this.model && this.servedFrom === source && this.model.version === version) return false;
    const started = Date.now();
    const next = await source.load(version);
    this.servedFrom = source;
    this.swap(next);
    this.lastError = undefined;
    this.log.info({ version: next.version, source: next.source, ms: Date.now() - started }, 'model loaded');
    return true;
  }

  private swap(next: ServingModel): void {
    const previous = this.model;
    this.model = next;
    this.emit('swap', next, previous);
    if (previous && previous.booster !== next.booster) {
      // A batch request yields between slices while holding its model, so the old booster lives on for a while
      // (a 1,000-applicant batch takes well under a second) before its native memory is released.
      const release = setTimeout(() => previous.booster.free(), this.opts.releaseDelayMs ?? 30_000);
      release.unref();
    }
  }

  private async tick(): Promise<void> {
    await this.refresh();
    if (this.stopped) return;
    const follow = this.opts.followIntervalMs ?? 0;
    const delay = this.model ? follow : (this.opts.retryIntervalMs ?? 5_000);
    if (delay > 0) {
      this.timer = setTimeout(() => void this.tick(), delay);
      this.timer.unref();
    }
  }
}
