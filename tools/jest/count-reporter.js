// Writes this Jest run's totals to tmp/test-results/<project>.json; tools/jest/summarize.js adds them up.
// Skipped real-data suites carry their reason in their title (describeRealData in libs/data/src/testing): the
// reasons and how many tests they skipped are recorded too, so the summary can say why that tier did not run.
const fs = require('node:fs');
const path = require('node:path');

// The same text as REAL_DATA_SKIP_MARK in libs/data/src/testing/index.ts (this file is plain JS, loaded by Jest).
const REAL_DATA_SKIP_MARK = 'real-data tier skipped: ';

class CountReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }
  onRunComplete(_contexts, results) {
    const workspace = path.resolve(__dirname, '..', '..');
    const project = path.relative(workspace, this.rootDir).replace(/[\\/]/g, '-') || 'root';
    const dir = path.join(workspace, 'tmp', 'test-results');
    fs.mkdirSync(dir, { recursive: true });
    const failedSuites = results.numFailedTestSuites + results.numRuntimeErrorTestSuites;
    const realDataSkipped = {};
    for (const file of results.testResults) {
      for (const test of file.testResults) {
        if (test.status !== 'pending') continue;
        const title = [...test.ancestorTitles].reverse().find((t) => t.includes(REAL_DATA_SKIP_MARK));
        const reason = title?.slice(title.indexOf(REAL_DATA_SKIP_MARK) + REAL_DATA_SKIP_MARK.length).replace(/\]$/, '');
        if (reason) realDataSkipped[reason] = (realDataSkipped[reason] ?? 0) + 1;
      }
    }
    // Said at the end of every project's run too, so a plain `npm test` (not only .ci/run's summary) tells why.
    for (const [reason, n] of Object.entries(realDataSkipped)) {
      process.stderr.write(`${project}: real-data tier skipped: ${reason} (${n} tests)\n`);
    }
    fs.writeFileSync(
      path.join(dir, `${project}.json`),
      JSON.stringify({
        project,
        passed: results.numPassedTests,
        failed: results.numFailedTests,
        skipped: results.numPendingTests + results.numTodoTests,
        failedSuites,
        realDataSkipped,
      }),
    );
  }
}
module.exports = CountReporter;
