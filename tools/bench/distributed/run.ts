/**
 * Distributed LightGBM benchmark: the same `trainer run --workers` job on 1, 2 and 4 `trainer worker` processes on
 * loopback (separate processes, LightGBM's own sockets between them), against a throw-away MLflow server.
 * Records wall time, per-worker phase times and per-worker peak RSS, and writes the 'distributed' section of
 * docs/benchmarks.md. Heavy: run it under the machine's lock.
 *
 *   flock /tmp/heavy.lock npx tsx tools/bench/distributed/run.ts [--rows 200000] [--workers 1,2,4] [--side-tables]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalServer } from '@credit-scoring/tracking/server';

const root = join(__dirname, '..', '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const main = join(root, 'apps', 'trainer', 'src', 'main.ts');
const { writeSection } = require('../write-section.js') as { writeSection: (name: string, md: string) => void };

interface Report {
  rank: number;
  trainRows: number;
  sendSeconds: number;
  seconds: { network: number; dataset: number; boosting: number; decisions: number; total: number };
  baselineRssBytes: number;
  peakRssBytes: number;
}
interface Outcome {
  workers: number;
  wall: number;
  testAuc: number;
  iterations: number;
  bestIteration: number;
  reports: Report[];
}

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '200000' },
    workers: { type: 'string', default: '1,2,4' },
    'side-tables': { type: 'boolean', default: false },
  },
});
const rows = Number(values.rows);
const counts = values.workers!.split(',').map(Number);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function start(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(tsx, [main, ...args], {
    cwd: root,
    detached: true,
    env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.base.json'), OMP_WAIT_POLICY: 'PASSIVE' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  return { child, output: () => text, exited: new Promise((r) => child.on('exit', (code) => r(code))) };
}

async function runOnce(n: number, trackingUri: string): Promise<Outcome> {
  const workers = [];
  for (let i = 0; i < n; i++) {
    const [control, lightgbm] = [await freePort(), await freePort()];
    const proc = start(['worker', '--listen', `127.0.0.1:${control}`, '--lightgbm-port', String(lightgbm), '--once']);
    workers.push({ proc, address: `127.0.0.1:${control}` });
  }
  const t0 = performance.now();
  const coord = start([
    'run',
    '--workers',
    workers.map((w) => w.address).join(','),
    '--rows',
    String(rows),
    ...(values['side-tables'] ? [] : ['--no-side-tables']),
    '--tracking-uri',
    trackingUri,
    '--experiment',
    'bench-distributed',
    '--step-timeout',
    '1800',
  ]);
  const code = await coord.exited;
  const wall = (performance.now() - t0) / 1000;
  await Promise.all(workers.map((w) => w.proc.exited));
  if (code !== 0) throw new Error(`${n} worker(s): coordinator exited ${code}\n${coord.output()}`);
  const result = JSON.parse(/^RESULT (.*)$/m.exec(coord.output())![1]) as Omit<Outcome, 'wall'>;
  process.stderr.write(`${n} worker(s): ${wall.toFixed(1)} s, test AUC ${result.testAuc.toFixed(4)}\n`);
  return { ...result, wall, workers: n };
}

function markdown(outcomes: Outcome[]): string {
  const mb = (b: number) => (b / 2 ** 20).toFixed(0);
  const s = (x: number) => x.toFixed(1);
  const lines = [
    '## Distributed LightGBM (data-parallel, loopback)',
    '',
    `\`trainer run --workers\` on ${rows.toLocaleString('en')} generated applicants ` +
      `(${values['side-tables'] ? 'all seven tables' : 'application table only'}), the \`lightgbm\` model with its ` +
      'default parameters and early stopping decided by the coordinator; each worker a separate process holding only ' +
      `its rows. Machine: ${cpus().length} cores shared by every process (and by other engineers' jobs): ` +
      'the workers compete for the same 2 cores, so more workers cannot be faster here. What the figures show is ' +
      'the memory per worker (about 1/N of the data) and the cost of the network and the coordination; on N machines ' +
      "each worker would have its own cores. `num_threads` 2 per worker (the trainer's default).",
    '',
    '| workers | wall (s) | iterations (best) | test AUC | rank | rows | send (s) | link (s) | bin (s) | boost (s) ' +
      '| wait (s) | peak RSS (MB) | data RSS (MB) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const o of outcomes) {
    o.reports.forEach((r, i) => {
      const head =
        i === 0
          ? `| ${o.workers} | ${s(o.wall)} | ${o.iterations} (${o.bestIteration}) | ${o.testAuc.toFixed(4)} `
          : '| | | | ';
      lines.push(
        `${head}| ${r.rank} | ${r.trainRows.toLocaleString('en')} | ${s(r.sendSeconds)} | ${s(r.seconds.network)} | ` +
          `${s(r.seconds.dataset)} | ${s(r.seconds.boosting)} | ${s(r.seconds.decisions)} | ${mb(r.peakRssBytes)} | ` +
          `${mb(r.peakRssBytes - r.baselineRssBytes)} |`,
      );
    });
  }
  lines.push(
    '',
    'wall: from starting the coordinator to its exit (loading the generated CSVs and fitting the features included; ' +
      'the MLflow server already running). ' +
      "send: transforming and sending the rank's rows; link: LGBM_NetworkInit; bin: building the datasets (bin " +
      'boundaries found jointly); boost: boosting iterations including the network reductions; wait: waiting for the ' +
      "coordinator's continue/stop. peak RSS: the worker process's getrusage maxrss; data RSS: peak minus the RSS " +
      'before its rows arrived.',
    '',
    'Command: `flock /tmp/heavy.lock npx tsx tools/bench/distributed/run.ts ' +
      `--rows ${rows} --workers ${counts.join(',')}` +
      `${values['side-tables'] ? ' --side-tables' : ''}\``,
  );
  return lines.join('\n');
}

async function benchMain(): Promise<void> {
  const store = mkdtempSync(join(tmpdir(), 'bench-distributed-'));
  const server = await startLocalServer({ storeDir: join(store, 'mlruns') });
  try {
    // The data first (cached in data/generated/<rows>-seed42, as `trainer run` reads it): not part of any timing.
    if (!existsSync(join(root, 'data', 'generated', `${rows}-seed42`, 'application_train.csv'))) {
      const gen = start(['generate', '--rows', String(rows)]);
      if ((await gen.exited) !== 0) throw new Error(`trainer generate failed:\n${gen.output()}`);
    }
    const outcomes: Outcome[] = [];
    for (const n of counts) outcomes.push(await runOnce(n, server.uri));
    const md = markdown(outcomes);
    process.stdout.write(`${md}\n`);
    writeSection('distributed', md);
  } finally {
    await server.stop();
    rmSync(store, { recursive: true, force: true });
  }
}

benchMain().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
