// Two-sample Kolmogorov–Smirnov test, two-sided, as scipy.stats.ks_2samp(method='auto'): the exact null
// distribution when both samples have at most 10 000 values, else the asymptotic `kstwo` distribution
// with n = round(n1·n2/(n1+n2)). The exact branch falls back to the asymptotic one if it cannot produce a
// probability in [0, 1], as SciPy does.
import { kolmogorovSf } from './kolmogorov';
import { roundHalfEven, sortFloat64 } from './util';

export type KsMethod = 'auto' | 'exact' | 'asymp';

export interface KsResult {
  statistic: number;
  pValue: number;
  /** The method actually used ('exact' may fall back to 'asymp'). */
  method: 'exact' | 'asymp';
}

/** SciPy switches 'auto' to the asymptotic distribution above this sample size. */
export const KS_MAX_EXACT_N = 10000;

export function ks2samp(reference: ArrayLike<number>, current: ArrayLike<number>, method: KsMethod = 'auto'): KsResult {
  return ks2sampSorted(sortFloat64(reference), sortFloat64(current), method);
}

/** ks2samp on samples already sorted ascending. */
export function ks2sampSorted(a: Float64Array, b: Float64Array, method: KsMethod = 'auto'): KsResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('ks2samp needs two non-empty samples');
  const d = ksStatistic(a, b);
  let mode: 'exact' | 'asymp' = method === 'auto' ? (Math.max(n1, n2) <= KS_MAX_EXACT_N ? 'exact' : 'asymp') : method;
  const g = gcd(n1, n2);
  if (mode === 'exact' && n1 / g >= 2147483647 / (n2 / g)) mode = 'asymp';
  if (mode === 'exact') {
    const exact = exactTwoSidedPValue(n1, n2, g, d);
    if (exact !== null) return { statistic: exact.d, pValue: clip01(exact.p), method: 'exact' };
    mode = 'asymp';
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const en = (m * n) / (m + n);
  return { statistic: d, pValue: clip01(kolmogorovSf(roundHalfEven(en), d)), method: 'asymp' };
}

/** D = sup |F_a − F_b| over the pooled sample, with the same floating-point operations as SciPy. */
export function ksStatistic(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let maxDiff = -Infinity;
  let minDiff = Infinity;
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && a[i] <= b[j]) ? a[i] : b[j];
    while (i < n1 && a[i] <= v) i++;
    while (j < n2 && b[j] <= v) j++;
    const diff = i / n1 - j / n2;
    if (diff > maxDiff) maxDiff = diff;
    if (diff < minDiff) minDiff = diff;
  }
  const minS = Math.min(1, Math.max(0, -minDiff));
  return minS > maxDiff ? minS : maxDiff;
}

/** Exact P(D ≥ d) under H0; null when the computation is not usable (SciPy then goes asymptotic). */
function exactTwoSidedPValue(n1: number, n2: number, g: number, dObserved: number): { d: number; p: number } | null {
  const lcm = (n1 / g) * n2;
  // D is a multiple of 1/lcm; snap it so that rounding noise in the ECDF difference cannot move the tail.
  const h = roundHalfEven(dObserved * lcm);
  const d = h / lcm;
  if (h === 0) return { d, p: 1 };
  const p = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideBand(n1, n2, g, h);
  if (!Number.isFinite(p) || p < 0 || p > 1) return null;
  return { d, p };
}

/**
 * n1 = n2 = n: P(D ≥ h/n) = 2 Σ_{k≥1} (−1)^(k−1) C(2n, n−kh)/C(2n, n), evaluated Horner-style on the
 * ratios of consecutive terms to avoid the cancellation of the alternating sum.
 */
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let ratio = 1;
    for (let j = 0; j < h; j++) ratio = ((n - k * h - j) * ratio) / (n + k * h + j + 1);
    P = ratio * (1 - P);
  }
  return 2 * P;
}

/**
 * Proportion of lattice paths from (0,0) to (m,n) that leave the band |x/m − y/n| < h/lcm(m,n)
 * (Hodges' inside method), using Viehmann's (2021) recursion that propagates 1 − p directly so that small
 * p-values keep their relative precision. Only a sliding window of one column is kept.
 */
function probOutsideBand(m0: number, n0: number, g: number, h: number): number {
  const [m, n] = m0 >= n0 ? [m0, n0] : [n0, m0];
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(Math.max(lenA, n + 2)).fill(1);
  for (let j = minj; j < maxj; j++) A[j] = 0;
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj] * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return A[maxj - minj - 1];
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

const clip01 = (p: number): number => Math.min(1, Math.max(0, p));
