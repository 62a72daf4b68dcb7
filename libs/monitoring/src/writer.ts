// Off the request path: the API pushes records into a bounded in-memory queue and answers; a flush writes them in
// one transaction every `flushIntervalMs` or as soon as `batchRows` are waiting, whichever comes first. The batch
// window (what a kill -9 may lose of answered requests) is therefore one interval plus the flush in progress.
// A failed flush (full disk, dropped connection, a database restarting) is counted and logged; its batch stays at the
// head of the queue and is tried again after a delay that doubles from one interval up to `maxRetryDelayMs`, for
// `retryForMs` from its first failure, then its rows are dropped and counted. A database away for a few seconds
// therefore costs nothing but memory (the queue's bound), and scoring never fails because of the log.
// A full queue while the store is healthy means the writer is slower than scoring (the cores busy with requests):
// then a request waits for room, in arrival order, for at most `waitForRoomMs`, so scoring slows to what the log can
// write instead of deciding without a record. While a batch is failing nothing waits: the rows are dropped at once.
import type { PredictionRecord } from './records';
import type { HeldBatch, PredictionStore } from './store';

export interface WriterOptions {
  /** Default 50 ms. */
  flushIntervalMs?: number;
  /** Rows per transaction at most; a full batch is flushed at once (default 500). */
  batchRows?: number;
  /** Rows waiting at most; beyond, new rows wait for room or are dropped and counted (default 50,000). */
  maxQueueRows?: number;
  /**
   * How long rows that find the queue full wait for room while the store is healthy (default 1 s; 0 = drop at once).
   * Past it, or while a batch is failing, they are dropped and counted.
   */
  waitForRoomMs?: number;
  /** How long a failing batch is retried, from its first failure, before its rows are dropped (default 30 s). */
  retryForMs?: number;
  /** The longest wait between two tries of a batch (default 2 s); the first wait is one interval. */
  maxRetryDelayMs?: number;
  /** How long `close()` keeps retrying a failing batch before it drops what is left (default 5 s). */
  closeRetryForMs?: number;
}

export interface WriterEvents {
  written?(rows: number, ms: number): void;
  failed?(error: Error, rows: number, attempt: number): void;
  dropped?(rows: number, reason: 'queue full' | 'write failed' | 'closed'): void;
}

export const DEFAULT_WRITER = {
  flushIntervalMs: 50,
  batchRows: 500,
  maxQueueRows: 50_000,
  waitForRoomMs: 1_000,
  retryForMs: 30_000,
  maxRetryDelayMs: 2_000,
  closeRetryForMs: 5_000,
} as const;

interface Pending {
  /** The rows, until the first attempt hands them to a store that holds batches (then its handle). */
  rows: readonly PredictionRecord[] | HeldBatch;
  count: number;
  attempts: number;
  /** When the first try failed (performance.now()), and when the next one may run. */
  failingSince?: number;
  retryAt?: number;
}

const isHeld = (rows: Pending['rows']): rows is HeldBatch => !Array.isArray(rows);

/** Rows that found the queue full, waiting for room. */
interface Waiter {
  rows: readonly PredictionRecord[];
  /** Resolves the push: its rows queued or dropped. */
  done: () => void;
  timer: NodeJS.Timeout;
}

export class BatchWriter {
  private readonly opts: Required<WriterOptions>;
  private queue: Pending[] = [];
  private queued = 0;
  private current: PredictionRecord[] = [];
  private flushing: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  private waiters: Waiter[] = [];
  /** Totals since start (also exposed as Prometheus counters by the API); `waited`: pushes that waited for room. */
  readonly totals = { written: 0, failedFlushes: 0, dropped: 0, waited: 0 };

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

