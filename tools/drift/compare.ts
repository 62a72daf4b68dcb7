// Our drift detection vs Evidently's golden output on the same data (see compare_evidently.py).
//   npx tsx tools/drift/compare.ts [--markdown]
// Prints, per scenario, verdict agreement and the largest relative score difference; exits 1 on disagreement.
import { detectDrift, STAT_TESTS } from '@credit-scoring/drift';
import { loadScenarios, readGolden, schemaOf } from '../../libs/drift/test-fixtures/scenarios';

const REL_TOL = 1e-6;

function relDiff(a: number, b: number): number {
  if (a === b) return 0;
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
}

function main(): number {
  const golden = readGolden();
  const data = loadScenarios();
  const lines = [
    `| scenario | rows ref → cur | tests used | columns | verdicts equal | drifted (ours / Evidently) | dataset drift (ours / Evidently) | max rel. score diff | scores within 1e-6 |`,
    '|---|---|---|---|---|---|---|---|---|',
  ];
  const details: string[] = [];
  let ok = true;
  for (const s of golden.scenarios) {
    const { reference, current } = data[s.name];
    const report = detectDrift(reference, current, {
      schema: schemaOf(golden, s),
      columns: Object.keys(schemaOf(golden, s)),
      stattest: s.method ?? undefined,
      driftShare: s.drift_share,
    });
    const ours = new Map(report.columns.map((c) => [c.column, c]));
    let equalVerdicts = 0;
    let withinTol = 0;
    let maxRel = 0;
    const tests = new Map<string, number>();
    for (const g of s.columns) {
      const c = ours.get(g.column_name);
      if (!c) throw new Error(`${s.name}: column ${g.column_name} missing from our report`);
      const sameTest = STAT_TESTS[c.stattest].displayName === g.stattest_name || c.stattest === g.stattest_name;
      tests.set(g.stattest_name, (tests.get(g.stattest_name) ?? 0) + 1);
      const rel = relDiff(c.score ?? NaN, g.drift_score);
      if (c.driftDetected === g.drift_detected && sameTest) equalVerdicts++;
      else
        details.push(
          `- ${s.name} / ${g.column_name}: ours ${c.stattestName} ${c.score} ${c.driftDetected}, Evidently ${g.stattest_name} ${g.drift_score} ${g.drift_detected}`,
        );
      if (rel <= REL_TOL) withinTol++;
      else
        details.push(
          `- ${s.name} / ${g.column_name} (${g.stattest_name}): ours ${c.score}, Evidently ${g.drift_score}, rel. diff ${rel.toExponential(2)}`,
        );
      maxRel = Math.max(maxRel, rel);
    }
    const n = s.columns.length;
    if (equalVerdicts !== n || report.dataset.datasetDrift !== s.dataset.dataset_drift) ok = false;
    lines.push(
      `| ${s.name} | ${s.reference_rows} → ${s.current_rows} | ${[...tests].map(([t, k]) => `${t} ×${k}`).join(', ')} | ${n} | ${equalVerdicts}/${n} | ${report.dataset.numberOfDriftedColumns} / ${s.dataset.number_of_drifted_columns} | ${report.dataset.datasetDrift} / ${s.dataset.dataset_drift} | ${maxRel.toExponential(2)} | ${withinTol}/${n} |`,
    );
  }
  console.log(`Evidently ${golden.evidently_version} (SciPy ${golden.scipy_version}) vs @credit-scoring/drift\n`);
  console.log(lines.join('\n'));
  if (details.length) console.log(`\nDifferences:\n${details.join('\n')}`);
  return ok ? 0 : 1;
}

process.exitCode = main();
