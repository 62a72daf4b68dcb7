// OpenMP wait policy: how LightGBM training behaves alone and with a second training job on the same 2 cores, with
// libgomp's default (threads spin a while at each barrier) and with OMP_WAIT_POLICY=PASSIVE (threads sleep).
// The trainer path is measured: one boosting round per call with a validation set evaluated after each, as in
// early stopping (many short parallel regions, where spinning matters most).
//   flock /tmp/heavy.lock npx tsx tools/bench/lightgbm/omp-wait.ts
// Writes the 'omp-wait' section of docs/benchmarks.md. Env: BENCH_ROWS (100000), BENCH_ROUNDS (150).
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import { Dataset, type Params, train } from '@credit-scoring/lightgbm';
import { Random } from '@credit-scoring/data';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const COLS = 60;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 150);
const PARAMS: Params = {
  objective: 'binary',
  metric: 'auc',
  learning_rate: 0.05,
  num_leaves: 31,
  seed: 42,
  num_threads: 2,
  verbose: -1,
};

/** Deterministic matrix (the workspace's seeded Random) with a logistic label on a few columns. */
function matrix(rows: number, seed: number): { x: Float64Array; y: Float64Array } {
  const random = new Random(seed);
  const next = () => random.next();
  const x = new Float64Array(rows * COLS);
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < COLS; j++) x[i * COLS + j] = next() * 4 - 2;
    const logit = -2 + 0.9 * x[i * COLS + 1] - 0.6 * x[i * COLS + 2] + 0.7 * x[i * COLS + 4] * x[i * COLS + 5];
    y[i] = next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  return { x, y };
}

/** Child: one training job, prints its boosting seconds. */
async function trainOnce(): Promise<void> {
  const fit = matrix(ROWS, 2463534242);
  const held = matrix(ROWS / 4, 88675123);
  const trainSet = new Dataset(fit.x, { nRows: ROWS, nCols: COLS, label: fit.y, params: PARAMS });
  const validSet = new Dataset(held.x, {
    nRows: ROWS / 4,
    nCols: COLS,
    label: held.y,
    reference: trainSet,
    params: PARAMS,
  });
  const started = process.hrtime.bigint();
  const booster = await train(PARAMS, trainSet, { valid: [validSet], numBoostRound: ROUNDS });
  process.stdout.write(`${Number(process.hrtime.bigint() - started) / 1e9}\n`);
  booster.free();
  trainSet.free();
  validSet.free();
}

function runChild(policy: string | undefined): Promise<number> {
  const env = { ...process.env };
  if (policy) env.OMP_WAIT_POLICY = policy;
  else delete env.OMP_WAIT_POLICY;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, __filename, '--child'], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(Number(out.trim())) : reject(new Error(`child exited with ${code}`)),
    );
  });
}

async function main(): Promise<void> {
  const rows: string[] = [];
  const seconds: Array<{ alone: number; shared: number }> = [];
  for (const [label, policy] of [
    ['default (unset)', undefined],
    ['PASSIVE', 'PASSIVE'],
  ] as const) {
    const alone = await runChild(policy);
    const pair = await Promise.all([runChild(policy), runChild(policy)]);
    console.error(`${label}: alone ${alone.toFixed(1)} s, two at once ${pair.map((s) => s.toFixed(1)).join(' / ')} s`);
    seconds.push({ alone, shared: Math.max(...pair) });
    rows.push(
      `| ${label} | ${alone.toFixed(1)} s | ${Math.max(...pair).toFixed(1)} s | ${(Math.max(...pair) / alone).toFixed(1)}x |`,
    );
  }
  const [spin, passive] = seconds;
  const reading =
    `Reading: PASSIVE costs ${Math.round((passive.alone / spin.alone - 1) * 100)} % when the job has the cores to itself and ` +
    `is ${(spin.shared / passive.shared).toFixed(1)}x faster when two jobs share them. The project keeps the default ` +
    '(the trainer and the Kaggle-scale benchmark own the machine); set OMP_WAIT_POLICY=PASSIVE where LightGBM shares ' +
    'cores with other work (the API beside a training job, parallel CI jobs).';
  const md = [
    '## omp-wait',
    '',
    `LightGBM training (${ROWS.toLocaleString('en')} rows × ${COLS} columns, ${ROUNDS} rounds, num_threads 2, AUC on a ${(ROWS / 4).toLocaleString('en')}-row`,
    `validation set after every round as early stopping does), alone and with a second identical job at the same time,`,
    `by OpenMP wait policy. ${os.cpus().length} cores, ${new Date().toISOString().slice(0, 10)}.`,
    'Command: `flock /tmp/heavy.lock npx tsx tools/bench/lightgbm/omp-wait.ts`.',
    '',
    '| OMP_WAIT_POLICY | alone | two jobs at once (slower of the two) | slowdown |',
    '|---|---:|---:|---:|',
    ...rows,
    '',
    reading,
  ].join('\n');
  require('../write-section.js').writeSection('omp-wait', md);
  console.error('written to docs/benchmarks.md (section omp-wait)');
}

(process.argv.includes('--child') ? trainOnce() : main()).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
