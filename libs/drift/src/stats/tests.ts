// The remaining statistics of Evidently's default drift tests, each matching its SciPy/NumPy counterpart.
import { chi2Sf, normalCdf } from './special';
import { sortFloat64 } from './util';

/** Pearson chi-square goodness of fit (scipy.stats.chisquare(f_obs, f_exp)): statistic and p-value. */
export function chiSquare(
  observed: ArrayLike<number>,
  expected: ArrayLike<number>,
): { statistic: number; pValue: number } {
  const k = observed.length;
  if (k !== expected.length || k < 2)
    throw new RangeError('chiSquare needs ≥ 2 categories, observed and expected alike');
  let statistic = 0;
  for (let i = 0; i < k; i++) {
    const diff = observed[i] - expected[i];
    // A category absent from the reference has expected 0: the terms become +∞ (or NaN for 0/0), as in SciPy.
    statistic += (diff * diff) / expected[i];
  }
  return { statistic, pValue: chi2Sf(statistic, k - 1) };
}

/**
 * Two-proportion Z-test p-value on 0/1 indicators, the way Evidently computes it:
 * p = 2·(1 − Φ(|z|)), z = (p1 − p2)/sqrt(P(1−P)(1/n1 + 1/n2)) with the pooled proportion P.
 */
export function twoProportionZTest(
  ones1: number,
  n1: number,
  ones2: number,
  n2: number,
): { statistic: number; pValue: number } {
  const p1 = ones1 / n1;
  const p2 = ones2 / n2;
  const pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
  const z = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  return { statistic: z, pValue: 2 * (1 - normalCdf(Math.abs(z))) };
}

/** First Wasserstein distance between two empirical distributions (scipy.stats.wasserstein_distance). */
export function wassersteinDistance(u: ArrayLike<number>, v: ArrayLike<number>): number {
  return wassersteinSorted(sortFloat64(u), sortFloat64(v));
}

/** wassersteinDistance on samples already sorted ascending. */
export function wassersteinSorted(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('wassersteinDistance needs two non-empty samples');
  // ∫|F_u − F_v| dx over the pooled sorted values: between consecutive pooled values both CDFs are flat.
  let i = 0;
  let j = 0;
  let total = 0;
  let prev = Math.min(a[0], b[0]);
  while (i < n1 || j < n2) {
    const x = j >= n2 || (i < n1 && a[i] <= b[j]) ? a[i] : b[j];
    total += Math.abs(i / n1 - j / n2) * (x - prev);
    while (i < n1 && a[i] <= x) i++;
    while (j < n2 && b[j] <= x) j++;
    prev = x;
  }
  return total;
}

/** Jensen–Shannon distance (scipy.spatial.distance.jensenshannon, natural log): sqrt of the JS divergence. */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p.length !== q.length) throw new RangeError('jensenShannonDistance needs vectors of equal length');
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) {
    sp += p[i];
    sq += q[i];
  }
  let divergence = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i] / sp;
    const qi = q[i] / sq;
    const mi = (pi + qi) / 2;
    divergence += relativeEntropy(pi, mi) + relativeEntropy(qi, mi);
  }
  return Math.sqrt(divergence / 2);
}

/** scipy.special.rel_entr: x·ln(x/y), 0 when x = 0. */
function relativeEntropy(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Infinity;
}

/** Population stability index Σ (ref − cur)·ln(ref/cur) over shares that contain no zero. */
export function populationStabilityIndex(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  let psi = 0;
  for (let i = 0; i < reference.length; i++) psi += (reference[i] - current[i]) * Math.log(reference[i] / current[i]);
  return psi;
}
