// Writes this Jest run's totals to tmp/test-results/<project>.json; tools/jest/summarize.js adds them up.
const fs = require('node:fs');
const path = require('node:path');

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
    fs.writeFileSync(
      path.join(dir, `${project}.json`),
      JSON.stringify({
        project,
        passed: results.numPassedTests,
        failed: results.numFailedTests,
        skipped: results.numPendingTests + results.numTodoTests,
        failedSuites,
      }),
    );
  }
}
module.exports = CountReporter;
