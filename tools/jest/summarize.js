#!/usr/bin/env node
// Sums the per-project counts written by count-reporter.js and prints the closing line CI reads:
// "N passed, N failed" optionally followed by ", N skipped", preceded by one "real-data tier skipped: <reason>" line
// when the real Home Credit sample was absent.
// A suite that failed to run at all (syntax error, crash) counts as one failed test.
const fs = require('node:fs');
const path = require('node:path');

const dir = path.resolve(__dirname, '..', '..', 'tmp', 'test-results');
const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];
const realDataSkipped = {};
for (const file of files) {
  const r = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  passed += r.passed;
  // A suite that failed with no failing test crashed before its tests ran: count it once.
  failed += r.failed + (r.failed === 0 ? r.failedSuites : 0);
  skipped += r.skipped;
  failures.push(...(r.failures ?? []));
  for (const [reason, n] of Object.entries(r.realDataSkipped ?? {}))
    realDataSkipped[reason] = (realDataSkipped[reason] ?? 0) + n;
  console.log(
    `${r.project}: ${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''}${r.failedSuites ? `, ${r.failedSuites} failed suites` : ''}`,
  );
}
// Checks that are not Jest runs (.ci/run's lint and type-check) leave one file each under checks/ when they fail.
const checksDir = path.join(dir, 'checks');
const failedChecks = fs.existsSync(checksDir) ? fs.readdirSync(checksDir).filter((f) => f.endsWith('.json')) : [];
for (const file of failedChecks) {
  const { check } = JSON.parse(fs.readFileSync(path.join(checksDir, file), 'utf8'));
  console.log(`${check}: FAILED (counted as 1 failed suite; its output is above)`);
  failed += 1;
}
const expected = Number(process.env.EXPECTED_PROJECTS || 0);
if (expected && files.length < expected) {
  failed += expected - files.length;
  console.log(`${expected - files.length} project(s) reported no results`);
}
// Named last, next to the counts, so a log read from its tail says which tests failed and why.
for (const failure of failures) console.log(`FAILED ${failure}`);
// The self-contained tier always runs; the real-data tier only where the Home Credit sample is (HOME_CREDIT_DIR).
for (const [reason, n] of Object.entries(realDataSkipped))
  console.log(`real-data tier skipped: ${reason} (${n} tests)`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
