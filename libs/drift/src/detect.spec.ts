import {
  DriftInputError,
  defaultStatTest,
  detectDrift,
  driftMetrics,
  driftReportJson,
  inferColumnKind,
  ks2samp,
  wassersteinDistance,
} from './index';

/** Deterministic pseudo-random numbers (LCG) so the tests need no seedable RNG package. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
const uniform = (n: number, seed: number, shift = 0) => {
  const r = lcg(seed);
  return Float64Array.from({ length: n }, () => r() + shift);
};

describe('default test selection (Evidently _get_default_stattest)', () => {
  it.each([
    ['numeric', 1000, 6, 'ks'],
    ['numeric', 1000, 5, 'chisquare'],
    ['numeric', 1000, 2, 'z'],
    ['categorical', 800, 3, 'chisquare'],
    ['categorical', 800, 2, 'z'],
    ['numeric', 1001, 6, 'wasserstein'],
    ['numeric', 1001, 5, 'jensenshannon'],
    ['categorical', 5000, 2, 'jensenshannon'],
  ] as const)('%s, %d reference rows, %d distinct → %s', (kind, rows, distinct, test) => {
    expect(defaultStatTest(kind, rows, distinct)).toBe(test);
  });

  it('the ≤ 1000 rule counts reference rows after dropping missing values', () => {
    const ref = uniform(1200, 1);
    for (let i = 0; i < 300; i++) ref[i] = NaN; // 900 values left
    const report = detectDrift({ x: ref }, { x: uniform(500, 2) }, { schema: { x: 'numeric' } });
    expect(report.columns[0].stattest).toBe('ks');
    expect(report.columns[0].stattestName).toBe('K-S p_value');
  });
});

describe('missing and infinite values', () => {
  it('±inf counts as missing and is dropped before the test, per dataset', () => {
    const clean = uniform(200, 3);
    const dirty = Float64Array.from([...clean, Infinity, -Infinity, NaN, NaN]);
    const cur = uniform(150, 4, 0.05);
    const a = detectDrift({ x: dirty }, { x: cur }, { schema: { x: 'numeric' } }).columns[0];
    expect(a.score).toBe(ks2samp(clean, cur).pValue);
    expect(a.reference).toEqual({ rows: 204, missing: 4, missingShare: 4 / 204 });
    expect(a.current.missingShare).toBe(0);
    expect(a.missingShareChange).toBe(-4 / 204);
  });

  it('null labels are missing in categorical columns; unseen categories are listed', () => {
    const ref = ['a', 'b', null, 'a', 'c', 'b', null];
    const cur = ['a', 'd', 'b', 'e', null, 'd'];
    const c = detectDrift({ k: ref }, { k: cur }).columns[0];
    expect(c.type).toBe('categorical');
    expect(c.reference.missing).toBe(2);
    expect(c.current.missing).toBe(1);
    expect(c.unseenCategories).toEqual(['d', 'e']);
    expect(c.stattest).toBe('chisquare');
    expect(c.score).toBe(0); // categories absent from the reference: expected count 0 → statistic ∞
    expect(c.driftDetected).toBe(true);
  });

  it('a column with no value in the current data is drifted, with no score and a note saying why', () => {
    const ref = {
      x: uniform(3000, 9),
      k: Array.from({ length: 3000 }, (_, i) => (i % 3 ? 'a' : null)),
      y: uniform(3000, 10),
    };
    const cur = { x: [null, NaN, Infinity], k: [null, null, null], y: uniform(3, 11) };
    const r = detectDrift(ref, cur, { schema: { x: 'numeric', k: 'categorical', y: 'numeric' } });
    const [x, k] = r.columns;
    expect(x).toMatchObject({
      column: 'x',
      stattest: 'wasserstein',
      score: null,
      driftDetected: true,
      note: 'no values in the current data (reference: 0.0% missing)',
      current: { rows: 3, missing: 3, missingShare: 1 },
    });
    expect(k).toMatchObject({
      score: null,
      driftDetected: true,
      note: expect.stringMatching(/reference: 33\.3% missing/),
    });
    expect(r.columns[2].note).toBeNull();
    expect(r.dataset.numberOfDriftedColumns).toBeGreaterThanOrEqual(2);
    // Plotted from the reference alone: no NaN share, no NaN edge.
    for (const c of [x, k]) {
      expect([...c.distribution.reference, ...c.distribution.current].every(Number.isFinite)).toBe(true);
      expect(c.distribution.current.every((share) => share === 0)).toBe(true);
    }
    expect(x.distribution.kind === 'histogram' && x.distribution.edges.every(Number.isFinite)).toBe(true);
    expect(Object.keys(driftMetrics(r))).not.toContain('drift_score.x');
    const json = driftReportJson(r) as { columns: Array<Record<string, unknown>> };
    expect(json.columns[0]).toMatchObject({ drift_score: null, drift_detected: true, note: x.note });
    expect(JSON.parse(JSON.stringify(json)).columns[0].drift_score).toBeNull();
  });

  it('a column with no value in the reference is not compared, and named; with nothing else left, refused', () => {
    const r = detectDrift(
      { x: [NaN, Infinity, null], y: [1, 2, 3] },
      { x: [1, 2], y: [1, 2] },
      { schema: { x: 'numeric' } },
    );
    expect(r.columns.map((c) => c.column)).toEqual(['y']);
    expect(r.emptyReferenceColumns).toEqual(['x']);
    expect(r.dataset.numberOfColumns).toBe(1);
    expect((driftReportJson(r) as { dataset: object }).dataset).toMatchObject({ empty_reference_columns: ['x'] });
    expect(() => detectDrift({ x: [null, null] }, { x: [null] }, { schema: { x: 'numeric' } })).toThrow(
      new DriftInputError("no column to compare: 'x' has no value in the reference data"),
    );
  });
});

describe('scores and verdicts', () => {
  it('large reference: normed Wasserstein vs 0.1', () => {
    const ref = uniform(3000, 5);
    const same = detectDrift({ x: ref }, { x: uniform(2000, 6) }, { schema: { x: 'numeric' } }).columns[0];
    const moved = detectDrift({ x: ref }, { x: uniform(2000, 6, 0.2) }, { schema: { x: 'numeric' } }).columns[0];
    expect(same.stattest).toBe('wasserstein');
    expect(same.driftDetected).toBe(false);
    expect(moved.driftDetected).toBe(true);
    // uniform(0,1) has std ≈ 0.2887: a 0.2 shift is ≈ 0.69 standard deviations
    expect(moved.score).toBeCloseTo(wassersteinDistance(ref, uniform(2000, 6, 0.2)) / 0.2887, 2);
  });

  it('Z-test is 1 when both datasets hold the same single value', () => {
    const c = detectDrift({ f: ['Y', 'Y'] }, { f: ['Y', 'Y', 'Y'] }).columns[0];
    expect(c.stattest).toBe('z');
    expect(c.score).toBe(1);
  });

  it('per-column and global stattest overrides (PSI on request)', () => {
    const ref = { x: uniform(3000, 7), k: Array.from({ length: 3000 }, (_, i) => (i % 3 ? 'a' : 'b')) };
    const cur = { x: uniform(1000, 8), k: Array.from({ length: 1000 }, (_, i) => (i % 2 ? 'a' : 'b')) };
    const r = detectDrift(ref, cur, { stattest: 'psi', stattests: { x: 'ks' } });
    expect(r.columns.map((c) => [c.column, c.stattest, c.stattestName])).toEqual([
      ['x', 'ks', 'K-S p_value'],
      ['k', 'psi', 'PSI'],
    ]);
    // shares a: 2/3 → 1/2, b: 1/3 → 1/2
    const psi = (2 / 3 - 1 / 2) * Math.log(2 / 3 / (1 / 2)) + (1 / 3 - 1 / 2) * Math.log(1 / 3 / (1 / 2));
    expect(r.columns[1].score).toBeCloseTo(psi, 12);
  });

  it('refuses a distance-only test on categories', () => {
    expect(() => detectDrift({ k: ['a', 'b'] }, { k: ['a'] }, { stattest: 'wasserstein' })).toThrow(/categorical/);
  });
});

describe('dataset-level decision', () => {
  // Four columns, two of which drift (moved by 1 on [0, 1) data).
  const ref = { a: uniform(2000, 11), b: uniform(2000, 12), c: uniform(2000, 13), d: uniform(2000, 14) };
  const cur = { a: uniform(800, 21, 1), b: uniform(800, 22, 1), c: uniform(800, 23), d: uniform(800, 24) };

  it('share = drifted / evaluated; drift when share ≥ drift share (0.5 inclusive)', () => {
    const r = detectDrift(ref, cur);
    expect(r.dataset).toEqual({
      numberOfColumns: 4,
      numberOfDriftedColumns: 2,
      shareOfDriftedColumns: 0.5,
      driftShare: 0.5,
      datasetDrift: true,
    });
  });
  it('configurable drift share', () => {
    expect(detectDrift(ref, cur, { driftShare: 0.51 }).dataset.datasetDrift).toBe(false);
    expect(detectDrift(ref, cur, { driftShare: 0.3 }).dataset.datasetDrift).toBe(true);
  });
  it('column selection, exclusion and columns present in one dataset only', () => {
    const r = detectDrift({ ...ref, id: uniform(2000, 1) }, { ...cur, extra: uniform(800, 2) }, { exclude: ['d'] });
    expect(r.columns.map((c) => c.column)).toEqual(['a', 'b', 'c']);
    expect(r.ignoredColumns).toEqual(['id', 'extra']);
    expect(detectDrift(ref, cur, { columns: ['c'] }).dataset.numberOfColumns).toBe(1);
    expect(() => detectDrift(ref, cur, { columns: ['zz'] })).toThrow(/'zz' is not in the reference/);
    expect(() => detectDrift(ref, cur, { driftShare: 2 })).toThrow(/driftShare/);
  });
  it('metrics map and Evidently-named JSON', () => {
    const r = detectDrift(ref, cur);
    expect(driftMetrics(r)).toMatchObject({
      drift_share: 0.5,
      drifted_columns: 2,
      columns_evaluated: 4,
      dataset_drift: 1,
    });
    expect(Object.keys(driftMetrics(r))).toContain('drift_score.a');
    const json = driftReportJson(r) as { columns: Array<Record<string, unknown>> };
    expect(json.columns[0]).toMatchObject({
      column_name: 'a',
      column_type: 'num',
      stattest_name: 'Wasserstein distance (normed)',
      stattest_threshold: 0.1,
      drift_detected: true,
    });
  });
  it('rows of unequal length in one dataset are refused', () => {
    expect(() => detectDrift({ a: [1, 2], b: [1] }, { a: [1], b: [1] })).toThrow(
      /'b' in the reference data has 1 rows/,
    );
  });
});

describe('type inference fallback', () => {
  it('text → categorical; integers with ≤ 10 values → categorical; otherwise numeric', () => {
    expect(inferColumnKind(['x', null])).toBe('categorical');
    expect(inferColumnKind(Float64Array.from({ length: 100 }, (_, i) => i % 10))).toBe('categorical');
    expect(inferColumnKind(Float64Array.from({ length: 100 }, (_, i) => i % 11))).toBe('numeric');
    expect(inferColumnKind([0.5, 1, 2])).toBe('numeric');
  });
});
