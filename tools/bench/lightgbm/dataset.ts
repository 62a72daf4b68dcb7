// Binning the champion's final fit: the rows of the training part read in place by the binding (sampled and pushed
// in blocks, libs/lightgbm/src/native/dataset.cc) beside LightGBM's own path on a copy of those rows
// (LGBM_DatasetCreateFromMat, as Python's lgb.Dataset(X[rows]) builds it). The matrix is the trainer's own at Kaggle
// scale: the features of the training part of the generated 307,511 applicants (all seven tables), split 85/15 for
// early stopping as the final fit does. Each way runs in its own process (its peak RSS is its own), interleaved.
//   flock /tmp/heavy.lock npx tsx tools/bench/lightgbm/dataset.ts [--rounds 3] [--data-dir data/generated/307511-seed42]
// Writes the 'dataset-binning' section of docs/benchmarks.md.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadTables, workspaceRoot } from '@credit-scoring/data';
import { FeatureColumns, FeaturePipeline, targetOf } from '@credit-scoring/features';
import { Dataset, train } from '@credit-scoring/lightgbm';
import { lightgbmSpec, stratifiedSplit } from '@credit-scoring/scoring';

const SEED = 42;
const WAYS = ['copy, then LightGBM from the copy', 'rows in place (the binding)'] as const;
type Way = (typeof WAYS)[number];

interface Measured {
  way: Way;
  fitSeconds: number;
  stopSeconds: number;
  peakRssGiB: number;
  rssBeforeGiB: number;
  /** md5 of a 20-round model trained on the two datasets: the same in both ways or the bench fails */
  model: string;
}

function argValue(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}

const gib = (bytes: number) => bytes / 2 ** 30;

