// Agreement with Evidently on the real Home Credit sample. The expected values are Evidently 0.7.23's own
// DataDriftPreset output, committed as test-fixtures/evidently-golden.json by tools/drift/compare_evidently.py
// (CI has no Evidently venv). Real-data tier: skipped, with the reason, when the sample (HOME_CREDIT_DIR) is absent.
import { describeRealData } from '@credit-scoring/data/testing';
import { detectDrift, STAT_TESTS, type DriftReport } from './index';
import { loadScenarios, readGolden, schemaOf } from '../test-fixtures/scenarios';

const golden = readGolden();

describeRealData('agreement with Evidently 0.7.23 on the real sample', () => {
  let data: ReturnType<typeof loadScenarios>;
  beforeAll(() => {
    data = loadScenarios();
  });

  describe.each(golden.scenarios.map((s) => [s.name, s] as const))('Evidently scenario %s', (_name, scenario) => {
    let report: DriftReport;
    let ours: Map<string, DriftReport['columns'][number]>;
    beforeAll(() => {
      const { reference, current } = data[scenario.name];
      report = detectDrift(reference, current, {
        schema: schemaOf(golden, scenario),
        columns: Object.keys(schemaOf(golden, scenario)),
        stattest: scenario.method ?? undefined,
        driftShare: scenario.drift_share,
      });
      ours = new Map(report.columns.map((c) => [c.column, c]));
    });

    it('evaluates the same columns and reaches the same dataset verdict', () => {
      expect(report.columns.map((c) => c.column).sort()).toEqual(scenario.columns.map((c) => c.column_name).sort());
      expect(report.dataset.numberOfDriftedColumns).toBe(scenario.dataset.number_of_drifted_columns);
      expect(report.dataset.shareOfDriftedColumns).toBeCloseTo(scenario.dataset.share_of_drifted_columns, 12);
      expect(report.dataset.datasetDrift).toBe(scenario.dataset.dataset_drift);
    });

    it.each(scenario.columns.map((g) => [g.column_name, g] as const))(
      '%s: same test, verdict and score (1e-6 rel.)',
      (_c, g) => {
        const c = ours.get(g.column_name);
        expect(c).toBeDefined();
        if (!c) return;
        // Evidently reports the display name when it chose the test, the key when it was given one (method="psi").
        expect([STAT_TESTS[c.stattest].displayName, c.stattest]).toContain(g.stattest_name);
        expect(c.threshold).toBe(g.stattest_threshold);
        expect(c.driftDetected).toBe(g.drift_detected);
        const score = c.score ?? NaN; // every golden column has values on both sides, so a score
        const scale = Math.max(Math.abs(g.drift_score), Math.abs(score));
        expect(Math.abs(score - g.drift_score)).toBeLessThanOrEqual(1e-6 * scale);
      },
    );
  });
});
