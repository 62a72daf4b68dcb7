'use strict';
/*
 * The logistic-regression objective over one block of rows, and the loop that serves it from a worker thread.
 *
 * Plain JavaScript because a worker thread loads its file with Node alone (no TypeScript loader there); logistic.ts
 * calls the same `logLossBlock` for the main thread's own block, so every block is computed by one piece of code.
 * Protocol, all on SharedArrayBuffers (see parallel-logloss.ts): control[0] is the job generation (the main thread
 * bumps it to start an evaluation, -1 to stop), control[1] counts finished workers, control[2] is set when a worker
 * failed. Each worker writes [loss, gradient (d weights, then the intercept)] into its own slot of `partials`.
 */
const { isMainThread, workerData } = require('node:worker_threads');

/** The logistic function in its overflow-free form for either sign of z. */
function sigmoid(z) {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/**
 * Sums over rows [from, to) of log(1 + e^z) − y·z and of its gradient (residual · row, then residual for the
 * intercept) into `grad` (length d + 1, overwritten); returns the loss sum. z = row · theta[0..d) + theta[d].
 */
function logLossBlock(design, y, d, theta, from, to, grad) {
  const b = theta[d];
  let loss = 0;
  let gradB = 0;
  grad.fill(0);
  // One pass per row (the row stays in cache): score, loss, then the row's share of the gradient.
  for (let i = from; i < to; i++) {
    const off = i * d;
    let zi = b;
    for (let j = 0; j < d; j++) zi += design[off + j] * theta[j];
    // log(1 + e^z) − y·z without overflow
    loss += (zi > 0 ? zi + Math.log1p(Math.exp(-zi)) : Math.log1p(Math.exp(zi))) - y[i] * zi;
    const residual = sigmoid(zi) - y[i];
    gradB += residual;
    for (let j = 0; j < d; j++) grad[j] += residual * design[off + j];
  }
  grad[d] = gradB;
  return loss;
}

function serve(job) {
  const design = new Float64Array(job.design);
  const y = new Float64Array(job.y);
  const theta = new Float64Array(job.theta);
  const control = new Int32Array(job.control);
  const width = job.d + 2;
  const slot = new Float64Array(job.partials, job.slot * width * 8, width);
  let seen = job.generation;
  for (;;) {
    Atomics.wait(control, 0, seen);
    seen = Atomics.load(control, 0);
    if (seen < 0) return;
    try {
      slot[0] = logLossBlock(design, y, job.d, theta, job.from, job.to, slot.subarray(1));
    } catch {
      Atomics.store(control, 2, 1);
    }
    Atomics.add(control, 1, 1);
    Atomics.notify(control, 1);
  }
}

if (!isMainThread && workerData && workerData.task === 'credit-scoring/logloss-block') serve(workerData);

module.exports = { logLossBlock, sigmoid };
