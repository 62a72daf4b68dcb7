#!/usr/bin/env node
// Runs after `npm ci` / `npm install`: builds what npm cannot bring by itself.
//  1. LightGBM's shared library from the pinned PyPI sdist, then our node-addon-api binding (libs/lightgbm).
//  2. The pinned MLflow tracking server in a project-local virtualenv (tools/mlflow).
// Each step is cached and skips itself when its output is up to date. CREDIT_SCORING_SKIP_SETUP=1 skips all;
// CREDIT_SCORING_SKIP_MLFLOW=1 skips the MLflow venv (the API's runtime image does not need it).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
if (process.env.CREDIT_SCORING_SKIP_SETUP === '1') {
  console.log('[setup] skipped (CREDIT_SCORING_SKIP_SETUP=1)');
  process.exit(0);
}

const steps = [
  { name: 'LightGBM + native addon', script: 'libs/lightgbm/scripts/build.sh' },
  { name: 'MLflow server virtualenv', script: 'tools/mlflow/setup.sh', skip: 'CREDIT_SCORING_SKIP_MLFLOW' },
];

for (const step of steps) {
  const script = path.join(root, step.script);
  if (!fs.existsSync(script)) continue;
  if (step.skip && process.env[step.skip] === '1') {
    console.log(`[setup] ${step.name} skipped (${step.skip}=1)`);
    continue;
  }
  console.log(`[setup] ${step.name} (${step.script})`);
  const r = spawnSync('bash', [script], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`[setup] ${step.name} failed (exit ${r.status}); see the messages above.`);
    process.exit(r.status ?? 1);
  }
}