/** One way, in this process: the matrix from `dir`, both datasets timed, a short fit to check they are the same. */
async function child(dir: string, way: Way): Promise<void> {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as {
    nRows: number;
    nCols: number;
    categorical: number[];
  };
  const bytes = readFileSync(join(dir, 'matrix.f64'));
  const x = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
  const y = labelsOf(dir);
  const setup = lightgbmSpec.trainingSetup({}, SEED);
  const all = Int32Array.from({ length: meta.nRows }, (_, i) => i);
  const split = stratifiedSplit(y, all, 0.15, SEED);
  const rssBefore = process.memoryUsage().rss;
  const make = (rows: Int32Array, reference?: Dataset) => {
    const opts = {
      nRows: rows.length,
      nCols: meta.nCols,
      label: Float64Array.from(rows, (r) => y[r]),
      categoricalFeatures: meta.categorical,
      params: setup.params,
      reference,
    };
    if (way === 'rows in place (the binding)') return new Dataset(x, { ...opts, rows });
    const copy = new Float64Array(rows.length * meta.nCols);
    rows.forEach((r, k) => copy.set(x.subarray(r * meta.nCols, (r + 1) * meta.nCols), k * meta.nCols));
    return new Dataset(copy, opts);
  };
  // train() bins its datasets and creates the booster before its first await: the training rows are timed with a
  // one-round booster, the early-stopping rows with the second booster that checks the model.
  let started = performance.now();
  const fit = make(split.train);
  const probe = train(setup.params, fit, { numBoostRound: 1 });
  const fitSeconds = (performance.now() - started) / 1000;
  (await probe).free();
  started = performance.now();
  const stop = make(split.valid, fit);
  const checked = train(setup.params, fit, { valid: [stop], numBoostRound: 20 });
  const stopSeconds = (performance.now() - started) / 1000;
  const model = createHash('md5')
    .update((await checked).saveModel())
    .digest('hex');
  const result: Measured = {
    way,
    fitSeconds,
    stopSeconds,
    peakRssGiB: gib(peakRss()),
    rssBeforeGiB: gib(rssBefore),
    model,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/**
 * This process's peak RSS (VmHWM, bytes). Not resourceUsage().maxRSS: Linux carries ru_maxrss over exec, so a child
 * would report its parent's peak (the features, ~10 GiB here).
 */
function peakRss(): number {
  const line = readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmHWM:'));
  if (!line) throw new Error('no VmHWM in /proc/self/status');
  return Number(line.split(/\s+/)[1]) * 1024;
}

function labelsOf(dir: string): Float64Array {
  const bytes = readFileSync(join(dir, 'label.f64'));
  return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
}

/** The final fit's matrix: the trainer's features of the training part, written to `dir` for the children. */
async function writeMatrix(dataDir: string, dir: string): Promise<{ nRows: number; nCols: number }> {
  const tables = await loadTables(dataDir, { application: 'train', sideTables: true });
  const target = Float64Array.from(tables.application.getColumn('TARGET').toArray() as number[]);
  // The trainer's training part (its makeSplits: a stratified 20 % test hold-out, seed 42).
  const all = Int32Array.from({ length: target.length }, (_, i) => i);
  const trainRows = stratifiedSplit(target, all, 0.2, SEED).train;
  const columns = FeatureColumns.of(tables, { sideTables: true });
  const pipeline = FeaturePipeline.fit(columns, { rows: trainRows, sideTables: true });
  const m = pipeline.transform(columns, { rows: trainRows });
  writeFileSync(join(dir, 'matrix.f64'), new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength));
  const y = targetOf(m);
  writeFileSync(join(dir, 'label.f64'), new Uint8Array(y.buffer, y.byteOffset, y.byteLength));
  const meta = { nRows: m.nRows, nCols: m.nCols, categorical: m.categoricalFeatures };
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
  return meta;
}

async function main(): Promise<void> {
  const childAt = process.argv.indexOf('--child');
  if (childAt > 0) return child(process.argv[childAt + 1], process.argv[childAt + 2] as Way);
  const rounds = Number(argValue('--rounds', '3'));
  const dataDir = resolve(workspaceRoot(), argValue('--data-dir', 'data/generated/307511-seed42'));
  const dir = mkdtempSync(join(tmpdir(), 'credit-scoring-binning-'));
  try {
    const { nRows, nCols } = await writeMatrix(dataDir, dir);
    process.stderr.write(`${nRows} training applicants x ${nCols} features\n`);
    const results: Measured[] = [];
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? [...WAYS] : [...WAYS].reverse();
      for (const way of order) {
        const out = execFileSync(process.execPath, [...process.execArgv, __filename, '--child', dir, way], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'inherit'],
          maxBuffer: 1 << 20,
        });
        const measured = JSON.parse(out.trim().split('\n').at(-1) ?? '') as Measured;
        results.push(measured);
        process.stderr.write(
          `round ${round + 1} ${way}: ${measured.fitSeconds.toFixed(2)} s + ${measured.stopSeconds.toFixed(2)} s, ` +
            `peak ${measured.peakRssGiB.toFixed(2)} GiB\n`,
        );
      }
    }
    if (new Set(results.map((r) => r.model)).size !== 1) throw new Error('the two ways trained different models');
    writeSection(results, rounds, nRows, nCols);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function writeSection(results: Measured[], rounds: number, nRows: number, nCols: number): void {
  const median = (a: number[]) => a.slice().sort((p, q) => p - q)[Math.floor(a.length / 2)];
  const cell = (a: number[]) => `${median(a).toFixed(2)} (${a.map((t) => t.toFixed(2)).join(', ')})`;
  const fitRows = Math.round(nRows * 0.85).toLocaleString('en');
  const rows = WAYS.map((way) => {
    const mine = results.filter((r) => r.way === way);
    return (
      `| ${way} | ${cell(mine.map((r) => r.fitSeconds))} | ${cell(mine.map((r) => r.stopSeconds))} | ` +
      `${median(mine.map((r) => r.peakRssGiB - r.rssBeforeGiB)).toFixed(2)} |`
    );
  });
  const md = [
    '## dataset-binning',
    '',
    `Command: \`flock /tmp/heavy.lock npx tsx tools/bench/lightgbm/dataset.ts --rounds ${rounds}\``,
    `(${new Date().toISOString().slice(0, 16)} UTC, 2 cores). The champion's final fit at Kaggle scale: the trainer's`,
    `${nRows.toLocaleString('en')} x ${nCols} training matrix of the generated 307,511 applicants (all seven tables),`,
    `split 85/15 as the final fit does for early stopping; LightGBM bins ~${fitRows} rows (a sample of 200,000 for the`,
    "bin boundaries, its default) with the lightgbm family's parameters, then the other rows against those bins.",
    'Each way in its own process, interleaved, the matrix read from a file; seconds median of the rounds (each',
    'listed). "Peak over the matrix": the process\'s peak RSS less its RSS with the matrix loaded. Both ways train the',
    'same model (md5 of a 20-round model, checked).',
    '',
    '| way | training rows binned (+ booster set-up), s | early-stopping rows binned (+ booster set-up), s | peak over the matrix, GiB |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
  process.stdout.write(`${md}\n`);
  require('../write-section.js').writeSection('dataset-binning', md);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
