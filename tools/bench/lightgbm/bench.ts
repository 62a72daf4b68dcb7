// LightGBM: our binding vs Python lightgbm 4.7.0, side by side on the same synthetic matrix.
//   flock /tmp/heavy.lock npx tsx tools/bench/lightgbm/bench.ts
// Needs the addon (npm ci) and the Python reference venv (bash tools/pyref/setup.sh). Writes the 'lightgbm' section
// of docs/benchmarks.md. Env: BENCH_ROWS (307511), BENCH_ROUNDS (200), BENCH_REPEATS (3).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { Booster, Dataset, type Params, train } from '@credit-scoring/lightgbm';
import { Random, workspaceRoot } from '@credit-scoring/data';

const ROOT = workspaceRoot();
const ROWS = Number(process.env.BENCH_ROWS ?? 307511);
const COLS = 120;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const SINGLE_CALLS = 20000;
const MEMORY_CALLS = 1_000_000;
const PARAMS: Params = {
  objective: 'binary',
  metric: 'auc',
  learning_rate: 0.05,
  num_leaves: 31,
  seed: 42,
  num_threads: 2,
  verbose: -1,
};
const DIR = path.join(ROOT, 'tmp', 'lightgbm-bench');
const PYTHON = path.join(ROOT, 'tools', 'pyref', '.venv', 'bin', 'python');

// Deterministic synthetic matrix (seeded Random), ~8% missing values and a logistic label on a few columns; written
// once to tmp/ as little-endian float64 so Python reads the very same numbers.
function writeMatrix(): void {
  if (fs.existsSync(path.join(DIR, 'y.f64')) && fs.statSync(path.join(DIR, 'X.f64')).size === ROWS * COLS * 8) return;
  fs.mkdirSync(DIR, { recursive: true });
  const random = new Random(2463534242);
  const next = () => random.next();
  const x = new Float64Array(ROWS * COLS);
  const y = new Float64Array(ROWS);
  for (let i = 0; i < ROWS; i++) {
    for (let j = 0; j < COLS; j++)
      x[i * COLS + j] = next() < 0.08 ? Number.NaN : j % 3 === 0 ? Math.floor(next() * 20) : next() * 4 - 2;
    const v = (k: number): number => (Number.isNaN(x[i * COLS + k]) ? 0 : x[i * COLS + k]);
    const logit = -2.4 + 0.9 * v(1) - 0.6 * v(2) + 0.05 * v(3) + 0.7 * v(4) * v(5) + 0.4 * Math.sin(3 * v(7));
    y[i] = next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  fs.writeFileSync(path.join(DIR, 'X.f64'), new Uint8Array(x.buffer));
  fs.writeFileSync(path.join(DIR, 'y.f64'), new Uint8Array(y.buffer));
}

function readF64(file: string): Float64Array {
  const buf = fs.readFileSync(file);
  return new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8);
}

// A full GC before each RSS reading, so the figure is what stays alive rather than garbage not yet collected.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const now = (): number => Number(process.hrtime.bigint()) / 1e9;
const rssMb = (): number => process.memoryUsage().rss / 2 ** 20;

async function trainNode(x: Float64Array, y: Float64Array): Promise<{ seconds: number; booster: Booster }> {
  const start = now();
  const trainSet = new Dataset(x, { nRows: ROWS, nCols: COLS, label: y });
  const booster = await train(PARAMS, trainSet, { numBoostRound: ROUNDS });
  const seconds = now() - start;
  trainSet.free();
  return { seconds, booster };
}

function predictNode(model: Booster, x: Float64Array) {
  let start = now();
  const pred = model.predict(x);
  const predict = now() - start;
  for (let i = 0; i < 100; i++) model.predictSingle(x.subarray(i * COLS, (i + 1) * COLS));
  start = now();
  for (let i = 0; i < SINGLE_CALLS; i++) {
    const r = i % ROWS;
    model.predictSingle(x.subarray(r * COLS, (r + 1) * COLS));
  }
  const single = (now() - start) / SINGLE_CALLS;

  // Memory: one million fast single-row predictions on reused row views.
  const rows = Array.from({ length: 1000 }, (_, i) => x.subarray(i * COLS, (i + 1) * COLS));
  gc();
  const rssBefore = rssMb();
  for (let i = 0; i < MEMORY_CALLS; i++) model.predictSingle(rows[i % 1000]);
  gc();
  const rssAfter = rssMb();
  return {
    predict,
    single,
    rssBefore,
    rssAfter,
    predSum: pred.reduce((a, b) => a + b, 0),
    numTrees: model.saveModel().split('\nTree=').length - 1,
  };
}

interface PythonResult {
  train: number;
  predict: number;
  single: number;
  predSum: number;
  numTrees: number;
}

