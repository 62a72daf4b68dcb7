// Distribution of the two-sided one-sample Kolmogorov–Smirnov statistic D_n (SciPy's `kstwo`), used by the
// asymptotic branch of the two-sample KS test. Follows Simard & L'Ecuyer (2011), "Computing the two-sided
// Kolmogorov–Smirnov distribution", choosing between the same algorithms, in the same regions, as
// scipy.stats._ksstats._kolmogn so that p-values agree with `scipy.stats.kstwo.sf`:
//   - Ruben–Gambino closed forms near the ends of the support,
//   - Durbin's matrix method in the Marsaglia–Tsang–Wang form (small n·d),
//   - Pomeranz's recursion (n ≤ 140, moderate n·d²),
//   - Pelz–Good asymptotic series (large n, CDF side),
//   - 2 × the exact one-sided Smirnov tail (upper tail, where the two one-sided events are disjoint
//     or nearly so — Miller's approximation).

const SCALE_EXP = 128;
const SCALE_UP = 2 ** SCALE_EXP;
const SCALE_DOWN = 2 ** -SCALE_EXP;
const LOG_2PI = Math.log(2 * Math.PI);
const SQRT_2PI = Math.sqrt(2 * Math.PI);
const MIN_LOG = -708;
const PI2 = Math.PI ** 2;
const PI4 = Math.PI ** 4;
const PI6 = Math.PI ** 6;

const clip01 = (p: number): number => Math.min(1, Math.max(0, p));

/** x · 2^e without overflowing in the intermediate power. */
function ldexp(x: number, e: number): number {
  let r = x;
  let k = e;
  while (k > 1000) {
    r *= 2 ** 1000;
    k -= 1000;
  }
  while (k < -1000) {
    r *= 2 ** -1000;
    k += 1000;
  }
  return r * 2 ** k;
}

// Stirling series coefficients B_2j / (2j(2j−1)), j = 8..1, for log(n!/n^n) (as doubles).
const STIRLING = [
  -0.029550653594771242, 0.00641025641025641, -0.0019175269175269176, 0.0008417508417508417, -0.0005952380952380953,
  0.0007936507936507937, -0.002777777777777778, 0.08333333333333333,
];

function logFactorialOverPower(n: number): number {
  const rn = 1 / n;
  let poly = 0;
  for (const c of STIRLING) poly = poly * (rn / n) + c;
  return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * poly;
}

/** Durbin matrix (Marsaglia–Tsang–Wang): P(D_n ≤ d) from the k-th diagonal entry of H^n, scaled. */
function durbinMatrixCdf(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] = (1 - h ** j) * fac;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * fac;
  let H = new Float64Array(m * m);
  for (let i = 1; i < m; i++) for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - i + 1];
  for (let r = 0; r < m; r++) H[r * m] = v[r];
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c];

  let power = new Float64Array(m * m);
  for (let i = 0; i < m; i++) power[i * m + i] = 1;
  let exponent = 0;
  let hExponent = 0;
  for (let nn = n; nn > 0; nn = Math.floor(nn / 2)) {
    if (nn % 2) {
      power = matmul(power, H, m);
      exponent += hExponent;
    }
    H = matmul(H, H, m);
    hExponent *= 2;
    if (Math.abs(H[(k - 1) * m + (k - 1)]) > SCALE_UP) {
      for (let i = 0; i < H.length; i++) H[i] /= SCALE_UP;
      hExponent += SCALE_EXP;
    }
  }
  let p = power[(k - 1) * m + (k - 1)];
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < SCALE_DOWN) {
      p *= SCALE_UP;
      exponent -= SCALE_EXP;
    }
  }
  return clip01(exponent !== 0 ? ldexp(p, exponent) : p);
}

function matmul(a: Float64Array, b: Float64Array, m: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let l = 0; l < m; l++) {
      const ail = a[i * m + l];
      if (ail === 0) continue;
      for (let j = 0; j < m; j++) out[i * m + j] += ail * b[l * m + j];
    }
  }
  return out;
}

