// Each statistic against the value SciPy/NumPy give on the same small input.
// Expected values were printed by tools/pyref/.venv/bin/python (scipy 1.16.3, numpy 2.3.5), e.g.
//   from scipy import stats; stats.ks_2samp(a, b)  /  stats.kstwo.sf(d, n)  /  stats.chi2.sf(x, k)
//   from scipy.spatial import distance; distance.jensenshannon(p, q)
//   np.histogram_bin_edges(v, bins='sturges')
// and pasted here with repr() precision.
import {
  chi2Sf,
  chiSquare,
  fillZeroShares,
  histogramCounts,
  jensenShannonDistance,
  kolmogorovSf,
  ks2samp,
  normalCdf,
  populationStabilityIndex,
  sturgesEdges,
  twoProportionZTest,
  wassersteinDistance,
} from './index';

const expectRel = (actual: number, expected: number, tol = 1e-12) => {
  if (expected === 0) expect(Math.abs(actual)).toBeLessThanOrEqual(tol);
  else expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThanOrEqual(tol);
};

describe('ks2samp exact (scipy.stats.ks_2samp, method auto)', () => {
  it.each([
    ['equal sizes n=5', [1.2, 3.4, 0.5, 2.2, 4.1], [2.5, 5.1, 3.3, 6.0, 4.4], 0.6, 0.35714285714285715],
    [
      'unequal sizes 8 vs 13',
      [0.1, 0.4, 0.35, 0.8, 0.9, 1.3, 1.1, 0.05],
      [0.7, 1.2, 1.5, 1.9, 0.95, 2.2, 1.0, 1.4, 1.8, 2.5, 0.6, 1.6, 2.1],
      0.6153846153846154,
      0.02880731239864367,
    ],
    ['ties 10 vs 7', [1, 2, 2, 3, 3, 3, 4, 4, 5, 6], [2, 3, 3, 4, 5, 5, 7], 0.22857142857142856, 0.9308926367749897],
    ['identical samples', [1, 2, 3, 4], [1, 2, 3, 4], 0, 1],
  ])('%s', (_name, a, b, d, p) => {
    const r = ks2samp(a, b);
    expect(r.method).toBe('exact');
    expectRel(r.statistic, d, 1e-15);
    expectRel(r.pValue, p);
  });

  it('60 vs 45 rounded normals (ties across samples)', () => {
    // rng = np.random.default_rng(42); a = np.round(rng.normal(0, 1, 60), 2); b = np.round(rng.normal(0.5, 1.2, 45), 2)
    const a = [
      0.3, -1.04, 0.75, 0.94, -1.95, -1.3, 0.13, -0.32, -0.02, -0.85, 0.88, 0.78, 0.07, 1.13, 0.47, -0.86, 0.37, -0.96,
      0.88, -0.05, -0.18, -0.68, 1.22, -0.15, -0.43, -0.35, 0.53, 0.37, 0.41, 0.43, 2.14, -0.41, -0.51, -0.81, 0.62,
      1.13, -0.11, -0.84, -0.82, 0.65, 0.74, 0.54, -0.67, 0.23, 0.12, 0.22, 0.87, 0.22, 0.68, 0.07, 0.29, 0.63, -1.46,
      -0.32, -0.47, -0.64, -0.28, 1.49, -0.87, 0.97,
    ];
    const b = [
      -1.52, 0.1, 0.7, 1.2, 1.35, 1.45, 0.08, -0.05, 1.53, 0.27, -1.03, -0.86, -0.6, 1.1, 0.67, 1.33, -0.01, 0.69, 1.25,
      0.13, 1.05, -0.29, 0.06, 0.04, -0.94, 1.08, -0.06, 0.51, 1.08, 1.04, 1.3, 0.38, -0.01, 0.4, -1.52, -1.24, -1.09,
      -0.7, 0.98, -0.59, 0.05, 2.06, 0.07, 1.39, -0.62,
    ];
    const r = ks2samp(a, b);
    expectRel(r.statistic, 0.25, 1e-15);
    expectRel(r.pValue, 0.06906911466386682);
  });
});

describe('ks2samp asymptotic (kstwo.sf(D, round(n1·n2/(n1+n2))) when max(n1, n2) > 10000)', () => {
  it('20 vs 12000', () => {
    // x = np.arange(20)/20; y = (np.arange(12000) % 997)/997 + 0.02
    const x = Array.from({ length: 20 }, (_, i) => i / 20);
    const y = Array.from({ length: 12000 }, (_, i) => (i % 997) / 997 + 0.02);
    const r = ks2samp(x, y);
    expect(r.method).toBe('asymp');
    expectRel(r.statistic, 0.06900000000000006, 1e-15);
    expectRel(r.pValue, 0.9998633994604068);
  });
  it('300 vs 10500', () => {
    // x = np.arange(300)/300; y = ((np.arange(10500)*7919) % 10007)/10007*1.1
    const x = Array.from({ length: 300 }, (_, i) => i / 300);
    const y = Array.from({ length: 10500 }, (_, i) => (((i * 7919) % 10007) / 10007) * 1.1);
    const r = ks2samp(x, y);
    expect(r.method).toBe('asymp');
    expectRel(r.statistic, 0.09390476190476194, 1e-15);
    expectRel(r.pValue, 0.010828443030057379, 1e-11);
  });
  it.each([
    // [n, d, scipy.stats.kstwo.sf(d, n)] — covers Durbin matrix, Pomeranz, Pelz–Good-free and Smirnov branches
    [10, 0.3, 0.27053557479999946],
    [50, 0.1, 0.6623112704658186],
    [140, 0.05, 0.8576480297656114],
    [400, 0.04, 0.5308900595856936],
    [400, 0.2, 1.6851732606146157e-14],
    [1000, 0.01, 0.9999496745370611],
    [1000, 0.05, 0.013012074781090332],
    [5000, 0.002, 1.0],
  ])('kstwo.sf n=%s d=%s', (n, d, sf) => expectRel(kolmogorovSf(n, d), sf, 1e-11));
});

