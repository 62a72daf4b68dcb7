/**
 * Limited-memory BFGS for smooth convex objectives (here: L2-regularised logistic loss).
 * Two-loop recursion for the search direction, backtracking line search with the Armijo condition; a curvature pair is
 * only stored when sᵀy > 0 so the inverse-Hessian estimate stays positive definite. Stops on a small gradient or when
 * f no longer decreases beyond rounding noise (both count as converged, as in scipy's L-BFGS-B).
 */
export interface LbfgsOptions {
  maxIter?: number;
  tol?: number;
  memory?: number;
}
export interface LbfgsResult {
  x: Float64Array;
  value: number;
  gradMax: number;
  iterations: number;
  converged: boolean;
}

/**
 * `evaluate` returns f(x) and writes ∇f(x) into `grad`. Stops when max|∇f| <= tol. Asynchronous because an evaluation
 * may run on worker threads (parallel-logloss.ts): the caller's event loop stays free meanwhile.
 */
export async function minimizeLbfgs(
  evaluate: (x: Float64Array, grad: Float64Array) => Promise<number>,
  x0: Float64Array,
  opts: LbfgsOptions = {},
): Promise<LbfgsResult> {
  const maxIter = opts.maxIter ?? 1000;
  const tol = opts.tol ?? 1e-8;
  const m = opts.memory ?? 10;
  const d = x0.length;
  const x = Float64Array.from(x0);
  const grad = new Float64Array(d);
  let value = await evaluate(x, grad);
  const sHistory: Float64Array[] = [];
  const yHistory: Float64Array[] = [];
  const rhoHistory: number[] = [];
  const direction = new Float64Array(d);
  const xNew = new Float64Array(d);
  const gradNew = new Float64Array(d);
  const alpha = new Float64Array(m);

  for (let iteration = 0; iteration < maxIter; iteration++) {
    const gradMax = maxAbs(grad);
    if (gradMax <= tol) return { x, value, gradMax, iterations: iteration, converged: true };

    // Two-loop recursion: direction = −H·grad.
    direction.set(grad);
    for (let k = sHistory.length - 1; k >= 0; k--) {
      alpha[k] = rhoHistory[k] * dot(sHistory[k], direction);
      axpy(-alpha[k], yHistory[k], direction);
    }
    let gamma = 1 / Math.max(1, norm(grad)); // first step: a unit-length move
    if (sHistory.length > 0) {
      const last = sHistory.length - 1;
      gamma = dot(sHistory[last], yHistory[last]) / dot(yHistory[last], yHistory[last]);
    }
    for (let i = 0; i < d; i++) direction[i] *= gamma;
    for (let k = 0; k < sHistory.length; k++) {
      const beta = rhoHistory[k] * dot(yHistory[k], direction);
      axpy(alpha[k] - beta, sHistory[k], direction);
    }
    for (let i = 0; i < d; i++) direction[i] = -direction[i];
    let slope = dot(grad, direction);
    if (slope >= 0) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      sHistory.length = yHistory.length = rhoHistory.length = 0;
      for (let i = 0; i < d; i++) direction[i] = -grad[i] / Math.max(1, norm(grad));
      slope = dot(grad, direction);
    }

    let step = 1;
    let valueNew = NaN;
    for (let tries = 0; tries < 60; tries++) {
      for (let i = 0; i < d; i++) xNew[i] = x[i] + step * direction[i];
      valueNew = await evaluate(xNew, gradNew);
      if (valueNew <= value + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(valueNew <= value + 1e-4 * step * slope)) {
      // The line search cannot decrease f any more: we are at the precision floor.
      return { x, value, gradMax, iterations: iteration, converged: gradMax <= tol * 100 };
    }

    const s = new Float64Array(d);
    const yv = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      s[i] = xNew[i] - x[i];
      yv[i] = gradNew[i] - grad[i];
    }
    const sy = dot(s, yv);
    if (sy > 1e-12 * dot(yv, yv)) {
      if (sHistory.length === m) {
        sHistory.shift();
        yHistory.shift();
        rhoHistory.shift();
      }
      sHistory.push(s);
      yHistory.push(yv);
      rhoHistory.push(1 / sy);
    }
    // Relative decrease at the level of rounding noise (scipy's ftol = 64·eps): no further progress is possible.
    const stalled = value - valueNew <= 64 * Number.EPSILON * Math.max(Math.abs(value), Math.abs(valueNew), 1);
    x.set(xNew);
    grad.set(gradNew);
    value = valueNew;
    if (stalled) return { x, value, gradMax: maxAbs(grad), iterations: iteration + 1, converged: true };
  }
  const gradMax = maxAbs(grad);
  return { x, value, gradMax, iterations: maxIter, converged: gradMax <= tol };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
function norm(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}
function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i] += a * x[i];
}