/** Pomeranz (1974) recursion: P(D_n ≤ x), for n ≤ 140. */
function pomeranzCdf(n: number, x: number): number {
  const t = n * x;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const npwrs = 2 * (ll + 1);
  // (g/n)^m/m!, (2g/n)^m/m!, ((1−2g)/n)^m/m!: Poisson weights without their normalising factor.
  const gPow = new Float64Array(npwrs);
  const twoGPow = new Float64Array(npwrs);
  const oneMinusTwoGPow = new Float64Array(npwrs);
  gPow[0] = twoGPow[0] = oneMinusTwoGPow[0] = 1;
  for (let m = 1; m < npwrs; m++) {
    gPow[m] = (gPow[m - 1] * (g / n)) / m;
    twoGPow[m] = (twoGPow[m - 1] * ((2 * g) / n)) / m;
    oneMinusTwoGPow[m] = (oneMinusTwoGPow[m - 1] * ((1 - 2 * g) / n)) / m;
  }
  const rowBounds = (i: number): [number, number] => {
    let j1: number;
    let j2: number;
    if (i === 0) {
      j1 = -ll - ceilf - 1;
      j2 = ll + ceilf - 1;
    } else {
      const half = Math.floor((i + 1) / 2);
      if ((i + 1) % 2 === 0) {
        if (half === n + 1) {
          j1 = n - ll - ceilf - 1;
          j2 = n + ll + ceilf - 1;
        } else {
          j1 = half - 1 - ll - roundf - 1;
          j2 = half + ll - 1 + ceilf - 1;
        }
      } else {
        j1 = half - 1 - ll - 1;
        j2 = half + ll + roundf - 1;
      }
    }
    return [Math.max(j1 + 2, 0), Math.min(j2, n)];
  };

  let V0 = new Float64Array(npwrs);
  let V1 = new Float64Array(npwrs);
  V1[0] = 1;
  let V0s = 0;
  let V1s = 0;
  let exponent = 0;
  let [j1, j2] = rowBounds(0);
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [V0, V1] = [V1, V0];
    [V0s, V1s] = [V1s, V0s];
    V1.fill(0);
    [j1, j2] = rowBounds(i);
    const pw = i === 1 || i === 2 * n + 1 ? gPow : i % 2 ? twoGPow : oneMinusTwoGPow;
    const ln2 = j2 - k1 + 1;
    if (ln2 <= 0) continue;
    // Entries [j1−k1, j2−k1] of the full convolution of V0[k1−V0s ..+ln2] with pw[0..ln2).
    const base = k1 - V0s;
    const aLen = Math.max(0, Math.min(ln2, npwrs - base));
    const bLen = Math.min(ln2, npwrs);
    const start = j1 - k1;
    const len = j2 - j1 + 1;
    let maxV = 0;
    for (let out = 0; out < len; out++) {
      const tIdx = start + out;
      let s = 0;
      const lo = Math.max(0, tIdx - bLen + 1);
      const hi = Math.min(aLen - 1, tIdx);
      for (let a = lo; a <= hi; a++) s += V0[base + a] * pw[tIdx - a];
      V1[out] = s;
      if (s > maxV) maxV = s;
    }
    if (maxV > 0 && maxV < SCALE_DOWN) {
      for (let q = 0; q < V1.length; q++) V1[q] *= SCALE_UP;
      exponent -= SCALE_EXP;
    }
    V1s = V0s + j1 - k1;
  }
  let ans = V1[n - V1s];
  for (let m = 1; m <= n; m++) {
    if (Math.abs(ans) > SCALE_UP) {
      ans *= SCALE_DOWN;
      exponent += SCALE_EXP;
    }
    ans *= m;
  }
  return clip01(exponent !== 0 ? ldexp(ans, exponent) : ans);
}

