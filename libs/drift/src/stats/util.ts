/** Round half to even, like numpy.round / Python's round. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** numpy.std with ddof = 0 (two-pass: mean first, then mean squared deviation). */
export function populationStd(values: ArrayLike<number>): number {
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i] - mean) ** 2;
  return Math.sqrt(ss / n);
}

const RADIX_MIN = 256;
const DIGIT_BITS = 11;
const DIGITS = 6; // 6 × 11 bits ≥ 64
const BUCKETS = 1 << DIGIT_BITS;
const DIGIT_MASK = BUCKETS - 1;

/** The d-th 11-bit digit of the 64-bit key (lo, hi). */
function digit(lo: number, hi: number, d: number): number {
  const shift = d * DIGIT_BITS;
  if (shift + DIGIT_BITS <= 32) return (lo >>> shift) & DIGIT_MASK;
  if (shift >= 32) return (hi >>> (shift - 32)) & DIGIT_MASK;
  return ((lo >>> shift) | (hi << (32 - shift))) & DIGIT_MASK;
}

/**
 * Ascending sort of doubles without NaN into a new array: LSD radix sort (11-bit digits) on the IEEE bit
 * patterns made order-preserving (flip the sign bit of positives, every bit of negatives). Several times faster
 * than TypedArray#sort on the 10⁵–10⁶ values a drift column holds, and every numeric test starts by sorting.
 */
export function sortFloat64(values: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(values);
  sortFloat64InPlace(out);
  return out;
}

export function sortFloat64InPlace(out: Float64Array): void {
  const n = out.length;
  if (n < RADIX_MIN) {
    out.sort();
    return;
  }
  const words = new Uint32Array(out.buffer, out.byteOffset, 2 * n); // little-endian: [lo, hi] per double
  let keys = new Uint32Array(2 * n);
  // One read pass: order-preserving keys and the histograms of all six digits.
  const counts = new Uint32Array(DIGITS * BUCKETS);
  for (let i = 0; i < n; i++) {
    let lo = words[2 * i];
    let hi = words[2 * i + 1];
    if (hi & 0x80000000) {
      lo = ~lo >>> 0;
      hi = ~hi >>> 0;
    } else {
      hi = (hi | 0x80000000) >>> 0;
    }
    keys[2 * i] = lo;
    keys[2 * i + 1] = hi;
    for (let d = 0; d < DIGITS; d++) counts[d * BUCKETS + digit(lo, hi, d)]++;
  }
  let spare = new Uint32Array(2 * n);
  for (let d = 0; d < DIGITS; d++) {
    const base = d * BUCKETS;
    if (counts[base + digit(keys[0], keys[1], d)] === n) continue; // every key has the same digit here
    let total = 0;
    for (let b = 0; b < BUCKETS; b++) {
      const c = counts[base + b];
      counts[base + b] = total;
      total += c;
    }
    for (let i = 0; i < n; i++) {
      const lo = keys[2 * i];
      const hi = keys[2 * i + 1];
      const dst = counts[base + digit(lo, hi, d)]++;
      spare[2 * dst] = lo;
      spare[2 * dst + 1] = hi;
    }
    [keys, spare] = [spare, keys];
  }
  for (let i = 0; i < n; i++) {
    const lo = keys[2 * i];
    const hi = keys[2 * i + 1];
    if (hi & 0x80000000) {
      words[2 * i] = lo;
      words[2 * i + 1] = (hi & 0x7fffffff) >>> 0;
    } else {
      words[2 * i] = ~lo >>> 0;
      words[2 * i + 1] = ~hi >>> 0;
    }
  }
}

/** Number of distinct values in the union of two ascending arrays. */
export function distinctInUnion(a: Float64Array, b: Float64Array): number {
  let i = 0;
  let j = 0;
  let distinct = 0;
  while (i < a.length || j < b.length) {
    const v = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i] : b[j];
    distinct++;
    while (i < a.length && a[i] <= v) i++;
    while (j < b.length && b[j] <= v) j++;
  }
  return distinct;
}
