import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Numbers } from '@credit-scoring/decision';
const { logLossBlock, sigmoid } = require('./logloss-block.js') as {
  logLossBlock: LogLossBlock;
  sigmoid: (z: number) => number;
};
/** Atomics.waitAsync (Node 16+), missing from the TypeScript lib this workspace compiles against. */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(array: Int32Array, index: number, value: number): { async: boolean; value: Promise<string> | string };
  }
).waitAsync;

/** The logistic function both the fit and predictProba use (one definition, in logloss-block.js). */
export { sigmoid };

type LogLossBlock = (
  design: Float64Array,
  y: Float64Array,
  d: number,
  theta: Float64Array,
  from: number,
  to: number,
  grad: Float64Array,
) => number;

/**
 * Sums of the logistic loss and its gradient over every row, computed in row blocks on several threads.
 *
 * Why: at Kaggle scale one evaluation streams a 246k × ~1000 design matrix (2 GB) and L-BFGS needs hundreds of
 * evaluations. With more than one block, every block is computed by a worker thread, each owning a contiguous block of
 * rows of the shared matrix, and the main thread only waits (Atomics.waitAsync): the event loop stays free, so other
 * work of the process (another model's boosting rounds, MLflow uploads) goes on during the fit. The partial sums are
 * added in block order, so results depend only on the number of blocks, not on which thread computed which block.
 */
export class LogLossSums {
  private readonly workers: Worker[] = [];
  private readonly control: Int32Array;
  private readonly partials: Float64Array;
  private readonly theta: Float64Array;
  private readonly y: Float64Array;
  private readonly bounds: number[];
  /** The one block's sums when there are no workers. */
  private readonly own: Float64Array;

  /** `design` (n × d, row-major) should live on a SharedArrayBuffer when threads > 1, or it is copied once. */
  constructor(
    private readonly design: Float64Array,
    labels: Numbers,
    private readonly n: number,
    private readonly d: number,
    threads = 1,
  ) {
    const blocks = Math.max(1, Math.min(Math.floor(threads), Math.ceil(n / 1000)));
    this.bounds = Array.from({ length: blocks + 1 }, (_, b) => Math.round((b * n) / blocks));
    this.control = new Int32Array(new SharedArrayBuffer(3 * 4));
    this.partials = new Float64Array(new SharedArrayBuffer(blocks * (d + 2) * 8));
    this.theta = new Float64Array(new SharedArrayBuffer((d + 1) * 8));
    this.y = new Float64Array(new SharedArrayBuffer(n * 8));
    this.y.set(labels);
    this.own = new Float64Array(d + 1);
    if (blocks > 1 && !(design.buffer instanceof SharedArrayBuffer)) {
      this.design = new Float64Array(new SharedArrayBuffer(design.byteLength));
      this.design.set(design);
    }
    for (let b = 0; b < blocks && blocks > 1; b++) {
      const worker = new Worker(path.join(__dirname, 'logloss-block.js'), {
        workerData: {
          task: 'credit-scoring/logloss-block',
          design: this.design.buffer,
          y: this.y.buffer,
          theta: this.theta.buffer,
          control: this.control.buffer,
          partials: this.partials.buffer,
          d,
          from: this.bounds[b],
          to: this.bounds[b + 1],
          slot: b,
          generation: 0,
        },
      });
      worker.unref();
      this.workers.push(worker);
    }
  }

  get threads(): number {
    return Math.max(1, this.workers.length);
  }

  /**
   * Loss sum over all rows at `theta` (d weights, then the intercept); gradient sums written into `grad`. Resolves
   * once every block is summed; with one block it is computed here, on the calling thread.
   */
  async evaluate(theta: Float64Array, grad: Float64Array): Promise<number> {
    if (this.workers.length === 0) {
      const loss = logLossBlock(this.design, this.y, this.d, theta, this.bounds[0], this.bounds[1], this.own);
      grad.set(this.own);
      return loss;
    }
    this.theta.set(theta);
    Atomics.store(this.control, 1, 0);
    Atomics.add(this.control, 0, 1);
    // Atomics.waitAsync does not keep Node's event loop alive: with nothing else pending (a lone logistic fit, as
    // in `trainer run --parallel-models 1`), the process would exit mid-fit with status 0. The workers hold it
    // alive while they compute, and only then.
    for (const worker of this.workers) worker.ref();
    Atomics.notify(this.control, 0);
    try {
      for (let done = Atomics.load(this.control, 1); done < this.workers.length; done = Atomics.load(this.control, 1)) {
        await waitAsync(this.control, 1, done).value;
      }
    } finally {
      for (const worker of this.workers) worker.unref();
    }
    if (Atomics.load(this.control, 2) !== 0)
      throw new Error('logistic regression: a worker thread failed to evaluate its rows');
    // Block order, as one thread would add them: the first block's sums, then each next block's.
    const width = this.d + 2;
    let loss = 0;
    grad.fill(0);
    for (let w = 0; w < this.workers.length; w++) {
      loss += this.partials[w * width];
      for (let j = 0; j <= this.d; j++) grad[j] += this.partials[w * width + 1 + j];
    }
    return loss;
  }

  /** Stops the workers (unref'd between evaluations, so a forgotten close never keeps the process alive). */
  close(): void {
    Atomics.store(this.control, 0, -1);
    Atomics.notify(this.control, 0);
    for (const worker of this.workers) void worker.terminate();
    this.workers.length = 0;
  }
}
