// The planted default signal of the synthetic data, measured with our own LightGBM binding: 5-fold stratified CV
// ROC AUC on a simple application-level feature set (every application_train column, categoricals as integer codes,
// plus credit/income, annuity/income and credit/goods ratios). Same features and parameters as the Python reference
// check tools/bench/data/synthetic_auc.py (application-only row), so the two can be compared.
// Usage:
//   npx tsx tools/data/generate.ts --rows 50000 --seed 1 --out tmp/synth50k
//   flock /tmp/heavy.lock npx tsx tools/bench/data/synthetic-auc.ts tmp/synth50k
// Writes the 'generator-signal-ts' section of docs/benchmarks.md.
import os from 'node:os';
import path from 'node:path';
import { loadTables, SCHEMAS, workspaceRoot } from '@credit-scoring/data';
import { Dataset, train } from '@credit-scoring/lightgbm';
import { rocAuc } from '@credit-scoring/decision';
import { stratifiedKFold } from '@credit-scoring/scoring';

const { writeSection } = require('../write-section.js') as { writeSection: (name: string, markdown: string) => void };

const PARAMS = {
  objective: 'binary', learning_rate: 0.05, num_leaves: 31, min_data_in_leaf: 50, feature_fraction: 0.8,
  verbose: -1, seed: 0, num_threads: 2,
};

interface Matrix { data: Float64Array; nRows: number; nCols: number; names: string[]; categorical: number[]; target: Float64Array }

async function applicationMatrix(dir: string): Promise<Matrix> {
  const { application } = await loadTables(dir, { sideTables: false });
  const columns = Object.entries(SCHEMAS.application_train).filter(([name]) => name !== 'SK_ID_CURR' && name !== 'TARGET');
  const nRows = application.height;
  const values = (name: string) => application.getColumn(name).toArray() as (number | string | null)[];
  const features: Float64Array[] = [];
  const names: string[] = [];
  const categorical: number[] = [];
  for (const [name, type] of columns) {
    const raw = values(name);
    if (type === 'str') {
      // Integer codes over the sorted levels; missing stays NaN (LightGBM's missing category).
      const levels = [...new Set(raw.filter((v): v is string => v !== null))].sort();
      const code = new Map(levels.map((level, i) => [level, i]));
      categorical.push(names.length);
      features.push(Float64Array.from(raw, (v) => (v === null ? NaN : (code.get(v as string) as number))));
    } else {
      features.push(Float64Array.from(raw, (v) => (v === null ? NaN : (v as number))));
    }
    names.push(name);
  }
  const col = (name: string) => features[names.indexOf(name)];
  const ratio = (a: Float64Array, b: Float64Array) => a.map((v, i) => v / b[i]);
  const ratios: [string, Float64Array][] = [
    ['CREDIT_INCOME', ratio(col('AMT_CREDIT'), col('AMT_INCOME_TOTAL'))],
    ['ANNUITY_INCOME', ratio(col('AMT_ANNUITY'), col('AMT_INCOME_TOTAL'))],
    ['CREDIT_GOODS', ratio(col('AMT_CREDIT'), col('AMT_GOODS_PRICE'))],
  ];
  for (const [name, v] of ratios) {
    names.push(name);
    features.push(v);
  }
  const nCols = names.length;
  const data = new Float64Array(nRows * nCols);
  for (let c = 0; c < nCols; c++) for (let r = 0; r < nRows; r++) data[r * nCols + c] = features[c][r];
  const target = Float64Array.from(values('TARGET') as number[]);
  return { data, nRows, nCols, names, categorical, target };
}

function rowsOf(m: Matrix, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length * m.nCols);
  rows.forEach((r, i) => out.set(m.data.subarray(r * m.nCols, (r + 1) * m.nCols), i * m.nCols));
  return out;
}

async function main() {
  const dir = path.resolve(process.argv[2] ?? path.join(workspaceRoot(), 'tmp', 'synth50k'));
  const m = await applicationMatrix(dir);
  const oof = new Float64Array(m.nRows);
  const started = Date.now();
  const iterations: number[] = [];
  for (const fold of stratifiedKFold(m.target, 5, 0)) {
    const opts = { nCols: m.nCols, featureNames: m.names, categoricalFeatures: m.categorical };
    const trainSet = new Dataset(rowsOf(m, fold.train), { ...opts, nRows: fold.train.length, label: Array.from(fold.train, (r) => m.target[r]) });
    const validData = rowsOf(m, fold.valid);
    const validSet = new Dataset(validData, { ...opts, nRows: fold.valid.length, label: Array.from(fold.valid, (r) => m.target[r]), reference: trainSet });
    const booster = await train(PARAMS, trainSet, { valid: [validSet], validNames: ['valid'], numBoostRound: 2000, earlyStoppingRounds: 50 });
    iterations.push(booster.bestIteration);
    const preds = booster.predict(validData, booster.bestIteration > 0 ? { numIteration: booster.bestIteration } : {});
    fold.valid.forEach((r, i) => (oof[r] = preds[i]));
    booster.free();
    validSet.free();
    trainSet.free();
  }
  const auc = rocAuc(m.target, oof);
  const rate = m.target.reduce((s, v) => s + v, 0) / m.nRows;
  const rel = path.relative(workspaceRoot(), dir);
  const markdown = `## generator-signal-ts

Planted default signal measured with our binding (@credit-scoring/lightgbm): 5-fold stratified CV ROC AUC, out-of-fold,
on \`${rel}\` (${m.nRows.toLocaleString('en-US')} labelled applicants, default rate ${(100 * rate).toFixed(2)} %),
application-level features only (${m.nCols}: every application_train column, ${m.categorical.length} categoricals as codes,
3 ratios). learning_rate 0.05, 31 leaves, min_data_in_leaf 50, feature_fraction 0.8, early stopping 50
(best iterations ${iterations.join(', ')}). ${os.cpus().length} cores, ${new Date().toISOString().slice(0, 10)}, ${((Date.now() - started) / 1000).toFixed(0)} s.
Command: \`flock /tmp/heavy.lock npx tsx tools/bench/data/synthetic-auc.ts ${rel}\`

| features | ROC AUC | Kaggle anchor (full data, application only) |
|---|---|---|
| application-level (${m.nCols}) | ${auc.toFixed(4)} | ~0.75-0.77 |`;
  writeSection('generator-signal-ts', markdown);
  console.log(markdown);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
