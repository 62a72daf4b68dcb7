// Holds the model being served. Requests read `store.current` once and keep that reference, so a swap (one
// assignment, done only after the new version is fully loaded) never mixes versions inside a request and never drops
// one. A version that fails to load never replaces the one being served.
//
// Two sources: the primary (usually models:/<name>@<alias>) and an optional fallback (an exported bundle). The
// fallback is loaded only while the primary fails and nothing else is served; from then on the store keeps retrying
// the primary in the background, with a growing delay, and swaps back to it as soon as it loads. So an API that
// started while MLflow was down returns to the registry by itself once MLflow is back.
import { EventEmitter } from 'node:events';
import type { FastifyBaseLogger } from 'fastify';
import { MlflowConnectionError } from '@credit-scoring/tracking';
import type { ModelSource, SourceKind } from './sources';
import type { ServingModel } from './serving-model';

export interface ModelStoreOptions {
  /** Check the primary source for a new version every N ms while serving from it; 0 = only the initial load. */
  followIntervalMs?: number;
  /** First delay before retrying the primary after a failure (nothing loaded, or serving the fallback). */
  retryIntervalMs?: number;
  /** The retry delay doubles after each failure up to this bound. */
  maxRetryIntervalMs?: number;
  /** Loaded only while nothing is served and the primary fails (e.g. MLflow down at start-up). */
  fallback?: ModelSource;
  /** How long a replaced booster stays alive for requests that still hold it, before its native memory is freed. */
  releaseDelayMs?: number;
}

/** Which source the served model came from, as anyone may see it (no file path, no server URI). */
export interface ServingSource {
  kind: SourceKind;
  label: string;
  /** True while the fallback serves because the primary could not be loaded. */
  fallback: boolean;
}

export class ModelStore extends EventEmitter {
  private model: ServingModel | undefined;
  private servedFrom: ModelSource | undefined;
  private readonly origins = new WeakMap<ServingModel, ModelSource>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<boolean> | undefined;
  private stopped = true;
  private lastError: Error | undefined;
  /** Consecutive failed attempts on the primary, for the retry backoff. */
  private failures = 0;

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
  /** The last failure of the primary (or of the fallback when nothing loaded), in full: for logs and tests. */
  get error(): string | undefined {
    return this.lastError?.message;
  }
  /** The same failure with server paths and URIs taken out, for unauthenticated callers (/ready). */
  get publicError(): string | undefined {
    const error = this.lastError;
    if (!error) return undefined;
    // Its details (host, port, resolver codes) describe the network, not the model: say only what failed.
    if (error instanceof MlflowConnectionError) return `${this.source.label}: the MLflow server is not reachable`;
    return redact(error.message);
  }
  /** Where the model served now came from. */
  get serving(): ServingSource | undefined {
    return this.model ? this.sourceOf(this.model) : undefined;
  }
  /** Where a given model came from (a request pins its model; the store may have swapped since). */
  sourceOf(model: ServingModel): ServingSource | undefined {
    const from = this.origins.get(model);
    return from ? { kind: from.kind, label: from.label, fallback: from !== this.source } : undefined;
  }

  /** Starts loading in the background: retries until a model is in, returns to the primary after a fallback. */
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
        reject(
          new Error(`no model loaded after ${timeoutMs} ms${this.lastError ? `: ${this.lastError.message}` : ''}`),
        );
      }, timeoutMs);
      const onSwap = (model: ServingModel) => {
        clearTimeout(timer);
        resolve(model);
      };
      this.once('swap', onSwap);
    });
  }

  /**
   * Asks the primary for its current version and loads it if it differs from the one served; if that fails and
   * nothing is served, loads the fallback. Concurrent calls share one attempt. Returns true when a model was swapped
   * in. Never throws: failures are logged and kept in `error`.
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
      const swapped = await this.loadFrom(this.source);
      this.failures = 0;
      return swapped;
    } catch (error) {
      this.failures++;
      this.lastError = error as Error;
      const serving = this.serving;
      this.log.warn(
        {
          err: error,
          serving: this.model?.version ?? null,
          from: serving?.label ?? null,
          source: this.source.description,
        },
        !serving
          ? 'model not loaded yet; will retry'
          : serving.fallback
            ? 'primary model source still failing; serving the fallback and retrying'
            : 'model source check failed; keeping the current model',
      );
    }
    if (!this.model && this.opts.fallback) {
      try {
        return await this.loadFrom(this.opts.fallback);
      } catch (error) {
        this.log.warn(
          { err: error, source: this.opts.fallback.description },
          'fallback model could not be loaded either',
        );
      }
    }
    return false;
  }

  private async loadFrom(source: ModelSource): Promise<boolean> {
    const version = await source.currentVersion();
    if (this.model && this.servedFrom === source && this.model.version === version) return false;
    const started = Date.now();
    const next = await source.load(version);
    const previousSource = this.servedFrom;
    this.servedFrom = source;
    this.origins.set(next, source);
    this.swap(next);
    if (source === this.source) this.lastError = undefined;
    this.log.info(
      { version: next.version, from: source.label, source: source.description, ms: Date.now() - started },
      previousSource && previousSource !== source ? `model source switched to ${source.label}` : 'model loaded',
    );
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

  /** Delay before the next attempt: backoff while the primary is not what serves, the follow interval once it is. */
  private nextDelay(): number {
    const onPrimary = this.model !== undefined && this.servedFrom === this.source;
    if (onPrimary) return this.opts.followIntervalMs ?? 0;
    const first = this.opts.retryIntervalMs ?? 5_000;
    const max = Math.max(first, this.opts.maxRetryIntervalMs ?? 60_000);
    return Math.min(first * 2 ** Math.max(0, this.failures - 1), max);
  }

  private async tick(): Promise<void> {
    await this.refresh();
    if (this.stopped) return;
    const delay = this.nextDelay();
    if (delay > 0) {
      this.timer = setTimeout(() => void this.tick(), delay);
      this.timer.unref();
    }
  }
}

/**
 * A load error as unauthenticated callers may read it: absolute file paths shortened to their last part and server
 * URLs replaced, so /ready says what is wrong (a missing MLmodel, the registry unreachable) without the layout of the
 * server or the address of MLflow.
 */
export function redact(message: string): string {
  return message
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"),]+/gi, '<server>')
    .replace(/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b|\blocalhost:\d+/g, '<server>')
    .replace(/(^|[\s'"(=])(?!\/api\/)(?:\/[^\s'"/(),:]+)+\/([^\s'"/(),:]+)/g, '$1…/$2');
}
