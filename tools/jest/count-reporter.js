// Writes this Jest run's totals to tmp/test-results/<project>.json; tools/jest/summarize.js adds them up.
// Skipped real-data suites carry their reason in their title (describeRealData in libs/data/src/testing): the
// reasons and how many tests they skipped are recorded too, so the summary can say why that tier did not run.
const fs = require('node:fs');
const path = require('node:path');

// The same text as REAL_DATA_SKIP_MARK in libs/data/src/testing/index.ts (this file is plain JS, loaded by Jest).
const REAL_DATA_SKIP_MARK = 'real-data tier skipped: ';

// The first lines of an error text (up to its stack), without ANSI colours, joined to fit one line of a log.
function errorHead(text) {
  const lines = String(text ?? '')
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .map((l) => l.trim());
  const stack = lines.findIndex((l) => l.startsWith('at '));
  const head = lines.slice(0, stack < 0 ? lines.length : stack).filter((l) => l.length > 0);
  return (head.slice(0, 4).join(' | ') || '(no message)').slice(0, 400);
}

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
    // Failing tests by name, with the first lines of their error: CI logs are often read from their tail only, and
    // summarize.js prints these just above the closing line.
    const failures = [];
    for (const file of results.testResults) {
      const where = path.relative(workspace, file.testFilePath);
      if (file.testExecError) failures.push(`${where}: suite did not run: ${errorHead(file.testExecError.message)}`);
      for (const test of file.testResults) {
        if (test.status === 'failed')
          failures.push(`${where}: ${test.fullName}: ${errorHead(test.failureMessages[0])}`);
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
        failures,
      }),
    );
  }
}
module.exports = CountReporter;