describe('chi-square', () => {
  it.each([
    [3.84, 1, 0.05004352124870519],
    [0.5, 2, 0.7788007830714049],
    [10, 3, 0.01856613546304325],
    [25.7, 10, 0.004165324383472094],
    [100, 5, 5.285148360943219e-20],
    [0.001, 4, 0.9999998750416589],
    [300, 7, 6.0496418565564134e-61],
  ])('chi2.sf(%s, %s)', (x, k, p) => expectRel(chi2Sf(x, k), p, 1e-12));

  it('goodness of fit like scipy.stats.chisquare', () => {
    const r = chiSquare([30, 50, 20], [25, 50, 25]);
    expectRel(r.statistic, 2.0);
    expectRel(r.pValue, 0.36787944117144245);
  });
  it('a category absent from the expected counts gives p = 0', () => {
    expect(chiSquare([5, 5], [10, 0]).pValue).toBe(0);
  });
});

describe('two-proportion Z-test', () => {
  it.each([
    [0.5, 0.6914624612740131],
    [1.96, 0.9750021048517795],
    [3.2, 0.9993128620620841],
    [-2.0, 0.022750131948179195],
  ])('norm.cdf(%s)', (z, p) => expectRel(normalCdf(z), p, 1e-14));
  it('30/100 vs 45/120 (Evidently formula evaluated with numpy/scipy)', () => {
    const r = twoProportionZTest(30, 100, 45, 120);
    expectRel(r.statistic, -1.1685534824642432);
    expectRel(r.pValue, 0.2425835793483211);
  });
});

describe('Wasserstein distance (scipy.stats.wasserstein_distance)', () => {
  it('shifted support', () => expectRel(wassersteinDistance([0, 1, 3], [5, 6, 8]), 5.0));
  it('unequal sizes with ties', () =>
    expectRel(wassersteinDistance([1.5, 0.2, 3.3, 3.3, -1], [0.7, 2.2, 2.9]), 0.8866666666666666));
});

describe('Jensen–Shannon distance (scipy.spatial.distance.jensenshannon, natural log)', () => {
  it('probability vectors', () =>
    expectRel(jensenShannonDistance([0.1, 0.4, 0.5], [0.3, 0.3, 0.4]), 0.18035965602712561));
  it('with zero shares', () => expectRel(jensenShannonDistance([0.5, 0.5, 0], [0, 0.1, 0.9]), 0.7469797975180145));
  it('unnormalised counts', () => expectRel(jensenShannonDistance([1, 2, 3], [2, 2, 2]), 0.15016008250886842));
});

describe('PSI with Evidently zero filling', () => {
  it('matches numpy on shares containing a zero', () => {
    // ref=[0.2,0.3,0.5,0]; cur=[0.25,0.25,0.4,0.1]; zeros → 0.0001 (min non-zero > 1e-4); Σ (a−b)·ln(a/b)
    const ref = fillZeroShares(Float64Array.from([0.2, 0.3, 0.5, 0]));
    const cur = fillZeroShares(Float64Array.from([0.25, 0.25, 0.4, 0.1]));
    expect(ref[3]).toBe(0.0001);
    expectRel(populationStabilityIndex(ref, cur), 0.7326723629071447);
  });
  it('tiny minimum share → min/1e6', () => {
    expect(fillZeroShares(Float64Array.from([0.00005, 0, 0.99995]))[1]).toBe(0.00005 / 1e6);
  });
});

describe('Sturges binning (np.histogram_bin_edges(v, bins="sturges") and np.histogram)', () => {
  it('edges and counts, last bin closed', () => {
    const v = [0.3, 1.7, 2.2, 5.9, 4.4, 3.1, 0.0, 7.25, 6.6, 2.2, 1.1];
    const edges = sturgesEdges(v);
    expect(Array.from(edges)).toEqual([0.0, 1.45, 2.9, 4.35, 5.8, 7.25]);
    expect(Array.from(histogramCounts(v, edges))).toEqual([3, 3, 1, 1, 3]);
  });
  it('1000 integers → 11 bins', () => {
    const edges = sturgesEdges(Array.from({ length: 1000 }, (_, i) => i));
    expect(edges.length - 1).toBe(11);
    expect(edges[1]).toBe(90.81818181818181);
    expect(edges[10]).toBe(908.1818181818181);
  });
  it('constant values → one bin of width 1', () => {
    expect(Array.from(sturgesEdges([2, 2, 2]))).toEqual([1.5, 2.5]);
  });
});