/** Pelz–Good (1976) asymptotic approximation of P(D_n ≤ x) (not clipped, as in SciPy). */
function pelzGoodCdf(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z ** 2;
  const z3 = z ** 3;
  const z4 = z ** 4;
  const z6 = z ** 6;
  const qlog = -PI2 / 8 / z2;
  if (qlog < MIN_LOG) return 0;
  let q = Math.exp(qlog);
  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;
  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  // Horner scheme over odd m = 2k − 1 of Σ c_m q^(m²).
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m ** 2;
    const m4 = m ** 4;
    const m6 = m ** 6;
    const qpower = q ** (8 * k);
    const coeffs = [1, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6];
    for (let i = 0; i < 4; i++) K[i] = K[i] * qpower + coeffs[i];
  }
  const denominators = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = (K[i] * q * SQRT_2PI) / denominators[i];
  q = Math.exp(-PI2 / 2 / z2);
  let k2extra = 0;
  let k3extra = 0;
  const sqrt3z = Math.sqrt(3) * z;
  for (let k = maxk; k > 0; k--) {
    const k2 = k * k;
    const qk = q ** k2;
    k2extra += k2 * qk;
    const kpi = Math.PI * k;
    k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * qk;
  }
  K[2] += (k2extra * PI2 * SQRT_2PI) / (-36 * z3);
  K[3] += (k3extra * PI2 * SQRT_2PI) / (216 * z6);
  let sum = 0;
  for (let i = 0; i < 4; i++) sum += K[i] / n ** (i / 2);
  return sum;
}

/**
 * Upper tail of the one-sided Smirnov statistic, P(D_n⁺ ≥ x) (scipy.special.smirnov), by the
 * Birnbaum–Tingey sum x · Σ_j C(n,j) (1−x−j/n)^(n−j) (x+j/n)^(j−1); every term is positive, so summing
 * them in log space keeps full relative precision.
 */
export function smirnovSf(n: number, x: number): number {
  if (!(n > 0 && x >= 0 && x <= 1)) return NaN;
  if (n === 1) return x;
  if (x === 0) return 1;
  if (x === 1) return 0;
  const nx = n * x;
  if (nx <= 1) return 1 - x * (1 + x) ** (n - 1);
  if (-2 * n * x * x < -708.39641853226408) return 0;
  if (nx >= n - 1) return (1 - x) ** n;
  if (n > 1000000) return Math.exp(-((6 * n * x + 1) ** 2) / 18 / n);
  let sum = 0;
  let logBinom = 0; // log C(n, j)
  for (let j = 0; j <= n; j++) {
    if (j > 0) logBinom += Math.log((n - j + 1) / j);
    const tail = (n - j) / n - x;
    if (tail <= 0) break;
    const head = x + j / n;
    sum += Math.exp(logBinom + (n - j) * Math.log(tail) + (j - 1) * Math.log(head));
  }
  return clip01(x * sum);
}

/** Survival function of D_n, P(D_n ≥ x) — scipy.stats.kstwo.sf(x, n). */
export function kolmogorovSf(n: number, x: number): number {
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`kstwo needs a positive integer n, got ${n}`);
  if (Number.isNaN(x)) return NaN;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    // Ruben–Gambino: 1/(2n) ≤ x ≤ 1/n.
    if (t <= 0.5) return 1;
    let cdf: number;
    if (n <= 140) {
      cdf = 1;
      for (let i = 1; i <= n; i++) cdf *= i * (1 / n) * (2 * t - 1);
    } else {
      cdf = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    }
    return clip01(1 - cdf);
  }
  if (t >= n - 1) return clip01(2 * (1 - x) ** n);
  if (x >= 0.5) return clip01(2 * smirnovSf(n, x));
  const nx2 = t * x;
  if (n <= 140) {
    if (nx2 <= 0.754693) return clip01(1 - durbinMatrixCdf(n, x));
    if (nx2 <= 4) return clip01(1 - pomeranzCdf(n, x));
    return clip01(2 * smirnovSf(n, x));
  }
  if (nx2 >= 370) return 0;
  if (nx2 >= 2.2) return clip01(2 * smirnovSf(n, x));
  let cdf: number;
  if (nx2 >= 18) cdf = 1;
  else if (n <= 100000 && n * x ** 1.5 <= 1.4) cdf = durbinMatrixCdf(n, x);
  else cdf = pelzGoodCdf(n, x);
  return clip01(1 - cdf);
}
