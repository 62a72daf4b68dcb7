/** Round half to even, like numpy.round / Python's round. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function sortedCopy(values: ArrayLike<number>): Float64Array {
  return sortFloat64(values);
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

/**
 * Ascending sort of finite/infinite doubles (no NaN) into a new array. Byte-wise LSD radix sort on the IEEE
 * bit patterns made order-preserving (flip the sign bit of positives, all bits of negatives): 2–3× faster
 * than TypedArray#sort on the 10⁵–10⁶ values a drift column holds (warm, Node 20).
 */
export function sortFloat64(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const out = Float64Array.from(values);
  if (n < RADIX_MIN) return out.sort();
  const words = new Uint32Array(out.buffer); // little-endian: [lo, hi] per double
  let keys = new Uint32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const lo = words[2 * i];
    const hi = words[2 * i + 1];
    if (hi & 0x80000000) {
      keys[2 * i] = ~lo >>> 0;
      keys[2 * i + 1] = ~hi >>> 0;
    } else {
      keys[2 * i] = lo;
      keys[2 * i + 1] = (hi | 0x80000000) >>> 0;
    }
  }
  let spare = new Uint32Array(2 * n);
  const counts = new Uint32Array(256);
  for (let pass = 0; pass < 8; pass++) {
    const word = pass < 4 ? 0 : 1;
    const shift = (pass % 4) * 8;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(keys[2 * i + word] >>> shift) & 0xff]++;
    if (counts[(keys[word] >>> shift) & 0xff] === n) continue; // every key has the same byte here
    let total = 0;
    for (let b = 0; b < 256; b++) {
      const c = counts[b];
      counts[b] = total;
      total += c;
    }
    for (let i = 0; i < n; i++) {
      const dst = counts[(keys[2 * i + word] >>> shift) & 0xff]++;
      spare[2 * dst] = keys[2 * i];
      spare[2 * dst + 1] = keys[2 * i + 1];
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
  return out;
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
