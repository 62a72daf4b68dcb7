// Binning used by Evidently's Jensen–Shannon and PSI tests (legacy get_binned_data), reproduced with
// NumPy's exact edge arithmetic so that values on a bin edge land in the same bin as in Python.

/** numpy.histogram_bin_edges(values, bins='sturges'). */
export function sturgesEdges(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  if (n === 0) throw new RangeError('sturgesEdges needs at least one value');
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    if (values[i] < lo) lo = values[i];
    if (values[i] > hi) hi = values[i];
  }
  return sturgesEdgesOfRange(lo, hi, n);
}

/** Sturges edges for n values spanning [lo, hi] (the same arithmetic as NumPy). */
export function sturgesEdgesOfRange(lo: number, hi: number, n: number): Float64Array {
  const ptp = hi - lo;
  let first = lo;
  let last = hi;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  // NumPy derives the bin *width* from Sturges' rule, then the count from ceil(range / width).
  const width = ptp / (Math.log2(n) + 1);
  const nBins = width ? Math.ceil((last - first) / width) : 1;
  return linspace(first, last, nBins + 1);
}

/** numpy.linspace(start, stop, num) with endpoint: start + i·step, last value exactly stop. */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const div = num - 1;
  const delta = stop - start;
  const step = delta / div;
  for (let i = 0; i < num; i++) out[i] = step === 0 ? (i / div) * delta + start : i * step + start;
  if (num > 1) out[num - 1] = stop;
  return out;
}

/** numpy.histogram(values, edges)[0]: bins [e_i, e_{i+1}), the last one closed; values outside are dropped. */
export function histogramCounts(values: ArrayLike<number>, edges: Float64Array): Float64Array {
  const nBins = edges.length - 1;
  const counts = new Float64Array(nBins);
  const lo = edges[0];
  const hi = edges[nBins];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= lo && v <= hi)) continue;
    counts[v === hi ? nBins - 1 : upperBound(edges, v) - 1]++;
  }
  return counts;
}

/** numpy.histogram counts for values already sorted ascending: two binary searches per edge. */
export function histogramCountsSorted(sorted: Float64Array, edges: Float64Array): Float64Array {
  const nBins = edges.length - 1;
  const counts = new Float64Array(nBins);
  let below = lowerBound(sorted, edges[0]);
  for (let i = 0; i < nBins; i++) {
    const upTo = i === nBins - 1 ? upperBound(sorted, edges[i + 1]) : lowerBound(sorted, edges[i + 1]);
    counts[i] = upTo - below;
    below = upTo;
  }
  return counts;
}

/** Index of the first element ≥ v. */
function lowerBound(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first element strictly greater than v. */
function upperBound(edges: Float64Array, v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Evidently's feel_zeroes: a zero share becomes (smallest non-zero share)/10⁶ when that share is ≤ 1e−4,
 * else 1e−4, so that PSI's logarithm stays finite.
 */
export function fillZeroShares(shares: Float64Array): Float64Array {
  let minNonZero = Infinity;
  for (const s of shares) if (s !== 0 && s < minNonZero) minNonZero = s;
  const fill = minNonZero <= 0.0001 ? minNonZero / 1e6 : 0.0001;
  return shares.map((s) => (s === 0 ? fill : s));
}
