/**
 * Seeded pseudo-random numbers: the one generator of the workspace (synthetic data, folds, hyper-parameter search,
 * benchmarks), so a run repeats exactly from its seed. xoshiro128** (Blackman & Vigna) works on 32-bit integers,
 * which V8 keeps unboxed, so it is fast and gives the same sequence on every platform: same seed, same bytes.
 */
import { abs, exp, floor, imul, isNotANumber, log, pow, sqrt, SQRT2 } from './synthetic/builtins';

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal = NaN;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Random: seed must be a finite number, got ${seed}`);
    // splitmix32 spreads any integer seed (0, 1, 2, ...) over the 128-bit state so nearby seeds give unrelated streams.
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = imul(z ^ (z >>> 16), 0x85ebca6b);
      z = imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
  }

  /** Uniform integer in [0, 2^32). */
  uint32(): number {
    const result = imul(rotl(imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + floor(this.next() * (max - min + 1));
  }

  uniform(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  /** Standard normal (Marsaglia polar method; the second value of each pair is kept for the next call). */
  normal(): number {
    if (!isNotANumber(this.spareNormal)) {
      const spare = this.spareNormal;
      this.spareNormal = NaN;
      return spare;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = sqrt((-2 * log(s)) / s);
    this.spareNormal = v * f;
    return u * f;
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T extends { length: number; [i: number]: number }>(values: T): T {
    for (let i = values.length - 1; i > 0; i--) {
      const j = floor(this.next() * (i + 1));
      const tmp = values[i];
      values[i] = values[j];
      values[j] = tmp;
    }
    return values;
  }

  /** exp(N(log(median), sigma)): incomes, credit amounts. */
  logNormal(median: number, sigma: number): number {
    return median * exp(sigma * this.normal());
  }

  exponential(mean: number): number {
    return -mean * log(1 - this.next());
  }

  /** Poisson count (inversion; the means used here are small). */
  poisson(mean: number): number {
    const limit = exp(-mean);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }

  /** Over-dispersed count: Poisson with a gamma-distributed mean (negative binomial), `shape` controls the spread. */
  negativeBinomial(mean: number, shape: number): number {
    return this.poisson(this.gamma(shape) * (mean / shape));
  }

  /** Gamma(shape, 1), Marsaglia & Tsang. */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * pow(this.next(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / sqrt(9 * d);
    for (;;) {
      let x: number, v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.next();
      if (u < 1 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1 - v + log(v))) return d * v;
    }
  }
}

/**
 * The stream the modelling has drawn folds, inner validation splits, search trials and SHAP samples from since its
 * first recorded runs: mulberry32 with Box–Muller normals. Kept beside Random (same methods, other core) so that a
 * seed still reproduces the recorded trainer runs (docs/results.md) fold for fold; new code uses Random.
 */
export class Mulberry32Random extends Random {
  private state: number;

  constructor(seed: number) {
    super(seed);
    this.state = floor(seed) >>> 0;
  }

  override uint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Standard normal (Box–Muller, one draw per pair of uniforms). */
  override normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return sqrt(-2 * log(u)) * Math.cos(2 * Math.PI * v);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A categorical distribution: levels with relative weights, sampled by one uniform draw. */
export class Categorical<T> {
  private readonly cumulative: number[];

  constructor(private readonly levels: readonly (readonly [T, number])[]) {
    const total = levels.reduce((sum, [, w]) => sum + w, 0);
    let running = 0;
    this.cumulative = levels.map(([, w]) => (running += w / total));
  }

  sample(rng: Random): T {
    return this.pick(rng.next());
  }

  /** The level at cumulative probability u, so a caller can tilt u (e.g. by risk) before picking. */
  pick(u: number): T {
    const cumulative = this.cumulative;
    for (let i = 0; i < cumulative.length; i++) if (u < cumulative[i]) return this.levels[i][0];
    return this.levels[this.levels.length - 1][0];
  }
}

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 via erf; |error| < 1.5e-7, plenty for shaping marginals). */
export function normalCdf(x: number): number {
  const z = abs(x) / SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

export function sigmoid(x: number): number {
  return 1 / (1 + exp(-x));
}
