// Off the request path: the API pushes records into a bounded in-memory queue and answers; a flush writes them in
// one transaction every `flushIntervalMs` or as soon as `batchRows` are waiting, whichever comes first. The batch
// window (what a kill -9 may lose of answered requests) is therefore one interval plus the flush in progress.
// A failed flush (full disk, dropped connection) is counted and logged, its rows go back to the head of the queue
// for `maxAttempts` tries, then are dropped and counted: scoring never waits on, or fails because of, the log.
import type { PredictionRecord } from './records';
import type { HeldBatch, PredictionStore } from './store';

export interface WriterOptions {
  /** Default 50 ms. */
  flushIntervalMs?: number;
  /** Rows per transaction at most; a full batch is flushed at once (default 500). */
  batchRows?: number;
  /** Rows waiting at most; beyond, new rows are dropped and counted (default 50,000). */
  maxQueueRows?: number;
  /** Tries per batch before its rows are dropped (default 3). */
  maxAttempts?: number;
}

export interface WriterEvents {
  written?(rows: number, ms: number): void;
  failed?(error: Error, rows: number, attempt: number): void;
  dropped?(rows: number, reason: 'queue full' | 'write failed' | 'closed'): void;
}

export const DEFAULT_WRITER = { flushIntervalMs: 50, batchRows: 500, maxQueueRows: 50_000, maxAttempts: 3 } as const;

interface Pending {
  /** The rows, until the first attempt hands them to a store that holds batches (then its handle). */
  rows: readonly PredictionRecord[] | HeldBatch;
  count: number;
  attempts: number;
}

const isHeld = (rows: Pending['rows']): rows is HeldBatch => !Array.isArray(rows);

export class BatchWriter {
  private readonly opts: Required<WriterOptions>;
  private queue: Pending[] = [];
  private queued = 0;
  private current: PredictionRecord[] = [];
  private flushing: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  /** Totals since start (also exposed as Prometheus counters by the API). */
  readonly totals = { written: 0, failedFlushes: 0, dropped: 0 };

  constructor(
    private readonly store: PredictionStore,
    opts: WriterOptions = {},
    private readonly events: WriterEvents = {},
  ) {
    this.opts = { ...DEFAULT_WRITER, ...opts };
    this.timer = setInterval(() => void this.startFlush(), this.opts.flushIntervalMs);
    this.timer.unref();
  }

  get pendingRows(): number {
    return this.queued + this.current.length;
  }

  /** Never throws and never waits: the rows are queued, or dropped (and counted) when the queue is full. */
  push(rows: readonly PredictionRecord[]): void {
    if (this.closed) {
      this.drop(rows.length, 'closed');
      return;
    }
    const room = this.opts.maxQueueRows - this.pendingRows;
    if (room < rows.length) {
      this.drop(rows.length - Math.max(0, room), 'queue full');
      rows = rows.slice(0, Math.max(0, room));
    }
    for (const row of rows) {
      this.current.push(row);
      if (this.current.length >= this.opts.batchRows) this.seal();
    }
    if (this.queue.length && !this.flushing) setImmediate(() => void this.startFlush());
  }

  private seal(): void {
    if (this.current.length === 0) return;
    this.queue.push({ rows: this.current, count: this.current.length, attempts: 0 });
    this.queued += this.current.length;
    this.current = [];
  }

  private drop(rows: number, reason: 'queue full' | 'write failed' | 'closed'): void {
    if (rows <= 0) return;
    this.totals.dropped += rows;
    this.events.dropped?.(rows, reason);
  }

  /**
   * Writes everything pushed so far, after the flush in progress if any; resolves when done (or when a batch failed
   * and awaits its retry), never rejects.
   */
  async flush(): Promise<void> {
    if (this.flushing) await this.flushing;
    return this.startFlush();
  }

  /** One flush at a time: the timer's tick does nothing while one runs. */
  private startFlush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.seal();
    if (this.queue.length === 0) return Promise.resolve();
    this.flushing = this.drain().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue[0];
      const started = performance.now();
      try {
        await this.write(batch);
      } catch (error) {
        batch.attempts++;
        this.totals.failedFlushes++;
        this.events.failed?.(error as Error, batch.count, batch.attempts);
        if (batch.attempts < this.opts.maxAttempts) return; // retried on the next tick of the timer
        this.queue.shift();
        this.queued -= batch.count;
        this.release(batch);
        this.drop(batch.count, 'write failed');
        continue;
      }
      this.queue.shift();
      this.queued -= batch.count;
      this.totals.written += batch.count;
      this.events.written?.(batch.count, performance.now() - started);
    }
  }

  /** One attempt. A store that holds batches takes the rows on the first one, so none stay here while it commits. */
  private write(batch: Pending): Promise<void> {
    if (!isHeld(batch.rows) && this.store.hold) batch.rows = this.store.hold(batch.rows);
    return isHeld(batch.rows) ? batch.rows.write() : this.store.insert(batch.rows);
  }

  private release(batch: Pending): void {
    if (isHeld(batch.rows)) batch.rows.release();
  }

  /** Stops the timer and writes what is queued (each batch still gets its attempts). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    for (let i = 0; i < this.opts.maxAttempts && this.pendingRows > 0; i++) {
      if (this.flushing) await this.flushing;
      await this.flush();
    }
    this.closed = true;
    this.drop(this.pendingRows, 'closed');
    for (const batch of this.queue) this.release(batch);
    this.queue = [];
    this.current = [];
    this.queued = 0;
  }
}