/** One Python process: loads the matrix, trains once (timed) and, when asked, times predictions. */
function runPython(withPredictions: boolean): PythonResult {
  if (!fs.existsSync(PYTHON))
    throw new Error(`Python reference venv missing (${PYTHON}): run bash tools/pyref/setup.sh`);
  const r = spawnSync(
    PYTHON,
    [
      path.join(__dirname, 'bench_python.py'),
      DIR,
      String(ROWS),
      String(COLS),
      JSON.stringify(PARAMS),
      String(ROUNDS),
      withPredictions ? '1' : '0',
      String(SINGLE_CALLS),
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`Python bench failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as PythonResult;
}

async function main(): Promise<void> {
  writeMatrix();
  const x = readF64(path.join(DIR, 'X.f64'));
  const y = readF64(path.join(DIR, 'y.f64'));
  // Training runs alternate (ours, Python, ours, Python, ...) so load from elsewhere on the machine hits both.
  const nodeAll: number[] = [];
  const pyAll: number[] = [];
  let model: Booster | undefined;
  let pyLast: PythonResult | undefined;
  for (let r = 0; r < REPEATS; r++) {
    model?.free();
    const run = await trainNode(x, y);
    model = run.booster;
    nodeAll.push(run.seconds);
    pyLast = runPython(r === REPEATS - 1);
    pyAll.push(pyLast.train);
    console.log(`[bench] run ${r + 1}: ours ${run.seconds.toFixed(2)} s, Python ${pyLast.train.toFixed(2)} s`);
  }
  const node = { train: Math.min(...nodeAll), trainAll: nodeAll, ...predictNode(model as Booster, x) };
  const py = { ...(pyLast as PythonResult), train: Math.min(...pyAll), trainAll: pyAll };
  console.log('[bench] node', JSON.stringify(node));
  console.log('[bench] python', JSON.stringify(py));
  const ratio = node.train / py.train;
  const growth = (node.rssAfter - node.rssBefore) / node.rssBefore;
  const s = (v: number): string => `${v.toFixed(2)} s`;
  const us = (v: number): string => `${(v * 1e6).toFixed(1)} µs`;
  const markdown = `## LightGBM binding vs Python lightgbm 4.7.0

Command: \`flock /tmp/heavy.lock npx tsx tools/bench/lightgbm/bench.ts\` — ${new Date().toISOString().slice(0, 10)},
${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), Node ${process.version}. Data: ${ROWS.toLocaleString('en-US')} x ${COLS}
synthetic float64 rows (deterministic, ~8 % NaN, written once to \`tmp/lightgbm-bench/\` and read by both sides).
Params: \`${JSON.stringify(PARAMS)}\`, ${ROUNDS} rounds; training time = Dataset construction + train(), best of ${REPEATS} alternating runs.

| | ours (Node addon) | Python lightgbm | ours / Python |
|---|---|---|---|
| training (${ROUNDS} rounds) | ${s(node.train)} | ${s(py.train)} | **${ratio.toFixed(3)}** (target ≤ 1.05) |
| batch predict (${ROWS.toLocaleString('en-US')} rows) | ${s(node.predict)} | ${s(py.predict)} | ${(node.predict / py.predict).toFixed(3)} |
| single-row predict (mean of ${SINGLE_CALLS.toLocaleString('en-US')}) | ${us(node.single)} (fast path) | ${us(py.single)} (\`predict\` on a 1-row array) | ${(node.single / py.single).toFixed(3)} |

Same model: ${node.numTrees} vs ${py.numTrees} trees; sum of batch predictions ${node.predSum.toFixed(6)} vs ${py.predSum.toFixed(6)}.
All training runs: ours ${node.trainAll.map(s).join(', ')}; Python ${py.trainAll.map(s).join(', ')}.

Memory: ${MEMORY_CALLS.toLocaleString('en-US')} \`predictSingle\` calls: RSS ${node.rssBefore.toFixed(1)} MB → ${node.rssAfter.toFixed(1)} MB
(${(growth * 100).toFixed(2)} %, limit < 5 %).

Finding (2026-11-28): the earlier 1.10 was libgomp, not the build: with an idle OpenMP team left on the main thread (Dataset construction) and boosting on a libuv worker, libgomp manages more threads than CPUs and waits with only 100 spins, so each short parallel region paid a futex wake-up (boosting phase 12.38 s vs Python 10.32 s). The addon now releases the idle team (\`omp_pause_resource_all\`) around each boosting step; Python with our lib_lightgbm.so was as fast as with the wheel's (13.08/13.08/12.10 s vs 13.66/13.10/13.23 s). See libs/lightgbm/README.md.`;
  require(path.join(ROOT, 'tools', 'bench', 'write-section.js')).writeSection('lightgbm', markdown);
  console.log(markdown);
  if (ratio > 1.05 || growth >= 0.05) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