  /**
   * Queues the rows; never rejects. When the queue is full, resolves once they are queued after waiting for room (see
   * the top of the file), or dropped and counted: at once while a batch is failing or the writer is closed, else
   * after `waitForRoomMs`.
   */
  push(rows: readonly PredictionRecord[]): Promise<void> {
    if (this.closed) {
      this.drop(rows.length, 'closed');
      return Promise.resolve();
    }
    const fits = this.waiters.length === 0 && this.pendingRows + rows.length <= this.opts.maxQueueRows;
    if (fits || rows.length > this.opts.maxQueueRows || this.failing || this.opts.waitForRoomMs <= 0) {
      this.enqueue(rows);
      return Promise.resolve();
    }
    this.totals.waited++;
    return new Promise((done) => {
      const waiter: Waiter = {
        rows,
        done,
        timer: setTimeout(() => this.giveUp(waiter), this.opts.waitForRoomMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Whether the batch at the head of the queue has failed and awaits its retry. */
  private get failing(): boolean {
    return this.queue.length > 0 && this.queue[0].failingSince !== undefined;
  }

  /** The rows that fit, the rest dropped as 'queue full'. */
  private enqueue(rows: readonly PredictionRecord[]): void {
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

  /** After a batch left the queue: the waiters that now fit, in order. */
  private admitWaiters(): void {
    while (this.waiters.length && this.pendingRows + this.waiters[0].rows.length <= this.opts.maxQueueRows) {
      const waiter = this.waiters.shift() as Waiter;
      clearTimeout(waiter.timer);
      this.enqueue(waiter.rows);
      waiter.done();
    }
  }

  /** Every waiter (or one whose time is up) dropped: a failing store or a closing writer gives no room soon. */
  private giveUp(only?: Waiter): void {
    const leaving = only ? [only] : this.waiters;
    this.waiters = only ? this.waiters.filter((w) => w !== only) : [];
    for (const waiter of leaving) {
      clearTimeout(waiter.timer);
      this.drop(waiter.rows.length, 'queue full');
      waiter.done();
    }
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
      // The ticks in between do nothing: the batch (and the queue behind it, in order) waits for its retry.
      if (batch.retryAt !== undefined && started < batch.retryAt) return;
      try {
        await this.write(batch);
      } catch (error) {
        this.failed(batch, error as Error);
        this.giveUp(); // nothing waits on a failing store
        if (performance.now() - (batch.failingSince ?? 0) < this.opts.retryForMs) return;
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
      this.admitWaiters();
    }
  }

  private failed(batch: Pending, error: Error): void {
    const now = performance.now();
    batch.attempts++;
    batch.failingSince ??= now;
    const delay = Math.min(this.opts.flushIntervalMs * 2 ** (batch.attempts - 1), this.opts.maxRetryDelayMs);
    batch.retryAt = now + delay;
    this.totals.failedFlushes++;
    this.events.failed?.(error, batch.count, batch.attempts);
  }

  /** One attempt. A store that holds batches takes the rows on the first one, so none stay here while it commits. */
  private write(batch: Pending): Promise<void> {
    if (!isHeld(batch.rows) && this.store.hold) batch.rows = this.store.hold(batch.rows);
    return isHeld(batch.rows) ? batch.rows.write() : this.store.insert(batch.rows);
  }

  private release(batch: Pending): void {
    if (isHeld(batch.rows)) batch.rows.release();
  }

  /**
   * Stops the timer and writes what is queued, retrying a failing batch with the same back-off for at most
   * `closeRetryForMs` (a stopping process has a deadline), then drops what is left, counted.
   */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.admitWaiters();
    this.giveUp(); // what does not fit now would not be written before the deadline either
    const deadline = performance.now() + this.opts.closeRetryForMs;
    while (this.pendingRows > 0) {
      if (this.flushing) await this.flushing;
      this.seal();
      const now = performance.now();
      if (this.queue.length === 0 || now >= deadline) break;
      const wait = (this.queue[0].retryAt ?? 0) - now;
      if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, deadline - now)));
      else await this.startFlush();
    }
    this.closed = true;
    this.drop(this.pendingRows, 'closed');
    for (const batch of this.queue) this.release(batch);
    this.queue = [];
    this.current = [];
    this.queued = 0;
  }
}
